"""Tests for ember._tensor_str: hard-coded strings plus differential tests vs torch."""
import time

import numpy as np
import pytest

from ember._tensor_str import get_printoptions, printoptions, set_printoptions, tensor_repr

# ----------------------------------------------------------------- helpers

SHAPES = [(), (0,), (0, 3), (2, 0, 3), (1,), (5,), (3, 4), (1, 1), (4, 1, 3), (2, 3, 4),
          (2, 2, 2, 2), (1001,), (40, 40), (3, 1000), (10, 10, 10, 2), (7, 300)]
FLOAT_KINDS = ["normal", "intval", "span", "tiny", "huge", "special", "zeros", "wide"]
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]


def make_float(kind, shape, dtype, seed=0):
    """Build a float array of a given flavour."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if kind == "normal":
        a = rng.standard_normal(n)
    elif kind == "intval":
        a = rng.integers(-50, 50, n).astype(np.float64)
    elif kind == "span":
        a = 10.0 ** rng.uniform(-8, 10, n) * rng.choice([-1, 1], n)
    elif kind == "tiny":
        a = rng.standard_normal(n) * 1e-6
    elif kind == "huge":
        a = rng.standard_normal(n) * 1e9
    elif kind == "special":
        a = rng.standard_normal(n) * 10
        a[::3] = -0.0
        a[1::5] = np.nan
        a[2::7] = np.inf
        a[4::11] = -np.inf
    elif kind == "zeros":
        a = np.zeros(n)
    else:  # "wide": values in [-999, 999] with decimals -> long columns
        a = rng.uniform(-999, 999, n)
    with np.errstate(over="ignore"):
        return np.asarray(a.astype(dtype).reshape(shape))


def make_int(kind, shape, dtype, seed=0):
    """Build an integer array, small values or the dtype's full range."""
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    lo, hi = (max(info.min, -20), min(info.max, 20)) if kind == "small" else (info.min, info.max)
    return rng.integers(lo, hi, size=shape, dtype=dtype, endpoint=True)


def make_bool(shape, seed=0):
    """Build a random bool array."""
    return np.asarray(np.random.default_rng(seed).random(shape) < 0.5)


def ember_repr(arr, **kw):
    """tensor_repr with dtype_name taken from the array."""
    return tensor_repr(arr, dtype_name=np.dtype(arr.dtype).name, **kw)


# ----------------------------------------------------------------- hard-coded (no torch)

@pytest.fixture(autouse=True)
def _restore_options():
    """Reset ember (and torch, when present) print options after each test."""
    yield
    set_printoptions(profile="default")
    try:
        import torch
    except ImportError:
        return
    torch.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


HARDCODED = [
    (np.array([1, 2], np.int32), {}, "tensor([1, 2], dtype=ember.int32)"),
    (np.array([1, 2], np.int64), {}, "tensor([1, 2])"),
    (np.zeros((0, 3), np.float32), {}, "tensor([], size=(0, 3))"),
    (np.zeros((0,), np.int64), {}, "tensor([], dtype=ember.int64)"),
    (np.array(1.5), {}, "tensor(1.5000, dtype=ember.float64)"),
    (np.array([[0.1, 0.2]], np.float32), {"requires_grad": True},
     "tensor([[0.1000, 0.2000]], requires_grad=True)"),
    (np.array([1.0, 2.0], np.float32), {"grad_fn_name": "AddBackward0"},
     "tensor([1., 2.], grad_fn=<AddBackward0>)"),
    (np.array([1.0, 2.0], np.float32), {"device": "cuda:0"},
     "tensor([1., 2.], device='cuda:0')"),
    (np.array([1.0, 2.0], np.float64), {"device": "cuda:0", "requires_grad": True},
     "tensor([1., 2.], device='cuda:0', dtype=ember.float64, requires_grad=True)"),
    (np.array([1e5, 1.0], np.float32), {}, "tensor([1.0000e+05, 1.0000e+00])"),
    (np.array([np.nan, -np.inf, -0.0, 1.0], np.float32), {}, "tensor([nan, -inf, -0., 1.])"),
    (np.array([-0.0, 0.5], np.float32), {}, "tensor([-0.0000, 0.5000])"),
    (np.array([True, False]), {}, "tensor([ True, False])"),
    (np.array([[1, -200], [3, 4]], np.int16), {},
     "tensor([[   1, -200],\n        [   3,    4]], dtype=ember.int16)"),
    (np.arange(1001, dtype=np.int64), {}, "tensor([   0,    1,    2,  ...,  998,  999, 1000])"),
    (np.array([1.0, 2.0], np.float32), {"default_dtype_name": "float64"},
     "tensor([1., 2.], dtype=ember.float32)"),
    (np.array([1.0, 2.0], np.float16), {}, "tensor([1., 2.], dtype=ember.float16)"),
]


