"""Activation functions: the ReLU family, ELU/SELU/CELU, GELU, PReLU, GLU, shrinkage and the softmax family.

Hot ops are fused nodes (one forward on arrays, one backward of ember ops so double backward works); the rest are
compositions of existing differentiable ops, as in torch itself.
"""
from __future__ import annotations

import math
import warnings

from ..autograd.grad_mode import grad_enabled
from . import elementwise as E
from . import reduce as R
from . import shape as S
from ._base import Node, Tensor, _make, not_implemented, np, wrap_dim, xp
from .inplace import inplace as _inplace

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "elu", "elu_", "selu", "selu_", "celu",
           "celu_", "gelu", "silu", "mish", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "softplus", "softsign",
           "softshrink", "hardshrink", "tanhshrink", "threshold", "threshold_", "logsigmoid", "glu", "softmax",
           "log_softmax", "softmin", "sigmoid", "tanh"]


def _const(arr) -> Tensor:
    """A constant (non-differentiable) tensor around an array."""
    return _make(arr)


def _mask_mul(g: Tensor, mask) -> Tensor:
    """g * mask for a constant 0/1 (or scale) array: the gradient of every piecewise-linear activation."""
    return E.mul(g, _const(mask.astype(g._data.dtype, copy=False)))


# ---- pointwise activations --------------------------------------------------------------------------------------
def _pointwise(name: str, f, df):
    """A fused activation node: `f(m, a, **kw)` computes the output on arrays, `df(g, x, **kw)` the input gradient
    with ember ops (so it is itself differentiable)."""
    def forward(ctx, a, **kw):
        ctx.kw = kw
        return f(xp(a), a, **kw)

    def backward(self, g):
        return df(g, self.saved_tensors[0], **self.kw)
    return type(name, (Node,), {"save": (0,), "forward": staticmethod(forward), "backward": backward})


def _elu_f(m, a, alpha, scale, input_scale, grad_input_scale=None):
    return m.where(a > 0, a * scale, m.expm1(a * input_scale) * (alpha * scale))


def _elu_df(g, x, alpha, scale, input_scale, grad_input_scale=None):
    input_scale = input_scale if grad_input_scale is None else grad_input_scale
    neg = (x.clamp(max=0) * input_scale).exp() * (alpha * scale * input_scale)
    return g * E.where(x > 0, float(scale), neg)


def _softplus_arr(m, z):
    """log(1 + exp(z)) without overflow."""
    return m.maximum(z, 0) + m.log1p(m.exp(-m.abs(z)))


