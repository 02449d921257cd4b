"""Indexing ops: __getitem__/__setitem__, index_select, gather/scatter, masked ops, sort/topk, unique, bincount."""
from __future__ import annotations

import builtins
import math
import numbers

from .._backend import scatter_add as _scatter_add
from ._base import Node, Tensor, _make, check_device, not_implemented, np, scalar_name as _sname, wrap_dim, xp
from .reduce import return_types
from .shape import dim_alias, np_aliases

_BASIC = (builtins.int, slice, type(None), type(Ellipsis), builtins.bool)


def _to_index(i, m):
    """One index element as numpy/cupy understands it, with torch's meaning."""
    if isinstance(i, Tensor):
        a = i._data
        if a.dtype.kind == "u" and a.dtype.itemsize == 1:
            return a.astype(bool)
        if a.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a
    if isinstance(i, np.integer):
        return builtins.int(i)
    if isinstance(i, slice):
        f = lambda v: v.__index__() if v is not None else None  # noqa: E731
        return slice(f(i.start), f(i.stop), f(i.step))
    if isinstance(i, (list, tuple)):
        a = m.asarray([x.item() if isinstance(x, Tensor) else x for x in i]) if i else m.zeros(0, np.int64)
        if a.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a
    if isinstance(i, (str, bytes, float)):
        raise TypeError(f"new(): invalid data type '{type(i).__name__}'") if not isinstance(i, float) else \
            IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                       "indices (got float)")
    return i


def convert_index(idx, m):
    """(index tuple for the array module, basic?)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = tuple(_to_index(i, m) for i in idx)
    basic = builtins.all(isinstance(i, _BASIC) for i in out)
    if basic and builtins.any(i is not None and i is not Ellipsis and isinstance(i, slice) and i.step is not None
                              and i.step <= 0 for i in out):
        raise ValueError("step must be greater than zero")
    if basic and Ellipsis not in out:
        out = out + (Ellipsis,)  # keeps a[0] a 0-d view instead of a scalar copy
    return out, basic


class SliceBackward0(Node):
    is_view = True

    @staticmethod
    def forward(ctx, a, idx):
        ctx.shape, ctx.idx = a.shape, idx
        return a[idx]

    def backward(self, g):
        return IndexPutZeros.apply(g, self.shape, self.idx, False)


class SelectBackward0(SliceBackward0):
    pass


class IndexBackward0(Node):
    @staticmethod
    def forward(ctx, a, idx):
        ctx.shape, ctx.idx = a.shape, idx
        return a[idx]

    def backward(self, g):
        return IndexPutZeros.apply(g, self.shape, self.idx, True)


class IndexPutZeros(Node):
    """Scatter `g` into zeros of `shape` at `idx` (the backward of indexing); accumulates repeated indices."""

    @staticmethod
    def forward(ctx, g, shape, idx, accumulate):
        ctx.idx = idx
        m = xp(g)
        out = m.zeros(shape, g.dtype)
        if accumulate:
            _scatter_add(m, out, idx, g)
        else:
            out[idx] = g
        return out

    def backward(self, gg):
        return gg[self.idx]


def getitem(self, idx):
    """Tensor.__getitem__ with torch's basic/advanced indexing semantics."""
    if isinstance(idx, builtins.int) and self._data.ndim:  # fast path: x[i]
        n = self._data.shape[0]
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of bounds for dimension 0 with size {n}")
        return SelectBackward0.apply(self, (idx, Ellipsis))
    m = xp(self._data)
    index, basic = convert_index(idx, m)
    if basic:
        if self._data.ndim == 0 and builtins.any(isinstance(i, (builtins.int, slice)) and not isinstance(i, builtins.bool)
                                                 for i in index):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        cls = SelectBackward0 if builtins.all(isinstance(i, builtins.int) or i is Ellipsis for i in index) \
            else SliceBackward0
        return cls.apply(self, index)
    for i in idx if isinstance(idx, tuple) else (idx,):
        if isinstance(i, Tensor):
            check_device(self, i)
    if builtins.any(type(i) is builtins.int for i in index):
        # torch applies integer indices first (as selects), so they never join the advanced-index broadcast
        first, rest = _split_ints(index)
        return IndexBackward0.apply(SelectBackward0.apply(self, first), rest)
    return IndexBackward0.apply(self, index)