@pytest.mark.parametrize("arr,kw,expected", HARDCODED, ids=[h[2][:40] for h in HARDCODED])
def test_hardcoded(arr, kw, expected):
    assert ember_repr(arr, **kw) == expected


def test_hardcoded_summarised_2d():
    arr = (np.arange(1200, dtype=np.float32).reshape(40, 30) + 4) / 4
    expected = (
        "tensor([[  1.0000,   1.2500,   1.5000,  ...,   7.7500,   8.0000,   8.2500],\n"
        "        [  8.5000,   8.7500,   9.0000,  ...,  15.2500,  15.5000,  15.7500],\n"
        "        [ 16.0000,  16.2500,  16.5000,  ...,  22.7500,  23.0000,  23.2500],\n"
        "        ...,\n"
        "        [278.5000, 278.7500, 279.0000,  ..., 285.2500, 285.5000, 285.7500],\n"
        "        [286.0000, 286.2500, 286.5000,  ..., 292.7500, 293.0000, 293.2500],\n"
        "        [293.5000, 293.7500, 294.0000,  ..., 300.2500, 300.5000, 300.7500]])")
    assert ember_repr(arr) == expected


def test_hardcoded_3d_blank_lines_and_parameter():
    arr = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    expected = ("Parameter containing:\ntensor([[[0., 1.],\n         [2., 3.]],\n\n"
                "        [[4., 5.],\n         [6., 7.]]], requires_grad=True)")
    assert "Parameter containing:\n" + ember_repr(arr, requires_grad=True) == expected


def test_hardcoded_printoptions():
    assert get_printoptions() == {"precision": 4, "threshold": 1000, "edgeitems": 3,
                                  "linewidth": 80, "sci_mode": None}
    set_printoptions(precision=2)
    assert ember_repr(np.array([1.12345], np.float32)) == "tensor([1.12])"
    set_printoptions(threshold=5)
    assert ember_repr(np.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    set_printoptions(profile="default")
    assert ember_repr(np.array([1.12345], np.float32)) == "tensor([1.1235])"
    with printoptions(sci_mode=True):
        assert ember_repr(np.array([1.0], np.float32)) == "tensor([1.0000e+00])"
    assert get_printoptions()["sci_mode"] is None
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == float("inf")


def test_speed_large_summarised():
    arr = np.random.default_rng(0).standard_normal((1000, 1000)).astype(np.float32)
    ember_repr(arr)
    start = time.perf_counter()
    for _ in range(10):
        ember_repr(arr)
    assert (time.perf_counter() - start) / 10 < 0.05


# ----------------------------------------------------------------- differential vs torch

@pytest.fixture
def torch():
    """The real torch module, or skip."""
    return pytest.importorskip("torch")


def torch_repr(torch, arr):
    """torch's repr of the same data, with the namespace renamed."""
    return repr(torch.from_numpy(np.array(arr))).replace("torch.", "ember.")


FLOAT_CASES = [(k, s, d) for d in ("float32", "float64", "float16")
               for s in SHAPES for k in FLOAT_KINDS]


@pytest.mark.parametrize("kind,shape,dtype", FLOAT_CASES)
def test_float_vs_torch(torch, kind, shape, dtype):
    arr = make_float(kind, shape, dtype, seed=len(shape) + sum(shape))
    assert ember_repr(arr) == torch_repr(torch, arr)


INT_CASES = [(k, s, d) for d in INT_DTYPES for s in SHAPES for k in ("small", "full")]


@pytest.mark.parametrize("kind,shape,dtype", INT_CASES)
def test_int_vs_torch(torch, kind, shape, dtype):
    arr = make_int(kind, shape, dtype, seed=sum(shape))
    assert ember_repr(arr) == torch_repr(torch, arr)


@pytest.mark.parametrize("shape", SHAPES)
def test_bool_vs_torch(torch, shape):
    arr = make_bool(shape, seed=sum(shape))
    assert ember_repr(arr) == torch_repr(torch, arr)


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4), (1001,), (12, 9)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_requires_grad_and_grad_fn(torch, shape, dtype):
    arr = make_float("normal", shape, dtype, seed=3)
    t = torch.from_numpy(arr.copy()).requires_grad_()
    assert ember_repr(arr, requires_grad=True) == repr(t).replace("torch.", "ember.")
    for out in (t * 1, t + 0):
        name = type(out.grad_fn).__name__
        assert ember_repr(arr, grad_fn_name=name) == repr(out).replace("torch.", "ember.")


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 2, 2), (50, 50)])
def test_parameter_prefix(torch, shape):
    arr = make_float("normal", shape, "float32", seed=7)
    p = torch.nn.Parameter(torch.from_numpy(arr.copy()))
    ours = "Parameter containing:\n" + ember_repr(arr, requires_grad=True)
    assert ours == repr(p).replace("torch.", "ember.")


