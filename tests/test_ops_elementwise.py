"""Elementwise ops vs PyTorch: values, dtypes (promotion), gradients, edge cases."""
import math

import numpy as np
import pytest

import ember
from helpers import check_op, check_values, dtype_name, dual, make_inputs, requires_torch, torch

pytestmark = requires_torch

BCAST_SHAPES = [
    [(3, 4), (3, 4)],
    [(3, 1), (1, 4)],
    [(2, 3, 4), (4,)],
    [(), (3, 4)],
    [(3, 4), ()],
    [(0, 3), (0, 3)],
    [(0, 3), (3,)],
]
SHAPE_IDS = ["same", "3x1-1x4", "234-4", "0d-2d", "2d-0d", "empty", "empty-bcast"]


# ----------------------------------------------------------------------------- unary

# name -> (f(module, x), kwargs for check_op)
UNARY = {
    "neg": (lambda m, a: m.neg(a), {}),
    "abs": (lambda m, a: m.abs(a), {}),
    "sign": (lambda m, a: m.sign(a), {}),
    "exp": (lambda m, a: m.exp(a), {}),
    "expm1": (lambda m, a: m.expm1(a), {}),
    "log": (lambda m, a: m.log(a), {"positive": True}),
    "log1p": (lambda m, a: m.log1p(a), {"low": -0.9}),
    "log2": (lambda m, a: m.log2(a), {"positive": True}),
    "log10": (lambda m, a: m.log10(a), {"positive": True}),
    "sqrt": (lambda m, a: m.sqrt(a), {"positive": True}),
    "rsqrt": (lambda m, a: m.rsqrt(a), {"positive": True}),
    "sin": (lambda m, a: m.sin(a), {}),
    "cos": (lambda m, a: m.cos(a), {}),
    "tan": (lambda m, a: m.tan(a), {"low": -1.2, "high": 1.2}),
    "tanh": (lambda m, a: m.tanh(a), {}),
    "sigmoid": (lambda m, a: m.sigmoid(a), {}),
    "relu": (lambda m, a: m.relu(a), {}),
    "erf": (lambda m, a: m.erf(a), {}),
    "reciprocal": (lambda m, a: m.reciprocal(a), {"low": 0.3, "high": 2.0}),
    "floor": (lambda m, a: m.floor(a), {}),
    "ceil": (lambda m, a: m.ceil(a), {}),
    "round": (lambda m, a: m.round(a), {}),
    "round_decimals": (lambda m, a: m.round(a, decimals=2), {"low": -20, "high": 20}),
    "trunc": (lambda m, a: m.trunc(a), {}),
    "frac": (lambda m, a: m.frac(a), {}),
    "square": (lambda m, a: m.square(a), {}),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_function(name):
    f, kw = UNARY[name]
    check_op(*dual(f), shapes=[(3, 4)], **kw)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_method(name):
    f, kw = UNARY[name]
    method = name.split("_")[0]
    extra = {"decimals": 2} if name == "round_decimals" else {}
    check_op(lambda a: getattr(a, method)(**extra), shapes=[(2, 3)], **kw)


@pytest.mark.parametrize("shape", [(), (0, 3), (2, 3, 4), (5,)], ids=str)
@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "abs", "relu"])
def test_unary_shapes(name, shape):
    f, kw = UNARY[name]
    check_op(*dual(f), shapes=[shape], **kw)


def test_reciprocal_negative():
    check_op(lambda a: a.reciprocal(), shapes=[(3, 4)], low=-2.0, high=-0.3)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("name", ["neg", "abs", "sign", "square"])
def test_unary_integer_dtype_preserved(name, dtype):
    f, _ = UNARY[name]
    check_op(*dual(f), shapes=[(3, 4)], dtypes=[dtype], low=-5, high=5)


@pytest.mark.parametrize("name", ["exp", "log1p", "sqrt", "sin", "sigmoid", "tanh", "erf"])
def test_unary_int_promotes_to_float(name):
    # torch: floating unary ops on integer tensors return the default float dtype
    f, _ = UNARY[name]
    check_op(*dual(f), shapes=[(3, 4)], dtypes=["int64", "int32", "uint8", "bool"], low=0, high=5)


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc"])
def test_rounding_int_preserved(name):
    f, _ = UNARY[name]
    check_op(*dual(f), shapes=[(3, 4)], dtypes=["int64", "int32"], low=-5, high=5)


def test_round_half_to_even():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999997], dtype=np.float32)
    check_values(lambda a: a.round(), arrays=[x])
    check_values(lambda a: a.round(decimals=1), arrays=[np.array([0.25, 0.35, -1.25, 12.345])])
    check_values(lambda a: a.round(decimals=-1), arrays=[np.array([15.0, 25.0, -35.0, 123.4])])


def test_unary_float16_values():
    for name in ["neg", "abs", "exp", "sqrt", "floor", "relu"]:
        f, kw = UNARY[name]
        check_op(*dual(f), shapes=[(3, 4)], dtypes=["float16"], grad=False,
                 atol=2e-3, rtol=2e-3, **kw)


# ----------------------------------------------------------------------------- binary