def _split_ints(index):
    """(basic index doing only the integer selects, remaining index on the result)."""
    first, rest = [], []
    for i in index:
        if type(i) is builtins.int:
            first.append(i)
        elif i is None:
            first.append(None)
            rest.append(slice(None))
        elif i is Ellipsis:
            first.append(Ellipsis)
            rest.append(Ellipsis)
        else:
            n = i.ndim if getattr(i, "dtype", None) is not None and i.dtype.kind == "b" else 1
            first.extend([slice(None)] * n)
            rest.append(i)
    if Ellipsis not in first:
        first.append(Ellipsis)
    return tuple(first), tuple(rest)


class IndexPutBackward0(Node):
    """out = a with out[idx] = v."""

    @staticmethod
    def forward(ctx, a, v, idx):
        ctx.idx, ctx.vshape = idx, (v.shape if hasattr(v, "shape") else ())
        out = a.copy()
        out[idx] = v
        return out

    def backward(self, g):
        ga = IndexPutBackward0.apply(g, 0, self.idx) if self.next[0] is not None else None
        gv = g[self.idx].sum_to_size(self.vshape) if self.next[1] is not None else None
        return ga, gv


def setitem(self, idx, value):
    """Tensor.__setitem__: an in-place index_put (recorded by autograd when a value requires grad)."""
    from .inplace import check_overlap, check_partial_overlap, needs_graph, inplace
    m = xp(self._data)
    for t in (idx if isinstance(idx, tuple) else (idx,)):
        if isinstance(t, Tensor) and m.may_share_memory(t._data, self._data):
            raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to tensor "
                               "refer to a single memory location. Please clone() the tensor before performing the "
                               "operation.")
    index, basic = convert_index(idx, m)
    view = self._data[index] if basic else None  # basic indexing: the written-to view
    if view is not None and 0 in view.strides:  # torch refuses a copy that lands twice in one place
        check_overlap(view)
    if isinstance(value, Tensor):
        if view is not None:
            check_partial_overlap(view, value._data)
        elif m.may_share_memory(self._data, value._data):
            raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to tensor "
                               "refer to a single memory location. Please clone() the tensor before performing the "
                               "operation.")
    if not isinstance(value, (Tensor, numbers.Number, np.generic)):
        raise TypeError(f"can't assign a {type(value).__name__} to a ember.{self.type().split('.')[-1]}")
    if isinstance(value, Tensor):
        check_device(self, value)
        if value.dtype is not self.dtype:
            value = value.to(self.dtype)
    if not needs_graph(self, value):
        try:
            self._data[index] = value._data if isinstance(value, Tensor) else value
        except ValueError as e:
            raise RuntimeError(str(e)) from None
        self._vc[0] += 1
        return
    if not isinstance(value, Tensor):
        value = _make(m.asarray(value, dtype=self._data.dtype))
    inplace(self, lambda s, v: IndexPutBackward0.apply(s, v, index), value)


def index_put(input, indices, values, accumulate=False):
    index, _ = convert_index(tuple(indices), xp(input._data))
    if accumulate:
        return input + IndexPutZeros.apply(values.expand(input[indices].shape), input.shape, index, True)
    return IndexPutBackward0.apply(input, values.to(input.dtype), index)


# ---- index_select / gather / scatter ---------------------------------------------------------------------------
def _check_index(index, name):
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")


class IndexSelectBackward0(Node):
    @staticmethod
    def forward(ctx, a, dim, idx):
        ctx.shape, ctx.dim, ctx.idx = a.shape, dim, idx
        return xp(a).take(a, idx, axis=dim) if a.ndim else a[idx]

    def backward(self, g):
        return g.new_zeros(self.shape).index_add(self.dim, _make(self.idx), g)


def _required_index(index, name):
    if index is None:
        raise TypeError(f"{name}() missing 1 required positional argument: 'index'")


def index_select(input, dim=None, index=None, *, axis=None):
    """Rows (or slices along `dim`) picked by a 1-D index."""
    if dim is None or axis is not None:  # numpy-style alias
        dim = dim_alias("index_select", dim, axis)
    _required_index(index, "index_select")
    _check_index(index, "index_select")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = wrap_dim(dim, input._data.ndim)
    idx = index._data.reshape(-1)
    n = input._data.shape[d] if input._data.ndim else 1
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise IndexError("index out of range in self")
    return IndexSelectBackward0.apply(input, d, idx)


