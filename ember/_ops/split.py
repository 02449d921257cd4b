"""Splitting along a dim (split, chunk, tensor_split, hsplit/vsplit/dsplit) and view(dtype) byte reinterpretation."""
from __future__ import annotations

import builtins

from .. import _dtype
from ._base import Tensor, _make, np, scalar_name, wrap_dim, xp
from .shape import dim_alias

__all__ = ["split", "split_with_sizes", "chunk", "tensor_split", "hsplit", "vsplit", "dsplit"]


def _is_int(v) -> bool:
    return isinstance(v, (builtins.int, np.integer)) and not isinstance(v, builtins.bool)


def split(tensor, split_size_or_sections, dim=0):
    """Split into chunks of a given size (or a list of sizes) along `dim`."""
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if _is_int(split_size_or_sections):
        s = builtins.int(split_size_or_sections)
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if s == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if n else [0]
    else:
        sizes = [builtins.int(s) for s in split_size_or_sections]
        if builtins.any(s < 0 for s in sizes) or builtins.sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    pre = (slice(None),) * d
    for s in sizes:
        out.append(tensor[pre + (slice(start, start + s),)])
        start += s
    return tuple(out)


def split_with_sizes(tensor, split_sizes, dim=0):
    return split(tensor, list(split_sizes), dim)


def chunk(input, chunks, dim=0, *, axis=None):
    """`chunks` pieces of equal size (the last may be smaller, and there may be fewer)."""
    if axis is not None:  # numpy-style alias
        dim = dim_alias("chunk", dim, axis, 0)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        return split(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


def tensor_split(input, indices_or_sections, dim=0, *, axis=None):
    """`k` nearly equal pieces, or pieces cut at the given indices."""
    if axis is not None:  # numpy-style alias
        dim = dim_alias("tensor_split", dim, axis, 0)
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype.kind not in "iu" or ios._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{scalar_name(ios._data)}" if ios._data.ndim <= 1 else
                               "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {ios._data.ndim} dims")
        ios = ios.item() if ios._data.ndim == 0 else ios.tolist()
    if _is_int(ios):
        k = builtins.int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    elif isinstance(ios, (list, tuple)):
        idx = [0] + [builtins.min(builtins.max(builtins.int(i) + (n if i < 0 else 0), 0), n) for i in ios] + [n]
        sizes = [builtins.max(b - a, 0) for a, b in zip(idx, idx[1:])]
        starts = idx[:-1]
        pre = (slice(None),) * d
        return tuple(input[pre + (slice(a, a + s),)] for a, s in zip(starts, sizes))
    else:
        raise TypeError(f"tensor_split(): received an invalid combination of arguments - got "
                        f"({type(ios).__name__})")
    return split(input, sizes, d)


def _dir_split(name, min_dim, dim):
    def op(input, indices_or_sections):
        nd = input._data.ndim
        if nd < min_dim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor "
                               f"with {nd} dimensions!")
        d = 0 if (name == "hsplit" and nd == 1) else dim
        if _is_int(indices_or_sections):
            n = input._data.shape[d]
            k = builtins.int(indices_or_sections)
            if k == 0 or n % k:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the "
                                   f"dimension {n} is not divisible by the split_size {k}!")
        return tensor_split(input, indices_or_sections, d)
    op.__name__ = name
    op.__doc__ = f"tensor_split along dim {dim} with numpy's `{name}` rules."
    return op


hsplit, vsplit, dsplit = _dir_split("hsplit", 1, 1), _dir_split("vsplit", 2, 0), _dir_split("dsplit", 3, 2)


def view_dtype(input, dt):
    """Reinterpret the tensor's memory as `dt` (torch's rules for differing element sizes); not differentiable."""
    a = input._data
    nd = _dtype.to_np(dt)
    if nd == a.dtype:
        return input.view(input.shape)
    src, dst = scalar_name(a), scalar_name(nd)
    if nd.itemsize != a.itemsize:
        what = f"to view {src} as {dst} (different element sizes)"
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        st = [s // a.itemsize for s in a.strides]
        if a.size and a.shape[-1] != 1 and st[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {st[-1]}")
        ratio = nd.itemsize // a.itemsize
        if ratio > 1:
            if a.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {a.shape[-1]}")
            for i, s in enumerate(st[:-1]):
                if s % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} {what}, but got {s}")
        if a.size and a.shape[-1] == 1 and st[-1] != 1:  # numpy wants a contiguous last axis
            a = xp(a).lib.stride_tricks.as_strided(a, a.shape, a.strides[:-1] + (a.itemsize,))
    out = a.reshape(1).view(nd).reshape(()) if a.ndim == 0 else a.view(nd)
    res = _make(out)
    res._base = input if input._base is None else input._base
    res._vc = input._vc
    return res


Tensor.hsplit, Tensor.vsplit, Tensor.dsplit = hsplit, vsplit, dsplit