BINARY = {
    "add": (lambda m, a, b: m.add(a, b), {}),
    "sub": (lambda m, a, b: m.sub(a, b), {}),
    "mul": (lambda m, a, b: m.mul(a, b), {}),
    "div": (lambda m, a, b: m.div(a, b), {"low": 0.5, "high": 2.0}),
    "true_divide": (lambda m, a, b: m.true_divide(a, b), {"low": 0.5, "high": 2.0}),
    "atan2": (lambda m, a, b: m.atan2(a, b), {}),
    "maximum": (lambda m, a, b: m.maximum(a, b), {}),
    "minimum": (lambda m, a, b: m.minimum(a, b), {}),
    "pow": (lambda m, a, b: m.pow(a, b), {"positive": True}),
    "remainder": (lambda m, a, b: m.remainder(a, b), {"low": 0.5, "high": 3.0}),
    "fmod": (lambda m, a, b: m.fmod(a, b), {"low": 0.5, "high": 3.0}),
}


@pytest.mark.parametrize("shapes", BCAST_SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_broadcast(name, shapes):
    f, kw = BINARY[name]
    check_op(*dual(f), shapes=shapes, **kw)


def test_div_negative_divisor():
    check_op(lambda a, b: a / (b - 3.0), shapes=[(3, 4), (3, 4)], low=0.5, high=2.5)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode_float(mode):
    check_op(lambda a, b: a.div(b - 2.5, rounding_mode=mode), shapes=[(3, 4), (3, 1)],
             low=-3.0, high=3.0)
    check_op(*dual(lambda m, a, b: m.div(a, b, rounding_mode=mode)), shapes=[(3, 4), (4,)],
             low=0.3, high=3.0)


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_mode_int(mode):
    x = np.array([7, -7, 7, -7, 0, 9, -1], dtype=np.int64)
    y = np.array([2, 2, -2, -2, 3, 4, 3], dtype=np.int64)
    check_values(lambda a, b: a.div(b, rounding_mode=mode), arrays=[x, y])
    check_values(lambda a, b: a.div(b, rounding_mode=mode), arrays=[x.astype(np.int32), y])


def test_div_rounding_mode_scalar():
    x = np.array([7.5, -7.5, 3.0, -3.0], dtype=np.float32)
    for mode in ["trunc", "floor"]:
        check_values(lambda a: a.div(2, rounding_mode=mode), arrays=[x])
        check_values(lambda a: a.div(2, rounding_mode=mode), arrays=[x.astype(np.int64)])


def test_floor_divide():
    check_op(*dual(lambda m, a, b: m.floor_divide(a, b)), shapes=[(3, 4), (4,)], low=-3, high=3,
             grad=False)
    check_op(lambda a, b: a // (b + 0.25), shapes=[(3, 4), (3, 4)], grad=False)
    x = np.array([7, -7, 7, -7, 0], dtype=np.int32)
    y = np.array([2, 2, -2, -2, 5], dtype=np.int32)
    check_values(lambda a, b: a // b, arrays=[x, y])
    check_values(*dual(lambda m, a, b: m.floor_divide(a, b)), arrays=[x, y])


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_remainder_fmod_signs(dtype):
    x = np.array([5, -5, 5, -5, 0, 7, -3], dtype=dtype)
    y = np.array([3, 3, -3, -3, 2, 7, 5], dtype=dtype)
    check_values(*dual(lambda m, a, b: m.remainder(a, b)), arrays=[x, y])
    check_values(*dual(lambda m, a, b: m.fmod(a, b)), arrays=[x, y])
    check_values(lambda a, b: a % b, arrays=[x, y])
    check_values(lambda a: a % 3, arrays=[x])
    check_values(lambda a: a % -3, arrays=[x])
    check_values(lambda a: a.fmod(-3), arrays=[x])


def test_remainder_fmod_grad_negative():
    check_op(lambda a, b: a.remainder(b - 3.0), shapes=[(3, 4), (3, 4)], low=-3.0, high=2.5)
    check_op(lambda a, b: a.fmod(b - 3.0), shapes=[(3, 4), (3, 4)], low=-3.0, high=2.5)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "maximum", "minimum"])
def test_binary_integer(op, dtype):
    f, _ = BINARY[op]
    check_op(*dual(f), shapes=[(3, 4), (4,)], dtypes=[dtype], low=-9, high=9)


def test_int_true_division_is_float():
    check_op(lambda a, b: a / b, shapes=[(3, 4), (3, 4)], dtypes=["int64", "int32", "uint8"],
             low=1, high=9)
    check_op(*dual(lambda m, a, b: m.true_divide(a, b)), shapes=[(3, 4), (4,)],
             dtypes=["int64"], low=1, high=9)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_division_by_zero_raises(dtype):
    a = ember.tensor(np.array([1, 2], dtype=dtype))
    z = ember.tensor(np.array([0, 0], dtype=dtype))
    with pytest.raises(RuntimeError):
        a // z
    with pytest.raises(RuntimeError):
        a % z
    with pytest.raises(RuntimeError):
        a.div(z, rounding_mode="trunc")


def test_pow_forms():
    check_op(lambda a: a ** 2, shapes=[(3, 4)])
    check_op(lambda a: a ** 3, shapes=[(3, 4)])
    check_op(lambda a: a ** 0.5, shapes=[(3, 4)], positive=True)
    check_op(lambda a: a ** -1.5, shapes=[(3, 4)], positive=True)
    check_op(lambda a: a ** 0, shapes=[(3, 4)])
    check_op(lambda a: 2 ** a, shapes=[(3, 4)])
    check_op(lambda a: 2.5 ** a, shapes=[(3, 4)])
    check_op(lambda a, b: a ** b, shapes=[(3, 4), (3, 1)], positive=True)
    check_op(lambda a: a.pow(2.0), shapes=[(3, 4)])
    check_op(*dual(lambda m, a: m.pow(a, 3)), shapes=[(3, 4)])
    check_op(*dual(lambda m, a: m.pow(2.0, a)), shapes=[(3, 4)])


def test_pow_integer():
    check_op(lambda a: a ** 2, shapes=[(3, 4)], dtypes=["int64", "int32", "uint8"], low=0, high=9)
    check_op(lambda a, b: a ** b, shapes=[(3, 4), (3, 4)], dtypes=["int64"], low=0, high=5)
    check_op(lambda a: a ** 0.5, shapes=[(3, 4)], dtypes=["int64"], low=0, high=9)
    check_op(lambda a: 2 ** a, shapes=[(3, 4)], dtypes=["int64"], low=0, high=9)
    check_op(lambda a: 2.0 ** a, shapes=[(3, 4)], dtypes=["int64"], low=0, high=9)


def test_pow_integer_negative_exponent_raises():
    with pytest.raises(RuntimeError):
        ember.tensor([1, 2, 3]) ** -1


@pytest.mark.parametrize("shapes", BCAST_SHAPES[:4], ids=SHAPE_IDS[:4])
def test_atan2_quadrants(shapes):
    check_op(*dual(lambda m, a, b: m.atan2(a, b)), shapes=shapes, low=-3.0, high=3.0)
    check_op(lambda a, b: a.atan2(b), shapes=shapes, low=-3.0, high=3.0, seed=3)


# ----------------------------------------------------------------------------- operators & forms

OPERATORS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / (b + 3.0),
    "floordiv": lambda a, b: a // (b + 3.0),
    "mod": lambda a, b: a % (b + 3.0),
    "pow": lambda a, b: (a + 3.0) ** b,
}


