"""Reductions and scans vs PyTorch: dims, keepdim, dtypes, empty inputs, ties, stability."""
import numpy as np
import pytest

import ember
from helpers import (check_op, check_raises, check_values, dtype_name, dual, requires_torch,
                     torch)

pytestmark = [requires_torch, pytest.mark.filterwarnings("ignore::UserWarning")]

DIMS = [0, 1, -1, -3, (0, 2), (-1, 0), (0, 1, 2)]
DIM_IDS = ["0", "1", "-1", "-3", "(0,2)", "(-1,0)", "all3"]


# ----------------------------------------------------------------------------- sum / mean / prod


@pytest.mark.parametrize("name", ["sum", "mean", "prod"])
def test_full_reduction(name):
    kw = {"low": 0.5, "high": 1.5} if name == "prod" else {}
    check_op(*dual(lambda m, a: getattr(m, name)(a)), shapes=[(3, 4)], **kw)
    check_op(lambda a: getattr(a, name)(), shapes=[(2, 3, 4)], **kw)
    check_op(lambda a: getattr(a, name)(), shapes=[()], **kw)
    check_op(lambda a: getattr(a, name)(), shapes=[(5,)], **kw)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=DIM_IDS)
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_mean_dims(name, dim, keepdim):
    check_op(*dual(lambda m, a: getattr(m, name)(a, dim, keepdim=keepdim)), shapes=[(2, 3, 4)])
    check_op(lambda a: getattr(a, name)(dim=dim, keepdim=keepdim), shapes=[(2, 3, 4)], seed=1)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_prod_dim(dim, keepdim):
    check_op(*dual(lambda m, a: m.prod(a, dim, keepdim=keepdim)), shapes=[(2, 3, 4)],
             low=0.5, high=1.5)
    check_op(lambda a: a.prod(dim=dim, keepdim=keepdim), shapes=[(3, 4)], low=-2.0, high=2.0)


def test_prod_gradient_with_zeros():
    # torch computes exact gradients with one zero (product of others) and two zeros (all 0)
    x = np.array([[2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 5.0, 1.0], [1.0, 2.0, 3.0, 4.0]])
    check_values(lambda a: a.prod(dim=1), arrays=[x], grad=True)
    check_values(lambda a: a.prod(dim=0), arrays=[x], grad=True)
    check_values(lambda a: a[0].prod(), arrays=[x], grad=True)
    check_values(lambda a: a.prod(), arrays=[x[2:]], grad=True)
    check_values(lambda a: a.prod(), arrays=[x[:1]], grad=True)


def test_sum_list_dims_and_keyword_forms():
    check_op(*dual(lambda m, a: m.sum(a, dim=[0, 2])), shapes=[(2, 3, 4)])
    check_op(lambda a: a.sum([1], True), shapes=[(2, 3, 4)])
    check_op(lambda a: a.mean((-2, -1), keepdim=True), shapes=[(2, 3, 4)])


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
def test_sum_prod_integer_dtype_is_int64(dtype):
    kw = dict(dtypes=[dtype], low=-3, high=3)
    check_op(lambda a: a.sum(), shapes=[(3, 4)], **kw)
    check_op(lambda a: a.sum(dim=1), shapes=[(3, 4)], **kw)
    check_op(lambda a: a.prod(), shapes=[(2, 3)], **kw)
    check_op(lambda a: a.prod(0), shapes=[(2, 3)], **kw)


def test_sum_float16_stays_float16():
    check_op(lambda a: a.sum(0), shapes=[(3, 4)], dtypes=["float16"], grad=False, atol=1e-2,
             rtol=1e-2)


