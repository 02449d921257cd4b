"""Tensor basics: dtypes, Size, device, attributes and methods, conversions, creation
functions, random sampling and seeding, Python protocols. Hard-coded expectations run
everywhere; the torch-differential tests skip without torch."""
import operator
import warnings

import numpy as np
import pytest

import ember
from helpers import assert_close, requires_torch, torch

# ----------------------------------------------------------------------------- dtypes

DTYPES = [  # name, aliases, itemsize, floating, signed
    ("float16", ["half"], 2, True, True),
    ("bfloat16", [], 2, True, True),
    ("float32", ["float"], 4, True, True),
    ("float64", ["double"], 8, True, True),
    ("int8", [], 1, False, True),
    ("int16", ["short"], 2, False, True),
    ("int32", ["int"], 4, False, True),
    ("int64", ["long"], 8, False, True),
    ("uint8", [], 1, False, False),
    ("bool", [], 1, False, False),
]


@pytest.mark.parametrize("name,aliases,itemsize,floating,signed", DTYPES, ids=[d[0] for d in DTYPES])
def test_dtype_objects(name, aliases, itemsize, floating, signed):
    dt = getattr(ember, name)
    assert isinstance(dt, ember.dtype)
    for alias in aliases:
        assert getattr(ember, alias) is dt
    assert str(dt) == f"ember.{name}" and repr(dt) == f"ember.{name}"
    assert dt.is_floating_point is floating
    assert dt.itemsize == itemsize
    assert dt.is_signed is signed
    assert hash(dt) == hash(getattr(ember, name)) and {dt: 1}[getattr(ember, name)] == 1


def test_dtype_equality():
    assert ember.float32 == ember.float and ember.float32 != ember.float64
    assert ember.int64 != ember.int32 and ember.bool != ember.uint8
    assert len({ember.float32, ember.float, ember.float64, ember.double}) == 2


@requires_torch
@pytest.mark.parametrize("name", [d[0] for d in DTYPES])
def test_dtype_properties_match_torch(name):
    e, t = getattr(ember, name), getattr(torch, name)
    assert e.is_floating_point == t.is_floating_point
    assert e.itemsize == t.itemsize
    assert e.is_signed == t.is_signed
    assert str(e).replace("ember.", "torch.") == str(t)


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    old = ember.get_default_dtype()
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.get_default_dtype() is ember.float64
        assert ember.tensor([1.5]).dtype == ember.float64
        assert ember.tensor(2.5).dtype == ember.float64
        assert ember.zeros(2).dtype == ember.float64
        assert ember.ones(2, 3).dtype == ember.float64
        assert ember.randn(2).dtype == ember.float64
        assert ember.rand(2).dtype == ember.float64
        assert ember.arange(3.0).dtype == ember.float64
        assert ember.linspace(0, 1, 3).dtype == ember.float64
        assert ember.full((2,), 1.5).dtype == ember.float64
        assert ember.Tensor(2).dtype == ember.float64      # ember.Tensor follows the default
        assert ember.FloatTensor(2).dtype == ember.float32 # the typed ones do not
        assert ember.tensor([1]).dtype == ember.int64      # ints are unaffected
        assert ember.arange(3).dtype == ember.int64
        assert (ember.tensor([1, 2]) * 0.5).dtype == ember.float64  # int * python float
    finally:
        ember.set_default_dtype(old)
    assert ember.get_default_dtype() is ember.float32
    assert ember.tensor([1.5]).dtype == ember.float32


def test_set_default_dtype_rejects_non_float():
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)
    assert ember.get_default_dtype() is ember.float32


