"""ember.testing (torch.testing's names): `assert_close` with torch's pairing rules, tolerances and messages.

Inputs are compared pairwise: tensors with tensors, numpy arrays with numpy arrays, Python/numpy numbers with
numbers, booleans with booleans, None with None, and sequences and mappings element by element (the failing item
is named at the end of the message). Omitted tolerances default per dtype as in torch (float16 1e-3/1e-5,
bfloat16 1.6e-2/1e-5, float32 1.3e-6/1e-5, float64 1e-7/1e-7 as rtol/atol; integers and booleans exactly).
"""
from __future__ import annotations

import cmath
import collections.abc as _abc
from typing import Any, Callable

import numpy as np

from . import _dtype
from ._tensor import Tensor, _host

__all__ = ["assert_close", "assert_allclose"]

_PRECISIONS = {"float16": (1e-3, 1e-5), "bfloat16": (0.016, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7)}
_NUMBER_DTYPE = {int: "int64", float: "float64", complex: "float64"}


class _Fail(Exception):
    """A mismatch: the exception type to raise, its message and the item path where it happened."""

    def __init__(self, kind: type, msg: str, path: tuple = ()) -> None:
        super().__init__(msg)
        self.kind, self.msg, self.path = kind, msg, path


def _tolerances(names: tuple, rtol, atol) -> tuple[float, float]:
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, "
                         f"but got no {'rtol' if rtol is None else 'atol'}.")
    if rtol is not None:
        return rtol, atol
    pairs = [_PRECISIONS.get(n, (0.0, 0.0)) for n in names]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _mismatch_msg(identifier: str, extra: str, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol) -> str:
    equality = rtol == 0 and atol == 0

    def line(kind: str, diff, idx, tol) -> str:
        text = f"{kind.title()} difference: {diff}" if idx is None else f"Greatest {kind} difference: {diff} at index {idx}"
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_msg(actual, expected, rtol, atol) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff, None,
                         rtol)