def test_reduction_dtype_argument():
    check_op(*dual(lambda m, a: a.sum(dtype=m.float64)), shapes=[(3, 4)],
             dtypes=["float32", "int32"], low=-3, high=3, grad=False)
    check_op(*dual(lambda m, a: a.sum(1, dtype=m.int32)), shapes=[(3, 4)],
             dtypes=["int64", "bool"], low=-3, high=3)
    check_op(*dual(lambda m, a: a.mean(dtype=m.float64)), shapes=[(3, 4)],
             dtypes=["float32", "int64"], low=-3, high=3, grad=False)
    check_op(*dual(lambda m, a: a.prod(dtype=m.float64)), shapes=[(2, 3)],
             dtypes=["int32"], low=-3, high=3)
    check_op(*dual(lambda m, a: a.cumsum(0, dtype=m.float32)), shapes=[(3, 4)],
             dtypes=["int64"], low=-3, high=3)
    # the gradient flows back through a dtype= reduction into the input's dtype
    check_op(*dual(lambda m, a: a.sum(0, dtype=m.float64)), shapes=[(3, 4)],
             dtypes=["float32"])


def test_mean_of_integer_raises():
    check_raises(lambda a: a.mean(), arrays=[np.arange(4, dtype=np.int64)])
    check_raises(lambda a: a.mean(0), arrays=[np.arange(4, dtype=np.int32)])


def test_mean_int_with_float_dtype():
    check_op(*dual(lambda m, a: a.mean(dtype=m.float32)), shapes=[(3, 4)],
             dtypes=["int64"], low=-3, high=3)


# ----------------------------------------------------------------------------- empty


EMPTY_CASES = {
    "sum": (lambda a: a.sum(), True), "sum0": (lambda a: a.sum(0), True),
    "sum1": (lambda a: a.sum(1), True), "prod0": (lambda a: a.prod(0), False),
    "mean0": (lambda a: a.mean(0), False), "mean": (lambda a: a.mean(), False),
    "logsumexp0": (lambda a: a.logsumexp(0), False), "all": (lambda a: a.all(), False),
    "any": (lambda a: a.any(), False), "all0": (lambda a: a.all(0), False),
    "any0": (lambda a: a.any(0), False), "cumsum0": (lambda a: a.cumsum(0), False),
    "amax1": (lambda a: a.amax(1), False), "max1": (lambda a: a.max(1), False),
    "argmax1": (lambda a: a.argmax(1), False), "std1": (lambda a: a.std(1), False),
}


@pytest.mark.parametrize("name", list(EMPTY_CASES))
def test_empty_reductions(name):
    # reducing over an empty dim gives the identity (0, 1, nan, -inf, True, False);
    # reducing a non-empty dim of an empty tensor gives an empty result
    fn, grad = EMPTY_CASES[name]
    check_values(fn, arrays=[np.zeros((0, 3), dtype=np.float32)], grad=grad)


def test_sum_of_empty_int():
    check_values(lambda a: a.sum(), arrays=[np.zeros((0,), dtype=np.int64)])


@pytest.mark.parametrize("expr", [
    lambda a: a.max(), lambda a: a.min(), lambda a: a.max(0), lambda a: a.min(dim=0),
    lambda a: a.amax(0), lambda a: a.amin(), lambda a: a.argmax(), lambda a: a.argmin(0),
], ids=["max", "min", "max0", "min0", "amax0", "amin", "argmax", "argmin0"])
def test_max_min_of_empty_raises(expr):
    check_raises(expr, arrays=[np.zeros((0, 3), dtype=np.float32)])


