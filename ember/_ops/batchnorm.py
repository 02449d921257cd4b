"""Batch and instance normalisation.

`NativeBatchNormBackward0` normalises per channel over (N, *spatial) in one fused numpy pass and updates the running
statistics in place (torch keeps the unbiased variance there). Its backward is fused numpy too, except under
`create_graph=True`, where the same formula is written with differentiable tensor ops so double backward works.
"""
from __future__ import annotations

from .. import _identity
from ..autograd.grad_mode import grad_enabled
from ._base import Node, Tensor, _make, np, xp

__all__ = ["batch_norm", "instance_norm"]


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