@pytest.mark.parametrize("name", list(OPERATORS))
def test_operator_tensor_tensor(name):
    grad = name not in ("floordiv",)
    check_op(OPERATORS[name], shapes=[(3, 4), (4,)], grad=grad)


SCALAR_EXPRS = {
    "x+2": lambda x: x + 2,
    "2+x": lambda x: 2 + x,
    "x-2.5": lambda x: x - 2.5,
    "2-x": lambda x: 2 - x,
    "x*3": lambda x: x * 3,
    "3*x": lambda x: 3 * x,
    "x/2": lambda x: x / 2,
    "2/x": lambda x: 2 / x,
    "x//0.7": lambda x: x // 0.7,
    "3//x": lambda x: 3 // x,
    "x%0.7": lambda x: x % 0.7,
    "3%x": lambda x: 3 % x,
    "x**2": lambda x: x ** 2,
    "2**x": lambda x: 2 ** x,
    "-x": lambda x: -x,
    "+x": lambda x: +x,
    "abs(x)": lambda x: abs(x),
}


@pytest.mark.parametrize("expr", list(SCALAR_EXPRS))
def test_operator_scalar(expr):
    grad = "//" not in expr and expr != "3%x"  # torch has no derivative for these
    check_op(SCALAR_EXPRS[expr], shapes=[(3, 4)], low=0.3, high=2.0, grad=grad)


@pytest.mark.parametrize("expr", [e for e in SCALAR_EXPRS if e not in ("+x",)])
def test_operator_scalar_int_tensor(expr):
    if expr in ("2/x", "3//x", "3%x"):
        low = 1
    else:
        low = -4
    check_op(SCALAR_EXPRS[expr], shapes=[(3, 4)], dtypes=["int64", "int32"], low=low, high=5)


def test_matmul_operator():
    check_op(lambda a, b: a @ b, shapes=[(3, 4), (4, 5)])
    check_op(lambda a, b: a @ b, shapes=[(4,), (4,)])
    check_op(lambda a, b: a @ b, shapes=[(2, 3, 4), (4,)])
    check_op(lambda a, b: a @ b, shapes=[(4,), (4, 2)])
    check_op(lambda a, b: a @ b, shapes=[(2, 1, 3, 4), (5, 4, 2)])
    check_op(lambda a, b: a.matmul(b), shapes=[(2, 3, 4), (2, 4, 5)])
    check_op(lambda a, b: a @ b, shapes=[(3, 4), (4, 5)], dtypes=["int64"], low=-3, high=3)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_function_and_method_forms_agree(name):
    kw = {"low": 0.5} if name == "div" else {}
    check_op(*dual(lambda m, a, b: getattr(m, name)(a, b)), shapes=[(3, 4), (4,)], **kw)
    check_op(lambda a, b: getattr(a, name)(b), shapes=[(3, 4), (4,)], **kw)
    check_op(lambda a: getattr(a, name)(1.5), shapes=[(3, 4)], **kw)
    check_op(*dual(lambda m, a: getattr(m, name)(a, 1.5)), shapes=[(3, 4)], **kw)


def test_alpha():
    check_op(*dual(lambda m, a, b: m.add(a, b, alpha=2)), shapes=[(3, 4), (3, 4)])
    check_op(*dual(lambda m, a, b: m.sub(a, b, alpha=0.5)), shapes=[(3, 4), (4,)])
    check_op(lambda a, b: a.add(b, alpha=-3), shapes=[(3, 4), (3, 1)])
    check_op(lambda a, b: a.sub(b, alpha=2), shapes=[(3, 4), (3, 1)])
    check_op(lambda a, b: a.add(b, alpha=3), shapes=[(3, 4), (4,)], dtypes=["int64"],
             low=-5, high=5)