def _log_sigmoid_arr(m, x):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): finite for any magnitude."""
    return m.minimum(x, 0) - m.log1p(m.exp(-m.abs(x)))


_SIXTH = float(np.float32(1 / 6))  # torch's hardsigmoid backward uses the float32 constant, also for float64
_hsig = lambda m, a: m.minimum(m.maximum(a + 3, 0), 6) / 6  # noqa: E731

EluBackward0 = _pointwise("EluBackward0", _elu_f, _elu_df)
CeluBackward0 = _pointwise("CeluBackward0", _elu_f, _elu_df)
LeakyReluBackward0 = _pointwise(
    "LeakyReluBackward0", lambda m, a, slope: m.where(a > 0, a, a * slope),
    lambda g, x, slope: _mask_mul(g, xp(x._data).where(x._data > 0, 1.0, slope)))
HardtanhBackward0 = _pointwise(
    "HardtanhBackward0", lambda m, a, lo, hi: m.minimum(m.maximum(a, lo), hi),
    lambda g, x, lo, hi: _mask_mul(g, (x._data > lo) & (x._data < hi)))
HardsigmoidBackward0 = _pointwise(
    "HardsigmoidBackward0", lambda m, a: _hsig(m, a),
    lambda g, x: _mask_mul(g, ((x._data > -3) & (x._data < 3)) * _SIXTH))
HardswishBackward0 = _pointwise(
    "HardswishBackward0", lambda m, a: a * _hsig(m, a),
    lambda g, x: g * E.where(x < -3, 0.0, E.where(x <= 3, x / 3 + 0.5, 1.0)))
SoftplusBackward0 = _pointwise(
    "SoftplusBackward0",
    lambda m, a, beta, threshold: m.where(a * beta > threshold, a, _softplus_arr(m, a * beta) / beta),
    lambda g, x, beta, threshold: g * E.where(x * beta > threshold, 1.0, (x * beta).sigmoid()))
SoftshrinkBackward0 = _pointwise(
    "SoftshrinkBackward0", lambda m, a, lambd: m.where(a > lambd, a - lambd, m.where(a < -lambd, a + lambd, 0)),
    lambda g, x, lambd: _mask_mul(g, (x._data < -lambd) | (x._data > lambd)))
HardshrinkBackward0 = _pointwise(
    "HardshrinkBackward0", lambda m, a, lambd: m.where((a >= -lambd) & (a <= lambd), 0, a),
    lambda g, x, lambd: _mask_mul(g, (x._data < -lambd) | (x._data > lambd)))
ThresholdBackward0 = _pointwise(
    "ThresholdBackward0", lambda m, a, threshold, value: m.where(a > threshold, a, value),
    lambda g, x, threshold, value: _mask_mul(g, x._data > threshold))
LogSigmoidBackward0 = _pointwise(
    "LogSigmoidBackward0", lambda m, a: _log_sigmoid_arr(m, a), lambda g, x: g * (-x).sigmoid())
SiluBackward0 = _pointwise(
    "SiluBackward0", lambda m, a: a / (1 + m.exp(-a)),  # exp may overflow to inf: a / inf = 0, no branch needed
    lambda g, x: (lambda s: g * s * (1 + x * (1 - s)))(((-x).exp() + 1).reciprocal()))
MishBackward0 = _pointwise(
    "MishBackward0", lambda m, a: a * m.tanh(_softplus_arr(m, a)),
    lambda g, x: (lambda t: g * (t + x * x.sigmoid() * (1 - t * t)))(softplus(x).tanh()))


def _act(node, input: Tensor, inplace: bool, **kw) -> Tensor:
    if input._data.dtype.kind != "f" and node in _FLOAT_KERNELS:
        raise not_implemented(_FLOAT_KERNELS[node], input._data)
    if inplace:
        return _inplace(input, lambda t: node.apply(t, **kw))
    return node.apply(input, **kw)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""max(0, x) elementwise."""
    return input.relu_() if inplace else E.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    r"""min(max(0, x), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    r"""Clamp to [min_val, max_val] (gradient zero outside the open interval)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    kind = input._data.dtype.kind
    if kind in "biu":  # integer inputs keep their dtype; the limits are truncated to integers, as in torch
        if kind == "b":
            raise RuntimeError("Bool inputs not supported for hardtanh")
        if kind == "u" and min_val < 0:
            raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
        info = np.iinfo(input._data.dtype)
        min_val, max_val = int(min_val), int(max_val)
        if not info.min <= min_val <= max_val <= info.max:
            raise RuntimeError(f"value cannot be converted to type {input._data.dtype.name}_t without overflow")
    return _act(HardtanhBackward0, input, inplace, lo=min_val, hi=max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    r"""max(0, x) + negative_slope * min(0, x)."""
    return _act(LeakyReluBackward0, input, inplace, slope=negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    r"""x if x > 0 else alpha * (exp(x) - 1)."""
    return _act(EluBackward0, input, inplace, alpha=alpha, scale=1.0, input_scale=1.0)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, True)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with the self-normalising constants."""
    return _act(EluBackward0, input, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


def selu_(input: Tensor) -> Tensor:
    return selu(input, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    r"""max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    # torch's CELU backward uses 1 / float32(alpha) as the input scale, also for float64
    return _act(CeluBackward0, input, inplace, alpha=alpha, scale=1.0, input_scale=1.0 / alpha,
                grad_input_scale=1.0 / float(np.float32(alpha)))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, True)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    r"""x if x > threshold else value."""
    return _act(ThresholdBackward0, input, inplace, threshold=threshold, value=value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _act(ThresholdBackward0, input, True, threshold=threshold, value=value)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    r"""relu6(x + 3) / 6."""
    return _act(HardsigmoidBackward0, input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    r"""x * relu6(x + 3) / 6."""
    return _act(HardswishBackward0, input, inplace)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""x * sigmoid(x) (swish)."""
    return _act(SiluBackward0, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    r"""x * tanh(softplus(x))."""
    return _act(MishBackward0, input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    r"""log(1 + exp(beta * x)) / beta, linear where beta * x > threshold (computed without overflow)."""
    if input._data.dtype.kind != "f":
        raise not_implemented("softplus_cpu", input._data)
    return SoftplusBackward0.apply(input, beta=beta, threshold=threshold)


def softsign(input: Tensor) -> Tensor:
    r"""x / (1 + |x|)."""
    return input / (input.abs() + 1)


def _check_lambd(input, lambd):
    if lambd < 0:
        name = {"float32": "Float", "float64": "Double", "float16": "Half"}.get(input.dtype.name, input.dtype.name)
        raise RuntimeError(f"lambda must be in range [0, 3.40282e+38] for input dtype {name}, but found {lambd:g}")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    r"""x - lambd if x > lambd, x + lambd if x < -lambd, else 0."""
    _check_lambd(input, lambd)
    return SoftshrinkBackward0.apply(input, lambd=lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    r"""x where |x| > lambd, else 0."""
    return HardshrinkBackward0.apply(input, lambd=lambd)


def tanhshrink(input: Tensor) -> Tensor:
    r"""x - tanh(x)."""
    return input - input.tanh()


def logsigmoid(input: Tensor) -> Tensor:
    r"""log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    if input._data.dtype.kind != "f":
        raise not_implemented("log_sigmoid_cpu", input._data)
    return LogSigmoidBackward0.apply(input)


def sigmoid(input: Tensor) -> Tensor:
    r"""1 / (1 + exp(-x))."""
    return E.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    r"""Hyperbolic tangent."""
    return E.tanh(input)


# ---- GELU: x * Phi(x), Phi the standard normal CDF ------------------------------------------------------------
# float32 (the hot path): Phi(x) = (1 + tanh(x * Q(x^2))) / 2 with x clamped to +-6, Q a degree-6 polynomial
# fitted (weighted least squares, on |x| <= 4 sqrt 2) to atanh(erf(x / sqrt 2)) / x; |error| < 1e-7, like torch's
# float32 erf, in ~20 array passes (no where, no erf series).
_PHI_TANH = (0.7978849415001468, 0.036333084354814915, -3.2594675331128415e-05, -5.530634991784538e-05,
             3.964779944936074e-06, -1.322668722993428e-07, 1.7562952620009398e-09)
# float64: for z >= 0, erfc(z) = 2 / (2 + z) * exp(-z^2 + f(u)) with u = (2 - z) / (2 + z) in (-1, 1]; f is smooth
# and a 24-term polynomial in u (a Chebyshev fit of log(erfc(z) (2 + z) / 2) + z^2, in monomials) gives ~1e-15.
_ERFC_F64 = (-0.6717940840566906, 0.6726432239776583, 0.04734330684142488, -0.04689561023132892,
             -0.00987268934319109, 0.008824938561312326, 0.0017589331171176882, -0.0023458125529958935,
             -0.00014624252395767715, 0.0006736791352568861, -9.376035760297013e-05, -0.00017430412986925935,
             7.149530982602195e-05, 3.1746935423272354e-05, -3.0421097531594196e-05, 1.3989370477610988e-07,
             8.952692300720021e-06, -2.9634842309596983e-06, -1.712878047114037e-06, 1.2833949153561985e-06,
             1.597548256941202e-07, -2.8956265674355237e-07, 7.992047577730608e-10, 2.980513364515168e-08)
_SQRT1_2, _INV_SQRT_2PI = math.sqrt(0.5), 1 / math.sqrt(2 * math.pi)


def _horner(m, coef, u, t):
    p = m.full_like(u, coef[-1])
    for c in coef[-2::-1]:
        p *= u
        p += t(c)
    return p


def _ndtr(m, x):
    """Standard normal CDF of array `x`: the tanh form in float32 (and narrower), the erfc form in float64.

    Large numpy inputs are done in cache-sized blocks: the ~20 passes then stay in L2 (about 2x faster)."""
    block = 1 << 16
    if m is np and x.size > 2 * block:
        flat = np.ascontiguousarray(x).reshape(-1)
        out = np.empty_like(flat)
        for i in range(0, flat.size, block):
            out[i:i + block] = _ndtr_block(m, flat[i:i + block])
        return out.reshape(x.shape)
    return _ndtr_block(m, x)


def _ndtr_block(m, x):
    if x.dtype == np.float64:
        t = np.float64
        z = m.minimum(m.abs(x) * _SQRT1_2, 40.0)  # erfc(40) underflows: keeps inf inputs finite
        d = z + 2
        p = _horner(m, _ERFC_F64, (2 - z) / d, t)
        p -= z * z
        h = m.exp(p, out=p)
        h /= d                                     # h = erfc(|x| / sqrt 2) / 2 = Phi(-|x|)
        return m.copysign(h, -x, out=h) + (x >= 0)  # Phi(x) = [x >= 0] - sign(x) h, without a branch
    work = x if x.dtype == np.float32 else x.astype(np.float32)
    t = np.float32
    xc = m.clip(work, t(-6), t(6))  # beyond, Phi is 0 or 1 in float32 (tanh saturates exactly from ~10)
    p = _horner(m, _PHI_TANH, xc * xc, t)
    p *= xc
    m.tanh(p, out=p)
    p += t(1)
    p *= t(0.5)
    return p if p.dtype == x.dtype else p.astype(x.dtype)


class NdtrBackward0(Node):
    """Phi(x) as a differentiable op (used when a GELU gradient must itself be differentiated)."""
    save = (0,)

    @staticmethod
    def forward(ctx, a):
        return _ndtr(xp(a), a)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * (x * x * -0.5).exp() * _INV_SQRT_2PI


_GELU_K, _GELU_C = math.sqrt(2 / math.pi), 0.044715


class GeluBackward0(Node):
    """x * Phi(x) ('none') or the tanh approximation ('tanh'); Phi is kept for a backward without create_graph."""
    save = (0,)

    @staticmethod
    def forward(ctx, a, approximate):
        m = xp(a)
        ctx.approximate = approximate
        if approximate == "tanh":
            t = m.tanh((a + a * a * a * _GELU_C) * _GELU_K)
            if isinstance(ctx, Node):
                ctx.aux = t
            return a * 0.5 * (1 + t)
        cdf = _ndtr(m, a)
        if isinstance(ctx, Node):
            ctx.aux = cdf
        return a * cdf

    def backward(self, g):
        (x,) = self.saved_tensors
        if self.approximate == "tanh":
            t = ((x + x * x * x * _GELU_C) * _GELU_K).tanh() if grad_enabled() else _const(self.aux)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * ((x * x * (3 * _GELU_C) + 1) * _GELU_K))
        if grad_enabled():  # create_graph: Phi and phi as ember ops, so this gradient is differentiable again
            return g * (NdtrBackward0.apply(x) + x * (x * x * -0.5).exp() * _INV_SQRT_2PI)
        m, a = xp(x._data), x._data
        d = a * a
        d *= -0.5
        m.exp(d, out=d)
        d *= a
        d *= a.dtype.type(_INV_SQRT_2PI)
        d += self.aux                                   # Phi(x) + x phi(x)
        d *= g._data
        return _make(d)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    r"""x * Phi(x), Phi the standard normal CDF; approximate='tanh' uses 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    if input._data.dtype.kind != "f":
        raise not_implemented("GeluKernelImpl", input._data)
    return GeluBackward0.apply(input, approximate)


# ---- PReLU / GLU ----------------------------------------------------------------------------------------------------
def _prelu_weight_shape(ndim, w):
    return (1, w.size) + (1,) * (ndim - 2) if w.size > 1 else ()


class PreluKernelBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, w):
        wb = w.reshape(_prelu_weight_shape(a.ndim, w))
        return xp(a).where(a > 0, a, wb * a)

    def backward(self, g):
        x, w = self.saved_tensors
        wb = w.reshape(_prelu_weight_shape(x._data.ndim, w._data))
        gx = g * E.where(x > 0, 1.0, wb) if self.next[0] is not None else None
        gw = None
        if self.next[1] is not None:
            gw = (g * x).masked_fill(x > 0, 0).sum_to_size(wb.shape).reshape(w.shape)
        return gx, gw


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    r"""max(0, x) + weight * min(0, x), weight one value or one per channel (dim 1)."""
    if weight._data.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                           f"{weight._data.ndim}")
    n = weight._data.size
    channels = input._data.shape[1] if input._data.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} and "
                           f"channel size = {channels}.")
    return PreluKernelBackward0.apply(input, weight)


class GluBackward0(Node):
    save = (0,)

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        a, b = xp(x).split(x, 2, axis=dim)
        return a * E._sigmoid_fwd(xp(x), b)

    def backward(self, g):
        (x,) = self.saved_tensors
        a, b = x.chunk(2, self.dim)
        s = b.sigmoid()
        return S.cat([g * s, g * a * s * (1 - s)], self.dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    r"""a * sigmoid(b), where a and b are the two halves of `input` along `dim`."""
    if input._data.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input._data.ndim)
    if input._data.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input._data.shape[d]}")
    return GluBackward0.apply(input, d)


# ---- softmax family -------------------------------------------------------------------------------------------------
def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an "
                  "argument.", stacklevel=stacklevel)
    return R._softmax_dim(ndim)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    r"""exp(x_i) / sum_j exp(x_j) along `dim` (optionally computed in `dtype`)."""
    if dim is None:
        dim = _softmax_dim("softmax", input._data.ndim, _stacklevel)
    return R.softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    r"""log(softmax(x)) along `dim`, computed as x - logsumexp(x)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input._data.ndim, _stacklevel)
    return R.log_softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    r"""softmax(-x) along `dim`."""
    if dim is None:
        dim = _softmax_dim("softmin", input._data.ndim, _stacklevel)
    return R.softmax(-input if dtype is None else -input.to(dtype), dim)


# torch has no integer kernel for these activations: NotImplementedError naming the kernel, as torch does.
_FLOAT_KERNELS = {LeakyReluBackward0: "leaky_relu_cpu", EluBackward0: "elu_cpu", CeluBackward0: "elu_cpu",
                  HardswishBackward0: "hardswish_cpu", SiluBackward0: "silu_cpu", MishBackward0: "mish_cpu"}
