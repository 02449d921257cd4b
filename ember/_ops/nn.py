"""Neural-network functional ops: linear, activations, dropout, embedding, layer/group/RMS norm, distances.

Hot ops are fused nodes (one forward on arrays, one backward of ember ops so double backward works); the rest are
compositions of existing differentiable ops, as in torch itself.
"""
from __future__ import annotations

import math
import numbers
import warnings

from .._backend import scatter_add, to_device
from ..autograd.grad_mode import grad_enabled, no_grad
from ..autograd.graph import _shape_message
from . import elementwise as E
from . import reduce as R
from . import shape as S
from ._base import Node, Tensor, _make, not_implemented, np, wrap_dim, xp
from .. import _random
from .inplace import inplace as _inplace
from .linalg import addmm

__all__ = ["linear", "bilinear", "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "elu", "elu_",
           "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "hardtanh", "hardtanh_", "hardsigmoid",
           "hardswish", "softplus", "softsign", "softshrink", "hardshrink", "tanhshrink", "threshold", "threshold_",
           "logsigmoid", "glu", "softmax", "log_softmax", "softmin", "sigmoid", "tanh", "dropout", "dropout1d",
           "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout", "embedding", "embedding_bag",
           "one_hot", "normalize", "cosine_similarity", "pairwise_distance", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm"]


def _const(arr) -> Tensor:
    """A constant (non-differentiable) tensor around an array."""
    return _make(arr)


def _mask_mul(g: Tensor, mask) -> Tensor:
    """g * mask for a constant 0/1 (or scale) array: the gradient of every piecewise-linear activation."""
    return E.mul(g, _const(mask.astype(g._data.dtype, copy=False)))


# ---- linear ---------------------------------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""y = x A^T + b (2-D input with bias is a single addmm, as in torch)."""
    nd, shp, ws = input._data.ndim, input._data.shape, weight._data.shape
    if nd == 0 or len(ws) == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {nd}D and {len(ws)}D")
    wt = S.t(weight) if len(ws) == 2 else weight
    if len(ws) == 2 and shp[-1] != ws[1]:
        rows = math.prod(shp[:-1]) if nd > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{shp[-1]} and {ws[1]}x{ws[0]})")
    if bias is None:
        return input.mm(wt) if nd == 2 else input.matmul(wt)
    if nd == 2:
        return addmm(bias, input, wt)
    out = addmm(bias, input.reshape(-1, shp[-1]), wt)  # flattened batch: one GEMM, then a view (as torch)
    return out.view(shp[:-1] + out._data.shape[-1:])


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""y = x1^T A x2 + b over the last dims of `input1` (..., in1) and `input2` (..., in2)."""
    s1, s2, sw = input1._data.shape, input2._data.shape, weight._data.shape
    if len(sw) != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {len(sw)} dimensions")
    if len(s1) != len(s2):
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {len(s1)} and {len(s2)}")
    for i, (a, b) in enumerate(zip(s1[:-1], s2[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {a} and {b}")
    if s1[-1] != sw[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {s1[-1]} but expected {sw[1]}")
    if s2[-1] != sw[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {s2[-1]} but expected {sw[2]}")
    if bias is not None and bias._data.shape != (sw[0],):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected "
                           f"{sw[0]}")
    o, i, j = sw
    a = input1.reshape(-1, i).matmul(weight.permute(1, 0, 2).reshape(i, o * j))  # (B, O*J)
    y = (a.view(-1, o, j) * input2.reshape(-1, 1, j)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.view(s1[:-1] + (o,))


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
    "LogSigmoidBackward0", lambda m, a: m.minimum(a, 0) - m.log1p(m.exp(-m.abs(a))),
    lambda g, x: g * (-x).sigmoid())
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
    return 0 if ndim in (0, 1, 3) else 1


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


# ---- dropout --------------------------------------------------------------------------------------------------------
def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, shape, p: float):
    """Bernoulli(1 - p) samples drawn as torch's `empty_like(input).bernoulli_(1 - p)`, as an array like `input`."""
    a = input._data
    keep = _random.bernoulli_scalar(_random.default_generator, shape, 1 - p).astype(a.dtype)
    return keep if isinstance(a, np.ndarray) else to_device(keep, input.device)


def _mul(input: Tensor, noise, inplace: bool) -> Tensor:
    n = _const(noise)
    return input.mul_(n) if inplace else E.mul(input, n)


