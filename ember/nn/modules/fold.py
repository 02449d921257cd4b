"""Fold and Unfold: sliding local blocks <-> image (torch.nn.modules.fold)."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    r"""Combines sliding local blocks into a large tensor, summing overlaps (col2im).

    Args:
        output_size (int or tuple): spatial size of the output; kernel_size, dilation, padding, stride (int or tuple)

    Shape:
        - Input: :math:`(N, C \prod k, L)` or :math:`(C \prod k, L)`; Output: :math:`(N, C, *\text{output\_size})`
    """

    __constants__ = ["output_size", "kernel_size", "dilation", "padding", "stride"]

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return ("output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, padding={padding}, "
                "stride={stride}".format(**self.__dict__))


class Unfold(Module):
    r"""Extracts sliding local blocks from a batched input (im2col).

    Args:
        kernel_size, dilation, padding, stride (int or tuple)

    Shape:
        - Input: :math:`(N, C, H, W)`; Output: :math:`(N, C \prod k, L)`, L the number of blocks
    """

    __constants__ = ["kernel_size", "dilation", "padding", "stride"]

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return ("kernel_size={kernel_size}, dilation={dilation}, padding={padding}, "
                "stride={stride}".format(**self.__dict__))