def test_square_and_true_divide_methods():
    check_op(lambda a: a.square(), shapes=[(2, 3)], dtypes=["float32", "int64"], low=-3, high=3)
    check_op(lambda a, b: a.true_divide(b), shapes=[(3, 4), (4,)], low=0.5)


# ----------------------------------------------------------------------------- clamp / lerp / where

CLAMPS = {
    "min": lambda m, a: m.clamp(a, min=-0.5),
    "max": lambda m, a: m.clamp(a, max=0.5),
    "both": lambda m, a: m.clamp(a, -0.5, 0.5),
    "clip": lambda m, a: m.clip(a, -0.5, 0.7),
    "method": lambda m, a: a.clamp(min=-1.0, max=1.0),
    "clip_method": lambda m, a: a.clip(max=0.25),
    "clamp_min": lambda m, a: a.clamp_min(0.1),
    "clamp_max": lambda m, a: a.clamp_max(0.1),
}


@pytest.mark.parametrize("name", list(CLAMPS))
def test_clamp_scalar(name):
    check_op(*dual(CLAMPS[name]), shapes=[(3, 4)])


def test_clamp_tensor_bounds():
    # bounds kept ordered (lo in [-1.5, -0.5], hi in [0.5, 1.5]); lo > hi is tested on values only
    check_op(*dual(lambda m, a, lo, hi: m.clamp(a, lo * 0.25 - 1.0, hi * 0.25 + 1.0)),
             shapes=[(3, 4), (4,), (3, 1)], low=-2.0, high=2.0)
    check_op(*dual(lambda m, a, lo: m.clamp(a, min=lo)), shapes=[(3, 4), (3, 4)])
    check_op(*dual(lambda m, a, hi: m.clamp(a, max=hi)), shapes=[(3, 4), (1, 4)])
    check_op(lambda a, lo: a.clip(min=lo), shapes=[(3, 4), ()])


def test_clamp_int_and_promotion():
    check_op(lambda a: a.clamp(-2, 3), shapes=[(3, 4)], dtypes=["int64", "int32"], low=-5, high=5)
    # torch: clamp participates in type promotion (int tensor, float bound -> float32)
    check_op(lambda a: a.clamp(min=0.5), shapes=[(3, 4)], dtypes=["int64"], low=-5, high=5)


def test_clamp_min_greater_than_max():
    x = np.linspace(-2, 2, 9).astype(np.float32)
    check_values(lambda a: a.clamp(1.0, -1.0), arrays=[x])


def test_clamp_requires_a_bound():
    with pytest.raises((RuntimeError, TypeError, ValueError)):
        ember.clamp(ember.tensor([1.0, 2.0]))


def test_clamp_grad_at_boundaries():
    # torch: gradient passes where min <= x <= max (inclusive)
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0], dtype=np.float32)
    check_values(lambda a: a.clamp(-0.5, 0.5), arrays=[x], grad=True)
    check_values(lambda a: a.clamp(min=0.0), arrays=[x], grad=True)


def test_lerp():
    check_op(*dual(lambda m, a, b: m.lerp(a, b, 0.3)), shapes=[(3, 4), (3, 4)])
    check_op(lambda a, b: a.lerp(b, 0.75), shapes=[(3, 4), (4,)])
    check_op(*dual(lambda m, a, b, w: m.lerp(a, b, w)), shapes=[(3, 4), (3, 4), (3, 4)],
             low=0.0, high=1.0)
    check_op(lambda a, b, w: a.lerp(b, w), shapes=[(3, 4), (1, 4), (3, 1)], low=-1.0, high=1.0)


def test_where():
    c = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])
    x, y = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    check_values(*dual(lambda m, c, a, b: m.where(c, a, b)), arrays=[c, x, y], grad=True)
    check_values(lambda c, a, b: a.where(c, b), arrays=[c, x, y], grad=True)
    # broadcasting condition and operands
    check_values(*dual(lambda m, c, a, b: m.where(c, a, b)),
                 arrays=[c[:, :1], x[0], y[:, :1]], grad=True)
    # scalars
    check_values(*dual(lambda m, c, a: m.where(c, a, 0.0)), arrays=[c, x], grad=True)
    check_values(*dual(lambda m, c, b: m.where(c, 1.5, b)), arrays=[c, y.astype(np.float64)],
                 grad=True)
    # condition from a comparison; promotion between branches
    check_op(*dual(lambda m, a, b: m.where(a > 0, a, b)), shapes=[(3, 4), (3, 4)])
    check_op(*dual(lambda m, a, b: m.where(a > b, a, b)), shapes=[(3, 4), (3, 4)],
             dtypes=[("float32", "float64"), ("int32", "float32"), ("int64", "int32")])


def test_where_single_argument():
    c = np.array([[True, False, True], [False, True, True]])
    check_values(*dual(lambda m, c: m.where(c)), arrays=[c])


# ----------------------------------------------------------------------------- comparisons

CMP = ["eq", "ne", "lt", "le", "gt", "ge"]
CMP_OPS = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
}


