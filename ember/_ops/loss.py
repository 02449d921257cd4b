"""Loss functions (torch.nn.functional's losses).

cross_entropy / nll_loss are fused nodes: one forward pass computes log-softmax and picks the target entries, the
backward writes softmax - one-hot (scaled by class weights and the reduction) in place, through a node whose own
backward is written with differentiable ops, so double backward works. The other losses either have a small node
with torch's grad_fn name (MseLossBackward0, HuberLossBackward0, BinaryCrossEntropyBackward0, ...) or compose ops.
"""
from __future__ import annotations

import math
import numbers
import warnings

from ..autograd.graph import _shape_message
from ._base import Node, Tensor, _make, binary_operands, np, xp
from .activation import LogSigmoidBackward0, _log_sigmoid_arr
from .reduce import _LEGACY, softmax, log_softmax

__all__ = ["l1_loss", "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "huber_loss", "smooth_l1_loss", "poisson_nll_loss",
           "gaussian_nll_loss"]


# ---- reduction plumbing -----------------------------------------------------------------------------------------
def _reduction(reduction: str, size_average=None, reduce=None) -> str:
    """The reduction string, mapping the legacy size_average/reduce flags like torch (with its warning)."""
    if size_average is not None or reduce is not None:
        sa = True if size_average is None else size_average
        rd = True if reduce is None else reduce
        reduction = "mean" if sa and rd else "sum" if rd else "none"
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", stacklevel=3)
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=3)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _reduce_arr(a, reduction: str):
    return a.mean() if reduction == "mean" else a.sum() if reduction == "sum" else a


def _gscale(g: Tensor, reduction: str, n: int) -> Tensor:
    """The upstream gradient as seen by each element of an internally reduced loss."""
    return g / n if reduction == "mean" else g


def _warn_size(input: Tensor, target: Tensor):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _broadcast_pair(a: Tensor, b: Tensor):
    """Promote and broadcast (input, target) like torch's broadcast_tensors, with torch's size message."""
    a, b = binary_operands(a, b)
    if a.shape == b.shape:
        return a, b
    try:
        shape = np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError as e:
        raise RuntimeError(_shape_message(e, [a._data, b._data])) from None
    return a.expand(shape), b.expand(shape)


def _check_weight_size(weight, input):
    if weight is not None and weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")


def _legacy_name(t: Tensor) -> str:
    return _LEGACY.get(t.dtype.name, t.dtype.name)


# ---- regression losses --------------------------------------------------------------------------------------------
class MseLossBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, t, reduction):
        ctx.reduction, ctx.n = reduction, x.size
        d = x - t
        d *= d
        return _reduce_arr(d, reduction)

    def backward(self, g):
        x, t = self.saved_tensors
        gx = (x - t) * (_gscale(g, self.reduction, self.n) * 2)
        return gx, (-gx if self.next[1] is not None else None)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error: reduce((input - target)^2), optionally weighted elementwise."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    x, t = _broadcast_pair(input, target)
    if weight is None:
        return MseLossBackward0.apply(x, t, reduction)
    _check_weight_size(weight, input)
    loss = (x - t).pow(2) * weight
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: reduce(|input - target|), optionally weighted elementwise."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    x, t = _broadcast_pair(input, target)
    loss = (x - t).abs()
    if weight is None:
        return _reduce(loss, reduction)
    _check_weight_size(weight, input)
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == "mean" else _reduce(loss, reduction)


def _huber(ctx, x, t, reduction, delta, div):
    ctx.reduction, ctx.n, ctx.delta = reduction, x.size, delta
    m = xp(x)
    d = x - t
    a = m.abs(d)
    lin = a - 0.5 * delta
    loss = m.where(a < delta, (0.5 / delta if div else 0.5) * d * d, lin if div else delta * lin)
    return _reduce_arr(loss, reduction)


