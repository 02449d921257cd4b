"""Pooling layers: max/avg/adaptive/LP pooling and max unpooling (torch.nn.modules.pooling)."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .conv import _pair, _single, _triple
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "AvgPool1d",
           "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d"]


class _MaxPoolNd(Module):
    __constants__ = ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"]
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return ("kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, "
                "ceil_mode={ceil_mode}".format(**self.__dict__))

    def forward(self, input: Tensor):
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                              ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    r"""1D max pooling over an input signal.

    Args:
        kernel_size: window size; stride: window step (default ``kernel_size``); padding: implicit -inf padding on
        both sides; dilation: spacing of window elements; return_indices: also return the argmax indices;
        ceil_mode: use ceil instead of floor for the output size.

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`; Output: :math:`(N, C, L_{out})`
    """
    _fn = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    r"""2D max pooling over an input image.

    Args:
        kernel_size: window size; stride: window step (default ``kernel_size``); padding: implicit -inf padding on
        both sides; dilation: spacing of window elements; return_indices: also return the argmax indices (for
        :class:`MaxUnpool2d`); ceil_mode: use ceil instead of floor for the output size.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`
        - Output: :math:`(N, C, H_{out}, W_{out})`, :math:`H_{out} = \lfloor (H_{in} + 2p - d(k-1) - 1)/s + 1\rfloor`
    """
    _fn = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    r"""3D max pooling over an input volume.

    Args: as :class:`MaxPool2d`, with 3-tuples.

    Shape:
        - Input: :math:`(N, C, D_{in}, H_{in}, W_{in})` or :math:`(C, D_{in}, H_{in}, W_{in})`
    """
    _fn = staticmethod(F.max_pool3d)


class _MaxUnpoolNd(Module):
    _n, _fn = 2, None

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        t = {1: _single, 2: _pair, 3: _triple}[self._n]
        self.kernel_size = t(kernel_size)
        self.stride = t(stride if (stride is not None) else kernel_size)
        self.padding = t(padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    r"""Partial inverse of :class:`MaxPool1d`: non-maximal positions are set to zero.

    Inputs: ``input``, ``indices`` from MaxPool1d, optional ``output_size``.
    Shape: :math:`L_{out} = (L_{in} - 1) s - 2p + k` (or ``output_size``).
    """
    _n, _fn = 1, staticmethod(F.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    r"""Partial inverse of :class:`MaxPool2d`: non-maximal positions are set to zero.

    Inputs: ``input``, ``indices`` from MaxPool2d, optional ``output_size``.
    Shape: each spatial size :math:`(n - 1) s - 2p + k` (or ``output_size``).
    """
    _n, _fn = 2, staticmethod(F.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    r"""Partial inverse of :class:`MaxPool3d`: non-maximal positions are set to zero."""
    _n, _fn = 3, staticmethod(F.max_unpool3d)


class _AvgPoolNd(Module):
    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    r"""1D average pooling over an input signal.

    Args:
        kernel_size, stride (default ``kernel_size``), padding (implicit zeros), ceil_mode, count_include_pad
        (include the zero padding in the divisor).

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`; Output: :math:`(N, C, L_{out})`
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class _AvgPool(_AvgPoolNd):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override=None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad, self.divisor_override)


class AvgPool2d(_AvgPool):
    r"""2D average pooling over an input image.

    Args:
        kernel_size, stride (default ``kernel_size``), padding (implicit zeros, at most half the kernel), ceil_mode,
        count_include_pad (include the zero padding in the divisor), divisor_override (fixed divisor).

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`
        - Output: :math:`(N, C, H_{out}, W_{out})`, :math:`H_{out} = \lfloor (H_{in} + 2p - k)/s + 1\rfloor`
    """
    _fn = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPool):
    r"""3D average pooling over an input volume.

    Args: as :class:`AvgPool2d`, with 3-tuples.
    """
    _fn = staticmethod(F.avg_pool3d)


class _AdaptivePool(Module):
    __constants__ = ["output_size", "return_indices"]
    _fn = None

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveAvg(_AdaptivePool):
    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvg):
    r"""1D adaptive average pooling to a fixed output length.

    Shape: :math:`(N, C, L_{in})` or :math:`(C, L_{in})` -> :math:`(N, C, L_{out})`, ``L_out = output_size``.
    """
    _fn = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvg):
    r"""2D adaptive average pooling to a fixed output size (``None`` keeps that input dim).

    Shape: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})` -> :math:`(N, C, S_0, S_1)`.
    """
    _fn = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvg):
    r"""3D adaptive average pooling to a fixed output size."""
    _fn = staticmethod(F.adaptive_avg_pool3d)


class _AdaptiveMax(_AdaptivePool):
    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor):
        return type(self)._fn(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMax):
    r"""1D adaptive max pooling to a fixed output length (``return_indices`` for the argmax)."""
    _fn = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMax):
    r"""2D adaptive max pooling to a fixed output size (``return_indices`` for the argmax).

    Shape: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})` -> :math:`(N, C, S_0, S_1)`.
    """
    _fn = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMax):
    r"""3D adaptive max pooling to a fixed output size."""
    _fn = staticmethod(F.adaptive_max_pool3d)


class _LPPoolNd(Module):
    __constants__ = ["norm_type", "kernel_size", "stride", "ceil_mode"]
    _fn = None

    def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return ("norm_type={norm_type}, kernel_size={kernel_size}, stride={stride}, "
                "ceil_mode={ceil_mode}".format(**self.__dict__))

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    r"""1D power-average pooling: :math:`f(X) = \sqrt[p]{\sum_{x \in X} x^p}` per window."""
    _fn = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    r"""2D power-average pooling: :math:`f(X) = \sqrt[p]{\sum_{x \in X} x^p}` per window.

    Args: norm_type (p), kernel_size, stride (default ``kernel_size``), ceil_mode.
    """
    _fn = staticmethod(F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    r"""3D power-average pooling."""
    _fn = staticmethod(F.lp_pool3d)