@pytest.mark.parametrize("name", CMP)
def test_comparisons(name):
    kw = dict(integer=True, low=-2, high=2)  # integer values -> plenty of ties
    dts = ["float32", "int64", ("int32", "float64")]
    check_op(*dual(lambda m, a, b: getattr(m, name)(a, b)), shapes=[(3, 4), (3, 4)],
             dtypes=dts, **kw)
    check_op(lambda a, b: getattr(a, name)(b), shapes=[(3, 4), (4,)], dtypes=dts, **kw)
    check_op(CMP_OPS[name], shapes=[(3, 1), (1, 4)], dtypes=dts, **kw)
    check_op(lambda a: CMP_OPS[name](a, 1), shapes=[(3, 4)], dtypes=dts[:2], **kw)
    check_op(lambda a: CMP_OPS[name](a, 0.5), shapes=[(3, 4)], dtypes=dts[:2], **kw)
    check_op(lambda a: CMP_OPS[name](1, a), shapes=[(3, 4)], dtypes=dts[:2], **kw)
    check_op(lambda a: getattr(a, name)(0), shapes=[(3, 4)], dtypes=dts[:2], **kw)


def test_comparison_bool_and_0d():
    check_op(lambda a, b: a == b, shapes=[(3, 4), (3, 4)], dtypes=["bool"])
    check_op(lambda a, b: a < b, shapes=[(), (3, 4)], integer=True, low=-2, high=2)


def test_comparison_with_nan():
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], dtype=np.float32)
    y = np.array([np.nan, np.nan, np.inf, 0.0, -0.0], dtype=np.float32)
    for name in CMP:
        check_values(CMP_OPS[name], arrays=[x, y])


# ----------------------------------------------------------------------------- logical / bitwise

LOGICAL = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", LOGICAL)
def test_logical_binary(name):
    check_op(*dual(lambda m, a, b: getattr(m, name)(a, b)), shapes=[(3, 4), (4,)],
             dtypes=["bool", "float32", "int64", ("int32", "bool")], integer=True, low=-1, high=1)
    check_op(lambda a, b: getattr(a, name)(b), shapes=[(3, 4), (3, 4)], dtypes=["bool"])


def test_logical_not():
    check_op(*dual(lambda m, a: m.logical_not(a)), shapes=[(3, 4)],
             dtypes=["bool", "float32", "int64", "uint8"], integer=True, low=-1, high=1)
    check_op(lambda a: a.logical_not(), shapes=[(3, 4)], dtypes=["bool"])


BITWISE = {
    "and": (lambda m, a, b: m.bitwise_and(a, b), lambda a, b: a & b),
    "or": (lambda m, a, b: m.bitwise_or(a, b), lambda a, b: a | b),
    "xor": (lambda m, a, b: m.bitwise_xor(a, b), lambda a, b: a ^ b),
}


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
@pytest.mark.parametrize("name", list(BITWISE))
def test_bitwise(name, dtype):
    f, op = BITWISE[name]
    kw = dict(low=-20, high=20)
    check_op(*dual(f), shapes=[(3, 4), (4,)], dtypes=[dtype], **kw)
    check_op(op, shapes=[(3, 4), (3, 4)], dtypes=[dtype], **kw)
    check_op(lambda a, b: getattr(a, "bitwise_" + name)(b), shapes=[(3, 4), (3, 4)],
             dtypes=[dtype], **kw)
    if dtype != "bool":
        check_op(lambda a: op(a, 6), shapes=[(3, 4)], dtypes=[dtype], **kw)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64"])
def test_bitwise_not(dtype):
    check_op(*dual(lambda m, a: m.bitwise_not(a)), shapes=[(3, 4)], dtypes=[dtype], low=-9, high=9)
    check_op(lambda a: ~a, shapes=[(3, 4)], dtypes=[dtype], low=-9, high=9)


def test_bitwise_shifts():
    check_op(lambda a: a << 2, shapes=[(3, 4)], dtypes=["int64", "int32"], low=0, high=9)
    check_op(lambda a: a >> 1, shapes=[(3, 4)], dtypes=["int64", "int32"], low=-9, high=9)


def test_bitwise_on_float_raises():
    with pytest.raises((RuntimeError, TypeError)):
        ember.tensor([1.0]) & ember.tensor([1.0])


def test_mixed_bool_int_bitwise_promotes():
    check_op(lambda a, b: a & b, shapes=[(3, 4), (3, 4)], dtypes=[("bool", "int32"),
                                                                 ("uint8", "int64")],
             low=0, high=9)


# ----------------------------------------------------------------------------- isnan / isinf / edges

SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e-30, 3e38], dtype=np.float32)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_isnan_isinf_isfinite(name):
    check_values(*dual(lambda m, a: getattr(m, name)(a)), arrays=[SPECIAL])
    check_values(lambda a: getattr(a, name)(), arrays=[SPECIAL.astype(np.float64)])
    check_values(lambda a: getattr(a, name)(), arrays=[np.arange(5, dtype=np.int64)])


@pytest.mark.parametrize("name", ["exp", "expm1", "log", "log1p", "log2", "log10", "sqrt",
                                  "rsqrt", "sin", "tanh", "sigmoid", "relu", "reciprocal",
                                  "sign", "abs", "floor", "round", "frac", "erf", "square"])
def test_unary_special_values(name):
    f, _ = UNARY[name]
    vals = np.array([0.0, -0.0, -1.0, 1.0, -1000.0, 1000.0, np.nan, np.inf, -np.inf, 1e-8,
                     -1e-8, 88.0, 89.0], dtype=np.float32)
    check_values(*dual(f), arrays=[vals])
    check_values(*dual(f), arrays=[vals.astype(np.float64)])