# ----------------------------------------------------------------------------- max / min / arg*


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_full(name):
    check_op(*dual(lambda m, a: getattr(m, name)(a)), shapes=[(3, 4)])
    check_op(lambda a: getattr(a, name)(), shapes=[(2, 3, 4)], dtypes=["float32", "int64", "bool"],
             low=-9, high=9)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1, -2])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_dim(name, dim, keepdim):
    check_op(*dual(lambda m, a: getattr(m, name)(a, dim, keepdim=keepdim)), shapes=[(3, 4)])
    check_op(lambda a: getattr(a, name)(dim=dim, keepdim=keepdim), shapes=[(2, 3, 4)], seed=2)
    check_op(lambda a: getattr(a, name)(dim), shapes=[(3, 4)], dtypes=["int32", "int64"],
             low=-9, high=9)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_named_tuple(name):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    e, t = ember.tensor(x), torch.from_numpy(x)
    er, tr = getattr(e, name)(dim=1), getattr(t, name)(dim=1)
    np.testing.assert_array_equal(er.values.numpy(), tr.values.numpy())
    np.testing.assert_array_equal(er.indices.numpy(), tr.indices.numpy())
    assert dtype_name(er.indices.dtype) == "int64"
    values, indices = getattr(ember, name)(e, 1)
    np.testing.assert_array_equal(values.numpy(), tr.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), tr.indices.numpy())
    assert er[0] is er.values or np.array_equal(er[0].numpy(), er.values.numpy())
    assert len(er) == 2


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_binary_form(name):
    check_op(*dual(lambda m, a, b: getattr(m, name)(a, b)), shapes=[(3, 4), (4,)])
    check_op(lambda a, b: getattr(a, name)(b), shapes=[(3, 1), (1, 4)])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, -1, (0, 2), (1, -1), None], ids=str)
@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin(name, dim, keepdim):
    if dim is None:
        check_op(*dual(lambda m, a: getattr(m, name)(a)), shapes=[(2, 3, 4)])
        return
    check_op(*dual(lambda m, a: getattr(m, name)(a, dim, keepdim=keepdim)), shapes=[(2, 3, 4)])
    check_op(lambda a: getattr(a, name)(dim=dim, keepdim=keepdim), shapes=[(2, 3, 4)],
             dtypes=["int64"], low=-9, high=9)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name, dim, keepdim):
    kw = dict(dtypes=["float32", "int64"], low=-3, high=3, integer=True)  # many ties
    check_op(*dual(lambda m, a: getattr(m, name)(a, dim=dim, keepdim=keepdim)),
             shapes=[(3, 4)], **kw)
    check_op(lambda a: getattr(a, name)(dim=dim, keepdim=keepdim), shapes=[(2, 3, 4)], **kw)
    if dim is None and not keepdim:
        check_op(lambda a: getattr(a, name)(), shapes=[(3, 4)], **kw)


def test_ties_full_max_min_split_gradient_evenly():
    x = np.array([[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 0.0, 0.0]], dtype=np.float32)
    check_values(lambda a: a.max(), arrays=[x], grad=True)
    check_values(lambda a: a.min(), arrays=[x], grad=True)
    check_values(lambda a: a.amax(), arrays=[x], grad=True)
    check_values(lambda a: a.amin(), arrays=[x], grad=True)
    check_values(lambda a: a.amax(dim=1), arrays=[x], grad=True)
    check_values(lambda a: a.amin(dim=(0, 1)), arrays=[x], grad=True)


def test_ties_max_dim_routes_gradient_to_returned_index():
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 1.0, 2.0], [5.0, 5.0, 5.0, 5.0]],
                 dtype=np.float32)
    check_values(lambda a: a.max(dim=1), arrays=[x], grad=True)
    check_values(lambda a: a.min(dim=1), arrays=[x], grad=True)
    check_values(lambda a: a.max(dim=0, keepdim=True), arrays=[x], grad=True)
    check_values(lambda a: a.argmax(dim=1), arrays=[x])
    check_values(lambda a: a.argmin(dim=0), arrays=[x])
    check_values(lambda a: a.argmax(), arrays=[x])


def test_max_with_nan():
    x = np.array([[1.0, np.nan, 3.0], [0.0, 2.0, 1.0]], dtype=np.float32)
    check_values(lambda a: a.max(), arrays=[x])
    check_values(lambda a: a.max(dim=1), arrays=[x])
    check_values(lambda a: a.amin(dim=1), arrays=[x])
    check_values(lambda a: a.argmax(dim=1), arrays=[x])
    check_values(lambda a: a.sum(dim=1), arrays=[x])


def test_max_min_bool():
    check_op(lambda a: a.max(dim=0), shapes=[(3, 4)], dtypes=["bool"])
    check_op(lambda a: a.amin(), shapes=[(3, 4)], dtypes=["bool"])


