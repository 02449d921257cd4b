"""Movement ops: view/reshape, permute/transpose, squeeze/unsqueeze, expand/repeat, flip/roll, cat/stack/split, tri."""
from __future__ import annotations

import builtins
import math

from .._backend import broadcast_view
from ._base import Node, Tensor, _make, check_device, np, wrap_dim, xp


def dim_alias(name, dim, axis, default=None):
    """`dim` given as numpy's `axis=` (torch accepts either, never both); also reports a missing required dim."""
    if axis is None:
        raise TypeError(f"{name}() missing 1 required positional argument: 'dim'")
    if dim is not default:
        raise TypeError(f"{name}() got multiple values for argument 'dim' (as dim= and as its alias axis=)")
    return axis


def np_aliases(name, dim, keepdim, axis, keepdims, default=None):
    """(dim, keepdim) after numpy's aliases `axis=` / `keepdims=`; TypeError when an argument is given twice."""
    if axis is not None:
        dim = dim_alias(name, dim, axis, default)
    if keepdims is not None:
        if keepdim:
            raise TypeError(f"{name}() got multiple values for argument 'keepdim' (as keepdim= and as keepdims=)")
        keepdim = keepdims
    return dim, keepdim


def _size_args(size) -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(Size)."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer, Tensor)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) and not (isinstance(s, Tensor) and s._data.dtype.kind in "iu"):
            raise TypeError(f"expected a tuple of ints for a size, but got an element of type {type(s).__name__}")
    return tuple(builtins.int(s) for s in size)


def _infer(shape, numel, in_shape):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


class ViewBackward0(Node):
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        try:
            return a.reshape(shape, copy=False) if type(a) is np.ndarray else _nocopy_reshape(a, shape)
        except ValueError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None

    def backward(self, g):
        return g.reshape(self.shape)


def _nocopy_reshape(a, shape):
    v = a.view()
    v.shape = shape
    return v


class UnsafeViewBackward0(Node):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return g.reshape(self.shape)