class IndexAddBackward0(Node):
    @staticmethod
    def forward(ctx, a, src, dim, idx, alpha):
        ctx.dim, ctx.idx, ctx.alpha = dim, idx, alpha
        out = a.copy()
        _scatter_add(xp(a), out, (slice(None),) * dim + (idx,), src if alpha == 1 else src * alpha)
        return out

    def backward(self, g):
        gs = g.index_select(self.dim, _make(self.idx)) if self.next[1] is not None else None
        if gs is not None and self.alpha != 1:
            gs = gs * self.alpha
        return g, gs


def index_add(input, dim, index, source, *, alpha=1):
    _check_index(index, "index_add")
    d = wrap_dim(dim, input._data.ndim)
    return IndexAddBackward0.apply(input, source.to(input.dtype), d, index._data.reshape(-1), alpha)


def index_copy(input, dim, index, source):
    d = wrap_dim(dim, input._data.ndim)
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_sname(input._data)} and (source) {_sname(source._data)}")
    idx = (slice(None),) * d + (index,)
    return index_put(input, idx, source)


def index_fill(input, dim, index, value):
    d = wrap_dim(dim, input._data.ndim)
    mask = _make(xp(input._data).zeros(input._data.shape[d], bool))
    mask._data[index._data] = True
    shape = [1] * input._data.ndim
    shape[d] = -1
    return masked_fill(input, mask.reshape(shape), value)


def _full_index(m, idx, dim):
    """Coordinate arrays addressing out[..., idx[...], ...] element by element (torch's scatter/gather index)."""
    grids = list(m.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return tuple(grids)


def _gather_checks(input, dim, index, name):
    _check_index(index, name)
    if index._data.ndim != input._data.ndim and not (index._data.ndim <= 1 and input._data.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    d = wrap_dim(dim, input._data.ndim)
    for i, (si, sa) in enumerate(zip(index._data.shape, input._data.shape)):
        if i != d and si > sa:
            raise RuntimeError(f"Size does not match at dimension {i} expected index {list(index.shape)} to be "
                               f"smaller than self {list(input.shape)} apart from dimension {d}")
    n = input._data.shape[d] if input._data.ndim else 1
    a = index._data
    if a.size and (a.max() >= n or a.min() < -n):
        raise RuntimeError(f"index {int(a.max()) if a.max() >= n else int(a.min())} is out of bounds for "
                           f"dimension {d} with size {n}")
    return d


class GatherBackward0(Node):
    @staticmethod
    def forward(ctx, a, dim, idx):
        ctx.shape, ctx.dim, ctx.idx = a.shape, dim, idx
        if a.ndim == 0:
            return a[()] if idx.ndim == 0 else a.reshape(1)[idx]
        return a[_full_index(xp(a), idx, dim)]

    def backward(self, g):
        return g.new_zeros(self.shape).scatter_add(self.dim, _make(self.idx), g)


class SortBackward0(GatherBackward0):
    pass


def gather(input, dim=None, index=None, *, sparse_grad=False, axis=None):
    """out[i][j] = input[index[i][j]][j] (for dim 0), and so on."""
    if dim is None or axis is not None:  # numpy-style alias
        dim = dim_alias("gather", dim, axis)
    _required_index(index, "gather")
    d = _gather_checks(input, dim, index, "gather")
    return GatherBackward0.apply(input, d, index._data)


class ScatterBackward0(Node):
    @staticmethod
    def forward(ctx, a, src, dim, idx, reduce):
        ctx.dim, ctx.idx, ctx.reduce = dim, idx, reduce
        out = a.copy()
        m = xp(a)
        full = _full_index(m, idx, dim)
        vals = src[tuple(slice(0, s) for s in idx.shape)] if hasattr(src, "shape") and src.ndim else src
        if reduce is None:
            out[full] = vals
        elif reduce == "add":
            _scatter_add(m, out, full, m.broadcast_to(vals, idx.shape))
        elif reduce == "multiply":
            m.multiply.at(out, full, m.broadcast_to(vals, idx.shape))
        else:
            raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
        return out

    def backward(self, g):
        idx = _make(self.idx)
        if self.reduce == "multiply":
            raise RuntimeError("scatter(reduce='multiply') is not differentiable in ember")
        ga = g.scatter(self.dim, idx, 0) if self.reduce is None else g
        gs = g.gather(self.dim, idx) if self.next[1] is not None else None
        return ga, gs


class ScatterAddBackward0(ScatterBackward0):
    pass


def _check_src(input, index, src, d, name):
    """torch's scatter checks on `src`: same dtype as self, and at least as large as index in every dim."""
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    if index._data.ndim == src._data.ndim and any(si > ss for si, ss in zip(index._data.shape, src._data.shape)):
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} apart "
                           f"from dimension {d} and to be no larger size than src {list(src.shape)}")


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """out = input with out[index[i][j]][j] = src[i][j] (dim 0), or a scalar `value`."""
    if src is None:
        src = value
    d = _gather_checks(input, dim, index, "scatter") if input._data.ndim else 0
    if isinstance(src, Tensor):
        _check_src(input, index, src, d, "scatter")
    return ScatterBackward0.apply(input, src, d, index._data, reduce)