def test_set_default_tensor_type_optional():
    if not hasattr(ember, "set_default_tensor_type"):
        pytest.skip("set_default_tensor_type is optional (deprecated in torch)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ember.set_default_tensor_type(ember.DoubleTensor)
        assert ember.get_default_dtype() is ember.float64
        assert ember.zeros(1).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


def test_is_tensor_is_floating_point_numel():
    t = ember.zeros(2, 3)
    assert ember.is_tensor(t) and not ember.is_tensor([1, 2]) and not ember.is_tensor(np.zeros(2))
    assert ember.is_floating_point(t) and t.is_floating_point()
    assert not ember.is_floating_point(ember.zeros(2, dtype=ember.int64))
    assert not ember.tensor([True]).is_floating_point()
    assert ember.numel(t) == 6 and t.numel() == 6 and t.nelement() == 6
    assert ember.zeros(()).numel() == 1 and ember.zeros(0, 4).numel() == 0


# ----------------------------------------------------------------------------- Size / device


def test_size():
    s = ember.zeros(2, 3).shape
    assert isinstance(s, ember.Size) and isinstance(s, tuple)
    assert s == (2, 3) and s == ember.Size([2, 3]) and s != [2, 3]
    assert repr(s) == "ember.Size([2, 3])" and str(s) == "ember.Size([2, 3])"
    assert repr(ember.zeros(()).shape) == "ember.Size([])"
    assert s.numel() == 6 and ember.Size([]).numel() == 1 and ember.Size([4, 0]).numel() == 0
    assert isinstance(s[1:], ember.Size) and s[1:] == (3,)
    assert isinstance(s[0], int) and s[-1] == 3
    assert isinstance(s + (4,), ember.Size) and s + (4,) == (2, 3, 4)
    assert ember.zeros(2, 3).size() == s and isinstance(ember.zeros(2).size(), ember.Size)
    a, b = s
    assert (a, b) == (2, 3)
    assert ember.zeros(ember.Size([4, 5])).shape == (4, 5)
    assert ember.zeros(2, 3).view(s[::-1]).shape == (3, 2)


def test_device():
    d = ember.device("cpu")
    assert repr(d) == "device(type='cpu')"
    assert str(d) == "cpu" and d.type == "cpu" and d.index is None
    assert d == ember.device("cpu") and hash(d) == hash(ember.device("cpu"))
    t = ember.zeros(2)
    assert t.device == d and t.device.type == "cpu" and str(t.device) == "cpu"
    assert ember.zeros(2, device="cpu").device == d
    assert ember.zeros(2, device=d).device == d
    assert ember.tensor([1.0], device="cpu").device == d
    assert ember.device(d) == d


@requires_torch
def test_device_string_equality_matches_torch():
    # torch 2.13: torch.device('cpu') == 'cpu' is False (compare .type or str() instead)
    assert (ember.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    assert (ember.zeros(1).device.type == "cpu") == (torch.zeros(1).device.type == "cpu")


# ----------------------------------------------------------------------------- attributes


def test_tensor_attributes_leaf():
    t = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and t.dtype == ember.float32 and t.ndim == 2 and t.dim() == 2
    assert t.device == ember.device("cpu")
    assert t.T.shape == (3, 2) and t.T.tolist() == [[1, 4], [2, 5], [3, 6]]
    assert t.mT.shape == (3, 2)
    assert t.grad is None and t.grad_fn is None
    assert t.requires_grad is False and t.is_leaf is True
    assert isinstance(t.data, ember.Tensor) and t.data.tolist() == t.tolist()
    assert t.size() == (2, 3) and t.size(0) == 2 and t.size(-1) == 3 and t.size(dim=1) == 3
    assert t.numel() == 6 and len(t) == 2
    assert type(t) is ember.Tensor and isinstance(t, ember.Tensor)


def test_tensor_attributes_nonleaf():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    z = ember.tensor([1.0, 2.0]) * 2      # no grad anywhere -> still a leaf
    assert z.is_leaf and z.grad_fn is None and not z.requires_grad
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert x.data.requires_grad is False and x.data.is_leaf


def test_requires_grad_flag():
    t = ember.zeros(3)
    assert t.requires_grad_() is t and t.requires_grad
    t.requires_grad_(False)
    assert not t.requires_grad
    t.requires_grad = True
    assert t.requires_grad
    assert ember.zeros(2, requires_grad=True).requires_grad
    assert ember.tensor([1.0], requires_grad=True).requires_grad
    assert ember.randn(2, requires_grad=True).requires_grad


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        ember.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ember.ones(3, dtype=ember.int64).requires_grad_()
    with pytest.raises(RuntimeError):
        ember.zeros(2, dtype=ember.bool, requires_grad=True)
    t = ember.arange(3)
    with pytest.raises(RuntimeError):
        t.requires_grad = True


def test_item_tolist_numpy():
    assert ember.tensor(2.5).item() == 2.5 and type(ember.tensor(2.5).item()) is float
    assert type(ember.tensor([3]).item()) is int and ember.tensor([[3]]).item() == 3
    assert type(ember.tensor(True).item()) is bool
    assert ember.tensor(2.5).tolist() == 2.5
    lst = ember.tensor([[1, 2], [3, 4]]).tolist()
    assert lst == [[1, 2], [3, 4]] and type(lst[0][0]) is int
    assert type(ember.tensor([1.5]).tolist()[0]) is float
    assert ember.tensor([True, False]).tolist() == [True, False]
    assert ember.zeros(0, 2).tolist() == []
    n = ember.tensor([[1, 2], [3, 4]], dtype=ember.int32).numpy()
    assert isinstance(n, np.ndarray) and n.dtype == np.int32 and n.tolist() == [[1, 2], [3, 4]]
    assert ember.zeros(()).numpy().shape == ()
    assert ember.zeros(2, dtype=ember.float64).numpy().dtype == np.float64


def test_item_on_multi_element_raises():
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        ember.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError):
        ember.zeros(0).item()


def test_numpy_on_requires_grad_raises():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        x.numpy()
    with pytest.raises(RuntimeError):
        (x * 2).numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0, 1.0]
    with ember.no_grad():
        assert (x * 2).numpy().tolist() == [2.0, 2.0, 2.0]


