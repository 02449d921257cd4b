"""Reductions and scans: sum mean prod max min amax amin arg* var std norm logsumexp all any cum*, softmax."""
from __future__ import annotations

import builtins
import collections
import math

from .. import _dtype, _identity
from ._base import Node, Tensor, _make, dims_of, np, wrap_dim, xp
from .shape import dim_alias, np_aliases


def _return_type(name, fields):
    cls = collections.namedtuple(name, fields)
    cls.__repr__ = lambda self: f"{_identity.name()}.return_types.{name}(\n" + ",\n".join(
        f"{f}={v!r}" for f, v in zip(fields, self)) + ")"
    cls.__module__ = "ember.return_types"
    return cls


class return_types:  # noqa: N801 - torch's namespace name
    max = _return_type("max", ["values", "indices"])
    min = _return_type("min", ["values", "indices"])
    sort = _return_type("sort", ["values", "indices"])
    topk = _return_type("topk", ["values", "indices"])
    median = _return_type("median", ["values", "indices"])
    mode = _return_type("mode", ["values", "indices"])
    kthvalue = _return_type("kthvalue", ["values", "indices"])
    aminmax = _return_type("aminmax", ["min", "max"])
    nanmedian = _return_type("nanmedian", ["values", "indices"])
    cummax = _return_type("cummax", ["values", "indices"])
    cummin = _return_type("cummin", ["values", "indices"])


def _keep_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _expand_back(g: Tensor, shape, dims, keepdim) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and len(dims) != len(shape):  # a full reduction broadcasts straight from 0-d
        g = g.reshape(_keep_shape(shape, dims))
    return ExpandBackward0.apply(g, shape)


def _axis(dims, ndim):
    return None if len(dims) == ndim else dims


# ---- sum / mean ---------------------------------------------------------------------------------------------------
class SumBackward0(Node):
    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        return a.sum(axis=None if len(dims) == a.ndim else dims, keepdims=keepdim, dtype=dtype)

    def backward(self, g):
        return _expand_back(g, self.shape, self.dims, self.keepdim)


class SumBackward1(SumBackward0):
    pass


def _acc_dtype(a, dtype):
    if dtype is not None:
        return _dtype.to_np(dtype)
    return np.int64 if a._data.dtype.kind in "biu" else None


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Sum over `dim` (all dims when None); integer inputs accumulate in int64."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("sum", dim, keepdim, axis, keepdims)
    dims = dims_of(dim, input._data.ndim)
    if dim is not None and not isinstance(dim, int) and len(dim) == 0:
        dims = tuple(range(input._data.ndim))
    cls = SumBackward0 if dim is None else SumBackward1
    return cls.apply(input, dims, keepdim, _acc_dtype(input, dtype))


class SumToSize(Node):
    """Sum a broadcast tensor back down to `shape`."""
    name = lambda self: "SumBackward1"  # noqa: E731 - torch reports the reducing sum

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        lead = a.ndim - len(shape)
        if lead < 0:
            raise RuntimeError(f"size {list(shape)} is not expandable to size {list(a.shape)}")
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1)
        out = a.sum(axis=axes, keepdims=True) if axes else a
        return out.reshape(shape)

    def backward(self, g):
        return g.expand(self.shape)


def sum_to_size(input, *size):
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    if input._data.shape == shape:
        return input
    return SumToSize.apply(input, shape)


class MeanBackward0(Node):
    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        ctx.n = math.prod(a.shape[d] for d in dims)
        out = a.sum(axis=_axis(dims, a.ndim), keepdims=keepdim, dtype=dtype) / xp(a).asarray(ctx.n, a.dtype)
        return out.astype(a.dtype if dtype is None else dtype, copy=False)

    def backward(self, g):
        return _expand_back(g / self.n, self.shape, self.dims, self.keepdim)


class MeanBackward1(MeanBackward0):
    pass


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Arithmetic mean over `dim`; integer inputs need an explicit floating dtype, as in torch."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("mean", dim, keepdim, axis, keepdims)
    if dtype is None and input._data.dtype.kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {_LEGACY[input.dtype.name]}")
    if dtype is not None and _dtype.to_np(dtype).kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either a floating point or "
                           f"complex dtype. Got: {_LEGACY[_dtype.from_np(_dtype.to_np(dtype)).name]}")
    dims = dims_of(dim, input._data.ndim)
    if dim is not None and not isinstance(dim, int) and len(dim) == 0:
        dims = tuple(range(input._data.ndim))
    cls = MeanBackward0 if dim is None else MeanBackward1
    return cls.apply(input, dims, keepdim, None if dtype is None else _dtype.to_np(dtype))