def scatter_add(input, dim, index, src):
    d = _gather_checks(input, dim, index, "scatter_add") if input._data.ndim else 0
    _check_src(input, index, src, d, "scatter_add")
    return ScatterAddBackward0.apply(input, src.to(input.dtype), d, index._data, "add")


def take(input, index):
    return input.reshape(-1)[index]


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    return input.gather(dim, indices.expand(*[s if i == wrap_dim(dim, input.ndim) else builtins.max(s, t)
                                              for i, (s, t) in enumerate(zip(indices.shape, input.shape))]))


# ---- masks --------------------------------------------------------------------------------------------------------
class MaskedFillBackward0(Node):
    save = (1,)

    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.shape = a.shape
        m = xp(a)
        out = m.where(mask, value, a)
        return out.astype(a.dtype, copy=False)

    def backward(self, g):
        (mask,) = self.saved_tensors
        ga = g.masked_fill(mask, 0).sum_to_size(self.shape) if self.next[0] is not None else None
        gv = (g * mask).sum() if self.next[2] is not None else None
        return ga, None, gv


def masked_fill(input, mask, value):
    """Replace entries where `mask` is True by `value` (a scalar or 0-d tensor)."""
    if mask._data.dtype.kind != "b":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name}")
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        value = value.to(input.dtype)
    return MaskedFillBackward0.apply(input, mask, value)


def masked_select(input, mask):
    """1-D tensor of the entries where `mask` (broadcast) is True."""
    if mask._data.dtype.kind != "b":
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    from .shape import broadcast_tensors
    shape = broadcast_tensors(input, mask)[0]._data.shape
    x = input.expand(shape) if input._data.shape != shape else input
    mk = mask._data if mask._data.shape == shape else xp(mask._data).broadcast_to(mask._data, shape)
    return IndexBackward0.apply(x, (mk,))


def masked_scatter(input, mask, source):
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    mk = xp(mask._data).broadcast_to(mask._data, shape)
    n = int(mk.sum())
    vals = source.reshape(-1)[:n]
    return index_put(input.expand(shape), (_make(mk),), vals)


def nonzero(input, *, as_tuple=False):
    """Indices of non-zero entries: (n, ndim) int64, or a tuple of 1-D index tensors."""
    a = input._data
    nz = xp(a).nonzero(a) if a.ndim else xp(a).nonzero(a.reshape(1))
    if as_tuple:
        return tuple(_make(i.astype(np.int64)) for i in nz) if a.ndim else (_make(nz[0].astype(np.int64)),)
    if a.ndim == 0:
        return _make(xp(a).zeros((int(bool(a)), 0), np.int64))
    return _make(xp(a).stack(nz, axis=1).astype(np.int64) if nz else xp(a).zeros((0, 0), np.int64))


def argwhere(input):
    return nonzero(input)


# ---- sorting ----------------------------------------------------------------------------------------------------
def _argsort(a, dim, descending):
    m = xp(a)
    if not descending:
        return m.argsort(a, axis=dim, kind="stable")
    n = a.shape[dim]
    r = m.argsort(m.flip(a, dim), axis=dim, kind="stable")
    return m.flip(n - 1 - r, dim)


def sort(input, dim=-1, descending=False, stable=False, *, axis=None):
    """(values, indices) sorted along `dim` (ties keep their order)."""
    if axis is not None:  # numpy-style alias
        dim = dim_alias("sort", dim, axis, -1)
    if input._data.ndim == 0:
        return return_types.sort(input.clone(), _make(xp(input._data).zeros((), np.int64)))
    d = wrap_dim(dim, input._data.ndim)
    idx = _argsort(input._data, d, descending).astype(np.int64, copy=False)
    return return_types.sort(SortBackward0.apply(input, d, idx), _make(idx))


