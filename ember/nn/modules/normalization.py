"""LayerNorm, GroupNorm, RMSNorm and LocalResponseNorm."""
from __future__ import annotations

import numbers

from ..._ops import creation as _c
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]


def _shape(normalized_shape) -> tuple:
    return (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)


class LayerNorm(Module):
    r"""Normalises the trailing ``normalized_shape`` dims: :math:`y = (x - E[x]) / \sqrt{Var[x] + \epsilon} * \gamma
    + \beta` (biased variance).

    Args:
        normalized_shape: int or shape of the trailing dims
        eps: added to the variance. Default: 1e-5
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of that shape. Default: ``True``
        bias: learn the bias (only with ``elementwise_affine``). Default: ``True``
    Shape: input :math:`(N, *)`, output the same.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_c.empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(_c.empty(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    r"""Splits the channels into ``num_groups`` groups and normalises each group per sample, then applies a
    per-channel affine map.

    Args:
        num_groups: number of groups (must divide ``num_channels``); num_channels: C
        eps: added to the variance. Default: 1e-5
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros). Default: ``True``
    Shape: input :math:`(N, C, *)`, output the same.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(_c.empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(_c.empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    r"""Root-mean-square normalisation of the trailing dims: :math:`y = x / \sqrt{mean(x^2) + \epsilon} * \gamma`.

    Args:
        normalized_shape: int or shape of the trailing dims
        eps: added inside the root; ``None`` uses the input dtype's machine epsilon. Default: ``None``
        elementwise_affine: learn ``weight`` (ones). Default: ``True``
    Shape: input :math:`(N, *)`, output the same.
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_c.empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    r"""Normalises each value by the energy of ``size`` neighbouring channels:
    :math:`b_c = a_c / (k + \alpha/n \sum_{c'} a_{c'}^2)^\beta`.

    Args:
        size: neighbouring channels; alpha: Default: 1e-4; beta: Default: 0.75; k: Default: 1
    Shape: input :math:`(N, C, *)`, output the same.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