# ----------------------------------------------------------------------------- var / std


VAR_CASES = [
    dict(),
    dict(dim=0),
    dict(dim=1, keepdim=True),
    dict(dim=(0, 2)),
    dict(dim=-1, unbiased=False),
    dict(dim=1, unbiased=True),
    dict(unbiased=False),
    dict(dim=1, correction=0),
    dict(dim=(1, 2), correction=2, keepdim=True),
    dict(correction=1),
    dict(dim=[0, 1], correction=0),
]


@pytest.mark.parametrize("kw", VAR_CASES, ids=[str(sorted(k.items())) for k in VAR_CASES])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(name, kw):
    check_op(lambda a: getattr(a, name)(**kw), shapes=[(2, 3, 4)])
    check_op(*dual(lambda m, a: getattr(m, name)(a, **kw)), shapes=[(2, 3, 4)], seed=3)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_positional_and_degenerate(name):
    check_op(lambda a: getattr(a, name)(1), shapes=[(3, 4)])
    check_op(lambda a: getattr(a, name)(1, False), shapes=[(3, 4)])  # positional unbiased
    check_op(lambda a: getattr(a, name)(1, True, True), shapes=[(3, 4)])
    # a single element with correction=1 -> nan (torch warns); correction >= N -> inf/nan
    check_values(lambda a: getattr(a, name)(), arrays=[np.array([2.0], dtype=np.float32)])
    check_values(lambda a: getattr(a, name)(dim=1, correction=3),
                 arrays=[np.ones((2, 3), dtype=np.float32)])
    check_raises(lambda a: getattr(a, name)(), arrays=[np.arange(4)])


# ----------------------------------------------------------------------------- norm


NORM_CASES = [
    dict(), dict(p=2), dict(p=1), dict(p=float("inf")), dict(p=float("-inf")), dict(p="fro"),
    dict(p=3), dict(p=2, dim=1), dict(p=1, dim=0, keepdim=True), dict(p=float("inf"), dim=-1),
    dict(p="fro", dim=(0, 1)), dict(dim=(1, 2), keepdim=True), dict(p=0.5, dim=1),
]


@pytest.mark.parametrize("kw", NORM_CASES, ids=[str(sorted(k.items())) for k in NORM_CASES])
def test_norm(kw):
    shape = (2, 3, 4) if kw.get("dim") == (1, 2) else (3, 4)
    check_op(lambda a: a.norm(**kw), shapes=[shape])
    check_op(*dual(lambda m, a: m.norm(a, **kw)), shapes=[shape], seed=4)


def test_norm_of_vector_and_float64():
    check_op(lambda a: a.norm(), shapes=[(5,)], dtypes=["float64", "float32"])
    check_op(lambda a: a.norm(2, 0), shapes=[(5,)])
    check_op(lambda a: a.norm(), shapes=[()])


# ----------------------------------------------------------------------------- logsumexp


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1), (-1, 0, 1)], ids=str)
def test_logsumexp(dim, keepdim):
    check_op(*dual(lambda m, a: m.logsumexp(a, dim, keepdim=keepdim)), shapes=[(2, 3, 4)])
    check_op(lambda a: a.logsumexp(dim=dim, keepdim=keepdim), shapes=[(2, 3, 4)], seed=5)


def test_logsumexp_stability_and_infinities():
    x = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -1001.0, -1002.0], [0.0, 1e4, -1e4]],
                 dtype=np.float32)
    check_values(lambda a: a.logsumexp(1), arrays=[x], grad=True)
    check_values(lambda a: a.logsumexp(0), arrays=[x.astype(np.float64)], grad=True)
    inf = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 0.0]], dtype=np.float32)
    check_values(lambda a: a.logsumexp(1), arrays=[inf])
    check_values(lambda a: a.logsumexp(1), arrays=[inf[2:]], grad=True)
    check_values(lambda a: a.logsumexp(1), arrays=[np.array([[np.nan, 1.0]], dtype=np.float32)])