def view(input, *shape):
    """Same data, new shape (must be compatible with the strides), or `view(dtype)`: the bytes as another dtype."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)) and hasattr(shape[0], "np"):
        from .split import view_dtype
        return view_dtype(input, shape[0])
    return ViewBackward0.apply(input, _infer(_size_args(shape), input._data.size, input._data.shape))


def reshape(input, *shape):
    """View when the strides allow it, copy otherwise."""
    shape = _infer(_size_args(shape), input._data.size, input._data.shape)
    a = input._data
    if a.flags.c_contiguous or _viewable(a, shape):
        return ViewBackward0.apply(input, shape)
    return UnsafeViewBackward0.apply(input, shape)


def _viewable(a, shape) -> bool:
    try:
        a.reshape(shape, copy=False) if type(a) is np.ndarray else _nocopy_reshape(a, shape)
        return True
    except (ValueError, AttributeError):
        return False


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, 1)
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shp = input._data.shape
    return reshape(input, shp[:s] + (math.prod(shp[s:e + 1]),) + shp[e + 1:])


def ravel(input):
    return reshape(input, -1)


def unflatten(input, dim, sizes):
    d = wrap_dim(dim, input._data.ndim)
    shp = input._data.shape
    sizes = _infer(tuple(sizes), shp[d], shp[d])
    return view(input, shp[:d] + sizes + shp[d + 1:]) if input._data.flags.c_contiguous else \
        reshape(input, shp[:d] + sizes + shp[d + 1:])


class PermuteBackward0(Node):
    is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.transpose(dims)

    def backward(self, g):
        return g.permute(tuple(np.argsort(self.dims)))


def permute(input, *dims):
    nd = input._data.ndim
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = _size_args(dims)
    if len(dims) == nd:
        dims = tuple(wrap_dim(d, nd) for d in dims)
    if sorted(dims) != list(range(nd)):
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
                           f"len(dims) = {len(dims)}" if len(dims) != nd else "permute(): duplicate dims are not allowed.")
    return PermuteBackward0.apply(input, dims)


class TransposeBackward0(Node):
    is_view = True

    @staticmethod
    def forward(ctx, a, d0, d1):
        ctx.d = (d0, d1)
        return a.swapaxes(d0, d1)

    def backward(self, g):
        return g.transpose(*self.d)


class TBackward0(TransposeBackward0):
    pass


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    return TransposeBackward0.apply(input, wrap_dim(dim0, nd), wrap_dim(dim1, nd))


swapaxes = swapdims = transpose


def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return TBackward0.apply(input, 0, 1) if nd == 2 else ViewBackward0.apply(input, input._data.shape)


def _T(input):
    return PermuteBackward0.apply(input, tuple(range(input._data.ndim - 1, -1, -1)))


def _mT(input):
    if input._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return TransposeBackward0.apply(input, -2 + input._data.ndim, -1 + input._data.ndim)


def movedim(input, source, destination):
    nd = input._data.ndim
    src = [wrap_dim(s, nd) for s in ((source,) if isinstance(source, int) else source)]
    dst = [wrap_dim(d, nd) for d in ((destination,) if isinstance(destination, int) else destination)]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


class SqueezeBackward0(Node):
    is_view = True

    @staticmethod
    def forward(ctx, a, axes):
        ctx.shape = a.shape
        return a.squeeze(axes) if axes else a.view()

    def backward(self, g):
        return g.reshape(self.shape)


def squeeze(input, dim=None, *, axis=None):
    if axis is not None:  # numpy-style alias
        dim = dim_alias("squeeze", dim, axis)
    shp = input._data.shape
    if dim is None:
        axes = tuple(i for i, s in enumerate(shp) if s == 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        axes = tuple(d for d in {wrap_dim(d, len(shp)) for d in dims} if shp and shp[d] == 1)
        return SqueezeBackward1.apply(input, axes)
    return SqueezeBackward0.apply(input, axes)


class SqueezeBackward1(SqueezeBackward0):
    pass


class UnsqueezeBackward0(Node):
    is_view = True

    @staticmethod
    def forward(ctx, a, d):
        ctx.d = d
        return xp(a).expand_dims(a, d)

    def backward(self, g):
        return g.squeeze(self.d)


def unsqueeze(input, dim=None, *, axis=None):
    if dim is None or axis is not None:  # numpy-style alias
        dim = dim_alias("unsqueeze", dim, axis)
    return UnsqueezeBackward0.apply(input, wrap_dim(dim, input._data.ndim + 1))


class ExpandBackward0(Node):
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return broadcast_view(a, shape)

    def backward(self, g):
        return g.sum_to_size(self.shape)


def expand(input, *sizes):
    sizes = _size_args(sizes)
    shp = input._data.shape
    if len(sizes) < len(shp):
        from .. import _identity
        from .._tensor import _LEGACY_NAMES
        raise RuntimeError(f"expand({_identity.name()}.{_LEGACY_NAMES.get(input.dtype.name, 'Tensor')}{{{list(shp)}}}, "
                           f"size={list(sizes)}): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(shp)})")
    lead = len(sizes) - len(shp)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            out.append(s)
        else:
            cur = shp[i - lead]
            if s == -1:
                s = cur
            elif cur != s and cur != 1:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                                   f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                                   f"{list(shp)}")
            out.append(s)
    out = tuple(out)
    return ExpandBackward0.apply(input, out)


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, size):
    return expand(input, size)


def broadcast_shapes(*shapes):
    shapes = [tuple(s) if not isinstance(s, int) else (s,) for s in shapes]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"Attempting to broadcast shapes that do not match: {shapes}") from None


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    try:
        shape = tuple(np.broadcast_shapes(*[t._data.shape for t in tensors]))
    except ValueError as e:
        from ..autograd.graph import _shape_message
        raise RuntimeError(_shape_message(e, [t._data for t in tensors])) from None
    return tuple(expand(t, shape) for t in tensors)


class RepeatBackward0(Node):
    @staticmethod
    def forward(ctx, a, reps):
        ctx.shape, ctx.reps = a.shape, reps
        lead = len(reps) - a.ndim
        return xp(a).tile(a.reshape((1,) * lead + a.shape), reps)

    def backward(self, g):
        reps = self.reps
        shape = (1,) * (len(reps) - len(self.shape)) + tuple(self.shape)
        split = []
        for r, s in zip(reps, shape):
            split += [r, s]
        g = g.reshape(split).sum(tuple(range(0, 2 * len(reps), 2)))
        return g.reshape(self.shape)


def repeat(input, *sizes):
    reps = _size_args(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return RepeatBackward0.apply(input, reps)


def tile(input, dims):
    dims = tuple(dims) if not isinstance(dims, int) else (dims,)
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


class FlipBackward0(Node):
    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return xp(a).flip(a, dims).copy() if dims else a.copy()

    def backward(self, g):
        return g.flip(self.dims)


def flip(input, *dims):
    dims = _size_args(dims) if dims else ()
    return FlipBackward0.apply(input, tuple(wrap_dim(d, input._data.ndim) for d in dims))


def fliplr(input):
    return flip(input, 1)


def flipud(input):
    return flip(input, 0)


class RollBackward0(Node):
    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims, ctx.shape = shifts, dims, a.shape
        if dims is None:
            return xp(a).roll(a.reshape(-1), shifts).reshape(a.shape)
        return xp(a).roll(a, shifts, dims)

    def backward(self, g):
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return g.roll(neg, self.dims)


def roll(input, shifts, dims=None):
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(shifts)
    if dims is not None:
        nd = input._data.ndim
        dims = tuple(wrap_dim(d, nd) for d in dims) if isinstance(dims, (list, tuple)) else wrap_dim(dims, nd)
        ns = len(shifts) if isinstance(shifts, tuple) else 1
        nd = len(dims) if isinstance(dims, tuple) else 1
        if ns != nd:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {ns}, dims:{nd}")
    elif isinstance(shifts, tuple) and len(shifts) != 1:
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
    return RollBackward0.apply(input, shifts, dims)


def rot90(input, k=1, dims=(0, 1)):
    k %= 4
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    d0, d1 = (wrap_dim(d, input._data.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    if k == 1:
        return flip(input, d1).transpose(d0, d1)
    if k == 2:
        return flip(input, d0, d1)
    if k == 3:
        return flip(input, d0).transpose(d0, d1)
    return input.clone()


# ---- slicing-based ops (views) -------------------------------------------------------------------------------------
def narrow(input, dim, start, length):
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    start = builtins.int(start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if not 0 <= start <= n or start + length > n or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def select(input, dim, index):
    d = wrap_dim(dim, input._data.ndim)
    return input[(slice(None),) * d + (builtins.int(index),)]


def unbind(input, dim=0, *, axis=None):
    if axis is not None:  # numpy-style alias
        dim = dim_alias("unbind", dim, axis, 0)
    d = wrap_dim(dim, input._data.ndim)
    pre = (slice(None),) * d
    return tuple(input[pre + (i,)] for i in range(input._data.shape[d]))


class CatBackward0(Node):
    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        nd = builtins.max(a.ndim for a in arrays)
        ctx.legacy = [a.ndim == 1 and a.shape[0] == 0 and nd != 1 for a in arrays]
        ctx.sizes = [0 if skip else a.shape[dim] for a, skip in zip(arrays, ctx.legacy)]
        keep = [a for a, skip in zip(arrays, ctx.legacy) if not skip] or arrays[:1]
        return xp(arrays[0]).concatenate(keep, axis=dim)

    def backward(self, g):
        out, start = [], 0
        for s, legacy in zip(self.sizes, self.legacy):
            out.append(g.new_zeros(0) if legacy else g.narrow(self.dim, start, s))
            start += s
        return tuple(out)


def _tensor_list(name, tensors):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return list(tensors)


def cat(tensors, dim=0, *, axis=None):
    """Concatenate along an existing dim (1-D empty tensors are skipped, as torch does)."""
    if axis is not None:  # numpy-style alias
        dim = dim_alias("cat", dim, axis, 0)
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    ref = next((t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)), tensors[0])
    if ref._data.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ref._data.ndim)
    dt = ref.dtype
    for i, t in enumerate(tensors):
        check_device(ref, t)
        if t._data.ndim == 1 and t._data.shape[0] == 0:
            continue
        if t._data.ndim != ref._data.ndim or any(a != b for j, (a, b) in enumerate(zip(t._data.shape, ref._data.shape))
                                                 if j != d):
            raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                               f"{list(ref.shape)} but got size {list(t.shape)} for tensor number {i} in the list.")
        if t.dtype is not dt:
            from .._dtype import promote_types
            dt = promote_types(dt, t.dtype)
    tensors = [t if t.dtype is dt else t.to(dt) for t in tensors]
    return CatBackward0.apply(*tensors, dim=d)


concat = concatenate = cat


class StackBackward0(Node):
    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.n, ctx.dim = len(arrays), dim
        return xp(arrays[0]).stack(arrays, axis=dim)

    def backward(self, g):
        return tuple(g.unbind(self.dim))


def stack(tensors, dim=0, *, axis=None):
    """Stack equally-shaped tensors along a new dim."""
    if axis is not None:  # numpy-style alias
        dim = dim_alias("stack", dim, axis, 0)
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shp = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shp:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shp)} at entry 0 and "
                               f"{list(t.shape)} at entry {i}")
    dt = tensors[0].dtype
    from .._dtype import promote_types
    for t in tensors[1:]:
        check_device(tensors[0], t)
        dt = promote_types(dt, t.dtype)
    tensors = [t if t.dtype is dt else t.to(dt) for t in tensors]
    return StackBackward0.apply(*tensors, dim=wrap_dim(dim, len(shp) + 1))


def _atleast(name, nd, tensors):
    """`tensors` (one tensor, several, or one list/tuple of them) viewed with at least `nd` dims."""
    seq = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    for i, t in enumerate(seq):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, but found element of type "
                            f"{type(t).__name__} at pos {i}")
    out = []
    for t in seq:
        n = t._data.ndim
        if n >= nd:
            out.append(t)
        elif n == 0:
            out.append(t.reshape((1,) * nd))
        elif n == 1:  # a row for atleast_2d; (1, n, 1) for atleast_3d
            out.append(t.reshape((1, -1) if nd == 2 else (1, -1, 1)))
        else:
            out.append(t.unsqueeze(-1))
    return out[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else tuple(out)


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (0-d becomes shape (1,))."""
    return _atleast("atleast_1d", 1, tensors)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims (a 1-D tensor becomes a row)."""
    return _atleast("atleast_2d", 2, tensors)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _atleast("atleast_3d", 3, tensors)


def hstack(tensors):
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    tensors = [t if t.ndim else t.reshape(1) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0)


def dstack(tensors):
    if not tensors:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat([t.reshape(1, -1, 1) if t.ndim == 1 else (t.unsqueeze(-1) if t.ndim == 2 else t) for t in tensors], 2)


def column_stack(tensors):
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    return cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors], 1)


# ---- triangular / diagonal ---------------------------------------------------------------------------------------
class TrilBackward0(Node):
    @staticmethod
    def forward(ctx, a, k, upper):
        ctx.k, ctx.upper = k, upper
        return xp(a).triu(a, k) if upper else xp(a).tril(a, k)

    def backward(self, g):
        return g.triu(self.k) if self.upper else g.tril(self.k)


class TriuBackward0(TrilBackward0):
    pass


def tril(input, diagonal=0):
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return TrilBackward0.apply(input, diagonal, False)


def triu(input, diagonal=0):
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return TriuBackward0.apply(input, diagonal, True)


def _diag_index(m, shape, offset, d1, d2):
    n1, n2 = shape[d1], shape[d2]
    if offset >= 0:
        n = builtins.max(builtins.min(n1, n2 - offset), 0)
        return m.arange(n), m.arange(n) + offset
    n = builtins.max(builtins.min(n1 + offset, n2), 0)
    return m.arange(n) - offset, m.arange(n)


class DiagonalBackward0(Node):
    is_view = True

    @staticmethod
    def forward(ctx, a, offset, d1, d2):
        ctx.shape, ctx.args = a.shape, (offset, d1, d2)
        n = len(_diag_index(np, a.shape, offset, d1, d2)[0])
        idx = [slice(None)] * a.ndim
        if n:
            idx[d2 if offset >= 0 else d1] = slice(builtins.abs(offset), None)
        sub = a[tuple(idx)]
        keep = [i for i in range(a.ndim) if i not in (d1, d2)]
        st = sub.strides
        return xp(a).lib.stride_tricks.as_strided(sub, tuple(a.shape[i] for i in keep) + (n,),
                                                  tuple(st[i] for i in keep) + (st[d1] + st[d2],))

    def backward(self, g):
        offset, d1, d2 = self.args
        return DiagEmbed.apply(g, tuple(self.shape), offset, d1, d2)


def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DiagonalBackward0.apply(input, offset, d1, d2)


class DiagEmbed(Node):
    """Place the last dim of `g` on a diagonal of a zero tensor of `shape` (diagonal's backward)."""

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        m = xp(g)
        out = m.zeros(shape, g.dtype)
        r, c = _diag_index(m, shape, offset, d1, d2)
        out_v = m.moveaxis(out, (d1, d2), (-2, -1))
        out_v[..., r, c] = g
        return out

    def backward(self, gg):
        return gg.diagonal(*self.args)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    n = input._data.shape[-1] + builtins.abs(offset)
    nd = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    batch = list(input._data.shape[:-1])
    shape = [0] * nd
    it = iter(batch)
    for i in range(nd):
        shape[i] = n if i in (d1, d2) else next(it)
    return DiagEmbed.apply(input, tuple(shape), offset, d1, d2)


def diag(input, diagonal=0):
    """1-D -> 2-D diagonal matrix, or 2-D -> its diagonal."""
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return globals()["diagonal"](input, diagonal, 0, 1).clone()
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{nd}D")


def trace(input):
    if input._data.ndim != 2:
        raise RuntimeError("trace: expected a matrix")
    return diagonal(input).sum()


class CloneBackward0(Node):
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    def backward(self, g):
        return g


def clone(input, *, memory_format=None):
    return CloneBackward0.apply(input)


def contiguous(input, memory_format=None):
    return input if input._data.flags.c_contiguous else CloneBackward0.apply(input)


class AsStridedBackward0(Node):
    is_view = True

    @staticmethod
    def forward(ctx, a, size, stride, offset):
        ctx.shape = a.shape
        it = a.itemsize
        if not a.flags.c_contiguous:
            raise RuntimeError("ember's as_strided needs a contiguous input")
        base = a.reshape(-1)[offset:]
        return xp(a).lib.stride_tricks.as_strided(base, size, tuple(s * it for s in stride))

    def backward(self, g):
        raise RuntimeError("as_strided backward is not supported by ember")


def as_strided(input, size, stride, storage_offset=0):
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    need = storage_offset + 1 + builtins.sum((n - 1) * s for n, s in zip(size, stride)) if 0 not in size else 0
    if need > input._data.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{storage_offset}, and itemsize {input._data.itemsize} requiring a storage size of "
                           f"{need * input._data.itemsize} are out of bounds for storage of size "
                           f"{input._data.size * input._data.itemsize}")
    return AsStridedBackward0.apply(input, tuple(size), tuple(stride), storage_offset)


