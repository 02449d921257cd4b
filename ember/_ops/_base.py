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
__all__ = ["np", "Node", "Tensor", "_make", "xp", "wrap_dim", "dims_of", "binary_operands",
           "check_device"]


def xp(a):
    """The array module of backend array `a`."""
    return np if type(a) is _nd else xp_of(a)


wrap_dim = _wrap_dim


def dims_of(dim, ndim: int) -> tuple:
    """Normalise `dim` (None, int, or sequence) to a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (builtins.int, np.integer)):
        d = _wrap_dim(builtins.int(dim), ndim)
        return (d,) if ndim else ()  # a 0-d tensor accepts dim 0 / -1: reducing it reduces nothing
    dims = [_wrap_dim(d, ndim) for d in dim]
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {next(d for d in dims if dims.count(d) > 1)} appears multiple times in the list "
                           "of dims")
    return tuple(sorted(dims)) if ndim else ()


def _py(x):
    return x.item() if isinstance(x, np.generic) else x


def check_device(a: Tensor, b: Tensor):
    if type(a._data) is not type(b._data) or (type(a._data) is not _nd and a.device != b.device):
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{a.device} and {b.device}!")


def binary_operands(a, b):
    """(a, b) ready for a binary op under torch's type promotion.

    Tensors are cast to the result dtype where needed; Python scalars stay Python numbers, which numpy treats as
    weak (as torch does), so `float32_tensor * 2.5` stays float32 while `int_tensor * 2.5` becomes the default float.
    """
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype == b._data.dtype and type(a._data) is type(b._data):
                return a, b
            return _promote_tensors(a, b)
        tb = type(b)
        if (tb is builtins.float or tb is builtins.int) and a._data.dtype.kind == "f":  # the common `x * 2`
            return a, b
        if _needs_cast(a, b) is None:
            return a, _py(b)
        return _cast_for(a, b)
    if isinstance(b, Tensor):
        if _needs_cast(b, a) is None:
            return _py(a), b
        t, s = _cast_for(b, a)
        return s, t
    raise TypeError(f"unsupported operand types: {type(a).__name__} and {type(b).__name__}")


def _needs_cast(t: Tensor, s):
    """The dtype `t` must be cast to when combined with scalar `s` (None when it keeps its dtype)."""
    tp = type(s)
    if tp is builtins.float or tp is np.float64 or tp is np.float32 or tp is np.float16:
        return _dtype.get_default_dtype() if t._data.dtype.kind in "biu" else None
    if tp is builtins.int or isinstance(s, np.integer):
        return _dtype.int64 if t._data.dtype.kind == "b" else None
    if tp is builtins.bool or tp is np.bool_:
        return None
    if isinstance(s, numbers.Number):
        if isinstance(s, complex):
            raise TypeError("complex tensors are not supported by ember")
        return None
    raise TypeError(f"unsupported operand type for a tensor op: '{tp.__name__}'")


def _cast_for(t: Tensor, s):
    dt = _needs_cast(t, s)
    return (t if dt is None else t.to(dt)), _py(s)


def _promote_tensors(a: Tensor, b: Tensor):
    if type(a._data) is not type(b._data):
        check_device(a, b)
    ea, eb = _dtype.from_np(a._data.dtype), _dtype.from_np(b._data.dtype)
    if ea is eb:
        return a, b
    za, zb = a._data.ndim == 0, b._data.ndim == 0
    dims = [d for d, z in ((ea, za), (eb, zb)) if not z]
    zeros = [d for d, z in ((ea, za), (eb, zb)) if z]
    rt = _dtype.result_type(dims, zeros, [])
    return (a if ea is rt else a.to(rt)), (b if eb is rt else b.to(rt))


_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                 "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}


def scalar_name(arr_or_dtype) -> str:
    """torch's C++ scalar-type name ('Float', 'Long', ...) of an array or numpy dtype, for error messages."""
    dt = getattr(arr_or_dtype, "dtype", arr_or_dtype)
    name = _dtype.from_np(dt).name if not isinstance(dt, _dtype.dtype) else dt.name
    return _SCALAR_NAMES.get(name, name)


def not_implemented(kernel: str, arr) -> NotImplementedError:
    """torch's error for a kernel that has no version for this dtype."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_name(arr)}'")
