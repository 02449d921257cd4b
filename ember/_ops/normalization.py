"""Normalisation: batch, instance, layer, group, RMS and local response norm.

`NativeBatchNormBackward0` normalises per channel over (N, *spatial) in one fused numpy pass and updates the running
statistics in place (torch keeps the unbiased variance there). Its backward is fused numpy too, except under
`create_graph=True`, where the same formula is written with differentiable tensor ops so double backward works;
layer and group norm follow the same pattern.
"""
from __future__ import annotations

import math
import numbers

from ..autograd.grad_mode import grad_enabled
from . import shape as S
from ._base import Node, Tensor, _make, np, xp
from .. import _identity

__all__ = ["layer_norm", "group_norm", "rms_norm", "local_response_norm", "batch_norm", "instance_norm"]


def _axes(a):
    return (0,) + tuple(range(2, a.ndim))


def _chan(v, ndim):
    """Per-channel vector -> broadcastable (1, C, 1, ...)."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


class NativeBatchNormBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, w, b, rm, rv, training, momentum, eps):
        m = xp(x)
        ax = _axes(x)
        n = x.size // x.shape[1]
        if training:
            mean = x.mean(axis=ax, dtype=x.dtype)
            d = x - _chan(mean, x.ndim)
            var = m.einsum(_ein(x.ndim), d, d) / n if x.dtype.kind == "f" else (d * d).mean(axis=ax)
            if rm is not None:
                rm *= 1 - momentum
                rm += momentum * mean.astype(rm.dtype, copy=False)
            if rv is not None:
                rv *= 1 - momentum
                rv += (momentum * var * (n / max(n - 1, 1))).astype(rv.dtype, copy=False)
        else:
            mean, var = rm.astype(x.dtype, copy=False), rv.astype(x.dtype, copy=False)
            d = x - _chan(mean, x.ndim)
        invstd = (1.0 / m.sqrt(var + eps)).astype(x.dtype, copy=False)
        scale = invstd if w is None else invstd * w
        y = d
        y *= _chan(scale, x.ndim)
        if b is not None:
            y += _chan(b, x.ndim)
        ctx.mean, ctx.invstd, ctx.training, ctx.eps = mean, invstd, training, eps
        return y

    def backward(self, g):
        x, w = self.saved_tensors
        if grad_enabled():
            return self._composite(g, x, w)
        a, ga = x._data, g._data
        ax, nd = _axes(a), a.ndim
        n = a.size // a.shape[1]
        invstd = self.invstd
        d = a - _chan(self.mean, nd)
        sum_g = ga.sum(axis=ax)
        sum_gd = xp(a).einsum(_ein(nd), ga, d)
        gx = gw = gb = None
        if self.next[0] is not None:
            scale = invstd if w is None else invstd * w._data
            if self.training:
                gxa = d
                gxa *= _chan(-(invstd * invstd * sum_gd / n), nd)
                gxa += ga
                gxa -= _chan(sum_g / n, nd)
                gxa *= _chan(scale, nd)
            else:
                gxa = ga * _chan(scale, nd)
            gx = _make(gxa)
        if self.next[1] is not None:
            gw = _make(sum_gd * invstd)
        if self.next[2] is not None:
            gb = _make(sum_g)
        return gx, gw, gb

    def _composite(self, g, x, w):
        """The same gradients as differentiable tensor ops (for create_graph=True)."""
        ax, nd = list(_axes(x)), x.ndim
        if self.training:
            mean = x.mean(ax, keepdim=True)
            invstd = (x.var(ax, unbiased=False, keepdim=True) + self.eps).rsqrt()
        else:
            mean = _make(_chan(self.mean, nd))
            invstd = _make(_chan(self.invstd, nd))
        xhat = (x - mean) * invstd
        gx = gw = gb = None
        if self.next[0] is not None:
            gxhat = g if w is None else g * w.reshape((1, -1) + (1,) * (nd - 2))
            if self.training:
                gx = invstd * (gxhat - gxhat.mean(ax, keepdim=True) - xhat * (gxhat * xhat).mean(ax, keepdim=True))
            else:
                gx = gxhat * invstd
        if self.next[1] is not None:
            gw = (g * xhat).sum(ax)
        if self.next[2] is not None:
            gb = g.sum(ax)
        return gx, gw, gb


def _ein(ndim):
    s = "nc" + "hwd"[:ndim - 2]
    return f"{s},{s}->c"


def _check_vec(t, name, C):
    if t is not None and t.numel() != C:
        raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5) -> Tensor:
    """Normalise each channel over (N, *spatial); training uses batch stats and updates running_mean/var."""
    size = list(input.shape)
    if training:
        n = size[0] * int(np.prod(size[2:])) if len(size) > 1 else size[0]
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{_identity.name()}.Size({size})")
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{input.type().split('.')[-1][:-6]}'")
    C = size[1] if len(size) > 1 else 0
    for t in (weight, bias, running_mean, running_var):
        if t is not None and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of "
                               f"{input.type().split('.')[-1][:-6]}")
    for t, nm in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"), (bias, "bias")):
        _check_vec(t, nm, C)
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"{'running_mean' if running_mean is None else 'running_var'} must be defined in "
                           "evaluation mode")
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects an input of at least 2 dimensions (N, C, ...), got {input.ndim}D")
    out = NativeBatchNormBackward0.apply(input, weight, bias, running_mean, running_var, training=bool(training),
                                         momentum=0.0 if momentum is None else float(momentum), eps=float(eps))
    if training:
        for t in (running_mean, running_var):
            if t is not None:
                t._vc[0] += 1
    return out


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5) -> Tensor:
    """Normalise each (sample, channel) plane over its spatial positions."""
    size = list(input.shape)
    if use_input_stats:
        if int(np.prod(size[2:])) == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                             f"{_identity.name()}.Size({size})")
    N, C = size[0], size[1]
    x = input.reshape([1, N * C] + size[2:])

    def rep(t):
        return None if t is None else t.repeat(N)
    rm, rv = rep(running_mean), rep(running_var)
    out = batch_norm(x, rm, rv, rep(weight), rep(bias), use_input_stats, momentum, eps)
    if use_input_stats:
        from ..autograd.grad_mode import no_grad
        with no_grad():
            if running_mean is not None:
                running_mean.copy_(rm.view(N, C).mean(0))
            if running_var is not None:
                running_var.copy_(rv.view(N, C).mean(0))
    return out.view(size)


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