class UnfoldBackward0(Node):
    """Tensor.unfold(dim, size, step): sliding windows as a view."""
    is_view = True

    @staticmethod
    def forward(ctx, a, dim, size, step):
        ctx.shape, ctx.args = a.shape, (dim, size, step)
        n = (a.shape[dim] - size) // step + 1
        shape = a.shape[:dim] + (n,) + a.shape[dim + 1:] + (size,)
        st = a.strides
        strides = st[:dim] + (st[dim] * step,) + st[dim + 1:] + (st[dim],)
        return xp(a).lib.stride_tricks.as_strided(a, shape, strides)

    def backward(self, g):
        dim, size, step = self.args
        n = g.shape[dim]
        idx = (np.arange(n)[:, None] * step + np.arange(size)[None, :]).reshape(-1)
        gm = g.movedim(dim, -2).reshape(*g.shape[:dim], *g.shape[dim + 1:-1], n * size)
        z = g.new_zeros(self.shape).movedim(dim, -1)
        return z.index_add(-1, _make(idx.astype(np.int64)), gm).movedim(-1, dim)


def unfold(input, dimension, size, step):
    d = wrap_dim(dimension, input._data.ndim)
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if input._data.shape[d] < size:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {input._data.shape[d]} but size is {size}")
    return UnfoldBackward0.apply(input, d, size, step)


