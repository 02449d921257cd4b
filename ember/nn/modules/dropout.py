"""Dropout layers: active in training mode, identity in eval mode."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    r"""Zeroes each element with probability ``p`` in training and scales the rest by :math:`1/(1-p)`.

    Args:
        p: probability of an element to be zeroed. Default: 0.5
        inplace: do the operation in place. Default: ``False``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    r"""Zeroes whole channels of :math:`(N, C, L)` or :math:`(C, L)` inputs with probability ``p``.

    Args:
        p: probability of a channel to be zeroed. Default: 0.5; inplace. Default: ``False``
    Shape: input :math:`(N, C, L)` or :math:`(C, L)`, output the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    r"""Zeroes whole channels of :math:`(N, C, H, W)` inputs with probability ``p``.

    Args:
        p: probability of a channel to be zeroed. Default: 0.5; inplace. Default: ``False``
    Shape: input :math:`(N, C, H, W)` or :math:`(N, C, L)`, output the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    r"""Zeroes whole channels of :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)` inputs with probability ``p``.

    Args:
        p: probability of a channel to be zeroed. Default: 0.5; inplace. Default: ``False``
    Shape: input :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`, output the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    r"""Dropout for SELU networks: dropped units take SELU's negative saturation and an affine correction keeps
    zero mean and unit variance.

    Args:
        p: probability of an element to be dropped. Default: 0.5; inplace. Default: ``False``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(_DropoutNd):
    r"""Alpha dropout of whole channels (dim 1).

    Args:
        p: probability of a channel to be dropped. Default: 0.5; inplace. Default: ``False``
    Shape: input :math:`(N, C, *)`, output the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)
