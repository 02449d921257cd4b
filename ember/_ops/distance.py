"""Distances and similarities: normalize, cosine_similarity, pairwise_distance."""
from __future__ import annotations


from ..autograd.grad_mode import no_grad
from ..autograd.graph import _shape_message
from ._base import Tensor, np, wrap_dim

__all__ = ["normalize", "cosine_similarity", "pairwise_distance"]


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
