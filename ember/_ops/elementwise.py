"""Elementwise ops: arithmetic, unary math, comparisons, logic, clamp/where. Forward on arrays, backward on tensors."""
from __future__ import annotations

import math

from .. import _dtype
from ._base import Node, Tensor, _make, binary_operands, not_implemented, np, scalar_name, xp


def _sum_to(g: Tensor, shape) -> Tensor:
    """Reduce a broadcast gradient back to `shape` (the one shared unbroadcast)."""
    return g if g._data.shape == shape else g.sum_to_size(shape)


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


# ---- binary arithmetic ------------------------------------------------------------------------------------------
class AddBackward0(Node):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes, ctx.alpha = (getattr(a, "shape", ()), getattr(b, "shape", ())), alpha
        return a + b if alpha == 1 else a + alpha * b

    def backward(self, g):
        sa, sb = self.shapes
        ga = _sum_to(g, sa) if self.next[0] is not None else None
        gb = _sum_to(g if self.alpha == 1 else g * self.alpha, sb) if self.next[1] is not None else None
        return ga, gb


class SubBackward0(Node):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes, ctx.alpha = (getattr(a, "shape", ()), getattr(b, "shape", ())), alpha
        return a - b if alpha == 1 else a - alpha * b

    def backward(self, g):
        sa, sb = self.shapes
        ga = _sum_to(g, sa) if self.next[0] is not None else None
        gb = _sum_to(-g if self.alpha == 1 else g * -self.alpha, sb) if self.next[1] is not None else None
        return ga, gb


class MulBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    def backward(self, g):
        a, b = self.saved_tensors
        na, nb = self.next[0] is not None, self.next[1] is not None
        return (_sum_to(g * b, _shape(a)) if na else None), (_sum_to(g * a, _shape(b)) if nb else None)


class DivBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return a / b

    def backward(self, g):
        a, b = self.saved_tensors
        ga = _sum_to(g / b, _shape(a)) if self.next[0] is not None else None
        gb = _sum_to(-g * a / (b * b), _shape(b)) if self.next[1] is not None else None
        return ga, gb


def _int_pow(a, e):
    """Integer power; negative exponents truncate toward zero (1 -> 1, -1 -> +-1, else 0) as torch does."""
    m = xp(a) if hasattr(a, "dtype") else xp(e)
    if not hasattr(e, "dtype"):  # Python scalar exponent keeps the tensor's dtype
        if e >= 0:
            return a ** e
    e = m.asarray(e)
    if not (e < 0).any():
        return m.asarray(a) ** e
    a = m.asarray(a)
    pos = a ** m.maximum(e, 0)
    neg = m.where(a == 1, 1, m.where(a == -1, m.where(e % 2 == 0, 1, -1), 0)).astype(pos.dtype)
    return m.where(e < 0, neg, pos)