def test_subclass_prefix(torch):
    class MyTensor(torch.Tensor):
        pass

    arr = make_float("wide", (6, 7), "float64", seed=1)
    t = torch.from_numpy(arr.copy()).as_subclass(MyTensor)
    assert ember_repr(arr, prefix="MyTensor(") == repr(t).replace("torch.", "ember.")


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "bool"])
@pytest.mark.parametrize("shape", [(0,), (3,), (2, 2)])
def test_default_dtype_float64(torch, dtype, shape):
    arr = make_bool(shape) if dtype == "bool" else make_float("intval", shape, dtype)
    torch.set_default_dtype(torch.float64)
    expected = torch_repr(torch, arr)
    assert ember_repr(arr, default_dtype_name="float64") == expected


OPTIONS = [
    {"precision": 2}, {"precision": 0}, {"precision": 8}, {"sci_mode": True},
    {"sci_mode": False}, {"linewidth": 120}, {"linewidth": 30}, {"threshold": 5},
    {"threshold": 0}, {"profile": "full"}, {"profile": "short"}, {"edgeitems": 1},
    {"edgeitems": 0}, {"edgeitems": 0, "threshold": 10000}, {"precision": 3, "sci_mode": True},
]
OPTION_ARRAYS = [
    ("normal", (), "float32"), ("normal", (5,), "float32"), ("span", (3, 4), "float64"),
    ("huge", (2, 3, 4), "float32"), ("intval", (40, 40), "float32"), ("tiny", (1001,), "float64"),
    ("special", (6, 7), "float32"), ("normal", (3, 1000), "float32"), ("wide", (4, 5, 6), "float64"),
    ("int", (30,), "int32"), ("int", (2, 3, 4), "int64"), ("bool", (4, 9), "bool"),
    ("normal", (0, 3), "float32"), ("intval", (12, 12, 12), "float16"),
]


def _option_array(kind, shape, dtype):
    """Array for the options tests."""
    if kind == "int":
        return make_int("full", shape, dtype, seed=5)
    if kind == "bool":
        return make_bool(shape, seed=5)
    return make_float(kind, shape, dtype, seed=5)


@pytest.mark.parametrize("opts", OPTIONS, ids=[str(o) for o in OPTIONS])
@pytest.mark.parametrize("kind,shape,dtype", OPTION_ARRAYS)
def test_printoptions_vs_torch(torch, opts, kind, shape, dtype):
    arr = _option_array(kind, shape, dtype)
    torch.set_printoptions(**opts)
    set_printoptions(**opts)
    assert get_printoptions() == torch._tensor_str.get_printoptions()
    t = torch.from_numpy(arr.copy())
    expected = repr(t).replace("torch.", "ember.")
    assert ember_repr(arr) == expected
    if dtype != "bool" and not dtype.startswith("int"):
        t.requires_grad_()
        assert ember_repr(arr, requires_grad=True) == repr(t).replace("torch.", "ember.")


@pytest.mark.parametrize("seed", range(40))
def test_random_mixed_vs_torch(torch, seed):
    rng = np.random.default_rng(1000 + seed)
    ndim = int(rng.integers(0, 5))
    shape = tuple(int(x) for x in rng.integers(1, 9 if ndim > 2 else 40, ndim))
    arr = make_float(FLOAT_KINDS[seed % len(FLOAT_KINDS)], shape,
                     ["float32", "float64"][seed % 2], seed=seed)
    arr = np.asarray(arr * 10.0 ** int(rng.integers(-6, 9)))
    assert ember_repr(arr) == torch_repr(torch, arr)


def test_complex_vs_torch(torch):
    rng = np.random.default_rng(2)
    for shape in [(), (4,), (3, 3), (1001,)]:
        arr = np.asarray(rng.standard_normal(shape) + 1j * rng.standard_normal(shape), np.complex64)
        assert ember_repr(arr) == torch_repr(torch, arr)


@pytest.mark.parametrize("make", [
    lambda L: L.zeros(1).expand(2 ** 36),
    lambda L: L.zeros(3, 1).expand(3, 2 ** 33),
    lambda L: L.arange(10.).reshape(10, 1, 1).expand(10, 2 ** 20, 2 ** 20),
    lambda L: L.ones(2, 1, 1, dtype=L.int64).expand(2, 5, 2 ** 40).transpose(0, 2)])
def test_huge_expanded_view_prints_summary_without_materialising(torch, make):
    """A stride-0 view of 2**36+ elements prints torch's summary (only the kept elements are read)."""
    import ember
    assert repr(make(ember)) == repr(make(torch)).replace("torch.", "ember.")