_LEGACY = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
           "float32": "Float", "float64": "Double", "float16": "Half"}


# ---- prod ---------------------------------------------------------------------------------------------------------
def _prod_others(m, x, axis):
    """Product of all other elements along `axis`, exact in the presence of zeros."""
    ones = m.ones_like(m.take(x, [0], axis=axis))
    left = m.cumprod(m.concatenate([ones, m.delete(x, -1, axis=axis)], axis=axis), axis=axis)
    rx = m.flip(x, axis)
    right = m.flip(m.cumprod(m.concatenate([ones, m.delete(rx, -1, axis=axis)], axis=axis), axis=axis), axis)
    return left * right


class ProdBackward0(Node):
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, a, dim, keepdim, dtype):
        ctx.dim, ctx.keepdim, ctx.shape = dim, keepdim, a.shape
        return a.prod(axis=dim, keepdims=keepdim, dtype=dtype)

    def backward(self, g):
        (x,) = self.saved_tensors
        out = self.saved_output()
        dims = tuple(range(len(self.shape))) if self.dim is None else (self.dim,)
        gx = _expand_back(g, self.shape, dims, self.keepdim)
        if not bool((x._data == 0).any()):
            return gx * _expand_back(out, self.shape, dims, self.keepdim) / x
        m = xp(x._data)
        if self.dim is None:
            others = _prod_others(m, x._data.reshape(-1), 0).reshape(self.shape)
        else:
            others = _prod_others(m, x._data, self.dim)
        return gx * _make(others)


class ProdBackward1(ProdBackward0):
    pass


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Product over one dim (or all)."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("prod", dim, keepdim, axis, keepdims)
    if dim is None:
        return ProdBackward0.apply(input, None, False, _acc_dtype(input, dtype))
    return ProdBackward1.apply(input, wrap_dim(dim, input._data.ndim), keepdim, _acc_dtype(input, dtype))


