"""Flatten and Unflatten."""
from __future__ import annotations

from ..._tensor import Tensor
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    r"""Flattens dims ``start_dim`` .. ``end_dim`` into one (for use in :class:`Sequential`).

    Shape:
        - Input: :math:`(*, S_{start}, ..., S_{end}, *)`; Output: :math:`(*, \prod S, *)`.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    r"""Expands dim ``dim`` into ``unflattened_size``.

    Shape:
        - Input: :math:`(*, S_{dim}, *)`; Output: :math:`(*, U_1, ..., U_n, *)` with :math:`\prod U_i = S_{dim}`.
    """

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for i, e in enumerate(unflattened_size):
            if not isinstance(e, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of type "
                                f"{type(e).__name__} at pos {i}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
