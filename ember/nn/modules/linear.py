"""Identity, Linear, Bilinear and LazyLinear."""
from __future__ import annotations

import math
from typing import Any

from ..._ops import creation as _c
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter, UninitializedParameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear"]


class Identity(Module):
    r"""A placeholder that returns its input unchanged (constructor arguments are ignored).

    Shape:
        - Input: :math:`(*)`; Output: :math:`(*)`, the same tensor.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    r"""Applies :math:`y = xA^T + b`.

    Args:
        in_features: size of each input sample
        out_features: size of each output sample
        bias: if ``False``, the layer learns no additive bias. Default: ``True``

    Shape:
        - Input: :math:`(*, H_{in})`; Output: :math:`(*, H_{out})`.

    Both ``weight`` (out_features, in_features) and ``bias`` start from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`,
    :math:`k = 1/\text{in\_features}`.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_c.empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(_c.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init._linear_default_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    r"""Applies :math:`y = x_1^T A x_2 + b`.

    Args:
        in1_features, in2_features: sizes of the two inputs' last dims
        out_features: size of each output sample
        bias: if ``False``, no additive bias. Default: ``True``

    Shape:
        - Input1: :math:`(*, H_{in1})`, Input2: :math:`(*, H_{in2})`; Output: :math:`(*, H_{out})`.

    ``weight`` (out, in1, in2) and ``bias`` start from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`, :math:`k = 1/in1`.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(_c.empty((out_features, in1_features, in2_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(_c.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.in1_features <= 0:
            raise ValueError(f"in1_features must be > 0, but got (in1_features={self.in1_features})")
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(Linear):
    r"""A :class:`Linear` whose ``in_features`` is inferred from the first input's last dim.

    Until the first forward, ``weight`` and ``bias`` are empty ``UninitializedParameter``\ s; the first call
    materialises them (same initialisation as Linear) and the module becomes a plain :class:`Linear`.
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False, device, dtype)
        self._factory = {"device": device, "dtype": dtype}
        self.weight = UninitializedParameter(_c.empty(0, **self._factory))
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(_c.empty(0, **self._factory))

    def has_uninitialized_params(self) -> bool:
        return any(isinstance(p, UninitializedParameter) for p in self._parameters.values() if p is not None)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        """Create weight (out, in) and bias (out,) from the input's last dim and initialise them."""
        if self.has_uninitialized_params():
            self.in_features = input.shape[-1]
            self.weight = Parameter(_c.empty((self.out_features, self.in_features), **self._factory))
            if self.bias is not None:
                self.bias = Parameter(_c.empty(self.out_features, **self._factory))
            self.reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        if self.has_uninitialized_params():
            self.initialize_parameters(input)
            del self._factory
            self.__class__ = self.cls_to_become
        return F.linear(input, self.weight, self.bias)