def _compare_numbers(a, e, rtol, atol, equal_nan, check_dtype) -> None:
    a = a.item() if isinstance(a, np.number) else a
    e = e.item() if isinstance(e, np.number) else e
    rtol, atol = _tolerances((_NUMBER_DTYPE.get(type(a), "int64"), _NUMBER_DTYPE.get(type(e), "int64")), rtol, atol)
    if check_dtype and type(a) is not type(e):
        raise _Fail(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.")
    if a == e or (equal_nan and cmath.isnan(a) and cmath.isnan(e)):
        return
    diff = abs(a - e)
    if cmath.isfinite(diff) and diff <= atol + rtol * abs(e):
        return
    raise _Fail(AssertionError, _scalar_msg(a, e, rtol, atol))


def _unravel(flat: int, shape: tuple) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def _compare_arrays(a: np.ndarray, e: np.ndarray, names: tuple, rtol, atol, equal_nan, check_dtype,
                    check_device, check_stride, devices, strides, reprs) -> None:
    if a.shape != e.shape:
        raise _Fail(AssertionError, f"The values for attribute 'shape' do not match: {reprs[0]} != {reprs[1]}.")
    if check_device and devices[0] != devices[1]:
        raise _Fail(AssertionError, f"The values for attribute 'device' do not match: {devices[0]} != {devices[1]}.")
    if check_dtype and names[0] != names[1]:
        raise _Fail(AssertionError, f"The values for attribute 'dtype' do not match: {reprs[2]} != {reprs[3]}.")
    if check_stride and strides[0] != strides[1]:
        raise _Fail(AssertionError, f"The values for attribute 'stride()' do not match: {strides[0]} != {strides[1]}.")
    rtol, atol = _tolerances(names, rtol, atol)
    common = np.result_type(a, e)
    a, e = a.astype(common, copy=False), e.astype(common, copy=False)
    with np.errstate(all="ignore"):
        if common.kind == "f":  # half values are compared in float32, like torch's CPU kernels
            wide = np.float32 if common == np.float16 else common
            matches = np.isclose(a.astype(wide), e.astype(wide), rtol=rtol, atol=atol, equal_nan=equal_nan)
        elif rtol == 0 and atol == 0:
            matches = a == e
        else:
            matches = np.abs(a.astype(np.float64) - e) <= atol + rtol * np.abs(e.astype(np.float64))
        if matches.all():
            return
        if a.ndim == 0:
            raise _Fail(AssertionError, _scalar_msg(a.item(), e.item(), rtol, atol))
        af, ef, mf = a.reshape(-1), e.reshape(-1), matches.reshape(-1)
        if common.kind != "f":
            af, ef = af.astype(np.int64), ef.astype(np.int64)
        abs_diff = np.abs(af - ef)
        abs_diff[mf] = 0
        i = int(np.argmax(abs_diff))
        rel_dt = common if common.kind == "f" else _dtype.get_default_dtype().np
        rel = abs_diff.astype(rel_dt) / np.abs(ef).astype(rel_dt)
        rel[mf] = 0
        j = int(np.argmax(rel))
    n, bad = mf.size, int(mf.size - mf.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    raise _Fail(AssertionError, _mismatch_msg("Tensor-likes", extra, abs_diff[i].item(), _unravel(i, a.shape), atol,
                                              rel[j].item(), _unravel(j, a.shape), rtol))


def _compare_tensors(a, e, allow_subclasses, **kw) -> None:
    if not allow_subclasses and type(a) is not type(e):
        raise _Fail(TypeError, f"No comparison pair was able to handle inputs of type {type(a)} and {type(e)}.")
    if isinstance(a, Tensor):
        names = (a.dtype.name, e.dtype.name)
        reprs = (repr(a.shape), repr(e.shape), repr(a.dtype), repr(e.dtype))
        devices, strides = (str(a.device), str(e.device)), (a.stride(), e.stride())
        a, e = _host(a.detach()._data), _host(e.detach()._data)
    else:
        from ._tensor import Size
        names = (_dtype.from_np(a.dtype).name, _dtype.from_np(e.dtype).name)
        reprs = (repr(Size(a.shape)), repr(Size(e.shape)), repr(_dtype.from_np(a.dtype)),
                 repr(_dtype.from_np(e.dtype)))
        devices, strides = ("cpu", "cpu"), (a.strides, e.strides)
    _compare_arrays(np.asarray(a), np.asarray(e), names, devices=devices, strides=strides, reprs=reprs, **kw)


def _is_number(x) -> bool:
    return isinstance(x, (int, float, complex, np.number)) and not isinstance(x, (bool, np.bool_))


def _compare(a, e, path: tuple, opts: dict) -> None:
    seq = (_abc.Sequence,)
    if isinstance(a, seq) and isinstance(e, seq) and not isinstance(a, str) and not isinstance(e, str):
        if len(a) != len(e):
            raise _Fail(AssertionError, f"The length of the sequences mismatch: {len(a)} != {len(e)}", path)
        for i, (x, y) in enumerate(zip(a, e)):
            _compare(x, y, path + (i,), opts)
        return
    if isinstance(a, _abc.Mapping) and isinstance(e, _abc.Mapping):
        ka, ke = set(a.keys()), set(e.keys())
        if ka != ke:
            missing, extra = ke - ka, ka - ke
            raise _Fail(AssertionError, "The keys of the mappings do not match:\n"
                        + (f"Missing keys in the actual mapping: {sorted(missing)}\n" if missing else "")
                        + (f"Additional keys in the actual mapping: {sorted(extra)}" if extra else ""), path)
        keys: Any = e.keys()
        try:
            keys = sorted(keys)
        except Exception:
            pass
        for k in keys:
            _compare(a[k], e[k], path + (k,), opts)
        return
    try:
        if a is None or e is None:
            if not (a is None and e is None):
                raise _Fail(AssertionError, f"None mismatch: {a} is not {e}")
        elif isinstance(a, (bool, np.bool_)) and isinstance(e, (bool, np.bool_)):
            if bool(a) is not bool(e):
                raise _Fail(AssertionError, f"Booleans mismatch: {bool(a)} is not {bool(e)}")
        elif _is_number(a) and _is_number(e):
            _compare_numbers(a, e, opts["rtol"], opts["atol"], opts["equal_nan"], opts["check_dtype"])
        elif (isinstance(a, Tensor) and isinstance(e, Tensor)) or (
                isinstance(a, np.ndarray) and isinstance(e, np.ndarray)):
            _compare_tensors(a, e, **opts)
        else:
            raise _Fail(TypeError, f"No comparison pair was able to handle inputs of type {type(a)} and {type(e)}.")
    except _Fail as f:
        raise _Fail(f.kind, f.msg, path) from None


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Raise AssertionError unless `actual` and `expected` are close (``|a - e| <= atol + rtol * |e|``)."""
    if (rtol is None) != (atol is None):
        _tolerances((), rtol, atol)
    opts = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                check_device=check_device, check_dtype=check_dtype, check_stride=check_stride)
    try:
        _compare(actual, expected, (), opts)
    except _Fail as f:
        if isinstance(msg, str):
            raise f.kind(msg) from None
        text = f.msg
        if f.path:
            text += f"\n\nThe failure occurred for item {''.join(str([p]) for p in f.path)}"
        raise f.kind(msg(text) if callable(msg) else text) from None


def assert_allclose(actual, expected, rtol: float | None = None, atol: float | None = None, equal_nan: bool = True,
                    msg: str = "") -> None:
    """Deprecated torch.testing.assert_allclose: assert_close without dtype checks, NaNs equal by default."""
    import warnings
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `torch.testing.assert_close()` instead.", FutureWarning, stacklevel=2)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, check_stride=False, msg=msg or None)