class HuberLossBackward0(Node):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); d = input - target."""
    save = (0, 1)
    div = False

    @staticmethod
    def forward(ctx, x, t, reduction, delta):
        return _huber(ctx, x, t, reduction, delta, False)

    def backward(self, g):
        x, t = self.saved_tensors
        d = x - t
        gx = (d / self.delta).clamp(-1, 1) if self.div else d.clamp(-self.delta, self.delta)
        gx = gx * _gscale(g, self.reduction, self.n)
        return gx, (-gx if self.next[1] is not None else None)


class SmoothL1LossBackward0(HuberLossBackward0):
    """Huber divided by beta: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta."""
    div = True

    @staticmethod
    def forward(ctx, x, t, reduction, beta):
        return _huber(ctx, x, t, reduction, beta, True)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Huber loss: quadratic for |input - target| < delta, linear (slope delta) beyond."""
    _warn_size(input, target)
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, t = _broadcast_pair(input, target)
    if weight is None:
        return HuberLossBackward0.apply(x, t, reduction, delta)
    _check_weight_size(weight, input)
    return _reduce(HuberLossBackward0.apply(x, t, "none", delta) * weight, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Smooth L1: 0.5 d^2 / beta for |d| < beta, else |d| - 0.5 beta (beta=0 is l1_loss)."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    x, t = _broadcast_pair(input, target)
    return SmoothL1LossBackward0.apply(x, t, reduction, beta)


# ---- nll_loss / cross_entropy (class-index targets) ---------------------------------------------------------------
def _target_index(m, t):
    """Index tuple picking x[n, t[n, d...], d...] from an (N, C, d1..dk) array: one entry per target element."""
    grids = [m.arange(s).reshape((-1,) + (1,) * (t.ndim - 1 - i)) for i, s in enumerate(t.shape)]
    return (grids[0], t, *grids[1:])


def _class_targets(input: Tensor, target: Tensor, weight, ignore_index: int):
    """Validate (input, target, weight) like torch's nll_loss_nd; returns what the fused nodes need.

    Returns (x, idx, w, a, D, out_shape, mask): x with the class dim at 1 (at least 2-D), idx the index tuple of the
    target entries (ignored ones point at class 0), w the class-weight array or None, a the per-element weight
    (w[target] * not-ignored, or the float 1.0 when every element counts fully), D the sum of `a` (the mean's
    divisor), out_shape the shape of the unreduced loss, mask the not-ignored elements (None: all).
    """
    if input._data.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input._data.ndim})")
    t = target._data
    ishape = input._data.shape
    if input._data.ndim != 1 and ishape[0] != (t.shape[0] if t.ndim else 0):
        raise ValueError(f"Expected input batch_size ({ishape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 0}).")
    x = input
    if input._data.ndim == 1:
        if t.ndim > 1 or t.size != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        x, t = input.unsqueeze(0), t.reshape(1)
    elif input._data.ndim == 2:
        if t.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif t.shape != (ishape[0],) + ishape[2:]:
        if input._data.ndim == 4:
            raise RuntimeError(f"size mismatch (got input: {list(ishape)} , target: {list(t.shape)}")
        raise RuntimeError(f"Expected target size {[ishape[0], *ishape[2:]]}, got {list(t.shape)}")
    if t.dtype != np.int64 and t.dtype != np.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_legacy_name(target)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"nll_loss_out_frame\" not implemented for '{_legacy_name(input)}'")
    C = x._data.shape[1]
    m = xp(t)
    valid = t != ignore_index
    t = t.astype(np.int64, copy=False)
    bad = valid & ((t < 0) | (t >= C))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
    mask = None if valid.all() else valid
    if mask is not None:
        t = m.where(mask, t, 0)
    dt = x._data.dtype
    w = None
    if weight is not None:
        if weight._data.ndim != 1 or weight._data.shape[0] != C:
            raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no classes but got "
                               f"weight tensor of shape: {list(weight.shape)}")
        if weight._data.dtype != dt:
            raise RuntimeError(f"expected scalar type {_legacy_name(input)} but found {_legacy_name(weight)}")
        w = weight._data
    if w is None and mask is None:
        a, D = 1.0, dt.type(t.size)
    else:
        a = w[t] if w is not None else m.ones(t.shape, dt)
        if mask is not None:
            a = a * mask
        D = a.sum(dtype=dt)
    out_shape = target._data.shape if input._data.ndim == 1 else t.shape
    return x, _target_index(m, t), w, a, D, out_shape, mask