class PowBackward0(Node):
    """tensor ** scalar."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, e):
        return _int_pow(a, e) if a.dtype.kind in "iu" else a ** e

    def backward(self, g):
        a, e = self.saved_tensors
        if e == 0:
            return g * 0
        return g * e * a ** (e - 1)


class PowBackward1(Node):
    """tensor ** tensor."""
    save = (0, 1)
    save_out = True

    @staticmethod
    def forward(ctx, a, b):
        return _int_pow(a, b) if a.dtype.kind in "iu" else a ** b

    def backward(self, g):
        a, b = self.saved_tensors
        ga = gb = None
        if self.next[0] is not None:
            ga = _sum_to(g * b * a ** (b - 1), a._data.shape)
        if self.next[1] is not None:
            out = self.saved_output()
            gb = _sum_to(g * out * a.log().masked_fill((a == 0) & (b >= 0), 0), b._data.shape)
        return ga, gb


class PowBackward2(Node):
    """scalar ** tensor."""
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, b, s):
        ctx.log_s = math.log(s) if s > 0 else (float("-inf") if s == 0 else float("nan"))
        base = xp(b).asarray(s, dtype=b.dtype)
        return _int_pow(base, b) if b.dtype.kind in "iu" else base ** b

    def backward(self, g):
        return g * self.saved_output() * self.log_s


class Atan2Backward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return xp(a).arctan2(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        d = a * a + b * b
        return _sum_to(g * b / d, a._data.shape), _sum_to(-g * a / d, b._data.shape)


class RemainderBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return xp(a).remainder(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        gb = None
        if self.next[1] is not None:
            gb = _sum_to(-g * (a / b).floor(), b._data.shape)
        return _sum_to(g, _shape(a)), gb


class FmodBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return xp(a).fmod(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        gb = _sum_to(-g * (a / b).trunc(), b._data.shape) if self.next[1] is not None else None
        return _sum_to(g, a._data.shape), gb


class MaximumBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return xp(a).maximum(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        w = (a > b).to(g.dtype) + (a == b).to(g.dtype) * 0.5
        return _sum_to(g * w, a._data.shape), _sum_to(g * (1 - w), b._data.shape)


class MinimumBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return xp(a).minimum(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        w = (a < b).to(g.dtype) + (a == b).to(g.dtype) * 0.5
        return _sum_to(g * w, a._data.shape), _sum_to(g * (1 - w), b._data.shape)


class RsubBackward1(Node):
    """scalar - tensor."""

    @staticmethod
    def forward(ctx, b, s, alpha):
        ctx.alpha = alpha
        return s - b if alpha == 1 else s - alpha * b

    def backward(self, g):
        return -g if self.alpha == 1 else g * -self.alpha


def _check_alpha(a, b, alpha):
    if isinstance(alpha, float) and all(not isinstance(t, Tensor) or t._data.dtype.kind in "biu" for t in (a, b)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def add(input, other, *, alpha=1):
    """input + alpha * other."""
    a, b = binary_operands(input, other)
    if alpha != 1:
        _check_alpha(a, b, alpha)
    if not isinstance(a, Tensor):  # scalar + tensor: commute
        return AddBackward0.apply(b if alpha == 1 else mul(b, alpha), a)
    return AddBackward0.apply(a, b, alpha) if alpha != 1 else AddBackward0.apply(a, b)


def sub(input, other, *, alpha=1):
    """input - alpha * other."""
    a, b = binary_operands(input, other)
    if alpha != 1:
        _check_alpha(a, b, alpha)
    if not isinstance(a, Tensor):
        return RsubBackward1.apply(b, a, alpha)
    if a._data.dtype.kind == "b" and isinstance(b, Tensor) and b._data.dtype.kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    return SubBackward0.apply(a, b, alpha) if alpha != 1 else SubBackward0.apply(a, b)


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other):
    """input * other."""
    a, b = binary_operands(input, other)
    if not isinstance(a, Tensor):
        a, b = b, a
    return MulBackward0.apply(a, b)


def _float_operands(a, b):
    """True division promotes integer results to the default float dtype."""
    a, b = binary_operands(a, b)
    t = a if isinstance(a, Tensor) else b
    if t._data.dtype.kind in "biu":
        f = _dtype.get_default_dtype()
        a = a.to(f) if isinstance(a, Tensor) else float(a)
        b = b.to(f) if isinstance(b, Tensor) else float(b)
    return a, b


def div(input, other, *, rounding_mode=None):
    """input / other, optionally rounded ('trunc' or 'floor')."""
    if rounding_mode is None:
        a, b = _float_operands(input, other)
        if not isinstance(a, Tensor):
            return reciprocal(b).mul(a) if a != 1 else reciprocal(b)
        return DivBackward0.apply(a, b)
    if rounding_mode == "trunc":
        a, b = binary_operands(input, other)
        if (a if isinstance(a, Tensor) else b)._data.dtype.kind in "iu":
            return _nograd(lambda x, y: _int_div(x, y, "trunc"), a, b)
        return div(a, b).trunc()
    if rounding_mode == "floor":
        return floor_divide(input, other)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                       f"'{rounding_mode}'")


true_divide = divide = div


def _check_int_zero(m, y):
    if m.any(m.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")


def _int_div(x, y, mode):
    m = xp(x if not isinstance(x, (int, float)) else y)
    _check_int_zero(m, y)
    q = m.floor_divide(x, y)
    if mode == "trunc":
        q = q + ((m.remainder(x, y) != 0) & ((m.asarray(x) < 0) != (m.asarray(y) < 0)))
    return q


def floor_divide(input, other):
    """Floor of input / other (integer tensors stay integer); not differentiable."""
    a, b = binary_operands(input, other)
    t = a if isinstance(a, Tensor) else b
    if t._data.dtype.kind in "iu":
        return _nograd(lambda x, y: _int_div(x, y, "floor"), a, b)
    if not isinstance(a, Tensor):
        a = as_t(a, b)
    return DivBackward1.apply(a, b)


class DivBackward1(Node):
    """Floor division of floats: piecewise constant, so the gradient is zero (as in torch)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        return xp(a).floor_divide(a, b)

    def backward(self, g):
        sa, sb = self.shapes
        return _sum_to(g * 0, sa), (_sum_to(g * 0, sb) if self.next[1] is not None else None)