def argsort(input, dim=-1, descending=False, stable=False, *, axis=None):
    if axis is not None:  # numpy-style alias
        dim = dim_alias("argsort", dim, axis, -1)
    return sort(input, dim, descending, stable).indices


def msort(input):
    return sort(input, 0).values


class TopkBackward0(GatherBackward0):
    pass


def topk(input, k, dim=-1, largest=True, sorted=True, *, axis=None):
    """The k largest (or smallest) entries along `dim` with their indices."""
    if axis is not None:  # numpy-style alias
        dim = dim_alias("topk", dim, axis, -1)
    if input._data.ndim == 0:
        if k > 1:
            raise RuntimeError("selected index k out of range")
        return return_types.topk(input.clone(), _make(xp(input._data).zeros((), np.int64)))
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    idx = _argsort(input._data, d, largest)
    idx = xp(idx).take(idx, xp(idx).arange(k), axis=d).astype(np.int64, copy=False)
    return return_types.topk(TopkBackward0.apply(input, d, idx), _make(idx))


def kthvalue(input, k, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("kthvalue", dim, keepdim, axis, keepdims, -1)
    d = wrap_dim(dim, input._data.ndim)
    if not 1 <= k <= (input._data.shape[d] if input._data.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    s = sort(input, d)
    v, i = s.values.narrow(d, k - 1, 1), s.indices.narrow(d, k - 1, 1)
    if not keepdim:
        v, i = v.squeeze(d), i.squeeze(d)
    return return_types.kthvalue(v, i)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Sorted unique values (optionally inverse indices and counts)."""
    a = input._data
    m = xp(a)
    kw = {"equal_nan": False} if dim is None and m is np else {}  # torch keeps every NaN apart
    res = m.unique(a if dim is not None else a.reshape(-1), return_inverse=True, return_counts=True,
                   axis=None if dim is None else wrap_dim(dim, a.ndim), **kw)
    vals, inv, counts = res
    out = [_make(vals)]
    if return_inverse:
        out.append(_make(inv.reshape(a.shape if dim is None else -1).astype(np.int64)))
    if return_counts:
        out.append(_make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    a = input._data.reshape(-1)
    m = xp(a)
    if a.size == 0:
        keep = m.zeros(0, bool)
    else:
        keep = m.concatenate([m.ones(1, bool), a[1:] != a[:-1]])
    out = [_make(a[keep])]
    if return_inverse:
        out.append(_make((m.cumsum(keep) - 1).reshape(input._data.shape).astype(np.int64)))
    if return_counts:
        starts = m.nonzero(keep)[0]
        out.append(_make(m.diff(m.concatenate([starts, m.asarray([a.size])])).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    """Counts of each non-negative integer value (weighted sums when `weights` is given)."""
    a = input._data
    if a.dtype.kind not in "iu":
        raise not_implemented("bincount_cpu", a)
    if a.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and weights._data.shape != a.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if a.size and a.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    m = xp(a)
    if weights is None:
        return _make(m.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._data
    out = m.bincount(a, weights=w, minlength=minlength)
    return _make(out.astype(w.dtype if w.dtype.kind == "f" and w.dtype != np.float16 else np.float64))


def histc(input, bins=100, min=0, max=0):
    """Histogram with equal-width bins over [min, max] (data range when both are 0)."""
    a = input._data
    if a.dtype.kind != "f":
        raise not_implemented("histogram_cpu", a)
    m = xp(a)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = m.histogram(a, bins=bins, range=(lo, hi))
    return _make(counts.astype(a.dtype))


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    s = sorted_sequence._data
    v = values._data if isinstance(values, Tensor) else values
    sd = side or ("right" if right else "left")
    if sd not in ("left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {sd}")
    if side is not None and right and side == "left":
        raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left while "
                           "right was True")
    if s.ndim > 1 and (not isinstance(values, Tensor) or values._data.shape[:-1] != s.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, but we got boundaries "
                           f"tensor {list(s.shape)} and input value tensor "
                           f"{list(values.shape) if isinstance(values, Tensor) else []}")
    m = xp(s)
    if s.ndim == 1:
        r = m.searchsorted(s, v, side=sd)
    else:  # batched: count the boundaries below each value
        cmp = (s[..., None, :] <= v[..., :, None]) if sd == "right" else (s[..., None, :] < v[..., :, None])
        r = cmp.sum(-1)
    return _make(m.asarray(r).astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