def _finish(loss, reduction, D, out_shape):
    if reduction == "none":
        return loss.reshape(out_shape)
    s = loss.sum()
    return s / D if reduction == "mean" else s


class NllLossBackward0(Node):
    """-a * x[target] per element (a = class weight, 0 where ignored), then summed / divided by sum(a)."""

    @staticmethod
    def forward(ctx, x, idx, a, D, reduction, out_shape):
        ctx.shape, ctx.idx, ctx.a, ctx.D, ctx.reduction, ctx.out_shape = x.shape, idx, a, D, reduction, out_shape
        return _finish(-(x[idx] * a), reduction, D, out_shape)

    def backward(self, g):
        return NllLossBackwardBackward0.apply(g, self.shape, self.idx, self.a, self.D, self.reduction,
                                              self.out_shape)


class NllLossBackwardBackward0(Node):
    """nll's gradient: zeros with -a * g / D written at the target entries (linear in g; its adjoint is nll)."""

    @staticmethod
    def forward(ctx, g, shape, idx, a, D, reduction, out_shape):
        ctx.idx, ctx.a, ctx.D, ctx.reduction, ctx.out_shape = idx, a, D, reduction, out_shape
        gx = xp(g).zeros(shape, g.dtype)
        if reduction == "none":
            g = g.reshape(idx[1].shape)
        elif reduction == "mean":
            g = g / D
        ga = g * a
        if D == 0 and reduction == "mean":  # everything ignored: zero gradient, as torch
            ga = xp(g).zeros_like(ga)
        gx[idx] = -ga
        return gx

    def backward(self, h):
        return NllLossBackward0.apply(h, self.idx, self.a, self.D, self.reduction, self.out_shape)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood: -input[n, target[n]] (weighted, ignore_index skipped); input holds log-probs."""
    reduction = _reduction(reduction, size_average, reduce)
    x, idx, _, a, D, out_shape, _ = _class_targets(input, target, weight, ignore_index)
    return NllLossBackward0.apply(x, idx, a, D, reduction, out_shape)


def _bcast_class(v, ndim):
    """A (C,) array shaped to broadcast along dim 1 of an ndim-D (N, C, ...) array."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


class CrossEntropyLossBackward0(Node):
    """Fused log_softmax + nll (+ label smoothing) over dim 1; reported as torch's NllLossBackward0."""
    save = (0,)

    def name(self):
        return "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, idx, a, b, w, D, reduction, out_shape):
        m = xp(x)
        if x.ndim == 2 and x.size and -50 < x.min() and x.max() < 50:
            s = x  # exp can neither overflow nor underflow a whole row: skip the max shift (two cheap reductions)
        else:
            s = x - x.max(axis=1, keepdims=True)
        e = m.exp(s)
        if e.ndim == 2:  # row sums as a BLAS matrix-vector product: ~3x faster than a strided reduction
            se = (e @ m.ones(e.shape[1], e.dtype)).reshape(-1, 1)
        else:
            se = e.sum(axis=1, keepdims=True)
        lse = m.log(se)
        loss = (lse.squeeze(1) - s[idx]) * a
        if b is not None:  # label smoothing: sum_c w_c (lse - x_c) = W lse - sum_c w_c s_c
            W = x.shape[1] if w is None else w.sum()
            ws = (s if w is None else s * _bcast_class(w, s.ndim)).sum(axis=1)
            loss = loss + (lse.squeeze(1) * W - ws) * b
        ctx.e, ctx.se, ctx.idx, ctx.a, ctx.b, ctx.w = e, se, idx, a, b, w
        ctx.D, ctx.reduction, ctx.out_shape = D, reduction, out_shape
        return _finish(loss, reduction, D, out_shape)

    def backward(self, g):
        (x,) = self.saved_tensors
        return CrossEntropyLossBackwardBackward0.apply(g, x, e=self.e, se=self.se, idx=self.idx, a=self.a,
                                                       b=self.b, w=self.w, D=self.D, reduction=self.reduction)


def _cls(m, v):
    """A per-element coefficient (N, d...) made to broadcast over the class dim (scalars pass through)."""
    return v if m.ndim(v) == 0 else m.expand_dims(v, 1)