def test_numpy_shares_memory():
    t = ember.zeros(3)
    n = t.numpy()
    n[0] = 5.0
    assert t[0].item() == 5.0
    t[1] = 7.0
    assert n[1] == 7.0


def test_clone_detach_memory():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = x.clone()
    assert c.requires_grad and c.grad_fn is not None      # clone is differentiable
    d = x.detach()
    d[0] = 10.0                                           # detach shares memory
    assert x[0].item() == 10.0
    x.data[1] = 20.0                                      # so does .data
    assert x.tolist() == [10.0, 20.0, 3.0]
    assert c.tolist() == [1.0, 2.0, 3.0]                  # clone does not
    y = ember.tensor([1.0, 2.0], requires_grad=True) * 1
    assert y.detach_() is y and not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_data_assignment():
    x = ember.zeros(3, requires_grad=True)
    x.data = ember.ones(3)
    assert x.tolist() == [1.0, 1.0, 1.0] and x.requires_grad and x.is_leaf
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_contiguous_element_size():
    t = ember.zeros(3, 4)
    assert t.is_contiguous() and t.contiguous() is t
    assert not t.t().is_contiguous() and t.t().contiguous().is_contiguous()
    assert t.element_size() == 4
    assert t.double().element_size() == 8 and t.half().element_size() == 2
    assert t.bool().element_size() == 1 and t.long().element_size() == 8


@pytest.mark.parametrize("dtype,name", [
    ("float32", "FloatTensor"), ("float64", "DoubleTensor"), ("float16", "HalfTensor"),
    ("int64", "LongTensor"), ("int32", "IntTensor"), ("int16", "ShortTensor"),
    ("int8", "CharTensor"), ("uint8", "ByteTensor"), ("bool", "BoolTensor"),
])
def test_type_string(dtype, name):
    assert ember.zeros(2, dtype=getattr(ember, dtype)).type() == f"ember.{name}"


def test_type_conversion():
    t = ember.tensor([1.5, -2.5])
    assert t.type(ember.float64).dtype == ember.float64
    assert t.type(ember.DoubleTensor).dtype == ember.float64
    assert t.type("ember.LongTensor").tolist() == [1, -2]
    assert t.type(ember.float32) is t


# ----------------------------------------------------------------------------- conversions

CONV = [("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"),
        ("int", "int32"), ("short", "int16"), ("char", "int8"), ("byte", "uint8"), ("bool", "bool")]


@pytest.mark.parametrize("method,dtype", CONV)
def test_conversion_methods(method, dtype):
    t = ember.tensor([0.0, 1.7, 2.2])
    out = getattr(t, method)()
    assert out.dtype == getattr(ember, dtype)
    expected = {"bool": [False, True, True]}.get(dtype, [0, 1.7, 2.2] if dtype.startswith("float")
                                                 else [0, 1, 2])
    np.testing.assert_allclose(np.asarray(out.tolist(), dtype=np.float64), expected, rtol=1e-3)


@requires_torch
@pytest.mark.parametrize("method,dtype", CONV)
def test_conversion_methods_match_torch(method, dtype):
    data = np.array([-3.7, -0.5, 0.0, 0.4, 1.5, 2.5, 250.9, 300.2], dtype=np.float32)
    for src in ("float32", "float64", "int64"):
        d = data.astype(src)
        e = getattr(ember.tensor(d), method)()
        t = getattr(torch.tensor(d), method)()
        # float -> small int out of range is undefined behaviour in C: compare the in-range part
        if src != "int64" and dtype in ("uint8", "int8"):
            keep = slice(2, 7) if dtype == "uint8" else slice(0, 6)
            e, t = e[keep], t[keep]
        assert_close(e, t, check_dtype=True)


def test_to():
    t = ember.tensor([1.5, 2.5])
    assert t.to(ember.float64).dtype == ember.float64
    assert t.to(dtype=ember.int64).tolist() == [1, 2]
    assert t.to("cpu") is t and t.cpu() is t
    assert t.to(ember.device("cpu")) is t
    assert t.to(ember.float32) is t and t.float() is t
    c = t.to(ember.float32, copy=True)
    assert c is not t and c.tolist() == t.tolist()
    c[0] = 0.0
    assert t[0].item() == 1.5
    other = ember.zeros(1, dtype=ember.float64)
    assert t.to(other).dtype == ember.float64
    assert t.to("cpu", ember.float64).dtype == ember.float64
    assert t.to(device="cpu", dtype=ember.float16).dtype == ember.float16
    assert t.to("cpu", copy=True) is not t