def remainder(input, other):
    """Python-style modulus (sign of the divisor)."""
    a, b = binary_operands(input, other)
    if not isinstance(a, Tensor):
        a = as_t(a, b)
    if a._data.dtype.kind in "iu":
        _check_int_zero(xp(a._data), b._data if isinstance(b, Tensor) else b)
    return RemainderBackward0.apply(a, b)


def as_t(s, ref):
    return _make(xp(ref._data).asarray(s, dtype=ref._data.dtype))


def fmod(input, other):
    """C-style modulus (sign of the dividend)."""
    a, b = binary_operands(input, other)
    if not isinstance(b, Tensor):
        b = as_t(b, a)
    if a._data.dtype.kind in "iu":
        _check_int_zero(xp(a._data), b._data)
    return FmodBackward0.apply(a, b)


def pow(input, exponent):
    """input ** exponent for tensor/scalar combinations."""
    a, b = binary_operands(input, exponent)
    if not isinstance(a, Tensor):
        return PowBackward2.apply(b, a)
    if not isinstance(b, Tensor):
        if a._data.dtype.kind in "iu" and isinstance(b, int) and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowBackward0.apply(a, b)
    return PowBackward1.apply(a, b)


def float_power(input, exponent):
    return pow(input.double() if isinstance(input, Tensor) else float(input),
               exponent.double() if isinstance(exponent, Tensor) else exponent)


def atan2(input, other):
    a, b = _float_operands(input, other)
    return Atan2Backward0.apply(a, b)


arctan2 = atan2


def maximum(input, other):
    a, b = binary_operands(input, other)
    return MaximumBackward0.apply(a, b)


def minimum(input, other):
    a, b = binary_operands(input, other)
    return MinimumBackward0.apply(a, b)


def _fminmax(input, other, keep_a):
    if not isinstance(other, Tensor):
        raise TypeError(f"f{'max' if keep_a is ge else 'min'}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")
    a, b = binary_operands(input, other)
    a = a if isinstance(a, Tensor) else as_t(a, b)
    b = b if isinstance(b, Tensor) else as_t(b, a)
    if a._data.dtype.kind != "f":
        return maximum(a, b) if keep_a is ge else minimum(a, b)
    return where(b.isnan() | keep_a(a, b), a, b)  # NaN only where both are NaN


def fmax(input, other):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    return _fminmax(input, other, ge)


def fmin(input, other):
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    return _fminmax(input, other, le)


def _nograd(fn, *args):
    """Run a non-differentiable elementwise function on tensor/scalar arguments."""
    arrs = [a._data if isinstance(a, Tensor) else a for a in args]
    try:
        out = fn(*arrs)
    except ValueError as e:
        from ..autograd.graph import _shape_message
        raise RuntimeError(_shape_message(e, arrs)) from None
    return _make(out if type(out) is np.ndarray or not isinstance(out, np.generic) else np.asarray(out))


# ---- comparisons and logic ----------------------------------------------------------------------------------------
def _cmp(ufunc_name):
    def op(input, other):
        a, b = binary_operands(input, other)
        t = a if isinstance(a, Tensor) else b
        return _nograd(getattr(xp(t._data), ufunc_name), a, b)
    op.__name__ = ufunc_name
    return op