# ---- max / min ------------------------------------------------------------------------------------------------------
class MaxBackward1(Node):
    """Full max/min: the gradient is shared evenly among ties."""
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, a, fn):
        if a.size == 0:
            raise RuntimeError(f"{fn}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return getattr(a, fn)()

    def backward(self, g):
        (x,) = self.saved_tensors
        mask = x == self.saved_output()
        return g * mask / mask.sum()


class MinBackward1(MaxBackward1):
    pass


class MaxBackward0(Node):
    """max/min along a dim: the gradient goes to the returned index."""

    @staticmethod
    def forward(ctx, a, dim, keepdim, idx):
        ctx.shape, ctx.dim, ctx.keepdim, ctx.idx = a.shape, dim, keepdim, idx
        out = xp(a).take_along_axis(a, idx, axis=dim)
        return out if keepdim else out.squeeze(dim)

    def backward(self, g):
        if not self.keepdim:
            g = g.unsqueeze(self.dim)
        return g.new_zeros(self.shape).scatter(self.dim, _make(self.idx), g)


class MinBackward0(MaxBackward0):
    pass


def _minmax(fn, arg_fn, cls_full, cls_dim, rt):
    def op(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:  # numpy-style alias
            dim, keepdim = np_aliases(fn, dim, keepdim, axis, keepdims)
        if isinstance(dim, Tensor):
            return (maximum if fn == "max" else minimum)(input, dim)
        if dim is None:
            return cls_full.apply(input, fn)
        d = wrap_dim(dim, input._data.ndim)
        a = input._data
        if a.shape and a.shape[d] == 0 if a.ndim else False:
            raise IndexError(f"{fn}(): Expected reduction dim {d} to have non-zero size.")
        idx = getattr(a, arg_fn)(axis=d, keepdims=True) if a.ndim else xp(a).zeros((), np.int64)
        if a.ndim == 0:
            return rt(input.clone(), _make(idx))
        values = cls_dim.apply(input, d, keepdim, idx)
        return rt(values, _make(idx if keepdim else idx.squeeze(d)))
    op.__name__ = fn
    return op


from .elementwise import maximum, minimum  # noqa: E402
from .shape import ExpandBackward0  # noqa: E402

max = _minmax("max", "argmax", MaxBackward1, MaxBackward0, return_types.max)
min = _minmax("min", "argmin", MinBackward1, MinBackward0, return_types.min)


class AmaxBackward0(Node):
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, a, dims, keepdim, fn):
        ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
        if a.size == 0 and builtins.any(a.shape[d] == 0 for d in dims):
            raise IndexError(f"a{fn}(): Expected reduction dim {dims[0]} to have non-zero size.")
        return getattr(a, fn)(axis=dims, keepdims=keepdim)

    def backward(self, g):
        (x,) = self.saved_tensors
        out = _expand_back(self.saved_output(), self.shape, self.dims, self.keepdim)
        mask = (x == out).to(g.dtype)
        count = mask.sum(self.dims, keepdim=True)
        return _expand_back(g, self.shape, self.dims, self.keepdim) * mask / count


class AminBackward0(AmaxBackward0):
    pass


def _amax_like(cls, fn):
    def op(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:  # numpy-style alias
            dim, keepdim = np_aliases("a" + fn, dim, keepdim, axis, keepdims, ())
        if (dim == () or dim is None) and input._data.size == 0:
            raise RuntimeError(f"a{fn}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        return cls.apply(input, dims_of(None if dim == () else dim, input._data.ndim), keepdim, fn)
    op.__name__ = "a" + fn
    return op


amax, amin = _amax_like(AmaxBackward0, "max"), _amax_like(AminBackward0, "min")


def aminmax(input, *, dim=None, keepdim=False, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("aminmax", dim, keepdim, axis, keepdims)
    return return_types.aminmax(amin(input, () if dim is None else dim, keepdim),
                                amax(input, () if dim is None else dim, keepdim))


def _arg(fn):
    def op(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:  # numpy-style alias
            dim, keepdim = np_aliases(fn, dim, keepdim, axis, keepdims)
        a = input._data
        if a.size == 0 and (dim is None or a.ndim == 0 or a.shape[wrap_dim(dim, a.ndim)] == 0):
            raise IndexError(f"{fn}(): Expected reduction dim to be specified for input.numel() == 0." if dim is None
                               else f"{fn}(): Expected reduction dim {dim} to have non-zero size.")
        if dim is None:
            r = getattr(a.reshape(-1), fn)()
            return _make(xp(a).asarray(r, dtype=np.int64).reshape((1,) * a.ndim if keepdim else ()))
        d = wrap_dim(dim, a.ndim)
        if a.ndim == 0:
            return _make(xp(a).zeros((), np.int64))
        return _make(getattr(a, fn)(axis=d, keepdims=keepdim).astype(np.int64, copy=False))
    op.__name__ = fn
    return op


argmax, argmin = _arg("argmax"), _arg("argmin")


# ---- var / std / norm / logsumexp ----------------------------------------------------------------------------------
def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


class VarBackward0(Node):
    save = (0,)

    @staticmethod
    def forward(ctx, a, dims, correction, keepdim):
        ctx.dims, ctx.c, ctx.keepdim, ctx.shape = dims, correction, keepdim, a.shape
        ctx.n = math.prod(a.shape[d] for d in dims)
        m = xp(a)
        mu = a.sum(axis=dims, keepdims=True) / m.asarray(ctx.n, a.dtype)
        d = a - mu
        return ((d * d).sum(axis=dims, keepdims=keepdim) / m.asarray(builtins.max(ctx.n - correction, 0), a.dtype)
                ).astype(a.dtype, copy=False)

    def _grad(self, g, x):
        gx = _expand_back(g, self.shape, self.dims, self.keepdim)
        return gx * (x - x.mean(self.dims, keepdim=True)) * (2.0 / (self.n - self.c))

    def backward(self, g):
        return self._grad(g, self.saved_tensors[0])


class StdBackward0(VarBackward0):
    save_out = True

    @staticmethod
    def forward(ctx, a, dims, correction, keepdim):
        return xp(a).sqrt(VarBackward0.forward(ctx, a, dims, correction, keepdim))

    def backward(self, g):
        return self._grad(g / (self.saved_output() * 2), self.saved_tensors[0])


def _var_args(input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # var(x, unbiased) positional form
        dim, unbiased = None, dim
    if input._data.dtype.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return dims_of(dim, input._data.ndim), _correction(unbiased, correction), keepdim


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Variance with Bessel's correction by default (`correction=1`)."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("var", dim, keepdim, axis, keepdims)
    return VarBackward0.apply(input, *_var_args(input, dim, unbiased, keepdim, correction))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Standard deviation (sqrt of var)."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("std", dim, keepdim, axis, keepdims)
    return StdBackward0.apply(input, *_var_args(input, dim, unbiased, keepdim, correction))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("var_mean", dim, keepdim, axis, keepdims)
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("std_mean", dim, keepdim, axis, keepdims)
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


class NormBackward1(Node):
    """2-norm; the gradient at the zero vector is zero, as in torch."""
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
        return xp(a).sqrt((a * a).sum(axis=dims, keepdims=keepdim))

    def backward(self, g):
        (x,) = self.saved_tensors
        out = _expand_back(self.saved_output(), self.shape, self.dims, self.keepdim)
        gx = _expand_back(g, self.shape, self.dims, self.keepdim)
        return gx * x / out.masked_fill(out == 0, float("inf"))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over `dim` ('fro' and 2 are the Euclidean norm; also 1, inf, -inf, 0, any float)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_LEGACY[input.dtype.name]}")
    if isinstance(dim, int):
        dim = (dim,)
    if p == "nuc":  # a matrix norm, as in torch: over all dims (which must be two) unless `dim` names them
        from ..linalg import matrix_norm
        return matrix_norm(input, "nuc", tuple(range(input._data.ndim)) if dim is None else dim, keepdim)
    dims = dims_of(dim, input._data.ndim)
    if p == "fro" or p == 2 or p is None:
        return NormBackward1.apply(input, dims, keepdim)
    if not isinstance(p, (int, float)):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    a = input.abs()
    if p == math.inf:
        return a.amax(dims, keepdim)
    if p == -math.inf:
        return a.amin(dims, keepdim)
    if p == 0:
        return (a != 0).to(input.dtype).sum(dims, keepdim)
    if p == 1:
        return a.sum(dims, keepdim)
    return (a ** p).sum(dims, keepdim) ** (1.0 / p)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    return norm(x, ord, dim, keepdim, dtype)


class LogsumexpBackward0(Node):
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.dims, ctx.keepdim, ctx.shape = dims, keepdim, a.shape
        m = xp(a)
        if a.size == 0:
            return m.log(m.exp(a).sum(axis=dims, keepdims=keepdim))
        mx = a.max(axis=dims, keepdims=True)
        mx = m.where(m.isfinite(mx), mx, 0)
        out = m.log(m.exp(a - mx).sum(axis=dims, keepdims=True)) + mx
        return out if keepdim else out.squeeze(axis=dims)

    def backward(self, g):
        (x,) = self.saved_tensors
        out = _expand_back(self.saved_output(), self.shape, self.dims, self.keepdim)
        return _expand_back(g, self.shape, self.dims, self.keepdim) * (x - out).exp()


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """log(sum(exp(input))) over `dim`, computed stably."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("logsumexp", dim, keepdim, axis, keepdims)
    if input._data.dtype.kind in "biu":
        input = input.to(_dtype.get_default_dtype())
    return LogsumexpBackward0.apply(input, dims_of(dim, input._data.ndim), keepdim)


def _logical_reduce(fn):
    def op(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:  # numpy-style alias
            dim, keepdim = np_aliases(fn, dim, keepdim, axis, keepdims)
        a = input._data
        r = xp(a).asarray(getattr(a, fn)(axis=None if dim is None else dims_of(dim, a.ndim), keepdims=keepdim))
        return _make(r.astype(np.uint8) if a.dtype == np.uint8 else r)  # torch keeps uint8 for uint8 inputs
    op.__name__ = fn
    return op


all, any = _logical_reduce("all"), _logical_reduce("any")


def count_nonzero(input, dim=None, *, axis=None):
    if axis is not None:  # numpy-style alias
        dim = dim_alias("count_nonzero", dim, axis)
    a = input._data
    return _make(xp(a).asarray(xp(a).count_nonzero(a, axis=None if dim is None else dims_of(dim, a.ndim)),
                               dtype=np.int64))


# ---- scans --------------------------------------------------------------------------------------------------------
class CumsumBackward0(Node):
    @staticmethod
    def forward(ctx, a, dim, dtype):
        ctx.dim = dim
        return xp(a).cumsum(a, axis=dim, dtype=dtype) if a.ndim else a.astype(dtype or a.dtype)

    def backward(self, g):
        if g._data.ndim == 0:
            return g
        return g.flip(self.dim).cumsum(self.dim).flip(self.dim)


def cumsum(input, dim=None, *, dtype=None, axis=None):
    """Running sum along `dim`."""
    if dim is None or axis is not None:  # numpy-style alias
        dim = dim_alias("cumsum", dim, axis)
    d = wrap_dim(dim, input._data.ndim)
    return CumsumBackward0.apply(input, d, _acc_dtype(input, dtype))


class CumprodBackward0(Node):
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, a, dim, dtype):
        ctx.dim = dim
        return xp(a).cumprod(a, axis=dim, dtype=dtype) if a.ndim else a.astype(dtype or a.dtype)

    def backward(self, g):
        (x,) = self.saved_tensors
        if x._data.ndim == 0:
            return g
        d = self.dim
        out = self.saved_output()
        if not bool((x._data == 0).any()):
            return (g * out).flip(d).cumsum(d).flip(d) / x
        # with zeros: d out_j / d x_i = prod_{k<=j, k!=i} x_k for j >= i, built explicitly (O(n^2) along dim)
        m = xp(x._data)
        xa = m.moveaxis(x._data, d, -1)
        n = xa.shape[-1]
        i = m.arange(n)
        # P[..., i, j] = prod_{k<=j, k!=i} x_k  (zero for j < i)
        rep = m.broadcast_to(xa[..., None, :], xa.shape[:-1] + (n, n)).copy()
        rep[..., i, i] = 1
        P = m.cumprod(rep, axis=-1) * (i[None, :] >= i[:, None])
        ga = m.moveaxis(g._data, d, -1)
        res = (P * ga[..., None, :]).sum(-1)
        return _make(m.moveaxis(res, -1, d).astype(g._data.dtype))


def cumprod(input, dim=None, *, dtype=None, axis=None):
    """Running product along `dim`."""
    if dim is None or axis is not None:  # numpy-style alias
        dim = dim_alias("cumprod", dim, axis)
    return CumprodBackward0.apply(input, wrap_dim(dim, input._data.ndim), _acc_dtype(input, dtype))


# ---- softmax family ---------------------------------------------------------------------------------------------
class SoftmaxBackward0(Node):
    save_out = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        m = xp(a)
        e = m.exp(a - a.max(axis=dim, keepdims=True)) if a.size else m.exp(a)
        e /= e.sum(axis=dim, keepdims=True)
        return e

    def backward(self, g):
        out = self.saved_output()
        return out * (g - (g * out).sum(self.dim, keepdim=True))


class LogSoftmaxBackward0(Node):
    save_out = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        m = xp(a)
        if a.size == 0:
            return a.copy()
        s = a - a.max(axis=dim, keepdims=True)
        s -= m.log(m.exp(s).sum(axis=dim, keepdims=True))
        return s

    def backward(self, g):
        out = self.saved_output()
        return g - out.exp() * g.sum(self.dim, keepdim=True)


def _softmax_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


def _sm_input(input, dim, dtype, name):
    if dim is None:
        import warnings
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                      "as an argument.", stacklevel=3)
        dim = _softmax_dim(input._data.ndim)
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        raise NotImplementedError(f"\"{name}_lastdim_kernel_impl\" not implemented for '{_LEGACY[input.dtype.name]}'")
    return input, wrap_dim(dim, input._data.ndim)


def softmax(input, dim=None, dtype=None, *, _stacklevel=3, axis=None):
    """exp(x) / sum(exp(x)) along `dim`, computed stably."""
    if axis is not None:  # numpy-style alias
        dim = dim_alias("softmax", dim, axis)
    input, d = _sm_input(input, dim, dtype, "softmax")
    return SoftmaxBackward0.apply(input, d)


def log_softmax(input, dim=None, dtype=None, *, _stacklevel=3, axis=None):
    """x - logsumexp(x) along `dim`."""
    if axis is not None:  # numpy-style alias
        dim = dim_alias("log_softmax", dim, axis)
    input, d = _sm_input(input, dim, dtype, "log_softmax")
    return LogSoftmaxBackward0.apply(input, d)
