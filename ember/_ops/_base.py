"""Shared pieces for op definitions: array-module lookup, scalar handling, dtype promotion, dims."""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from .. import _dtype
from .._backend import xp_of
from .._tensor import Tensor, _make, _wrap_dim
from ..autograd.graph import Node

_nd = np.ndarray
__all__ = ["np", "Node", "Tensor", "_make", "xp", "wrap_dim", "dims_of", "is_scalar", "promote_pair",
           "check_device", "as_tensor_like"]


def xp(a):
    """The array module of backend array `a`."""
    return np if type(a) is _nd else xp_of(a)


wrap_dim = _wrap_dim


def dims_of(dim, ndim: int) -> tuple:
    """Normalise `dim` (None, int, or sequence) to a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (builtins.int, np.integer)):
        return (_wrap_dim(builtins.int(dim), ndim),)
    return tuple(sorted({_wrap_dim(d, ndim) for d in dim}))


def is_scalar(x) -> bool:
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, Tensor)


def _py(x):
    return x.item() if isinstance(x, np.generic) else x


def check_device(a: Tensor, b: Tensor):
    if type(a._data) is not type(b._data) or (type(a._data) is not _nd and a.device != b.device):
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{a.device} and {b.device}!")


def promote_pair(a, b):
    """Apply torch's type promotion to a binary op's operands (tensors and/or Python scalars).

    Returns (a, b) with tensors cast to the result dtype where needed; scalars stay Python numbers
    (numpy treats them as weak, as torch does).
    """
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        da, db = a._data.dtype, b._data.dtype
        if type(a._data) is not type(b._data):
            check_device(a, b)
        if da is db or da == db:
            return a, b
        ea, eb = _dtype.from_np(da), _dtype.from_np(db)
        za, zb = a._data.ndim == 0, b._data.ndim == 0
        dims = [d for d, z in ((ea, za), (eb, zb)) if not z]
        zeros = [d for d, z in ((ea, za), (eb, zb)) if z]
        rt = _dtype.result_type(dims, zeros, [])
        return (a if ea is rt else a.to(rt)), (b if eb is rt else b.to(rt))
    if ta:
        return a, _scalar_for(a, _py(b))[1]
    if tb:
        return _scalar_for(b, _py(a))[1], b
    raise TypeError("expected at least one tensor operand")


def _scalar_for(t: Tensor, s):
    """Cast tensor `t` if the Python scalar `s` belongs to a higher category; return (t, s)."""
    kind = t._data.dtype.kind
    if isinstance(s, builtins.bool):
        return t, s
    if isinstance(s, builtins.int):
        if kind == "b":
            raise _Recast(_dtype.int64)
        return t, s
    if isinstance(s, builtins.float):
        if kind in "biu":
            raise _Recast(_dtype.get_default_dtype())
        return t, s
    if isinstance(s, complex):
        raise TypeError("complex tensors are not supported by ember")
    raise TypeError(f"unsupported operand type: {type(s).__name__}")


class _Recast(Exception):
    def __init__(self, dt):
        self.dt = dt


def binary_operands(a, b):
    """(a, b) ready for a binary op: tensors promoted, scalars as Python numbers."""
    try:
        return promote_pair(a, b)
    except _Recast as r:
        if isinstance(a, Tensor):
            return a.to(r.dt), _py(b)
        return _py(a), b.to(r.dt)


def as_tensor_like(x, ref: Tensor) -> Tensor:
    """Wrap a scalar/array-like as a tensor on `ref`'s device (dtype from torch's scalar rules)."""
    if isinstance(x, Tensor):
        return x
    m = xp(ref._data)
    if is_scalar(x):
        x = _py(x)
        return _make(m.asarray(x, dtype=_dtype.scalar_dtype(x).np))
    return _make(m.asarray(x))
