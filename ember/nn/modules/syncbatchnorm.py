"""SyncBatchNorm: batch normalisation with statistics over every rank's batch (torch.nn.SyncBatchNorm)."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import Function
from ..._tensor import _make
from ...autograd.grad_mode import no_grad
from .batchnorm import _BatchNorm

__all__ = ["SyncBatchNorm"]


def _reduce_axes(x: np.ndarray) -> tuple:
    return (0,) + tuple(range(2, x.ndim))


def _bshape(x: np.ndarray) -> tuple:
    return (1, -1) + (1,) * (x.ndim - 2)


class _SyncBatchNormFunction(Function):
    """Normalise with the mean/variance of the whole distributed batch; backward all-reduces the two sums of dy."""

    @staticmethod
    def forward(ctx, input, weight, bias, running_mean, running_var, eps, momentum, pg):
        from ... import distributed as dist
        x = input._data
        axes = _reduce_axes(x)
        count = x.size // x.shape[1] if x.shape[1] else 0
        x64 = x.astype(np.float64)
        mean = x64.mean(axis=axes) if count else np.zeros(x.shape[1])
        m2 = ((x64 - mean.reshape(_bshape(x))) ** 2).sum(axis=axes)
        mine = np.concatenate([[count], mean, m2])
        stats = _make(np.empty((pg.size(), mine.size)))
        dist.all_gather_into_tensor(stats, _make(mine), group=pg)  # Chan's parallel variance combination
        s = stats._data
        counts, means, m2s = s[:, 0], s[:, 1:1 + x.shape[1]], s[:, 1 + x.shape[1]:]
        total = counts.sum()
        if total <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{tuple(x.shape)}")
        gmean = (counts[:, None] * means).sum(0) / total
        gm2 = (m2s + counts[:, None] * (means - gmean) ** 2).sum(0)
        var = gm2 / total
        invstd = 1.0 / np.sqrt(var + eps)
        if running_mean is not None:
            rm, rv = running_mean._data, running_var._data
            rm[...] = (1 - momentum) * rm + momentum * gmean
            rv[...] = (1 - momentum) * rv + momentum * gm2 / (total - 1)
            running_mean._vc[0] += 1
            running_var._vc[0] += 1
        xhat = (x64 - gmean.reshape(_bshape(x))) * invstd.reshape(_bshape(x))
        y = xhat
        if weight is not None:
            y = y * weight._data.reshape(_bshape(x))
        if bias is not None:
            y = y + bias._data.reshape(_bshape(x))
        ctx.pg, ctx.total, ctx.xhat, ctx.invstd = pg, total, xhat, invstd
        ctx.has_w, ctx.has_b = weight is not None, bias is not None
        ctx.wdata = weight._data if weight is not None else None
        return _make(y.astype(x.dtype))

    @staticmethod
    def backward(ctx, grad_output):
        from ... import distributed as dist
        dy = grad_output._data.astype(np.float64)
        xhat, invstd = ctx.xhat, ctx.invstd
        axes = _reduce_axes(dy)
        sum_dy = dy.sum(axis=axes)
        sum_dy_xhat = (dy * xhat).sum(axis=axes)
        dtype = grad_output._data.dtype
        gw = _make(sum_dy_xhat.astype(dtype)) if ctx.has_w and ctx.needs_input_grad[1] else None
        gb = _make(sum_dy.astype(dtype)) if ctx.has_b and ctx.needs_input_grad[2] else None
        gx = None
        if ctx.needs_input_grad[0]:
            both = _make(np.concatenate([sum_dy, sum_dy_xhat]))
            dist.all_reduce(both, group=ctx.pg)
            c = sum_dy.size
            mdy, mdyx = both._data[:c] / ctx.total, both._data[c:] / ctx.total
            b = _bshape(dy)
            scale = invstd if ctx.wdata is None else invstd * ctx.wdata.astype(np.float64)
            g = (dy - mdy.reshape(b) - xhat * mdyx.reshape(b)) * scale.reshape(b)
            gx = _make(g.astype(dtype))
        return gx, gw, gb, None, None, None, None, None


class SyncBatchNorm(_BatchNorm):
    r"""Batch normalisation whose mean and variance cover the batches of every rank of `process_group`.

    In training with more than one rank, forward all-gathers per-rank counts, means and squared deviations and
    backward all-reduces the sums of the output gradient, so the result equals BatchNorm on the concatenated
    batch. Otherwise (eval, one rank, no process group) it is ordinary BatchNorm.

    Args:
        num_features (int): C; eps, momentum, affine, track_running_stats as :class:`BatchNorm1d`
        process_group: the ranks to synchronise over (default: the default group)

    Shape:
        - Input: :math:`(N, C, +)`; Output: same shape
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device=device, dtype=dtype)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _check_non_zero_input_channels(self, input):
        if input.size(1) == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def forward(self, input: Tensor) -> Tensor:
        from ... import distributed as dist
        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        pg = None
        if bn_training and self.training and dist.is_initialized():
            pg = dist._pg(self.process_group)
            if pg is dist.GroupMember.NON_GROUP_MEMBER or pg.size() <= 1:
                pg = None
        if pg is None:
            return super().forward(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        return _SyncBatchNormFunction.apply(input, self.weight, self.bias, self.running_mean, self.running_var,
                                            self.eps, factor, pg)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """`module` with every BatchNorm*D replaced by a SyncBatchNorm holding its parameters and buffers."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group)
            if module.affine:
                with no_grad():
                    out.weight = module.weight
                    out.bias = module.bias
            out.running_mean, out.running_var = module.running_mean, module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        del module
        return out