def test_division_by_zero():
    x = np.array([1.0, -1.0, 0.0, np.inf], dtype=np.float32)
    z = np.zeros(4, dtype=np.float32)
    check_values(lambda a, b: a / b, arrays=[x, z])
    check_values(lambda a, b: a.div(b, rounding_mode="floor"), arrays=[x, z])
    check_values(lambda a, b: a.div(b, rounding_mode="trunc"), arrays=[x, z])
    check_values(lambda a, b: a // b, arrays=[x, z])
    check_values(lambda a, b: a % b, arrays=[x, z])
    check_values(*dual(lambda m, a, b: m.fmod(a, b)), arrays=[x, z])
    check_values(lambda a: a / 0, arrays=[x])
    check_values(lambda a: 1 / a, arrays=[z])
    xi = np.array([1, -1, 0], dtype=np.int64)
    check_values(lambda a, b: a / b, arrays=[xi, np.zeros(3, dtype=np.int64)])


def test_pow_edges():
    base = np.array([0.0, 0.0, -8.0, -2.0, 2.0, np.inf, np.nan, 1.0], dtype=np.float32)
    expo = np.array([-1.0, 0.0, 1 / 3, 2.0, 0.5, -1.0, 0.0, np.nan], dtype=np.float32)
    check_values(lambda a, b: a ** b, arrays=[base, expo])
    check_values(lambda a: a ** 0.5, arrays=[base])
    check_values(lambda a: a ** -2, arrays=[base])


def test_atan2_edges():
    y = np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, np.inf, np.nan], dtype=np.float64)
    x = np.array([0.0, 0.0, -0.0, -0.0, 0.0, 0.0, np.inf, 1.0], dtype=np.float64)
    check_values(*dual(lambda m, a, b: m.atan2(a, b)), arrays=[y, x])


def test_nan_propagation_min_max_clamp():
    a = np.array([1.0, np.nan, 3.0, np.nan], dtype=np.float32)
    b = np.array([np.nan, 2.0, 1.0, np.nan], dtype=np.float32)
    check_values(*dual(lambda m, a, b: m.maximum(a, b)), arrays=[a, b])
    check_values(*dual(lambda m, a, b: m.minimum(a, b)), arrays=[a, b])
    check_values(lambda a: a.clamp(0.0, 2.0), arrays=[a])
    check_values(lambda a: a.relu(), arrays=[a])


def test_grad_at_kinks():
    # torch conventions: d|x|/dx(0) = 0, relu'(0) = 0, sqrt'(0) = inf, sign'(x) = 0
    x = np.array([-1.0, 0.0, 2.0], dtype=np.float64)
    check_values(lambda a: a.abs(), arrays=[x], grad=True)
    check_values(lambda a: a.relu(), arrays=[x], grad=True)
    check_values(lambda a: a.sign(), arrays=[x], grad=True)
    check_values(lambda a: a.sqrt(), arrays=[np.array([0.0, 1.0, 4.0])], grad=True)


def test_maximum_minimum_tie_gradient():
    # torch splits the gradient evenly between equal operands
    a = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    b = np.array([1.0, 1.0, 3.0, 5.0], dtype=np.float32)
    check_values(*dual(lambda m, a, b: m.maximum(a, b)), arrays=[a, b], grad=True)
    check_values(*dual(lambda m, a, b: m.minimum(a, b)), arrays=[a, b], grad=True)


def test_sigmoid_tanh_saturation_grad():
    x = np.array([-100.0, -30.0, 0.0, 30.0, 100.0], dtype=np.float32)
    check_values(lambda a: a.sigmoid(), arrays=[x], grad=True)
    check_values(lambda a: a.tanh(), arrays=[x], grad=True)


# ----------------------------------------------------------------------------- dtype promotion

PROMO_DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("da", PROMO_DTYPES)
@pytest.mark.parametrize("db", PROMO_DTYPES)
def test_promotion_tensor_tensor(da, db):
    kw = dict(dtypes=[(da, db)], low=0, high=4, integer=True, grad=False, noncontig=False)
    check_op(lambda a, b: a + b, shapes=[(2, 3), (2, 3)], **kw)
    check_op(lambda a, b: a * b, shapes=[(2, 3), (3,)], **kw)
    check_op(lambda a, b: a / (b + 1), shapes=[(2, 3), (2, 3)], **kw)
    check_op(*dual(lambda m, a, b: m.maximum(a, b)), shapes=[(2, 3), (2, 3)], **kw)
    check_op(lambda a, b: a == b, shapes=[(2, 3), (2, 3)], **kw)


@pytest.mark.parametrize("da", PROMO_DTYPES)
@pytest.mark.parametrize("scalar", [2, 2.5, True, -1], ids=["int", "float", "bool", "negint"])
def test_promotion_tensor_scalar(da, scalar):
    if da in ("uint8",) and scalar == -1:
        scalar = 3
    kw = dict(dtypes=[da], low=0, high=4, integer=True, grad=False, noncontig=False)
    check_op(lambda a: a + scalar, shapes=[(2, 3)], **kw)
    check_op(lambda a: scalar + a, shapes=[(2, 3)], **kw)
    check_op(lambda a: a * scalar, shapes=[(2, 3)], **kw)
    if scalar is not True:
        check_op(lambda a: a / scalar, shapes=[(2, 3)], **kw)
    if da != "bool" and scalar is not True:  # torch forbids `-` with bools
        check_op(lambda a: a - scalar, shapes=[(2, 3)], **kw)