eq, ne, lt, le, gt, ge = (_cmp(n) for n in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"))
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logic(name):
    def op(input, other):
        t = input if isinstance(input, Tensor) else other
        m = xp(t._data)
        return _nograd(lambda x, y: getattr(m, name)(m.asarray(x, dtype=bool), m.asarray(y, dtype=bool)),
                       input, other)
    op.__name__ = name
    return op


logical_and, logical_or, logical_xor = (_logic(n) for n in ("logical_and", "logical_or", "logical_xor"))


def logical_not(input):
    return _nograd(lambda x: xp(x).logical_not(x), input)


def _bitwise(name):
    def op(input, other):
        a, b = binary_operands(input, other)
        t = a if isinstance(a, Tensor) else b
        if t._data.dtype.kind == "f":
            raise not_implemented(f"{name}_cpu", t._data)
        return _nograd(getattr(xp(t._data), name), a, b)
    op.__name__ = name
    return op


bitwise_and, bitwise_or, bitwise_xor = (_bitwise(n) for n in ("bitwise_and", "bitwise_or", "bitwise_xor"))


def bitwise_not(input):
    if input._data.dtype.kind == "f":
        raise RuntimeError("bitwise_not is only supported for integer and boolean tensors")
    return _nograd(lambda x: xp(x).invert(x), input)


def isnan(input):
    return _nograd(lambda x: xp(x).isnan(x), input)


def isinf(input):
    return _nograd(lambda x: xp(x).isinf(x), input)


def isposinf(input):
    return _nograd(lambda x: xp(x).isposinf(x), input)


def isneginf(input):
    return _nograd(lambda x: xp(x).isneginf(x), input)


def isfinite(input):
    return _nograd(lambda x: xp(x).isfinite(x), input)


def signbit(input):
    return _nograd(lambda x: xp(x).signbit(x), input)


def equal(input, other) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(eq(input, other).all())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if isinstance(other, Tensor) and input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{scalar_name(input._data)} did not match {scalar_name(other._data)}")
    return _nograd(lambda x, y: xp(x).isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan), input, other)


# ---- unary math -----------------------------------------------------------------------------------------------------
def _unary(name, fwd, bwd=None, *, save_out=False, float_only=True):
    """Define a unary op: `fwd(xp, a)` on arrays, `bwd(g, x, out)` on tensors (None: not differentiable)."""
    attrs = {"forward": staticmethod(lambda ctx, a: fwd(xp(a), a)), "save": (0,) if bwd else (),
             "save_out": save_out}
    if bwd is not None:
        if save_out:
            attrs["backward"] = lambda self, g: bwd(g, None, self.saved_output())
        else:
            attrs["backward"] = lambda self, g: bwd(g, self.saved_tensors[0], None)
            attrs["save"] = (0,)
    cls = type(name, (Node,), attrs)

    def op(input):
        if float_only and input._data.dtype.kind in "biu":
            input = input.to(_dtype.get_default_dtype())
        if bwd is None:
            return _make(fwd(xp(input._data), input._data))
        return cls.apply(input)
    op.node = cls
    return op


