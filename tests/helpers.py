"""Shared test helpers: differential checks of ember against PyTorch.

The central entry point is :func:`check_op`, which runs the same function on
identical inputs in both frameworks and compares shapes, dtypes, values and
gradients. :func:`ember_gradcheck` runs ember's own numerical gradient checks
and needs no torch at all.

Example::

    check_op(lambda a, b: a * b, shapes=[(3, 1), (1, 4)])
"""
import inspect

import numpy as np
import pytest

import ember

try:  # torch is optional: differential tests skip without it
    import torch
except ImportError:  # pragma: no cover - exercised only on torch-free machines
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")

# Forward tolerances per dtype (atol, rtol).
_TOL = {
    "float16": (1e-3, 1e-3),
    "bfloat16": (1e-2, 1e-2),
    "float32": (1e-5, 1e-5),
    "float64": (1e-10, 1e-9),
}
# Gradient tolerances per dtype (atol, rtol).
_GRAD_TOL = {
    "float16": (1e-2, 1e-2),
    "bfloat16": (5e-2, 5e-2),
    "float32": (1e-4, 1e-4),
    "float64": (1e-9, 1e-8),
}


# --------------------------------------------------------------------------- names


def dtype_name(dt):
    """Return a framework-neutral dtype name: ``torch.float32``/``ember.float32``/np -> 'float32'."""
    if isinstance(dt, str):
        return dt.split(".")[-1]
    if isinstance(dt, (np.dtype, type)):
        try:
            return np.dtype(dt).name
        except TypeError:
            pass
    return str(dt).split(".")[-1]


def ember_dtype(name):
    """The ember dtype object called ``name`` (e.g. 'float32')."""
    return getattr(ember, dtype_name(name))


def torch_dtype(name):
    """The torch dtype object called ``name`` (e.g. 'float32')."""
    return getattr(torch, dtype_name(name))


def is_float(name):
    return dtype_name(name) in FLOAT_DTYPES


def _np_dtype(name):
    name = dtype_name(name)
    return np.float32 if name == "bfloat16" else np.dtype(name)


def _fn_name(fn):
    name = getattr(fn, "__name__", repr(fn))
    if name == "<lambda>":
        try:
            src = inspect.getsource(fn).strip()
        except (OSError, TypeError):
            return name
        return src if len(src) < 160 else src[:157] + "..."
    return name


# --------------------------------------------------------------------------- inputs


def make_inputs(shapes, dtype="float32", low=-2.0, high=2.0, seed=0, requires_grad=True,
                noncontig=False, positive=False, integer=False):
    """Build deterministic NumPy arrays, one per shape.

    ``dtype`` may be a single name or a sequence with one name per shape.
    ``positive`` draws from ``[max(low, 0.1), high]``; ``integer`` draws integer
    values in ``[low, high]`` (stored in ``dtype``, so floats can hold integers).
    Integer dtypes always get integer values, bool gets random True/False.
    ``noncontig`` returns non-contiguous arrays (transposed views) for ndim >= 2.
    ``requires_grad`` is accepted for API symmetry; NumPy arrays carry no grad flag.
    """
    del requires_grad
    rng = np.random.default_rng(seed)
    dtypes = list(dtype) if isinstance(dtype, (list, tuple)) else [dtype] * len(shapes)
    if len(dtypes) != len(shapes):
        raise ValueError("need one dtype per shape")
    lo, hi = float(low), float(high)
    if positive:
        lo = max(lo, 0.1)
        hi = max(hi, lo + 1.0)
    out = []
    for shape, dt in zip(shapes, dtypes):
        shape = tuple(shape)
        name = dtype_name(dt)
        if name == "bool":
            arr = rng.integers(0, 2, size=shape).astype(bool)
        elif integer or not is_float(name):
            ilo, ihi = int(np.ceil(lo)), int(np.floor(hi))
            if name == "uint8":
                ilo = max(ilo, 0)
                ihi = max(ihi, ilo)
            arr = rng.integers(ilo, ihi + 1, size=shape).astype(_np_dtype(name))
        else:
            arr = rng.uniform(lo, hi, size=shape).astype(_np_dtype(name))
        if noncontig and arr.ndim >= 2:
            arr = np.ascontiguousarray(np.swapaxes(arr, -1, -2)).swapaxes(-1, -2)
        out.append(arr)
    return out


def to_numpy(x):
    """Turn an ember/torch tensor, NumPy array or Python scalar into a NumPy array."""
    if isinstance(x, np.ndarray):
        return x
    if torch is not None and isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        if x.dtype == torch.bfloat16:
            x = x.to(torch.float32)
        return x.numpy()
    if hasattr(x, "detach"):
        return np.asarray(x.detach().numpy())
    return np.asarray(x)