def test_conversion_is_differentiable():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == ember.float64 and y.requires_grad and not y.is_leaf
    (y * 3).sum().backward()
    assert x.grad.dtype == ember.float32 and x.grad.tolist() == [3.0, 3.0]
    assert x.float() is x


# ----------------------------------------------------------------------------- ember.tensor

TENSOR_DATA = [
    ("int", 3, "int64", ()),
    ("float", 2.5, "float32", ()),
    ("bool", True, "bool", ()),
    ("int_list", [1, 2, 3], "int64", (3,)),
    ("float_list", [1.0, 2.0], "float32", (2,)),
    ("bool_list", [True, False], "bool", (2,)),
    ("mixed_int_float", [1, 2.5], "float32", (2,)),
    ("mixed_bool_int", [True, 2], "int64", (2,)),
    ("mixed_bool_float", [True, 1.5], "float32", (2,)),
    ("nested", [[1, 2], [3, 4], [5, 6]], "int64", (3, 2)),
    ("nested3", [[[1.0]], [[2.0]]], "float32", (2, 1, 1)),
    ("tuple", (1, 2), "int64", (2,)),
    ("empty", [], "float32", (0,)),
    ("empty_nested", [[]], "float32", (1, 0)),
    ("big_int", 2 ** 40, "int64", ()),
    ("np_float64", np.array([1.0, 2.0]), "float64", (2,)),
    ("np_float32", np.array([1.0], dtype=np.float32), "float32", (1,)),
    ("np_int32", np.array([[1, 2]], dtype=np.int32), "int32", (1, 2)),
    ("np_uint8", np.array([1, 2], dtype=np.uint8), "uint8", (2,)),
    ("np_bool", np.array([True]), "bool", (1,)),
    ("np_scalar_f64", np.float64(1.5), "float64", ()),
    ("np_scalar_i64", np.int64(3), "int64", ()),
    ("np_0d", np.array(2.0, dtype=np.float32), "float32", ()),
    ("list_of_np_f64", [np.float64(1.0), 2.0], "float64", (2,)),
]


@pytest.mark.parametrize("data,dtype,shape", [c[1:] for c in TENSOR_DATA], ids=[c[0] for c in TENSOR_DATA])
def test_tensor_dtype_inference(data, dtype, shape):
    t = ember.tensor(data)
    assert t.dtype == getattr(ember, dtype)
    assert t.shape == shape
    assert np.array_equal(t.numpy(), np.asarray(data))


@requires_torch
@pytest.mark.parametrize("data", [c[1] for c in TENSOR_DATA], ids=[c[0] for c in TENSOR_DATA])
def test_tensor_dtype_inference_matches_torch(data):
    assert_close(ember.tensor(data), torch.tensor(data), check_dtype=True)


