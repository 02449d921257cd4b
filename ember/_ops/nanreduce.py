"""NaN-aware reductions: nansum, nanmean, median (NaN propagates) and nanmedian (NaN ignored), cummax/cummin."""
from __future__ import annotations

from .reduce import _acc_dtype, _axis, _expand_back, return_types
from .shape import dim_alias, np_aliases
from ._base import Node, Tensor, _make, dims_of, np, scalar_name, wrap_dim, xp

__all__ = ["nansum", "nanmean", "median", "nanmedian", "cummax", "cummin"]


class NansumBackward0(Node):
    save = (0,)

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        return xp(a).nansum(a, axis=_axis(dims, a.ndim), keepdims=keepdim, dtype=dtype)

    def backward(self, g):
        (x,) = self.saved_tensors
        return _expand_back(g, self.shape, self.dims, self.keepdim) * x.isnan().logical_not()  # inf*0: NaN, as torch


def _dims(input, dim):
    if dim is not None and not isinstance(dim, int) and len(dim) == 0:
        dim = None
    dims = dims_of(dim, input._data.ndim)
    if dim is not None and not isinstance(dim, int) and len(dims) != len(dim):
        raise RuntimeError("dim appears multiple times in the list of dims")
    return dims


def nansum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Sum treating NaN as zero."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("nansum", dim, keepdim, axis, keepdims)
    dims = _dims(input, dim) if input._data.ndim else ()
    return NansumBackward0.apply(input, dims, keepdim, _acc_dtype(input, dtype))


def nanmean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Mean over the non-NaN entries."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("nanmean", dim, keepdim, axis, keepdims)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{scalar_name(input._data)}")
    if dtype is not None:
        input = input.to(dtype)
    dims = _dims(input, dim)
    return nansum(input, dims, keepdim) / input.isnan().logical_not().sum(dims, keepdim)


def _median(input, dim, keepdim, skip_nan, rt):
    a = input._data
    m = xp(a)
    if dim is None:
        if a.size == 0:
            return _make(m.full((), np.nan, a.dtype))
        return _median(input.reshape(-1), 0, False, skip_nan, rt).values
    if a.ndim == 0:
        return rt(input.clone(), _make(m.zeros((), np.int64)))
    d = wrap_dim(dim, a.ndim)
    n = a.shape[d]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    order = m.argsort(a, axis=d, kind="stable")  # NaN sorts last
    kshape = a.shape[:d] + (1,) + a.shape[d + 1:]
    isn = m.isnan(a) if a.dtype.kind == "f" else None
    if isn is not None and skip_nan:
        k = m.maximum((n - isn.sum(axis=d, keepdims=True) - 1) // 2, 0)
    else:
        k = m.full(kshape, (n - 1) // 2)
    idx = m.take_along_axis(order, k, axis=d)
    if isn is not None and not skip_nan:
        idx = m.where(isn.any(axis=d, keepdims=True), isn.argmax(axis=d, keepdims=True), idx)
    idx = _make(idx.astype(np.int64, copy=False))
    vals = input.gather(d, idx)
    if not keepdim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    return rt(vals, idx)


def median(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Lower median; NaN propagates (the index is the first NaN's), with indices when `dim` is given."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("median", dim, keepdim, axis, keepdims)
    return _median(input, dim, keepdim, False, return_types.median)


def nanmedian(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Lower median of the non-NaN entries (NaN only where a slice is all NaN)."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("nanmedian", dim, keepdim, axis, keepdims)
    return _median(input, dim, keepdim, True, return_types.nanmedian)


def _cum_extreme(input, dim, ufunc, rt):
    a = input._data
    m = xp(a)
    if a.ndim == 0:
        return rt(input.clone(), _make(m.zeros((), np.int64)))
    d = wrap_dim(dim, a.ndim)
    if a.size == 0:
        return rt(input.clone(), _make(m.zeros(a.shape, np.int64)))
    ar = m.arange(a.shape[d]).reshape((-1,) + (1,) * (a.ndim - d - 1))
    vals = ufunc.accumulate(a, axis=d)  # numpy's maximum/minimum propagate NaN, as torch does
    idx = m.maximum.accumulate(m.where(a == vals, ar, 0), axis=d)  # ties: the last occurrence
    if a.dtype.kind == "f":  # once a NaN is seen the value stays NaN; the index follows the latest NaN
        last = m.maximum.accumulate(m.where(m.isnan(a), ar, -1), axis=d)
        idx = m.where(last >= 0, last, idx)
    idx = _make(idx.astype(np.int64, copy=False))
    return rt(input.gather(d, idx), idx)


def cummax(input, dim=None, *, axis=None):
    """Running maximum along `dim` with the index where it was reached (NaN propagates)."""
    if dim is None or axis is not None:  # numpy-style alias
        dim = dim_alias("cummax", dim, axis)
    return _cum_extreme(input, dim, xp(input._data).maximum, return_types.cummax)


def cummin(input, dim=None, *, axis=None):
    """Running minimum along `dim` with the index where it was reached (NaN propagates)."""
    if dim is None or axis is not None:  # numpy-style alias
        dim = dim_alias("cummin", dim, axis)
    return _cum_extreme(input, dim, xp(input._data).minimum, return_types.cummin)


Tensor.nansum, Tensor.nanmean, Tensor.median, Tensor.nanmedian = nansum, nanmean, median, nanmedian
Tensor.cummax, Tensor.cummin = cummax, cummin
