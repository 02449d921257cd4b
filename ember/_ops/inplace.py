"""In-place ops (`x.add_(y)`, `x[i] = v`, ...): write into the tensor's memory, bump its version, and keep
autograd correct by giving the tensor the history of the out-of-place result."""
from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import grad_enabled, no_grad
from ._base import Tensor, _make, check_device, xp

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."


def needs_graph(self: Tensor, *args) -> bool:
    """Whether an in-place op on `self` with `args` must be recorded by autograd."""
    if not grad_enabled():
        return False
    return self._rg or any(isinstance(a, Tensor) and a._rg for a in args)


def _write(self: Tensor, arr):
    """Copy `arr` into self's memory with torch's shape and cast checks."""
    dst = self._data
    if arr.shape != dst.shape:
        try:
            shape = np.broadcast_shapes(arr.shape, dst.shape)
        except ValueError:
            shape = None
        if shape != dst.shape:
            raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast shape "
                               f"{list(shape or arr.shape)}")
    if arr.dtype != dst.dtype and not np.can_cast(arr.dtype, dst.dtype, "same_kind"):
        names = {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}
        raise RuntimeError(f"result type {names.get(arr.dtype.kind, arr.dtype.name)} can't be cast to the desired "
                           f"output type {names.get(dst.dtype.kind, dst.dtype.name)}")
    if not dst.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                           "memory location. Please clone() the tensor before performing the operation.")
    xp(dst).copyto(dst, arr, casting="unsafe")


def write_nograd(self: Tensor, arr) -> Tensor:
    """Overwrite self's values without autograd (random fills, zero_, fill_)."""
    if grad_enabled() and self._rg and self._grad_fn is None:
        raise RuntimeError(LEAF_MSG)
    m = xp(self._data)
    if not isinstance(arr, type(self._data)):
        arr = m.asarray(arr)
    _write(self, arr.astype(self._data.dtype, copy=False) if arr.dtype != self._data.dtype else arr)
    self._vc[0] += 1
    return self


def inplace(self: Tensor, fn, *args, **kwargs) -> Tensor:
    """Apply out-of-place `fn(self, *args)` and store the result into self, recording history when needed."""
    for a in args:
        if isinstance(a, Tensor):
            check_device(self, a)
    if not needs_graph(self, *args):
        with no_grad():
            r = fn(self, *args, **kwargs)
        _write(self, r._data)
        self._vc[0] += 1
        return self
    if self._rg and self._grad_fn is None:
        raise RuntimeError(LEAF_MSG)
    if self._base is not None:
        raise RuntimeError("a view of a tensor is being modified in-place while autograd records: ember does not "
                           "support in-place ops on views inside a graph yet. Use the out-of-place op (e.g. "
                           "`y = y.index_put(...)`, `torch.cat`) or clone() the view first.")
    snap = _make(self._data.copy(), self._grad_fn)  # the value before the write, with its history
    snap._rg = self._rg
    r = fn(snap, *args, **kwargs)
    _write(self, r._data)
    self._vc[0] += 1
    self._grad_fn, self._rg = r._grad_fn, r._rg
    return self


def _fast(ufunc_name):
    """In-place arithmetic with a no-graph fast path straight into the array."""
    def op(self, other, *, alpha=1):
        if not needs_graph(self, other):
            dst = self._data
            o = other._data if isinstance(other, Tensor) else other
            if isinstance(other, Tensor):
                check_device(self, other)
            if alpha != 1:
                o = o * alpha
            try:
                getattr(xp(dst), ufunc_name)(dst, o, out=dst, casting="same_kind")
            except (TypeError, ValueError) as e:
                _raise_inplace(self, o, e)
            self._vc[0] += 1
            return self
        from . import elementwise as E
        f = {"add": E.add, "subtract": E.sub, "multiply": E.mul, "true_divide": E.div}[ufunc_name]
        if alpha != 1:
            return inplace(self, lambda s, o: f(s, o, alpha=alpha), other)
        return inplace(self, f, other)
    op.__name__ = {"add": "add_", "subtract": "sub_", "multiply": "mul_", "true_divide": "div_"}[ufunc_name]
    return op


def _raise_inplace(self, o, e):
    dst = self._data
    if not dst.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                           "memory location. Please clone() the tensor before performing the operation.") from None
    shp = getattr(o, "shape", ())
    b = _bc(shp, dst.shape)
    if b != dst.shape:
        raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast shape "
                           f"{list(b or shp)}") from None
    names = {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}
    src = names.get(np.result_type(o).kind if not hasattr(o, "dtype") else o.dtype.kind, "?")
    raise RuntimeError(f"result type {src} can't be cast to the desired output type "
                       f"{names.get(dst.dtype.kind, dst.dtype.name)}") from None


def _bc(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None


add_, sub_, mul_ = _fast("add"), _fast("subtract"), _fast("multiply")
_div_fast = _fast("true_divide")


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is None and self._data.dtype.kind == "f":
        return _div_fast(self, other)
    from .elementwise import div
    return inplace(self, lambda s, o: div(s, o, rounding_mode=rounding_mode), other)


def zero_(self):
    if grad_enabled() and self._rg and self._grad_fn is None:
        raise RuntimeError(LEAF_MSG)
    self._data[...] = 0
    self._vc[0] += 1
    return self


def fill_(self, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if needs_graph(self, value):
            return inplace(self, lambda s, v: (s * 0 + v.to(s.dtype)), value)
        value = value.item()
    if grad_enabled() and self._rg and self._grad_fn is None:
        raise RuntimeError(LEAF_MSG)
    if grad_enabled() and self._rg:
        return inplace(self, lambda s: s * 0 + value)
    self._data[...] = value
    self._vc[0] += 1
    return self


def copy_(self, src, non_blocking=False):
    """Copy `src` (broadcast, any dtype/device) into self."""
    if not isinstance(src, Tensor):
        raise TypeError("copy_(): argument 'src' must be Tensor")
    if not needs_graph(self, src):
        from .._backend import to_device
        arr = src._data if type(src._data) is type(self._data) else to_device(src._data, self.device)
        _write(self, arr if arr.dtype == self._data.dtype else arr.astype(self._data.dtype))
        self._vc[0] += 1
        return self
    dt, dev = self.dtype, self.device
    return inplace(self, lambda s, v: v.to(dtype=dt, device=dev).expand(s.shape), src)


def make_inplace(fn):
    """`x.op_(...)` from out-of-place `op`."""
    def op(self, *args, **kwargs):
        return inplace(self, fn, *args, **kwargs)
    op.__name__ = fn.__name__ + "_"
    return op