def test_tensor_from_tensors_and_options():
    t = ember.tensor([ember.tensor(1.0), ember.tensor(2.0)])
    assert t.tolist() == [1.0, 2.0] and t.dtype == ember.float32
    assert ember.tensor([[1, 2]], dtype=ember.float64).dtype == ember.float64
    assert ember.tensor([1.9, -1.9], dtype=ember.int64).tolist() == [1, -1]
    src = ember.tensor([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cp = ember.tensor(src)
    cp[0] = 5.0
    assert src[0].item() == 1.0  # ember.tensor always copies
    a = np.array([1.0, 2.0])
    t = ember.tensor(a)
    a[0] = 9.0
    assert t[0].item() == 1.0


def test_tensor_ragged_raises_value_error():
    with pytest.raises(ValueError):
        ember.tensor([[1, 2], [3]])


def test_as_tensor_and_from_numpy_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = ember.as_tensor(a)
    a[0] = 1.0
    assert t[0].item() == 1.0
    f = ember.from_numpy(a)
    assert f.dtype == ember.float32
    f[1] = 2.0          # tensor -> array
    assert a[1] == 2.0
    a[2] = 3.0          # array -> tensor
    assert f.tolist() == [1.0, 2.0, 3.0]
    d = ember.from_numpy(np.arange(6, dtype=np.float64).reshape(2, 3))
    assert d.dtype == ember.float64 and d.shape == (2, 3)
    i = ember.from_numpy(np.array([1, 2], dtype=np.int32))
    assert i.dtype == ember.int32
    s = np.arange(8.0)[::2]
    v = ember.from_numpy(s)
    assert v.tolist() == [0.0, 2.0, 4.0, 6.0]
    v[1] = -1.0
    assert s[1] == -1.0
    tt = ember.ones(2)
    assert ember.as_tensor(tt) is tt
    assert ember.as_tensor([1, 2]).dtype == ember.int64
    assert ember.as_tensor(np.array([1.0, 2.0]), dtype=ember.float32).dtype == ember.float32
    with pytest.raises(TypeError):
        ember.from_numpy([1, 2])


# ----------------------------------------------------------------------------- legacy constructors


def test_legacy_constructors():
    t = ember.Tensor(2, 3)
    assert t.shape == (2, 3) and t.dtype == ember.float32
    d = ember.Tensor([1, 2])
    assert d.dtype == ember.float32 and d.tolist() == [1.0, 2.0]
    assert ember.Tensor().shape == (0,)
    assert ember.Tensor(ember.Size([2, 2])).shape == (2, 2)
    assert ember.FloatTensor(3).shape == (3,) and ember.FloatTensor([1]).dtype == ember.float32
    assert ember.DoubleTensor([1, 2]).dtype == ember.float64
    assert ember.LongTensor([1.7, -1.7]).tolist() == [1, -1]
    assert ember.LongTensor([1]).dtype == ember.int64
    assert ember.IntTensor([1]).dtype == ember.int32
    assert ember.ByteTensor([1, 2]).dtype == ember.uint8
    assert ember.BoolTensor([1, 0]).dtype == ember.bool
    assert ember.FloatTensor(2, 3).shape == (2, 3)


def test_legacy_isinstance():
    assert isinstance(ember.zeros(2), ember.FloatTensor)
    assert not isinstance(ember.zeros(2, dtype=ember.float64), ember.FloatTensor)
    assert isinstance(ember.zeros(2, dtype=ember.float64), ember.DoubleTensor)
    assert isinstance(ember.arange(3), ember.LongTensor)
    assert not isinstance(ember.arange(3), ember.FloatTensor)
    assert isinstance(ember.tensor([True]), ember.BoolTensor)
    assert isinstance(ember.zeros(2, dtype=ember.uint8), ember.ByteTensor)
    assert isinstance(ember.zeros(2, dtype=ember.int32), ember.IntTensor)
    for t in (ember.zeros(1), ember.arange(2), ember.tensor(True)):
        assert isinstance(t, ember.Tensor)


# ----------------------------------------------------------------------------- factories


def test_factory_shapes_and_dtypes():
    for f in (ember.zeros, ember.ones, ember.empty, ember.rand, ember.randn):
        assert f(2, 3).shape == (2, 3) and f(2, 3).dtype == ember.float32
        assert f((2, 3)).shape == (2, 3) and f([4]).shape == (4,) and f(()).shape == ()
        assert f(0).shape == (0,) and f(ember.Size([1, 2])).shape == (1, 2)
        assert f(2, dtype=ember.float64).dtype == ember.float64
        assert f(2, requires_grad=True).requires_grad
    assert ember.zeros(2, 3).tolist() == [[0, 0, 0], [0, 0, 0]]
    assert ember.ones(2, dtype=ember.int64).tolist() == [1, 1]
    assert ember.zeros(2, dtype=ember.bool).tolist() == [False, False]
    assert ember.full((2,), 3).dtype == ember.int64
    assert ember.full((2,), 3.0).dtype == ember.float32
    assert ember.full((2,), True).dtype == ember.bool
    assert ember.full((2, 2), 1.5).tolist() == [[1.5, 1.5], [1.5, 1.5]]
    assert ember.full((2,), 1.5, dtype=ember.int64).tolist() == [1, 1]
    assert ember.full([], 2.0).shape == ()
    assert ember.eye(3).tolist() == np.eye(3).tolist() and ember.eye(3).dtype == ember.float32
    assert ember.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert ember.eye(3, dtype=ember.int64).dtype == ember.int64


def test_arange_linspace_logspace():
    a = ember.arange(5)
    assert a.dtype == ember.int64 and a.tolist() == [0, 1, 2, 3, 4]
    assert ember.arange(5.0).dtype == ember.float32
    assert ember.arange(2, 5).tolist() == [2, 3, 4]
    assert ember.arange(10, 0, -3).tolist() == [10, 7, 4, 1]
    assert ember.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert ember.arange(0, 1, 0.25).dtype == ember.float32
    assert ember.arange(1, 2.5, 0.5).tolist() == [1.0, 1.5, 2.0]
    assert ember.arange(0, 5, dtype=ember.float64).dtype == ember.float64
    assert ember.arange(0, 1, 0.1).shape == (10,)
    assert ember.arange(0).shape == (0,)
    assert ember.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ember.linspace(0, 1, 5).dtype == ember.float32 and ember.linspace(0, 10, 3).dtype == ember.float32
    assert ember.linspace(2, 3, 1).tolist() == [2.0]
    assert ember.linspace(0, 10, 5, dtype=ember.int64).tolist() == [0, 2, 5, 7, 10]
    np.testing.assert_allclose(ember.logspace(0, 2, 3).numpy(), [1.0, 10.0, 100.0], rtol=1e-6)
    np.testing.assert_allclose(ember.logspace(0, 3, 4, base=2).numpy(), [1.0, 2.0, 4.0, 8.0])


@requires_torch
@pytest.mark.parametrize("src", [
    'T.arange(5)',
    'T.arange(5.0)',
    'T.arange(1, 7, 2)',
    'T.arange(-1, 1, 0.3)',
    'T.arange(1, 4, 0.3)',
    'T.arange(0, 1, 0.1)',
    'T.arange(10, 0, -3)',
    'T.arange(3, dtype=T.float64)',
    'T.arange(0.5, 3)',
    'T.linspace(-1, 1, 7)',
    'T.linspace(0, 10, 5)',
    'T.linspace(0, 10, 5, dtype=T.int64)',
    'T.linspace(3, 3, 1)',
    'T.logspace(-1, 1, 5)',
    'T.logspace(0, 4, 5, base=3)',
    'T.eye(4, 2)',
    'T.full((2, 3), 7)',
    'T.full((2,), -1.5)',
    'T.zeros(2, 0)',
    'T.ones((), dtype=T.int32)',
    'T.zeros_like(T.ones(2, 3, dtype=T.int32))',
    'T.ones_like(T.zeros(2, dtype=T.float64))',
    'T.ones_like(T.zeros(2), dtype=T.int64)',
    'T.full_like(T.ones(2, dtype=T.int32), 2.7)',
    'T.full_like(T.ones(2), 2.7)',
    'T.full_like(T.ones(2, 2), 1, dtype=T.bool)',
    'T.tril(T.ones(3, 3))',
])
def test_factories_match_torch(src):
    fn = eval("lambda T: " + src)
    assert_close(fn(ember), fn(torch), check_dtype=True)


def test_like_factories():
    x = ember.ones(2, 3, dtype=ember.float64)
    for f in (ember.zeros_like, ember.ones_like, ember.empty_like, ember.rand_like, ember.randn_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == ember.float64 and not y.requires_grad
        assert f(x, dtype=ember.float32).dtype == ember.float32
    assert ember.zeros_like(x).tolist() == [[0.0] * 3] * 2
    assert ember.full_like(x, 4).tolist() == [[4.0] * 3] * 2
    xi = ember.ones(4, dtype=ember.int32)
    assert ember.zeros_like(xi).dtype == ember.int32
    assert ember.full_like(xi, 2.7).tolist() == [2, 2, 2, 2]
    r = ember.randint_like(x, 5)
    assert r.dtype == ember.float64 and r.shape == (2, 3)
    assert ((r >= 0) & (r < 5) & (r == r.floor())).all()
    r = ember.randint_like(xi, 3, 6)
    assert r.dtype == ember.int32 and ((r >= 3) & (r < 6)).all()
    g = ember.ones(2, requires_grad=True)
    assert not ember.zeros_like(g).requires_grad
    assert ember.zeros_like(g, requires_grad=True).requires_grad


# ----------------------------------------------------------------------------- random


def test_rand_randn_randint_randperm():
    ember.manual_seed(0)
    r = ember.rand(10000)
    assert r.dtype == ember.float32 and bool((r >= 0).all()) and bool((r < 1).all())
    assert abs(r.mean().item() - 0.5) < 0.02
    n = ember.randn(10000)
    assert n.dtype == ember.float32
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1.0) < 0.05
    i = ember.randint(3, 10, (1000,))
    assert i.dtype == ember.int64 and i.shape == (1000,)
    assert sorted(set(i.tolist())) == list(range(3, 10))
    j = ember.randint(5, (2, 3))
    assert j.shape == (2, 3) and j.dtype == ember.int64 and bool((j >= 0).all()) and bool((j < 5).all())
    assert ember.randint(0, 4, (3,), dtype=ember.int32).dtype == ember.int32
    p = ember.randperm(20)
    assert p.dtype == ember.int64 and sorted(p.tolist()) == list(range(20))
    assert ember.randperm(0).shape == (0,)
    assert ember.rand(2, 3, dtype=ember.float64).dtype == ember.float64


def test_normal():
    ember.manual_seed(0)
    m = ember.full((2000,), 3.0)
    a = ember.normal(m, 0.5)
    assert a.shape == (2000,) and a.dtype == ember.float32
    assert abs(a.mean().item() - 3.0) < 0.1 and abs(a.std().item() - 0.5) < 0.05
    b = ember.normal(-2.0, ember.full((2000,), 2.0))
    assert b.shape == (2000,) and abs(b.mean().item() + 2.0) < 0.2 and abs(b.std().item() - 2.0) < 0.2
    c = ember.normal(ember.zeros(3, 4), ember.ones(3, 4))
    assert c.shape == (3, 4)
    d = ember.normal(1.0, 2.0, size=(2, 3))
    assert d.shape == (2, 3) and d.dtype == ember.float32
    e = ember.normal(ember.zeros(5, dtype=ember.float64), 1.0)
    assert e.dtype == ember.float64
    # std 0 is the mean exactly
    assert ember.normal(ember.arange(4.0), 0.0).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_bernoulli():
    ember.manual_seed(0)
    b = ember.bernoulli(ember.full((1000,), 0.3))
    assert b.dtype == ember.float32 and set(b.unique().tolist()) <= {0.0, 1.0}
    assert abs(b.mean().item() - 0.3) < 0.06
    assert ember.bernoulli(ember.ones(5)).tolist() == [1.0] * 5
    assert ember.bernoulli(ember.zeros(5)).tolist() == [0.0] * 5
    assert ember.bernoulli(ember.full((3,), 0.5, dtype=ember.float64)).dtype == ember.float64
    assert ember.full((4,), 0.5).bernoulli().shape == (4,)


def test_multinomial():
    ember.manual_seed(0)
    probs = ember.tensor([0.0, 0.2, 0.0, 0.8])
    s = ember.multinomial(probs, 2)
    assert s.dtype == ember.int64 and s.shape == (2,)
    assert sorted(s.tolist()) == [1, 3]   # without replacement: both non-zero categories, once each
    r = ember.multinomial(probs, 500, replacement=True)
    assert r.shape == (500,) and set(r.tolist()) <= {1, 3}
    assert 0.7 < (r == 3).double().mean().item() < 0.9
    w = ember.multinomial(ember.tensor([1.0, 1.0, 1.0, 1.0, 1.0]), 5)   # unnormalised weights ok
    assert sorted(w.tolist()) == [0, 1, 2, 3, 4]
    rows = ember.multinomial(ember.tensor([[0.2, 0.8, 0.0], [0.5, 0.0, 0.5]]), 2)
    assert rows.shape == (2, 2)
    assert sorted(rows[0].tolist()) == [0, 1] and sorted(rows[1].tolist()) == [0, 2]
    with pytest.raises(RuntimeError):
        ember.multinomial(ember.tensor([0.1, 0.9]), 3)


def _stream():
    return (ember.rand(4).tolist(), ember.randn(3).tolist(), ember.randint(0, 100, (5,)).tolist(),
            ember.randperm(6).tolist(), ember.normal(0.0, 1.0, size=(2,)).tolist(),
            ember.bernoulli(ember.full((6,), 0.5)).tolist(),
            ember.multinomial(ember.ones(10), 3).tolist())


def test_manual_seed_reproducible():
    ember.manual_seed(1234)
    a = _stream()
    ember.manual_seed(1234)
    b = _stream()
    assert a == b
    ember.manual_seed(4321)
    c = _stream()
    assert c != a
    assert ember.initial_seed() == 4321
    ember.manual_seed(7)
    x1, x2 = ember.rand(3).tolist(), ember.rand(3).tolist()
    assert x1 != x2   # the stream advances


def test_seed_and_initial_seed():
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    ember.manual_seed(99)
    assert ember.initial_seed() == 99


def test_generator():
    g = ember.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    a = ember.rand(4, generator=g).tolist()
    g.manual_seed(5)
    assert ember.rand(4, generator=g).tolist() == a
    g2 = ember.Generator().manual_seed(5)
    assert ember.rand(4, generator=g2).tolist() == a     # same seed, same stream
    # a private generator does not disturb the global stream
    ember.manual_seed(0)
    ref = ember.rand(3).tolist()
    ember.manual_seed(0)
    ember.randn(10, generator=g)
    ember.randint(0, 5, (4,), generator=g)
    ember.randperm(5, generator=g)
    assert ember.rand(3).tolist() == ref
    # generator= is accepted by the other samplers, reproducibly
    outs = []
    for _ in range(2):
        g.manual_seed(11)
        outs.append((ember.randn(3, generator=g).tolist(),
                     ember.randint(0, 9, (4,), generator=g).tolist(),
                     ember.randperm(7, generator=g).tolist(),
                     ember.multinomial(ember.ones(6), 2, generator=g).tolist(),
                     ember.bernoulli(ember.full((5,), 0.5), generator=g).tolist(),
                     ember.normal(ember.zeros(3), 1.0, generator=g).tolist()))
    assert outs[0] == outs[1]


def test_manual_seed_returns_generator():
    g = ember.manual_seed(3)
    assert isinstance(g, ember.Generator) and g.initial_seed() == 3


# ----------------------------------------------------------------------------- python protocols


def test_python_number_protocols():
    t = ember.tensor(3.14159)
    assert f"{t:.4f}" == "3.1416" and format(t, ".1f") == "3.1"
    assert f"{ember.tensor(7):d}" == "7"
    assert int(ember.tensor(3.7)) == 3 and int(ember.tensor([-2.9])) == -2
    assert float(ember.tensor(2)) == 2.0 and isinstance(float(ember.tensor(2)), float)
    assert bool(ember.tensor(0.0)) is False and bool(ember.tensor([1])) is True
    with pytest.raises(RuntimeError):
        bool(ember.tensor([1, 2]))
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        float(ember.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        f"{ember.tensor([1.0, 2.0]):.2f}"


def test_len_and_iteration():
    t = ember.arange(6).view(3, 2)
    assert len(t) == 3 and len(ember.zeros(0, 4)) == 0
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, ember.Tensor) and r.shape == (2,) for r in rows)
    assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    assert [x.item() for x in ember.tensor([1.5, 2.5])] == [1.5, 2.5]
    a, b = ember.tensor([1, 2])
    assert a.item() == 1 and b.item() == 2
    with pytest.raises(TypeError):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError):
        iter(ember.tensor(1.0))


