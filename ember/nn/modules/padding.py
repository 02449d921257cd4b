"""Padding layers: constant/zero, reflection, replication and circular, 1-3d (torch.nn.modules.padding)."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .conv import _ntuple, _pair, _quadruple
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]

_TUPLE = {1: _pair, 2: _quadruple, 3: _ntuple(6)}


class _PadNd(Module):
    """Pads the last n dims; ``padding`` is an int or (left, right[, top, bottom[, front, back]])."""

    __constants__ = ["padding"]
    _n, _mode = 2, "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _TUPLE[self._n](padding)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def _check_input_dim(self, input):
        n = self._n
        if input.dim() not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    r"""Pads the last dim circularly (wrap-around). Shape: :math:`(C, W)` or :math:`(N, C, W)`."""
    _n = 1


class CircularPad2d(_CircularPadNd):
    r"""Pads the last 2 dims circularly. Shape: :math:`(C, H, W)` or :math:`(N, C, H, W)`."""
    _n = 2


class CircularPad3d(_CircularPadNd):
    r"""Pads the last 3 dims circularly. Shape: :math:`(C, D, H, W)` or :math:`(N, C, D, H, W)`."""
    _n = 3


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    r"""Pads the last dim with a constant ``value`` (negative padding crops)."""
    _n = 1


class ConstantPad2d(_ConstantPadNd):
    r"""Pads the last 2 dims with a constant ``value``; padding = (left, right, top, bottom)."""
    _n = 2


class ConstantPad3d(_ConstantPadNd):
    r"""Pads the last 3 dims with a constant ``value``; padding = (left, right, top, bottom, front, back)."""
    _n = 3


class _ZeroPad(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    r"""Pads the last dim with zeros."""
    _n = 1


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    r"""Pads the last 2 dims with zeros; padding = (left, right, top, bottom)."""
    _n = 2


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    r"""Pads the last 3 dims with zeros."""
    _n = 3


class ReflectionPad1d(_PadNd):
    r"""Pads the last dim with the reflection of the input (edge not repeated); padding < input size."""
    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    r"""Pads the last 2 dims with the reflection of the input; padding = (left, right, top, bottom)."""
    _n, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    r"""Pads the last 3 dims with the reflection of the input."""
    _n, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    r"""Pads the last dim by repeating the edge value."""
    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    r"""Pads the last 2 dims by repeating the edge values; padding = (left, right, top, bottom)."""
    _n, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    r"""Pads the last 3 dims by repeating the edge values."""
    _n, _mode = 3, "replicate"