def _make_tensors(arrays, nc, grads):
    """Build (torch_tensors, ember_tensors) from the same arrays.

    With ``nc`` every input of ndim >= 2 is built from its transposed copy and
    transposed back, identically in both frameworks, so it is non-contiguous.
    """
    tts, ets = [], []
    for arr, rg in zip(arrays, grads):
        name = arr.dtype.name
        if nc and arr.ndim >= 2:
            base = np.ascontiguousarray(np.swapaxes(arr, -1, -2))
            tt = torch.from_numpy(base.copy()).transpose(-1, -2) if torch is not None else None
            et = ember.tensor(base.copy()).transpose(-1, -2)
        else:
            tt = torch.from_numpy(arr.copy()) if torch is not None else None
            et = ember.tensor(arr.copy())
        del name
        if rg:
            if tt is not None:
                tt.requires_grad_(True)
            et.requires_grad_(True)
        tts.append(tt)
        ets.append(et)
    return tts, ets


# --------------------------------------------------------------------------- comparison


def _compare_arrays(actual, expected, atol, rtol, where):
    """Assert two arrays agree: shape, NaN/inf positions, and values within tolerance."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (
        f"{where}: shape mismatch: ember {actual.shape} vs expected {expected.shape}")
    if expected.dtype == bool or actual.dtype == bool or (
            np.issubdtype(expected.dtype, np.integer) and np.issubdtype(actual.dtype, np.integer)):
        bad = actual != expected
        if bad.any():
            idx = np.argwhere(bad)[:5].tolist()
            raise AssertionError(
                f"{where}: {int(bad.sum())} mismatching elements (exact compare), first at {idx}: "
                f"ember {actual[bad][:5]} vs expected {expected[bad][:5]}")
        return
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    an, en = np.isnan(a), np.isnan(e)
    if not np.array_equal(an, en):
        raise AssertionError(
            f"{where}: NaN positions differ: ember NaN at {np.argwhere(an)[:5].tolist()}, "
            f"expected NaN at {np.argwhere(en)[:5].tolist()}")
    ai, ei = np.isinf(a), np.isinf(e)
    if not (np.array_equal(ai, ei) and np.array_equal(a[ai], e[ei])):
        raise AssertionError(
            f"{where}: inf positions/signs differ: ember {np.argwhere(ai)[:5].tolist()} "
            f"vs expected {np.argwhere(ei)[:5].tolist()}")
    fin = ~(en | ei)
    err = np.abs(a[fin] - e[fin])
    tol = atol + rtol * np.abs(e[fin])
    if err.size and (err > tol).any():
        worst = int(np.argmax(err - tol))
        raise AssertionError(
            f"{where}: max abs err {err.max():.3g} (atol={atol:g}, rtol={rtol:g}); "
            f"{int((err > tol).sum())}/{err.size} elements out of tolerance; worst: ember "
            f"{a[fin][worst]!r} vs expected {e[fin][worst]!r}")


def _tol(value, table, name, idx):
    default = table.get(name, table["float32"])[idx]
    if value is None:
        return default
    if isinstance(value, dict):
        return value.get(name, default)
    return value


def assert_close(actual, expected, atol=None, rtol=None, *, check_dtype=False, msg=""):
    """Assert an ember tensor/array matches a NumPy array, torch tensor or scalar.

    Default tolerances come from the expected dtype. NaN positions must agree.
    ``check_dtype`` additionally compares dtype names.
    """
    a_np = to_numpy(actual)
    e_np = to_numpy(expected)
    if not isinstance(expected, np.ndarray) and np.ndim(e_np) == 0 and not hasattr(expected, "dtype"):
        e_np = np.asarray(expected)
    name = e_np.dtype.name if e_np.dtype.name in _TOL else "float64" if e_np.dtype.kind == "f" else "float32"
    if check_dtype:
        an = dtype_name(actual.dtype) if hasattr(actual, "dtype") else a_np.dtype.name
        en = dtype_name(expected.dtype) if hasattr(expected, "dtype") else e_np.dtype.name
        assert an == en, f"{msg} dtype mismatch: ember {an} vs expected {en}"
    _compare_arrays(a_np, e_np, _tol(atol, _TOL, name, 0), _tol(rtol, _TOL, name, 1),
                    msg or "assert_close")


def _flatten(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flatten(o))
        return res
    return [out]


def _is_tensor(x):
    return hasattr(x, "detach") and hasattr(x, "dtype") and hasattr(x, "shape")


# --------------------------------------------------------------------------- check_op


def check_op(torch_fn, ember_fn=None, shapes=((3, 4),), *, dtypes=("float32", "float64"),
             low=-2.0, high=2.0, grad=True, noncontig=True, positive=False, integer=False,
             atol=None, rtol=None, grad_atol=None, grad_rtol=None, seed=0):
    """Run ``torch_fn`` on torch tensors and ``ember_fn or torch_fn`` on ember tensors, compare.

    For every dtype in ``dtypes`` (a name, or a tuple of names giving one dtype per
    input) identical NumPy inputs are built; if ``noncontig`` a second pass makes
    each input of ndim >= 2 non-contiguous. Outputs (a tensor or nested tuple/list)
    must agree in shape, dtype name and values (NaN positions equal). With ``grad``
    (a bool, or one bool per input) every floating input requires grad and the
    gradients of ``sum(out_i * w_i)`` for fixed random weights ``w_i`` are compared,
    as is each output's ``requires_grad`` flag. Tolerances may be scalars or dicts
    keyed by dtype name.
    """
    if torch is None:
        pytest.skip("torch not installed")
    ember_fn = ember_fn or torch_fn
    op = _fn_name(torch_fn)
    shapes = [tuple(s) for s in shapes]
    if isinstance(dtypes, str):
        dtypes = (dtypes,)
    for dtype in dtypes:
        names = ([dtype_name(d) for d in dtype] if isinstance(dtype, (tuple, list))
                 else [dtype_name(dtype)] * len(shapes))
        arrays = make_inputs(shapes, names, low=low, high=high, seed=seed,
                             positive=positive, integer=integer)
        gflags = list(grad) if isinstance(grad, (tuple, list)) else [grad] * len(shapes)
        grads = [bool(g) and is_float(n) and n not in ("bfloat16",) for g, n in zip(gflags, names)]
        passes = [False, True] if noncontig and any(a.ndim >= 2 for a in arrays) else [False]
        for nc in passes:
            where = f"op {op!r} dtype={dtype} shapes={shapes} noncontig={nc}"
            _check_once(torch_fn, ember_fn, arrays, grads, nc, where, seed,
                        atol, rtol, grad_atol, grad_rtol)


def check_values(torch_fn, ember_fn=None, arrays=(), *, grad=False, noncontig=False,
                 atol=None, rtol=None, grad_atol=None, grad_rtol=None, seed=0):
    """Like :func:`check_op` but on the given NumPy ``arrays`` (e.g. with NaN/inf/ties).

    ``grad`` (a bool or one bool per array) makes floating arrays require grad and
    compares gradients; ``noncontig`` adds a non-contiguous pass.
    """
    if torch is None:
        pytest.skip("torch not installed")
    ember_fn = ember_fn or torch_fn
    arrays = [np.asarray(a) for a in arrays]
    gflags = list(grad) if isinstance(grad, (tuple, list)) else [grad] * len(arrays)
    grads = [bool(g) and is_float(a.dtype.name) for g, a in zip(gflags, arrays)]
    passes = [False, True] if noncontig and any(a.ndim >= 2 for a in arrays) else [False]
    for nc in passes:
        where = (f"op {_fn_name(torch_fn)!r} dtypes={[a.dtype.name for a in arrays]} "
                 f"shapes={[a.shape for a in arrays]} noncontig={nc}")
        _check_once(torch_fn, ember_fn, arrays, grads, nc, where, seed,
                    atol, rtol, grad_atol, grad_rtol)


def _check_once(torch_fn, ember_fn, arrays, grads, nc, where, seed, atol, rtol, gatol, grtol):
    tts, ets = _make_tensors(arrays, nc, grads)
    t_out = torch_fn(*tts)
    e_out = ember_fn(*ets)
    t_list, e_list = _flatten(t_out), _flatten(e_out)
    assert len(t_list) == len(e_list), (
        f"{where}: torch returned {len(t_list)} outputs, ember {len(e_list)}")
    any_grad = any(grads)
    for i, (t, e) in enumerate(zip(t_list, e_list)):
        w_i = f"{where} output[{i}]"
        if not isinstance(t, torch.Tensor):
            assert not _is_tensor(e), f"{w_i}: torch returned {type(t).__name__}, ember a tensor"
            assert t == e or (t != t and e != e), f"{w_i}: torch {t!r} vs ember {e!r}"
            continue
        assert _is_tensor(e), f"{w_i}: ember returned {type(e).__name__}, expected a tensor"
        tname, ename = dtype_name(t.dtype), dtype_name(e.dtype)
        assert tname == ename, f"{w_i}: dtype mismatch: ember {ename} vs torch {tname}"
        assert tuple(e.shape) == tuple(t.shape), (
            f"{w_i}: shape mismatch: ember {tuple(e.shape)} vs torch {tuple(t.shape)}")
        _compare_arrays(to_numpy(e), to_numpy(t), _tol(atol, _TOL, tname, 0),
                        _tol(rtol, _TOL, tname, 1), w_i)
        if any_grad:
            assert bool(e.requires_grad) == bool(t.requires_grad), (
                f"{w_i}: requires_grad ember {e.requires_grad} vs torch {t.requires_grad}")
    if not any_grad:
        return
    rng = np.random.default_rng(seed + 1000)
    t_loss, e_loss = None, None
    for t, e in zip(t_list, e_list):
        if not (isinstance(t, torch.Tensor) and t.requires_grad):
            continue
        w = rng.uniform(-1.0, 1.0, size=tuple(t.shape)).astype(_np_dtype(dtype_name(t.dtype)))
        tl = (t * torch.from_numpy(w.copy())).sum()
        el = (e * ember.tensor(w.copy())).sum()
        t_loss = tl if t_loss is None else t_loss + tl
        e_loss = el if e_loss is None else e_loss + el
    if t_loss is None:
        return
    t_loss.backward()
    e_loss.backward()
    for k, (tt, et, rg) in enumerate(zip(tts, ets, grads)):
        if not rg:
            continue
        w_k = f"{where} grad of input[{k}]"
        tg, eg = tt.grad, et.grad
        if tg is None:
            assert eg is None or not np.any(to_numpy(eg)), f"{w_k}: torch grad is None, ember {eg}"
            continue
        assert eg is not None, f"{w_k}: ember grad is None, torch has a gradient"
        gname = dtype_name(tg.dtype)
        assert dtype_name(eg.dtype) == gname, (
            f"{w_k}: grad dtype ember {dtype_name(eg.dtype)} vs torch {gname}")
        _compare_arrays(to_numpy(eg), to_numpy(tg), _tol(gatol, _GRAD_TOL, gname, 0),
                        _tol(grtol, _GRAD_TOL, gname, 1), w_k)


# --------------------------------------------------------------------------- gradcheck

_GC_KEYS = ("eps", "atol", "rtol", "nondet_tol", "raise_exception")


def ember_gradcheck(fn, shapes, *, low=-2.0, high=2.0, seed=0, positive=False,
                    gradgrad=True, inputs=None, **kw):
    """Run ``ember.autograd.gradcheck`` and ``gradgradcheck`` on float64 inputs.

    Builds one float64 ember tensor with ``requires_grad=True`` per shape (or uses
    the NumPy arrays in ``inputs``), then asserts both checks return True. Extra
    keyword arguments (``eps``, ``atol``, ``rtol``, ...) go to both checks.
    ``gradgrad=False`` skips the second-order check.
    """
    unknown = set(kw) - set(_GC_KEYS)
    if unknown:
        raise TypeError(f"unknown gradcheck options: {sorted(unknown)}")
    if inputs is None:
        inputs = make_inputs([tuple(s) for s in shapes], "float64", low=low, high=high,
                             seed=seed, positive=positive)
    tensors = tuple(ember.tensor(np.asarray(a, dtype=np.float64).copy(), requires_grad=True)
                    for a in inputs)
    name = _fn_name(fn)
    assert ember.autograd.gradcheck(fn, tensors, **kw) is True, f"gradcheck failed for {name}"
    if gradgrad:
        assert ember.autograd.gradgradcheck(fn, tensors, **kw) is True, (
            f"gradgradcheck failed for {name}")


def dual(f):
    """Turn ``f(module, *args)`` into a ``(torch_fn, ember_fn)`` pair for :func:`check_op`.

    Example: ``check_op(*dual(lambda m, a: m.exp(a)))``.
    """
    name = _fn_name(f)

    def torch_fn(*args):
        return f(torch, *args)

    def ember_fn(*args):
        return f(ember, *args)

    torch_fn.__name__ = ember_fn.__name__ = name
    return torch_fn, ember_fn


def check_raises(torch_fn, ember_fn=None, arrays=()):
    """Assert torch raises on ``arrays`` and ember raises the same exception class.

    The expected class is whatever torch raises (e.g. ``RuntimeError`` or
    ``IndexError``); ember may raise that class or a subclass of it.
    """
    if torch is None:
        pytest.skip("torch not installed")
    ember_fn = ember_fn or torch_fn
    arrays = [np.asarray(a) for a in arrays]
    try:
        torch_fn(*[torch.from_numpy(a.copy()) for a in arrays])
    except Exception as exc:  # noqa: BLE001 - we record whatever torch raises
        expected = type(exc)
    else:
        raise AssertionError(f"{_fn_name(torch_fn)}: torch did not raise; bad test")
    with pytest.raises(expected):
        ember_fn(*[ember.tensor(a.copy()) for a in arrays])