@pytest.mark.parametrize("d0", ["bool", "int32", "int64", "float16", "float32", "float64"])
@pytest.mark.parametrize("dn", ["bool", "uint8", "int32", "int64", "float16", "float32"])
def test_promotion_zero_dim_with_nd(d0, dn):
    kw = dict(dtypes=[(d0, dn)], low=0, high=4, integer=True, grad=False, noncontig=False)
    check_op(lambda a, b: a + b, shapes=[(), (2, 3)], **kw)
    check_op(lambda a, b: b * a, shapes=[(), (2, 3)], **kw)


def test_promotion_zero_dim_both():
    kw = dict(low=0, high=4, integer=True, grad=False)
    check_op(lambda a, b: a + b, shapes=[(), ()],
             dtypes=[("int32", "float64"), ("float16", "int64"), ("bool", "uint8")], **kw)


@pytest.mark.parametrize("np_scalar", [np.float64(2.5), np.float32(2.5), np.int64(3),
                                       np.int32(3)], ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "int32", "float16"])
def test_promotion_numpy_scalars(np_scalar, dtype):
    # torch treats NumPy scalars like Python scalars (weak): f32 * np.float64 -> f32
    kw = dict(dtypes=[dtype], low=0, high=4, integer=True, grad=False, noncontig=False)
    check_op(lambda a: a * np_scalar, shapes=[(2, 3)], **kw)
    check_op(lambda a: a + np_scalar, shapes=[(2, 3)], **kw)


def test_numpy_scalar_on_left_returns_tensor():
    t = ember.tensor([1.0, 2.0])
    for r in (np.float64(2.0) * t, np.float32(3.0) + t, np.int64(2) - t):
        assert isinstance(r, ember.Tensor), type(r)
        assert dtype_name(r.dtype) == "float32"
    check_op(lambda a: np.float64(2.0) * a, shapes=[(2, 3)], grad=False)


def test_float32_stays_float32_with_python_float():
    check_op(lambda a: a * 0.1 + 1e-3, shapes=[(3, 4)], dtypes=["float32", "float16"], grad=False,
             atol=2e-3, rtol=2e-3)


def test_default_dtype_float64_effects():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert dtype_name(ember.tensor([1.5, 2.0]).dtype) == "float64"
        assert dtype_name(ember.get_default_dtype()) == "float64"
        kw = dict(low=1, high=5, integer=True, grad=False, noncontig=False)
        check_op(lambda a, b: a / b, shapes=[(3,), (3,)], dtypes=["int64", "int32"], **kw)
        check_op(lambda a: a * 2.5, shapes=[(3,)], dtypes=["int64", "bool"], **kw)
        check_op(lambda a: a.exp(), shapes=[(3,)], dtypes=["int64"], **kw)
        check_op(lambda a: a * 2.5, shapes=[(3,)], dtypes=["float32", "float16"], **kw)
        check_op(lambda a, b: a + b, shapes=[(), (3,)], dtypes=[("float64", "int32")], **kw)
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)
    assert dtype_name(ember.tensor([1.5]).dtype) == "float32"
    check_op(lambda a, b: a / b, shapes=[(3,), (3,)], dtypes=["int64"], low=1, high=5, grad=False)


# ----------------------------------------------------------------------------- in-place

INPLACE = {
    "add_": (lambda a, b: a.add_(b), {}),
    "add_alpha": (lambda a, b: a.add_(b, alpha=2), {}),
    "sub_": (lambda a, b: a.sub_(b), {}),
    "mul_": (lambda a, b: a.mul_(b), {}),
    "div_": (lambda a, b: a.div_(b), {"low": 0.5}),
    "div_floor": (lambda a, b: a.div_(b, rounding_mode="floor"), {"low": 0.5}),
    "pow_": (lambda a, b: a.pow_(b), {"positive": True}),
    "clamp_": (lambda a, b: a.clamp_(-0.5, 0.5), {}),
    "clamp_tensor": (lambda a, b: a.clamp_(min=b), {}),
    "clip_": (lambda a, b: a.clip_(max=0.3), {}),
    "neg_": (lambda a, b: a.neg_(), {}),
    "abs_": (lambda a, b: a.abs_(), {}),
    "exp_": (lambda a, b: a.exp_(), {}),
    "sqrt_": (lambda a, b: a.sqrt_(), {"positive": True}),
    "floor_": (lambda a, b: a.floor_(), {}),
    "sigmoid_": (lambda a, b: a.sigmoid_(), {}),
    "relu_": (lambda a, b: a.relu_(), {}),
    "lerp_": (lambda a, b: a.lerp_(b, 0.25), {}),
    "copy_": (lambda a, b: a.copy_(b), {}),
    "iadd": (None, {}),
    "imul_scalar": (None, {}),
}


def _iadd(a, b):
    a += b
    return a


