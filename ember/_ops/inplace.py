"""In-place ops (`x.add_(y)`, `x[i] = v`, ...): write into the tensor's memory, bump its version, and keep
autograd correct by giving the tensor the history of the out-of-place result."""
from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import grad_enabled, no_grad
from ._base import Tensor, _make, check_device, xp

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
               "location. Please clone() the tensor before performing the operation.")


PARTIAL_MSG = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
               "memory location. Please clone() the tensor before performing the operation.")


def check_partial_overlap(dst, src):
    """RuntimeError like torch when `src` (read) and `dst` (written) share memory without being the same view."""
    if src is dst or not hasattr(src, "base"):
        return
    if (dst if dst.base is None else dst.base) is not (src if src.base is None else src.base):
        return  # different owners: no shared memory (the common case, decided without a bounds test)
    if src.shape == dst.shape and src.strides == dst.strides and \
            src.__array_interface__["data"][0] == dst.__array_interface__["data"][0]:
        return
    if xp(dst).may_share_memory(dst, src):
        raise RuntimeError(PARTIAL_MSG)


def check_overlap(arr):
    """RuntimeError like torch when several elements of `arr` share one memory location (an expanded tensor)."""
    if not arr.flags.writeable:
        raise RuntimeError(OVERLAP_MSG)
    st = arr.strides
    if 0 in st:
        for s, n in zip(st, arr.shape):
            if s == 0 and n > 1:
                raise RuntimeError(OVERLAP_MSG)


def needs_graph(self: Tensor, *args) -> bool:
    """Whether an in-place op on `self` with `args` must be recorded by autograd."""
    if not grad_enabled():
        return False
    return self._rg or any(isinstance(a, Tensor) and a._rg for a in args)


def _write(self: Tensor, arr, fill=False):
    """Copy `arr` into self's memory with torch's shape and cast checks (`fill`: a constant fill, which torch
    allows on expanded memory)."""
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
    if not fill:
        check_overlap(dst)
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


def inplace(self: Tensor, fn, *args, _fill=False, **kwargs) -> Tensor:
    """Apply out-of-place `fn(self, *args)` and store the result into self, recording history when needed."""
    for a in args:
        if isinstance(a, Tensor):
            check_device(self, a)
            check_partial_overlap(self._data, a._data)
    if not needs_graph(self, *args):
        with no_grad():
            r = fn(self, *args, **kwargs)
        _write(self, r._data, _fill)
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
    _write(self, r._data, _fill)
    self._vc[0] += 1
    self._grad_fn, self._rg = r._grad_fn, r._rg
    return self


def _fast(ufunc_name):
    """In-place arithmetic with a no-graph fast path straight into the array."""
    def op(self, other, *, alpha=1):
        if not needs_graph(self, other):
            dst = self._data
            if 0 in dst.strides:
                check_overlap(dst)
            o = other._data if isinstance(other, Tensor) else other
            if isinstance(other, Tensor):
                check_device(self, other)
                check_partial_overlap(dst, o)
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
        raise RuntimeError(OVERLAP_MSG) from None
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
    check_partial_overlap(self._data, src._data)
    if not needs_graph(self, src):
        from .._backend import to_device
        arr = src._data if type(src._data) is type(self._data) else to_device(src._data, self.device)
        _write(self, arr if arr.dtype == self._data.dtype else arr.astype(self._data.dtype))
        self._vc[0] += 1
        return self
    dt, dev = self.dtype, self.device
    return inplace(self, lambda s, v: v.to(dtype=dt, device=dev).expand(s.shape), src)


def make_inplace(fn, fill=False):
    """`x.op_(...)` from out-of-place `op` (`fill`: writes constants, allowed on expanded memory as in torch)."""
    def op(self, *args, **kwargs):
        return inplace(self, fn, *args, _fill=fill, **kwargs)
    op.__name__ = fn.__name__ + "_"
    return op


def write_out(out, res, name: str):
    """Store op result `res` into `out=` like torch: cast and shape checks, resize, copy in place, bump version."""
    if isinstance(res, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(res):
            raise TypeError(f"{name}(): argument 'out' must be tuple of {len(res)} Tensors")
        for o, r in zip(out, res):
            write_out(o, r, name)
        return type(res)(*out) if hasattr(res, "_fields") else tuple(out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_enabled() and (res._rg or out._rg):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    check_device(out, res)
    arr, dst = res._data, out._data
    if arr.dtype != dst.dtype and not np.can_cast(arr.dtype, dst.dtype, "same_kind"):
        names = {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}
        raise RuntimeError(f"result type {names.get(arr.dtype.kind, arr.dtype.name)} can't be cast to the desired "
                           f"output type {names.get(dst.dtype.kind, dst.dtype.name)}")
    if arr.shape != dst.shape:
        if dst.size:
            import warnings
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(dst.shape)}, "
                          f"which does not match the required output shape {list(arr.shape)}. This behavior is "
                          "deprecated, and in a future PyTorch release outputs will not be resized unless they have "
                          "zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
                          "elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._data = xp(arr).empty(arr.shape, dst.dtype)
        dst = out._data
    check_overlap(dst)
    xp(dst).copyto(dst, arr, casting="unsafe")
    out._vc[0] += 1
    return out


_EXACT_DTYPE = {"mm", "bmm", "matmul", "mv", "dot", "addmm", "argmax", "argmin", "all", "any"}


def _tensors_in(args):
    for a in args:
        if isinstance(a, Tensor):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from (t for t in a if isinstance(t, Tensor))


def with_out(fn, name=None, creation=False):
    """`fn` taking torch's `out=` keyword: compute, then store the result into `out` (see write_out).
    `creation`: a factory (zeros, arange, ...) that takes its dtype from `out` unless one is given."""
    name = name or fn.__name__.rstrip("_")

    def op(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if creation and isinstance(out, Tensor):
            dt = kwargs.setdefault("dtype", out.dtype)
            if dt is not None and dt is not out.dtype:
                raise RuntimeError(f"dtype {dt} does not match dtype of out parameter ({out.dtype})")
        res = fn(*args, **kwargs)
        for o in (out if isinstance(out, (tuple, list)) else (out,)):
            if isinstance(o, Tensor):
                for t in _tensors_in(args):
                    check_partial_overlap(o._data, t._data)
                if name in _EXACT_DTYPE and isinstance(res, Tensor) and o._data.dtype != res._data.dtype:
                    raise RuntimeError(f"{name}(): expected out tensor to have dtype {res.dtype}, but got "
                                       f"{o.dtype} instead")
        return write_out(out, res, name)
    op.__name__, op.__qualname__, op.__doc__, op.__wrapped__ = fn.__name__, fn.__qualname__, fn.__doc__, fn
    return op