def meshgrid(*tensors, indexing: str = "ij"):
    """Coordinate grids (as broadcast views) from 1-D tensors; indexing 'ij' (matrix) or 'xy' (Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    out = [t.reshape([-1 if i == k else 1 for i in range(len(ts))]).expand(shape) for k, t in enumerate(ts)]
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or slice along `dim`) `repeats` times; the one-argument form repeats indices."""
    from .index import index_select
    if isinstance(repeats, Tensor) and repeats._data.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if repeats is not None and not isinstance(repeats, (Tensor, int, np.integer)):
        raise TypeError(f"repeat_interleave(): argument 'repeats' must be Tensor or int, not "
                        f"{type(repeats).__name__}")
    if repeats is None:  # repeat_interleave(repeats): indices 0..n-1, each repeated
        r = input._data
        if r.size and r.min() < 0:
            raise RuntimeError("repeats can not be negative")
        return _make(xp(r).repeat(xp(r).arange(r.shape[0]), r).astype(np.int64))
    if dim is None:
        input, dim = input.reshape(-1), 0
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    m = xp(input._data)
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    if (m.asarray(reps) < 0).any():
        raise RuntimeError("repeats can not be negative")
    if m.ndim(reps) == 1 and reps.shape[0] not in (1, n):
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{reps.shape[0]} and input.size(0) = {n}")
    idx = m.repeat(m.arange(n), reps)
    return index_select(input, d, _make(idx.astype(np.int64)))


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None, *, axis=None):
    """n-th forward difference along `dim`."""
    if axis is not None:  # numpy-style alias
        dim = dim_alias("diff", dim, axis, -1)
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, input, append) if p is not None]
        input = cat(parts, dim)
    for _ in range(n):
        length = input.shape[dim]
        if length == 0:
            break
        input = narrow(input, dim, 1, length - 1) - narrow(input, dim, 0, length - 1)
    return input