exp = _unary("ExpBackward0", lambda m, a: m.exp(a), lambda g, x, o: g * o, save_out=True)
exp2 = _unary("Exp2Backward0", lambda m, a: m.exp2(a), lambda g, x, o: g * o * math.log(2), save_out=True)
expm1 = _unary("Expm1Backward0", lambda m, a: m.expm1(a), lambda g, x, o: g * (o + 1), save_out=True)
log = _unary("LogBackward0", lambda m, a: m.log(a), lambda g, x, o: g / x)
log2 = _unary("Log2Backward0", lambda m, a: m.log2(a), lambda g, x, o: g / (x * math.log(2)))
log10 = _unary("Log10Backward0", lambda m, a: m.log10(a), lambda g, x, o: g / (x * math.log(10)))
log1p = _unary("Log1PBackward0", lambda m, a: m.log1p(a), lambda g, x, o: g / (x + 1))
sqrt = _unary("SqrtBackward0", lambda m, a: m.sqrt(a), lambda g, x, o: g / (o * 2), save_out=True)
rsqrt = _unary("RsqrtBackward0", lambda m, a: 1 / m.sqrt(a), lambda g, x, o: g * o ** 3 * -0.5, save_out=True)
sin = _unary("SinBackward0", lambda m, a: m.sin(a), lambda g, x, o: g * x.cos())
cos = _unary("CosBackward0", lambda m, a: m.cos(a), lambda g, x, o: -g * x.sin())
tan = _unary("TanBackward0", lambda m, a: m.tan(a), lambda g, x, o: g * (o * o + 1), save_out=True)
asin = _unary("AsinBackward0", lambda m, a: m.arcsin(a), lambda g, x, o: g * (1 - x * x).rsqrt())
acos = _unary("AcosBackward0", lambda m, a: m.arccos(a), lambda g, x, o: -g * (1 - x * x).rsqrt())
atan = _unary("AtanBackward0", lambda m, a: m.arctan(a), lambda g, x, o: g / (x * x + 1))
sinh = _unary("SinhBackward0", lambda m, a: m.sinh(a), lambda g, x, o: g * x.cosh())
cosh = _unary("CoshBackward0", lambda m, a: m.cosh(a), lambda g, x, o: g * x.sinh())
tanh = _unary("TanhBackward0", lambda m, a: m.tanh(a), lambda g, x, o: g * (1 - o * o), save_out=True)
asinh = _unary("AsinhBackward0", lambda m, a: m.arcsinh(a), lambda g, x, o: g * (x * x + 1).rsqrt())
acosh = _unary("AcoshBackward0", lambda m, a: m.arccosh(a), lambda g, x, o: g * (x * x - 1).rsqrt())
atanh = _unary("AtanhBackward0", lambda m, a: m.arctanh(a), lambda g, x, o: g / (1 - x * x))
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def _sigmoid_fwd(m, a):
    # exp of -|a| never overflows; the two branches agree on the sign of a
    e = m.exp(-m.abs(a))
    return m.where(a >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = _unary("SigmoidBackward0", _sigmoid_fwd, lambda g, x, o: g * o * (1 - o), save_out=True)
class ThresholdBackwardBackward0(Node):
    """g * mask for a fixed boolean mask: relu's backward (and its own backward)."""

    @staticmethod
    def forward(ctx, g, mask):
        ctx.mask = mask
        return g * mask

    def backward(self, gg):
        return ThresholdBackwardBackward0.apply(gg, self.mask)


class ReluBackward0(Node):
    save_out = True

    @staticmethod
    def forward(ctx, a):
        return xp(a).maximum(a, 0)

    def backward(self, g):
        return ThresholdBackwardBackward0.apply(g, self._out_array() > 0)  # the mask is constant: no graph needed


def relu(input):
    """max(input, 0)."""
    return ReluBackward0.apply(input)
reciprocal = _unary("ReciprocalBackward0", lambda m, a: 1 / a, lambda g, x, o: -g * o * o, save_out=True)
_neg = _unary("NegBackward0", lambda m, a: -a, lambda g, x, o: -g, float_only=False)
_abs = _unary("AbsBackward0", lambda m, a: m.abs(a), lambda g, x, o: g * x.sign(), float_only=False)


def neg(input):
    """-input (not for bool tensors, as in torch)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return _neg(input)


def abs(input):
    """|input| (not for bool tensors, as in torch)."""
    if input._data.dtype.kind == "b":
        raise not_implemented("abs_cpu", input._data)
    return _abs(input)


negative = neg
absolute = abs
def _sign_fwd(m, a):
    if a.dtype.kind == "b":  # sign(True) = True: bool stays bool
        return a.copy()
    return m.nan_to_num(m.sign(a), nan=0.0) if a.dtype.kind == "f" else m.sign(a)


sign = _unary("SignBackward0", _sign_fwd, lambda g, x, o: g * 0, float_only=False)
sgn = sign
frac = _unary("FracBackward0", lambda m, a: a - m.trunc(a), lambda g, x, o: g)


def square(input):
    return pow(input, 2) if input._data.dtype.kind == "f" else mul(input, input)


def _zero_grad_unary(name, f):
    return _unary(name, f, lambda g, x, o: g * 0, float_only=False)


floor = _zero_grad_unary("FloorBackward0", lambda m, a: m.floor(a) if a.dtype.kind == "f" else a.copy())
ceil = _zero_grad_unary("CeilBackward0", lambda m, a: m.ceil(a) if a.dtype.kind == "f" else a.copy())
trunc = _zero_grad_unary("TruncBackward0", lambda m, a: m.trunc(a) if a.dtype.kind == "f" else a.copy())
fix = trunc
_round0 = _zero_grad_unary("RoundBackward0", lambda m, a: m.round(a) if a.dtype.kind == "f" else a.copy())


class RoundBackward1(Node):
    @staticmethod
    def forward(ctx, a, decimals):
        return xp(a).round(a, decimals)

    def backward(self, g):
        return g * 0


def round(input, *, decimals: int = 0):
    return _round0(input) if decimals == 0 else RoundBackward1.apply(input, decimals)


# erf without scipy: an all-positive series for |x| < 3 and a continued fraction for erfc beyond (vectorised,
# accurate to ~1e-15).
def _erf_array(m, a):
    x = a.astype(m.float64)
    ax = m.abs(x)
    small = ax < 3.0
    xs = m.where(small, x, 0.0)
    term = xs.copy()
    total = xs.copy()
    x2 = xs * xs
    for n in range(1, 80):
        term = term * (2 * x2) / (2 * n + 1)
        total = total + term
    res_small = 2 / math.sqrt(math.pi) * m.exp(-x2) * total
    xl = m.where(small, 3.0, ax)
    # erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
    f = xl.copy()
    for k in range(60, 0, -1):
        f = xl + (k / 2) / f
    erfc_l = m.exp(-xl * xl) / math.sqrt(math.pi) / f
    res_large = m.sign(x) * (1 - erfc_l)
    return m.where(small, res_small, res_large).astype(a.dtype)


erf = _unary("ErfBackward0", _erf_array, lambda g, x, o: g * (2 / math.sqrt(math.pi)) * (-x * x).exp())


def _erfc_pos(m, x):
    """erfc(x) for float64 x >= 0, accurate in relative terms in the tail (continued fraction beyond 2)."""
    big = x >= 2.0
    xl = m.where(big, x, 2.0)
    f = xl.copy()
    for k in range(120, 0, -1):  # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
        f = xl + (k / 2) / f
    tail = m.exp(-xl * xl) / math.sqrt(math.pi) / f
    return m.where(big, tail, 1 - _erf_array(m, m.where(big, 0.0, x)))


def _erfc_array(m, a):
    x = a.astype(m.float64)
    ax = m.where(m.isnan(x), 0.0, m.abs(x))
    r = _erfc_pos(m, ax)
    r = m.where(x < 0, 2 - r, r)
    return m.where(m.isnan(x), m.nan, r).astype(a.dtype)


erfc = _unary("ErfcBackward0", _erfc_array, lambda g, x, o: g * (-2 / math.sqrt(math.pi)) * (-x * x).exp())


class LerpBackward0(Node):
    save = (0, 1, 2)

    @staticmethod
    def forward(ctx, a, b, w):
        return a + w * (b - a)

    def backward(self, g):
        a, b, w = self.saved_tensors
        ga = _sum_to(g * (1 - w), a._data.shape) if self.next[0] is not None else None
        gb = _sum_to(g * w, b._data.shape) if self.next[1] is not None else None
        gw = _sum_to(g * (b - a), w._data.shape) if isinstance(w, Tensor) and self.next[2] is not None else None
        return ga, gb, gw


def lerp(input, end, weight):
    """input + weight * (end - input)."""
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp(): argument 'end' must be Tensor, not {type(end).__name__}")
    if end._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected dtype {input.dtype.name} for `end` but got dtype {end.dtype.name}")
    if input._data.dtype.kind != "f":
        raise not_implemented("lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar",
                              input._data)
    a, b = binary_operands(input, end)
    if isinstance(weight, Tensor) and weight.dtype is not a.dtype:
        weight = weight.to(a.dtype)
    return LerpBackward0.apply(a, b, weight)


class ClampBackward1(Node):
    """clamp with scalar bounds."""
    save = (0,)

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        return xp(a).clip(a, lo, hi)

    def backward(self, g):
        (x,) = self.saved_tensors
        mask = None
        if self.lo is not None:
            mask = x >= self.lo
        if self.hi is not None:
            mask = (x <= self.hi) if mask is None else mask & (x <= self.hi)
        return g * mask


class ClampBackward0(Node):
    """clamp with tensor bounds."""
    save = (0, 1, 2)

    @staticmethod
    def forward(ctx, a, lo, hi):
        m = xp(a)
        out = a
        if lo is not None:
            out = m.maximum(out, lo)
        if hi is not None:
            out = m.minimum(out, hi)
        return out

    def backward(self, g):
        x, lo, hi = self.saved_tensors
        keep = None
        glo = ghi = None
        if lo is not None:
            below = x < lo
            keep = ~below
            glo = _sum_to(g * below, lo._data.shape) if self.next[1] is not None else None
        if hi is not None:
            above = x > hi
            if lo is not None:
                above = above & ~(lo > hi)
            keep = ~above if keep is None else keep & ~above
            ghi = _sum_to(g * above, hi._data.shape) if self.next[2] is not None else None
            if lo is not None and glo is not None:
                glo = _sum_to(g * ((x < lo) | (lo > hi)), lo._data.shape)
        return g * keep, glo, ghi


def clamp(input, min=None, max=None):
    """Clamp into [min, max] (either bound may be None; bounds may be tensors)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = min.to(input.dtype) if isinstance(min, Tensor) else (None if min is None else as_t(min, input))
        hi = max.to(input.dtype) if isinstance(max, Tensor) else (None if max is None else as_t(max, input))
        return ClampBackward0.apply(input, lo, hi)
    if input._data.dtype.kind in "biu" and (isinstance(min, float) or isinstance(max, float)):
        input = input.to(_dtype.get_default_dtype())
    return ClampBackward1.apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


class WhereBackward0(Node):
    save = (0,)

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        return xp(cond).where(cond, a, b)

    def backward(self, g):
        (cond,) = self.saved_tensors
        sa, sb = self.shapes
        ga = _sum_to(g * cond, sa) if self.next[1] is not None else None
        gb = _sum_to(g * ~cond, sb) if self.next[2] is not None else None
        return None, ga, gb


def _where_method(self, condition, other):
    """Tensor.where(condition, other) == where(condition, self, other)."""
    return where(condition, self, other)


def where(condition, input=None, other=None):
    """Elementwise choice: input where condition else other (one-argument form: nonzero as tuple)."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype.name.capitalize()}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):  # two scalars: 0-d tensors promote
        from .creation import tensor
        input, other = tensor(input, device=condition.device), tensor(other, device=condition.device)
    a, b = binary_operands(input, other)
    if not isinstance(a, Tensor):
        a = as_t(a, b)
    if not isinstance(b, Tensor):
        b = as_t(b, a)
    return WhereBackward0.apply(condition, a, b)


def hypot(input, other):
    """sqrt(input**2 + other**2)."""
    return (input * input + other * other).sqrt()


def logaddexp(input, other):
    """log(exp(input) + exp(other)), computed stably."""
    m = maximum(input, other).detach()
    m = m.masked_fill(m.isinf(), 0.0)
    return ((input - m).exp() + (other - m).exp()).log() + m


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replace NaN/+inf/-inf by `nan` and the dtype's largest/lowest finite values (or the given ones)."""
    if input._data.dtype.kind != "f":
        return input.clone()
    info = np.finfo(input._data.dtype)
    out = where(input.isnan(), nan, input)
    out = where(out.isposinf(), float(info.max) if posinf is None else posinf, out)
    return where(out.isneginf(), float(info.min) if neginf is None else neginf, out)