def test_index_protocol():
    i = ember.tensor(3)
    assert list(range(i)) == [0, 1, 2]
    assert [10, 20, 30, 40][ember.tensor(1)] == 20
    assert operator.index(ember.tensor(2, dtype=ember.int32)) == 2
    assert "abcdef"[ember.tensor(1):ember.tensor(3)] == "bc"
    with pytest.raises(TypeError):
        operator.index(ember.tensor(3.0))
    with pytest.raises(TypeError):
        operator.index(ember.tensor([1, 2]))
    assert ember.zeros(5)[ember.tensor(2)].shape == ()


def test_in_and_contains():
    t = ember.tensor([1, 2, 3])
    assert 2 in t and 5 not in t


def test_repr_mentions_values():
    r = repr(ember.tensor([1.0, 2.5]))
    assert r.startswith("tensor(") and "2.5" in r
    assert "requires_grad=True" in repr(ember.ones(1, requires_grad=True))
    assert "dtype=ember.float64" in repr(ember.ones(1, dtype=ember.float64))
    assert "grad_fn=<MulBackward0>" in repr(ember.ones(1, requires_grad=True) * 2)


@requires_torch
@pytest.mark.parametrize("src", [
    'T.tensor([1.0, 2.5, -3.0])',
    'T.tensor([[1, 2], [3, 40]])',
    'T.tensor(3.25)',
    'T.tensor([True, False])',
    'T.tensor([1e-5, 1.0])',
    'T.tensor([1e10, 1.0])',
    'T.zeros(0, 3)',
    'T.arange(12.0).view(3, 4) / 7',
    'T.tensor([1.5, 2.0], dtype=T.float64)',
    'T.tensor([1, 2], dtype=T.int32)',
    'T.arange(2000.0)',
    'T.tensor([float("nan"), float("inf"), -float("inf"), 0.0])',
])
def test_repr_matches_torch(src):
    fn = eval("lambda T: " + src)
    assert repr(fn(ember)) == repr(fn(torch)).replace("torch.", "ember.")


@pytest.mark.parametrize("data", [[0.2, 0.9], [2.000001], 0.2, [[1e-40, 3.4e38]], [1, 2.5], [70000.0], [1e-8]])
@pytest.mark.parametrize("dt", ["float64", "float32", "float16", "int64", "int32", "uint8"])
def test_tensor_explicit_dtype_rounds_once_like_torch(data, dt):
    """Python floats reach an explicit dtype in one rounding (not through the default float32 first)."""
    torch = pytest.importorskip("torch")

    def run(lib):
        try:
            t = lib.tensor(data, dtype=getattr(lib, dt))
            return t.tolist(), str(t.dtype).split(".")[1]
        except Exception as e:  # noqa: BLE001 - compared by type
            return type(e).__name__

    assert run(ember) == run(torch)