def _imul_scalar(a, b):
    a *= 3
    return a


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_returns_self(name):
    f, kw = INPLACE[name]
    f = {"iadd": _iadd, "imul_scalar": _imul_scalar}.get(name, f)
    for dtype in ["float32", "float64"]:
        arrays = make_inputs([(3, 4), (4,)], dtype, seed=1, **kw)
        ta, tb = (torch.from_numpy(x.copy()) for x in arrays)
        ea, eb = (ember.tensor(x.copy()) for x in arrays)
        t_ret, e_ret = f(ta, tb), f(ea, eb)
        assert e_ret is ea, f"{name}: in-place op did not return the same tensor object"
        assert t_ret is ta
        assert dtype_name(ea.dtype) == dtype_name(ta.dtype)
        assert tuple(ea.shape) == tuple(ta.shape)
        np.testing.assert_allclose(ea.numpy(), ta.numpy(), rtol=1e-5, atol=1e-6)


def test_inplace_on_view_updates_base():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    e, t = ember.tensor(x.copy()), torch.from_numpy(x.copy())
    e[1].mul_(10)
    t[1].mul_(10)
    e[:, 0].add_(ember.tensor([1.0, 2.0, 3.0]))
    t[:, 0].add_(torch.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_inplace_int_tensor():
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    e, t = ember.tensor(x.copy()), torch.from_numpy(x.copy())
    assert e.add_(2) is e and e.mul_(3) is e
    t.add_(2).mul_(3)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert dtype_name(e.dtype) == "int64"
    e.div_(2, rounding_mode="floor")
    t.div_(2, rounding_mode="floor")
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_inplace_float_into_int_raises():
    e = ember.tensor([1, 2, 3])
    with pytest.raises(RuntimeError):
        e.add_(1.5)
    with pytest.raises(RuntimeError):
        e.div_(2)
    with pytest.raises(RuntimeError):
        e.mul_(ember.tensor([1.0, 2.0, 3.0]))


def test_inplace_float_tensor_keeps_dtype_with_double_operand():
    e = ember.tensor([1.0, 2.0])
    e.add_(ember.tensor([0.5, 0.25], dtype=ember.float64))
    assert dtype_name(e.dtype) == "float32"
    np.testing.assert_allclose(e.numpy(), [1.5, 2.25])


def test_inplace_broadcast_rules():
    e = ember.zeros(3, 4)
    e.add_(ember.ones(4))
    np.testing.assert_array_equal(e.numpy(), np.ones((3, 4)))
    with pytest.raises(RuntimeError):
        ember.zeros(1, 4).add_(ember.ones(3, 4))


def test_inplace_on_leaf_requiring_grad_raises():
    e = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        e.mul_(2)


def test_inplace_under_no_grad_on_leaf_ok():
    e = ember.ones(3, requires_grad=True)
    with ember.no_grad():
        e.mul_(2)
    assert e.requires_grad
    np.testing.assert_array_equal(e.detach().numpy(), [2.0, 2.0, 2.0])


def test_inplace_in_graph_gradient():
    # in-place on a non-leaf intermediate: gradients must follow torch
    def f(m, a, b):
        c = a * 2
        c.add_(b)
        c.mul_(b)
        return c.sigmoid()
    check_op(*dual(f), shapes=[(3, 4), (4,)])


def test_math_constants_and_python_scalars():
    # float(), int(), bool(), item() on 1-element results
    e = ember.tensor([2.5])
    assert float(e * 2) == 5.0
    assert int(ember.tensor(7) // 2) == 3
    assert bool(ember.tensor([1.0]) > 0) is True
    assert math.isclose((ember.tensor(3.0) ** 2).item(), 9.0)
    assert isinstance((ember.tensor(3) + 1).item(), int)
    assert isinstance((ember.tensor(3.0) + 1).item(), float)


@pytest.mark.parametrize("expr", [
    lambda x: x.log(), lambda x: x.log2(), lambda x: x.sqrt(), lambda x: x.rsqrt(),
    lambda x: x.exp(), lambda x: x.expm1(), lambda x: x.log1p(), lambda x: 1 / x,
    lambda x: x / x, lambda x: x.reciprocal(), lambda x: x % 0.0, lambda x: x.fmod(0.0),
    lambda x: x // 0.0, lambda x: x ** -1, lambda x: (x * 1e30) * 1e30,
], ids=["log", "log2", "sqrt", "rsqrt", "exp", "expm1", "log1p", "rdiv", "div", "reciprocal",
        "mod0", "fmod0", "floordiv0", "pow-1", "overflow"])
def test_special_values_emit_no_numpy_warnings(expr):
    # torch is silent on log(0), 1/0, 0/0, exp(1000), overflow; ember must not leak
    # NumPy RuntimeWarnings (they break users running with -W error)
    import warnings
    x = ember.tensor([0.0, -1.0, -0.0, 1000.0, 1.0, float("nan"), float("inf")])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        expr(x)


def test_random_broadcast_shapes():
    # property test: random mutually-broadcastable shapes (incl. size-0/1 dims) for a few ops
    hyp = pytest.importorskip("hypothesis")
    from hypothesis.extra.numpy import mutually_broadcastable_shapes

    @hyp.settings(max_examples=25, deadline=None, derandomize=True)
    @hyp.given(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0,
                                             max_side=3))
    def run(bs):
        shapes = list(bs.input_shapes)
        check_op(lambda a, b: a * b + a, shapes=shapes, dtypes=["float64"])
        check_op(*dual(lambda m, a, b: m.maximum(a, b) - m.where(a > b, b, a)), shapes=shapes,
                 dtypes=["float32"], noncontig=False)
    run()
