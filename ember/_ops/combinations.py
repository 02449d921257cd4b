"""Products and combinations of 1-D tensors: cartesian_prod and combinations (differentiable via indexing)."""
from __future__ import annotations

import itertools

from ._base import Tensor, _make, np
from .shape import meshgrid, stack

__all__ = ["cartesian_prod", "combinations"]


def _check_1d(t: Tensor) -> None:
    if t.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """All tuples of one element from each 1-D tensor, as rows of a (prod(n_i), k) tensor (itertools.product)."""
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        _check_1d(t)
    if len(tensors) == 1:
        return tensors[0]
    if len({t.dtype for t in tensors}) != 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """All length-`r` combinations of the elements of a 1-D tensor, as rows (itertools.combinations order)."""
    _check_1d(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty(0)
    n = input.shape[0]
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(n), r)), dtype=np.int64).reshape(-1, r)
    return input[_make(idx.reshape(-1))].reshape(-1, r)