def _dropout_impl(input: Tensor, p: float, training: bool, inplace: bool, feature: bool, alpha: bool) -> Tensor:
    _check_p(p)
    if p == 0 or not training or input._data.size == 0:
        return input
    a = input._data
    if p == 1:
        return _mul(input, xp(a).zeros((), a.dtype), inplace)
    if feature and a.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = a.shape[:2] + (1,) * (a.ndim - 2) if feature else a.shape
    noise = _keep_mask(input, shape, p)
    if not alpha:
        noise /= 1 - p
        return _mul(input, noise, inplace)
    # alpha dropout keeps SELU's fixed point: dropped units go to -alpha*scale, then an affine map restores moments
    alpha_ = _SELU_ALPHA * _SELU_SCALE
    k = 1.0 / math.sqrt((alpha_ * alpha_ * p + 1) * (1 - p))
    b = (noise - 1) * (alpha_ * k) + alpha_ * k * p
    out = _mul(input, noise * k, inplace)
    return out.add_(_const(b)) if inplace else out + _const(b)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training)."""
    return _dropout_impl(input, p, training, inplace, False, False)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    r"""Dropout for SELU networks: keeps zero mean and unit variance."""
    return _dropout_impl(input, p, training, inplace, False, True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    r"""Alpha dropout of whole channels (dim 1)."""
    return _dropout_impl(input, p, training, inplace, True, True)


def _feature_unbatched(input, p, training, inplace, batched: bool):
    if batched or not training or p == 0:
        return _dropout_impl(input, p, training, inplace, True, False)
    out = _dropout_impl(input.unsqueeze(0), p, training, False, True, False)
    out = out.squeeze(0)
    return input.copy_(out) if inplace and out is not input else out


def _warn_dims(name: str, nd: int, k: int):
    warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will result in an error in a "
                  "future release. To retain the behavior and silence this warning, please use dropout instead. Note "
                  f"that {name} exists to provide channel-wise dropout on inputs with {k} spatial dimensions, a "
                  f"channel dimension, and an optional batch dimension (i.e. {k + 1}D or {k + 2}D inputs).",
                  stacklevel=3)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero whole channels of (N, C, L) or (C, L) inputs with probability p."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_unbatched(input, p, training, inplace, nd == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero whole channels of (N, C, H, W) inputs with probability p (3-D inputs are treated as (N, C, L))."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (3, 4):
        _warn_dims("dropout2d", nd, 2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, True, False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability p."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (4, 5):
        _warn_dims("dropout3d", nd, 3)
    return _feature_unbatched(input, p, training, inplace, nd == 5)


# ---- embedding ------------------------------------------------------------------------------------------------------
def _index_add_rows(out, idx, rows):
    """out[idx[i]] += rows[i] for a 1-D index with repeats, fast on numpy.

    np.add.at handles one row at a time; here the index is sorted once and equal indices are summed by a 4-ary tree
    (each level one vectorised pass of takes and masked adds), so the cost is a few passes over `rows` whatever the
    repeat pattern.
    """
    m = xp(out)
    if m is not np:
        scatter_add(m, out, idx, rows)
        return out
    if idx.shape[0] == 0:
        return out
    order = np.argsort(idx)
    s, src, pos = idx[order], rows, order
    while True:
        n = s.shape[0]
        head = np.empty(n, bool)
        head[0] = True
        np.not_equal(s[1:], s[:-1], out=head[1:])
        starts = np.flatnonzero(head)
        if starts.shape[0] == n:  # all distinct now
            out[s] += np.take(src, pos, axis=0)
            return out
        rank = np.arange(n) - np.repeat(starts, np.diff(starts, append=n))
        lead = np.flatnonzero(rank % 4 == 0)
        acc = np.take(src, pos[lead], axis=0)
        for j in (1, 2, 3):
            nxt = np.minimum(lead + j, n - 1)
            rows_j = np.take(src, pos[nxt], axis=0)
            rows_j[(s[nxt] != s[lead]) | (lead + j >= n)] = 0  # neighbour from another index: adds nothing
            acc += rows_j
        src, pos, s = acc, np.arange(lead.shape[0]), s[lead]


class EmbeddingBackward0(Node):
    """Row lookup weight[idx]; backward is a scatter-add of the output gradient into weight rows."""

    @staticmethod
    def forward(ctx, w, *, idx, padding_idx=None, freq=False):
        ctx.n, ctx.idx, ctx.pad, ctx.freq = w.shape[0], idx, padding_idx, freq
        return xp(w).take(w, idx, axis=0)

    def backward(self, g):
        return EmbeddingDenseBackward0.apply(g, idx=self.idx, n=self.n, padding_idx=self.pad, freq=self.freq)


class EmbeddingDenseBackward0(Node):
    """Sum rows of `g` into an (n, D) table at `idx` (padding row zero, optional 1/frequency scale)."""

    @staticmethod
    def forward(ctx, g, *, idx, n, padding_idx=None, freq=False):
        m = xp(g)
        i = idx.reshape(-1)
        rows = g.reshape(i.shape[0], g.shape[-1])
        scale = None
        if freq:
            counts = m.bincount(i, minlength=n)
            scale = (1.0 / counts[i]).astype(g.dtype)
        if padding_idx is not None:
            keep = (i != padding_idx).astype(g.dtype)
            scale = keep if scale is None else scale * keep
        if scale is not None:
            rows = rows * scale[:, None]
        ctx.idx, ctx.scale, ctx.shape = idx, scale, g.shape
        return _index_add_rows(m.zeros((n, rows.shape[1]), g.dtype), i, rows)

    def backward(self, gg):
        r = EmbeddingBackward0.apply(gg, idx=self.idx.reshape(-1))
        if self.scale is not None:
            r = r * _const(self.scale[:, None])
        return r.reshape(self.shape)


def _check_indices(input: Tensor, name: str):
    if not isinstance(input, Tensor) or input._data.dtype.kind not in "iu":
        tname = _legacy_name(input) if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {tname} instead (while checking arguments for {name})")


def _legacy_name(t: Tensor) -> str:
    from .. import _identity
    from .._tensor import _LEGACY_NAMES
    return _identity.name() + "." + _LEGACY_NAMES.get(t.dtype.name, t.dtype.name)


def _check_range(idx, n):
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise IndexError("index out of range in self")


def _padding_idx(padding_idx, n, what="Padding_idx"):
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= n or padding_idx < 0 and padding_idx < -n:
        raise AssertionError(f"{what} must be within num_embeddings")
    return padding_idx + n if padding_idx < 0 else padding_idx


def _embedding_renorm_(weight: Tensor, idx, max_norm: float, norm_type: float):
    """Rescale (in place, no grad) the referenced rows whose p-norm exceeds max_norm, as torch does."""
    w = weight._data
    m = xp(w)
    rows = m.unique(idx.reshape(-1))
    sel = w[rows]
    norms = m.linalg.norm(sel.astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        w[rows[big]] = sel[big] * (max_norm / (norms[big] + 1e-7)).astype(w.dtype)[:, None]
        weight._vc[0] += 1


def _no_sparse(sparse):
    if sparse:
        raise NotImplementedError("sparse=True (sparse gradients) is not supported by ember (optional in issue 3); "
                                  "use sparse=False")


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    r"""Look up rows of `weight` (V, D) at integer `input`: output (*input.shape, D)."""
    _no_sparse(sparse)
    _check_indices(input, "embedding")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = weight._data.shape[0]
    pad = _padding_idx(padding_idx, n)
    idx = input._data
    _check_range(idx, n)
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    return EmbeddingBackward0.apply(weight, idx=idx, padding_idx=pad, freq=scale_grad_by_freq)


class EmbeddingBagBackward0(Node):
    """Bags of rows reduced by sum (optionally weighted), mean or max."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, w, psw, *, idx, bag, nbags, mode, padding_idx, freq):
        m = xp(w)
        n, d = w.shape
        valid = None if padding_idx is None else idx != padding_idx
        rows = m.take(w, idx, axis=0)
        ctx.idx, ctx.bag, ctx.n, ctx.mode, ctx.freq, ctx.valid = idx, bag, n, mode, freq, valid
        if mode == "max":
            keep = m.arange(idx.shape[0]) if valid is None else m.flatnonzero(valid)
            rows, kb = rows[keep], bag[keep]
            out = m.zeros((nbags, d), w.dtype)
            ctx.flat = m.zeros((nbags, d), np.int64)
            if keep.shape[0]:
                first = m.flatnonzero(m.concatenate([m.ones(1, bool), kb[1:] != kb[:-1]]))
                mx = m.maximum.reduceat(rows, first, axis=0)
                # first position reaching the max, per bag and column (torch keeps the first maximum)
                hit = m.where(rows == mx[m.repeat(m.arange(first.shape[0]), m.diff(first, append=rows.shape[0]))],
                              m.arange(rows.shape[0])[:, None], rows.shape[0])
                pos = m.minimum.reduceat(hit, first, axis=0)
                out[kb[first]] = mx
                ctx.flat[kb[first]] = idx[keep][pos] * d + m.arange(d)
            ctx.filled = m.zeros(nbags, bool)
            ctx.filled[kb] = True
            return out
        scale = None if valid is None else valid.astype(w.dtype)  # constant factors: padding mask, 1/count
        if mode == "mean":
            counts = m.bincount(bag if valid is None else bag[valid], minlength=nbags)
            inv = (1.0 / m.maximum(counts, 1)).astype(w.dtype)[bag]
            scale = inv if scale is None else scale * inv
        ctx.scale = scale
        if scale is not None:
            rows *= scale[:, None]
        if psw is not None:
            rows *= psw.astype(w.dtype)[:, None]
        return _index_add_rows(m.zeros((nbags, d), w.dtype), bag, rows)

    def backward(self, g):
        w, psw = self.saved_tensors
        gw = gpsw = None
        if self.mode == "max":
            gm = g * _const(self.filled[:, None].astype(g._data.dtype))
            if self.next[0] is not None:
                gw = EmbeddingDenseBackward0.apply(gm.reshape(-1, 1), idx=self.flat.reshape(-1),
                                                   n=w._data.size).reshape(w.shape)
            return gw, None
        gb = g.index_select(0, _const(self.bag))
        if self.scale is not None:
            gb = gb * _const(self.scale[:, None])
        if self.next[0] is not None:
            rows = gb if psw is None else gb * psw.reshape(-1, 1)
            gw = EmbeddingDenseBackward0.apply(rows, idx=self.idx, n=self.n, freq=self.freq)
        if psw is not None and self.next[1] is not None:
            gpsw = (gb * w.index_select(0, _const(self.idx))).sum(1)
        return gw, gpsw


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    r"""Sums, means or maxes over bags of embeddings without materialising them: output (B, D)."""
    if per_sample_weights is not None and input.shape != per_sample_weights.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight._data.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight._data.ndim}")
    _check_indices(input, "embedding_bag")
    m = xp(weight._data)
    idx = input._data
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        nbags, per = idx.shape
        bag = m.repeat(m.arange(nbags), per)
        idx = idx.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets._data.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = offsets._data
        if off.size and int(off[0]) != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                               f"position 0. However, got {int(off[0])}")
        starts = off[:-1] if include_last_offset else off
        nbags = starts.shape[0]
        bag = m.searchsorted(starts, m.arange(idx.shape[0]), side="right") - 1
        if include_last_offset and off.size:
            keep = m.arange(idx.shape[0]) < int(off[-1])
            idx, bag = idx[keep], bag[keep]
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    _no_sparse(sparse)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    n = weight._data.shape[0]
    _check_range(idx, n)
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
    if psw is not None and psw._data.shape[0] != idx.shape[0]:  # trailing entries past the last offset
        psw = psw[:idx.shape[0]]
    return EmbeddingBagBackward0.apply(weight, psw, idx=idx, bag=bag, nbags=nbags, mode=mode,
                                       padding_idx=_padding_idx(padding_idx, n, "padding_idx"),
                                       freq=scale_grad_by_freq)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    r"""int64 one-hot encoding with a trailing class dim (num_classes=-1 infers max + 1)."""
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size and int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if a.size and int(a.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    m = xp(a)
    return _make((a[..., None] == m.arange(num_classes)).astype(np.int64))


# ---- distances ------------------------------------------------------------------------------------------------------
def normalize(input: Tensor, p: float = 2.0, dim=1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    r"""v / max(||v||_p, eps) for each vector v along `dim`."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    with no_grad():
        return out.copy_(input / denom)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """||x|| along dim with its value clamped at eps but its gradient left unclamped (torch clamps under no_grad)."""
    n = x.norm(2, dim, keepdim=True)
    with no_grad():
        fix = n.clamp_min(eps) - n
    return n + fix


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    r"""sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along `dim` (inputs broadcast)."""
    if x1._data.shape != x2._data.shape:
        try:
            shape = np.broadcast_shapes(x1._data.shape, x2._data.shape)
        except ValueError as e:
            raise RuntimeError(_shape_message(e, [x1._data, x2._data])) from None
        x1, x2 = x1.expand(shape), x2.expand(shape)
    d = wrap_dim(dim, x1._data.ndim)
    return ((x1 / _clamped_norm(x1, d, eps)) * (x2 / _clamped_norm(x2, d, eps))).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    r"""||x1 - x2 + eps||_p over the last dim."""
    inner = max(x1._data.ndim, x2._data.ndim) - 1
    return (x1 - x2 + eps).norm(p, max(inner, 0), keepdim)


# ---- normalisation layers -------------------------------------------------------------------------------------------
def _moments(m, x3, eps):
    """(x - mean, mean, 1/sqrt(biased var + eps)) over the last axis (statistics keep their dims)."""
    mean = x3.mean(axis=-1, keepdims=True)
    xc = x3 - mean
    var = m.einsum("...k,...k->...", xc, xc)[..., None] / x3.shape[-1]
    return xc, mean, 1 / m.sqrt(var + eps)


def _norm_grad(m, gh, xh, rstd, shape):
    """d/dx of x_hat = (x - mean) * rstd over the last axis, applied to gh = dL/dx_hat (arrays; xh is consumed).

    The result is allocated with the input's `shape` (a base-free array autograd can keep without copying)."""
    res = m.empty(shape, gh.dtype)
    out = m.subtract(gh, gh.mean(axis=-1, keepdims=True), out=res.reshape(gh.shape))
    xh *= m.einsum("...k,...k->...", gh, xh)[..., None] / gh.shape[-1]
    out -= xh
    out *= rstd
    return res


def _norm_grad_graph(g3: Tensor, x3: Tensor, eps: float):
    """(x_hat, d/dx applied to g3) with ember ops, for a gradient that must itself be differentiated."""
    xc = x3 - x3.mean(-1, keepdim=True)
    rstd = ((xc * xc).mean(-1, keepdim=True) + eps).rsqrt()
    xh = xc * rstd
    return xh, rstd * (g3 - g3.mean(-1, keepdim=True) - xh * (g3 * xh).mean(-1, keepdim=True))


class NativeLayerNormBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, w, b, *, shape, eps):
        m = xp(x)
        k = math.prod(shape)
        out, mean, rstd = _moments(m, x.reshape(-1, k), eps)
        out *= rstd
        if w is not None:
            out *= w.reshape(-1)
        if b is not None:
            out += b.reshape(-1)
        ctx.k, ctx.shape, ctx.eps, ctx.mean, ctx.rstd = k, shape, eps, mean, rstd
        return out.reshape(x.shape)

    def backward(self, g):
        x, w = self.saved_tensors
        need_x, need_w, need_b = (e is not None for e in self.next)
        gx = gw = gb = None
        if grad_enabled():  # create_graph: rebuild the statistics differentiably
            g2 = g.reshape(-1, self.k)
            xh, gx = _norm_grad_graph(g2 if w is None else g2 * w.reshape(-1), x.reshape(-1, self.k), self.eps)
            gx = gx.reshape(x.shape) if need_x else None
            if w is not None and need_w:
                gw = (g2 * xh).sum(0).reshape(self.shape)
            return gx, gw, (g2.sum(0).reshape(self.shape) if need_b else None)
        m, g2 = xp(x._data), g._data.reshape(-1, self.k)
        xh = x._data.reshape(-1, self.k) - self.mean
        xh *= self.rstd
        if w is not None and need_w:
            gw = _make(m.einsum("ij,ij->j", g2, xh).reshape(self.shape))
        if need_b:
            gb = _make(g2.sum(0).reshape(self.shape))
        if need_x:
            gx = _make(_norm_grad(m, g2 if w is None else g2 * w._data.reshape(-1), xh, self.rstd, x._data.shape))
        return gx, gw, gb


def _shape_tuple(s):
    return (s,) if isinstance(s, numbers.Integral) else tuple(s)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    r"""(x - E[x]) / sqrt(Var[x] + eps) * weight + bias over the trailing `normalized_shape` dims."""
    shape = _shape_tuple(normalized_shape)
    nd = len(shape)
    ishape = input._data.shape
    if nd == 0 or len(ishape) < nd or ishape[len(ishape) - nd:] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(ishape)}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and t._data.shape != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t._data.shape)} and normalized_shape = {list(shape)}")
    return NativeLayerNormBackward0.apply(input, weight, bias, shape=shape, eps=eps)


class NativeGroupNormBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, w, b, *, groups, eps):
        m = xp(x)
        n, c = x.shape[:2]
        out, mean, rstd = _moments(m, x.reshape(n, groups, -1), eps)
        out *= rstd
        out = out.reshape(n, c, -1)
        if w is not None:
            out *= w[:, None]
        if b is not None:
            out += b[:, None]
        ctx.groups, ctx.eps, ctx.mean, ctx.rstd = groups, eps, mean, rstd
        return out.reshape(x.shape)

    def backward(self, g):
        x, w = self.saved_tensors
        need_x, need_w, need_b = (e is not None for e in self.next)
        n, c, grp = x._data.shape[0], x._data.shape[1], self.groups
        gx = gw = gb = None
        if grad_enabled():  # create_graph: rebuild the statistics differentiably
            g3 = g.reshape(n, c, -1)
            gh = (g3 if w is None else g3 * w.reshape(c, 1)).reshape(n, grp, -1)
            xh, gx = _norm_grad_graph(gh, x.reshape(n, grp, -1), self.eps)
            if w is not None and need_w:
                gw = (g3 * xh.reshape(n, c, -1)).sum((0, 2))
            return (gx.reshape(x.shape) if need_x else None), gw, (g3.sum((0, 2)) if need_b else None)
        m, g3 = xp(x._data), g._data.reshape(n, c, -1)
        xh = x._data.reshape(n, grp, -1) - self.mean
        xh *= self.rstd
        if w is not None and need_w:
            gw = _make(m.einsum("ncs,ncs->c", g3, xh.reshape(n, c, -1)))
        if need_b:
            gb = _make(g3.sum((0, 2)))
        if need_x:
            gh = (g3 if w is None else g3 * w._data[:, None]).reshape(n, grp, -1)
            gx = _make(_norm_grad(m, gh, xh, self.rstd, x._data.shape))
        return gx, gw, gb


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    r"""Normalise each of `num_groups` channel groups per sample, then a per-channel affine map."""
    shp = input._data.shape
    if len(shp) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {len(shp)}")
    n, c = shp[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(shp)} and num_groups={num_groups}")
    if n * c // num_groups * math.prod(shp[2:]) == 1:  # torch's check skips the group count itself
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{[n * c // num_groups, num_groups] + list(shp[2:])}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and (t._data.ndim != 1 or t._data.shape[0] != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, but "
                               f"got {name} of shape {list(t._data.shape)} and input of shape {list(shp)}")
    return NativeGroupNormBackward0.apply(input, weight, bias, groups=num_groups, eps=eps)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    r"""x / sqrt(mean(x^2) + eps) * weight over the trailing dims (eps defaults to the dtype's machine epsilon)."""
    shape = _shape_tuple(normalized_shape)
    ishape = input._data.shape
    nd = len(shape)
    if len(ishape) < nd or ishape[len(ishape) - nd:] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(map(str, shape))}], but got input of size{list(ishape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(len(ishape) - nd, len(ishape)))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    r"""x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta."""
    nd = input._data.ndim
    if nd < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {nd} dimensions)")
    if input._data.size == 0:
        return input
    sq = input * input
    c = input._data.shape[1]
    front, back = size // 2, (size - 1) // 2
    zeros = lambda n: sq.new_zeros((sq.shape[0], n) + tuple(sq.shape[2:]))  # noqa: E731
    padded = S.cat([zeros(front), sq, zeros(back)], 1) if front or back else sq
    acc = padded.narrow(1, 0, c)
    for j in range(1, size):  # window sum over `size` channel offsets
        acc = acc + padded.narrow(1, j, c)
    div = (acc * (alpha / size) + k) ** beta
    return input / div


# torch has no integer kernel for these activations: NotImplementedError naming the kernel, as torch does.
_FLOAT_KERNELS = {LeakyReluBackward0: "leaky_relu_cpu", EluBackward0: "elu_cpu", CeluBackward0: "elu_cpu",
                  HardswishBackward0: "hardswish_cpu", SiluBackward0: "silu_cpu", MishBackward0: "mish_cpu"}