def test_logsumexp_int_input_promotes():
    check_op(lambda a: a.logsumexp(0), shapes=[(3, 4)], dtypes=["int64"], low=-3, high=3)


# ----------------------------------------------------------------------------- all / any


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(name):
    kw = dict(dtypes=["bool", "float32", "int64", "uint8"], low=0, high=1, integer=True)
    check_op(lambda a: getattr(a, name)(), shapes=[(3, 4)], **kw)
    check_op(*dual(lambda m, a: getattr(m, name)(a)), shapes=[(3, 4)], **kw)
    check_op(lambda a: getattr(a, name)(dim=1), shapes=[(3, 4)], **kw)
    check_op(lambda a: getattr(a, name)(-1, keepdim=True), shapes=[(2, 3, 4)], **kw)
    check_op(*dual(lambda m, a: getattr(m, name)(a, 0)), shapes=[(2, 3, 4)], **kw)
    check_op(lambda a: getattr(a, name)(), shapes=[(3, 4)], dtypes=["bool"], seed=7)
    x = np.array([[True, True], [False, True]])
    check_values(lambda a: getattr(a, name)(0), arrays=[x])
    check_values(lambda a: getattr(a, name)(1), arrays=[x])
    check_values(lambda a: getattr(a, name)(), arrays=[np.array([np.nan, 0.0])])


# ----------------------------------------------------------------------------- cumsum / cumprod


@pytest.mark.parametrize("dim", [0, 1, -1, -3])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumsum_cumprod(name, dim):
    kw = {"low": 0.5, "high": 1.5} if name == "cumprod" else {}
    check_op(*dual(lambda m, a: getattr(m, name)(a, dim)), shapes=[(2, 3, 4)], **kw)
    check_op(lambda a: getattr(a, name)(dim=dim), shapes=[(2, 3, 4)], seed=6, **kw)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumsum_cumprod_dtypes_and_shapes(name):
    check_op(lambda a: getattr(a, name)(0), shapes=[(5,)], low=-2.0, high=2.0)
    check_op(lambda a: getattr(a, name)(0), shapes=[()])
    check_op(lambda a: getattr(a, name)(1), shapes=[(3, 4)],
             dtypes=["bool", "uint8", "int32", "int64"], low=-2, high=2)


def test_cumprod_gradient_with_zeros():
    x = np.array([[2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 5.0, 1.0], [1.0, 2.0, 0.5, 0.0]])
    check_values(lambda a: a.cumprod(1), arrays=[x], grad=True)
    check_values(lambda a: a.cumprod(0), arrays=[x], grad=True)


def test_reduction_dim_out_of_range_raises():
    x = np.ones((2, 3), dtype=np.float32)
    check_raises(lambda a: a.sum(2), arrays=[x])
    check_raises(lambda a: a.max(dim=-3), arrays=[x])
    check_raises(lambda a: a.cumsum(5), arrays=[x])


def test_reduction_results_are_tensors_with_right_dtype():
    e = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    for r in (e.sum(), e.mean(), e.max(), e.prod(), e.norm(), e.logsumexp((0, 1)),
              e.var(), e.std(), e.amax()):
        assert isinstance(r, ember.Tensor)
        assert tuple(r.shape) == ()
        assert dtype_name(r.dtype) == "float32"
    assert dtype_name(e.argmax().dtype) == "int64"
    assert dtype_name(e.all().dtype) == "bool"


@pytest.mark.parametrize("expr", [
    lambda x: x[:0].mean(), lambda x: x[:0].mean(0), lambda x: x.logsumexp(0),
    lambda x: x.exp().sum(), lambda x: (x * 1e30).norm(), lambda x: x.log().cumsum(0),
], ids=["mean-empty", "mean0-empty", "logsumexp-inf", "exp-sum", "norm-overflow", "log-cumsum"])
def test_reductions_emit_no_numpy_warnings(expr):
    import warnings
    x = ember.tensor([[0.0, -np.inf], [1000.0, -np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        expr(x)