def _elem_grad(g, idx, D, reduction):
    """The upstream gradient per target element (N, d...) with the mean's 1/D folded in."""
    if reduction == "none":
        return g.reshape(idx[1].shape)
    return g / D if reduction == "mean" else g


class CrossEntropyLossBackwardBackward0(Node):
    """d/dx of the fused cross-entropy: s * (A p - a onehot - b w), with s the per-element upstream gradient."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, g, x, e, se, idx, a, b, w, D, reduction):
        ctx.idx, ctx.a, ctx.b, ctx.w, ctx.D, ctx.reduction = idx, a, b, w, D, reduction
        s = _elem_grad(g, idx, D, reduction)
        if D == 0 and reduction == "mean":  # everything ignored: zero gradient, as torch
            s = xp(g).zeros_like(s)
        sa = s * a
        big = sa
        if b is not None:
            sb = s * b
            big = sa + sb * (x.shape[1] if w is None else w.sum())
        m = xp(e)
        gx = e * (_cls(m, big) / se)
        gx[idx] -= sa
        if b is not None:
            gx -= _cls(m, sb) if w is None else _cls(m, sb) * _bcast_class(w, gx.ndim)
        return gx

    def backward(self, h):
        g, x = self.saved_tensors
        m, nd, C = xp(x._data), x._data.ndim, x._data.shape[1]
        one = lambda v: _make(_cls(m, m.asarray(v, x._data.dtype)))  # noqa: E731 - per-element coefficient
        a = one(self.a)
        onehot = m.zeros(x._data.shape, x._data.dtype)
        onehot[self.idx] = 1
        coef = a * _make(onehot)
        big = a
        if self.b is not None:
            b = one(self.b)
            wb = _make(m.ones((1, C) + (1,) * (nd - 2), x._data.dtype) if self.w is None else _bcast_class(self.w, nd))
            coef = coef + b * wb
            big = a + b * wb.sum()
        p = softmax(x, 1)
        gg = (h * (p * big - coef)).sum(1)  # d/dg: the gradient is linear in g
        gg = gg.reshape(g.shape) if self.reduction == "none" else _elem_grad(gg.sum(), None, self.D, self.reduction)
        s = _elem_grad(g, self.idx, self.D, self.reduction)
        gx = (s.unsqueeze(1) if s.ndim else s) * big * p * (h - (h * p).sum(1, keepdim=True))
        return (gg if self.next[0] is not None else None), gx


def _ce_probs(input: Tensor, target: Tensor, weight, reduction, label_smoothing, ignore_index):
    """Cross-entropy against class probabilities (target has input's shape), composed from differentiable ops."""
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{_legacy_name(target)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    cdim = 0 if input._data.ndim == 1 else 1
    C = input._data.shape[cdim]
    if weight is not None and (weight._data.ndim != 1 or weight._data.shape[0] != C):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {C} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    logp = log_softmax(input, cdim)
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / C
    prod = logp * target
    if weight is not None:
        prod = prod * weight.reshape([C if i == cdim else 1 for i in range(input._data.ndim)])
    if reduction == "none":
        return -prod.sum(cdim)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum() / (input.numel() // C if C else 0)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits `input` (class dim 1) and class indices or class probabilities."""
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input._data.shape == target._data.shape:
        return _ce_probs(input, target, weight, reduction, label_smoothing, ignore_index)
    x, idx, w, a, D, out_shape, mask = _class_targets(input, target, weight, ignore_index)
    b = None
    if label_smoothing > 0:
        c = x._data.dtype.type(label_smoothing / x._data.shape[1])
        b = c if mask is None else mask * c
        a = a * (1 - label_smoothing)
    return CrossEntropyLossBackward0.apply(x, idx, a, b, w, D, reduction, out_shape)


# ---- binary cross-entropy -----------------------------------------------------------------------------------------
class BinaryCrossEntropyBackward0(Node):
    """-w (t log x + (1 - t) log(1 - x)) with both logs clamped to >= -100, as torch does."""
    save = (0, 1, 2)

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        m = xp(x)
        if not ((x >= 0) & (x <= 1)).all():
            raise RuntimeError("all elements of input should be between 0 and 1")
        if not ((t >= 0) & (t <= 1)).all():
            raise RuntimeError("all elements of target should be between 0 and 1")
        ctx.reduction, ctx.n = reduction, x.size
        loss = (t - 1) * m.maximum(m.log1p(-x), -100) - t * m.maximum(m.log(x), -100)
        if w is not None:
            loss = loss * w
        return _reduce_arr(loss, reduction)

    def backward(self, g):
        x, t, w = self.saved_tensors
        s = _gscale(g, self.reduction, self.n)
        if w is not None:
            s = s * w
        gx = s * (x - t) / ((1 - x) * x).clamp_min(1e-12) if self.next[0] is not None else None
        gt = s * ((1 - x).log() - x.log()) if self.next[1] is not None else None
        return gx, gt, None


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities `input` and `target` (same shape)."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {_legacy_name(target)} but expected {_legacy_name(input)}")
    if weight is not None:
        try:
            shape = np.broadcast_shapes(target._data.shape, weight._data.shape)
        except ValueError as e:
            raise RuntimeError(_shape_message(e, [target._data, weight._data])) from None
        if shape != input._data.shape:
            raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast shape "
                               f"{list(shape)}")
        weight = weight.expand(shape)
    return BinaryCrossEntropyBackward0.apply(input, target, weight, reduction)


def _logsigmoid(x: Tensor) -> Tensor:
    return LogSigmoidBackward0.apply(x)


class BinaryCrossEntropyWithLogitsBackward0(Node):
    """w ((1 - t) x - lw log(sigmoid(x))), lw = 1 + (pos_weight - 1) t: stable for logits of any magnitude."""
    save = (0, 1, 2, 3)

    @staticmethod
    def forward(ctx, x, t, w, pw, reduction):
        ctx.reduction, ctx.n = reduction, x.size
        ls = _log_sigmoid_arr(xp(x), x)
        loss = (1 - t) * x - (ls if pw is None else ((pw - 1) * t + 1) * ls)
        if w is not None:
            loss = loss * w
        return _reduce_arr(loss, reduction)

    def backward(self, g):
        x, t, w, pw = self.saved_tensors
        s = _gscale(g, self.reduction, self.n)
        if w is not None:
            s = s * w
        gx = gt = None
        if self.next[0] is not None:
            gx = s * (x.sigmoid() - t) if pw is None else s * ((((pw - 1) * t + 1) * (x.sigmoid() - 1)) + 1 - t)
        if self.next[1] is not None:
            gt = -s * x if pw is None else -s * (x + (pw - 1) * _logsigmoid(x))
        return gx, gt, None, None


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one numerically stable step; pos_weight scales the positive term."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    if input._data.dtype.kind != "f":
        from ._base import not_implemented
        raise not_implemented("log_sigmoid_cpu", input._data)
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"result type {_LEGACY[input.dtype.name]} can't be cast to the desired output type "
                           f"{_LEGACY[target.dtype.name]}")
    input, target = binary_operands(input, target)
    for extra in (weight, pos_weight):
        if extra is not None:
            try:
                np.broadcast_shapes(extra._data.shape, input._data.shape)
            except ValueError as e:
                raise RuntimeError(_shape_message(e, [extra._data, input._data])) from None
    return BinaryCrossEntropyWithLogitsBackward0.apply(input, target, weight, pos_weight, reduction)


# ---- divergences and likelihoods -----------------------------------------------------------------------------------
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence with `input` in log-space: target * (log(target) - input) ('batchmean' divides by N)."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    elif reduction != "batchmean":
        reduction = _reduction(reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # xlogy(t, t) - t * x, with 0 log 0 = 0
        loss = target * target.masked_fill(target == 0, 1).log() - target * input
    if reduction == "batchmean":
        out = loss.sum()
        return out / input.shape[0] if input.ndim != 0 else out
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Poisson negative log likelihood: exp(input) - target * input (or input - target * log(input + eps))."""
    reduction = _reduction(reduction, size_average, reduce)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        t = target.masked_fill(target <= 1, 1)  # the Stirling term is 0 where target <= 1
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Gaussian negative log likelihood: 0.5 (log(var) + (input - target)^2 / var), var clamped to >= eps."""
    from ..autograd.grad_mode import no_grad
    if isinstance(var, numbers.Real) and not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.new_full(input.shape, float(var))
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
