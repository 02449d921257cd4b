"""Pooling: max, average, adaptive, lp and max unpooling (interpolation and pixel shuffle are in `upsampling`).

Two vectorised building blocks carry everything here:

* max pooling views each kernel tap as one strided slice of the (-inf padded) input, takes a running maximum over
  the taps, remembers the winning tap per window, and routes gradients back tap by tap (`_MaxPoolTaps` and its
  adjoint `_MaxPoolTapsT`); adaptive max pooling and unpooling go through flat plane indices (`_IndexGather` /
  `_IndexScatter`, each the other's adjoint);
* average/adaptive pooling (like every interpolation mode) are separable linear maps, one small sparse matrix per
  spatial axis (`padding._AxisMap`), applied axis by axis (`AxisMapBackward`); the backward applies the transposed
  maps.
"""
from __future__ import annotations

import itertools
import math

from .. import _dtype
from ._base import Node, Tensor, _make, np, xp
from .conv import _ntuple
from .padding import AxisMapBackward, _AxisMap

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d",
           "max_unpool3d"]


# ---- flat-index gather / scatter (max pooling, unpooling) ---------------------------------------------------------
def _gather(a, idx):
    """a (N, C, *S), idx (N, C, *O) flat spatial indices -> a at idx."""
    N, C = a.shape[:2]
    flat = a.reshape(N, C, -1)
    return xp(a).take_along_axis(flat, idx.reshape(N, C, -1), axis=2).reshape(idx.shape)


def _scatter(g, idx, shape, accumulate):
    """zeros(shape) with g placed (or summed, for repeated indices) at idx."""
    m = xp(g)
    N, C = shape[:2]
    size = math.prod(shape[2:])
    if accumulate:
        base = (m.arange(N * C, dtype=np.int64) * size).reshape(N, C, *([1] * (idx.ndim - 2)))
        out = m.bincount((idx + base).ravel(), weights=g.ravel(), minlength=N * C * size)
        return out.astype(g.dtype, copy=False).reshape(shape)
    out = m.zeros((N, C, size), g.dtype)
    m.put_along_axis(out, idx.reshape(N, C, -1), g.reshape(N, C, -1), axis=2)
    return out.reshape(shape)


class _IndexGather(Node):
    """y = x at flat spatial indices (max pooling's output); adjoint of `_IndexScatter`."""

    @staticmethod
    def forward(ctx, a, idx, accumulate, tname, out=None):
        ctx.idx, ctx.shape, ctx.acc, ctx.tname = idx, a.shape, accumulate, tname
        return _gather(a, idx) if out is None else out

    def name(self):
        return self.tname

    def backward(self, g):
        return _IndexScatter.apply(g, idx=self.idx, shape=self.shape, accumulate=self.acc,
                                   tname=self.tname[:-1] + "Backward0")


class _IndexScatter(Node):
    """y = zeros with x placed at flat spatial indices (max unpooling, max pooling's backward)."""

    @staticmethod
    def forward(ctx, g, idx, shape, accumulate, tname):
        ctx.idx, ctx.acc, ctx.tname = idx, accumulate, tname
        return _scatter(g, idx, shape, accumulate)

    def name(self):
        return self.tname

    def backward(self, h):
        return _IndexGather.apply(h, idx=self.idx, accumulate=self.acc, tname=self.tname[:-1] + "Backward0")


# ---- max pooling ----------------------------------------------------------------------------------------------------
def _pool_size(n, k, s, p, d, ceil_mode):
    out = (n + 2 * p - d * (k - 1) - 1 + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pool_args(nd, kernel_size, stride, padding, dilation, name):
    k = _ntuple(kernel_size, nd, "kernel_size", name)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else _ntuple(stride, nd, "stride")
    p = _ntuple(padding, nd, "padding")
    d = _ntuple(dilation, nd, "dilation")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got {list(k)}")
    if any(v <= 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation={list(d)}")
    return k, s, p, d


def _batched(input, nd, name):
    if input.ndim not in (nd + 1, nd + 2) or input.numel() == 0 and input.ndim == nd + 1:
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor for input, but got input "
                           f"of size: {list(input.shape)}")
    if any(n == 0 for n in input.shape[-nd:]):
        raise RuntimeError(f"{name}: Expected input to have non-zero size for non-batch dimensions, but input has "
                           f"sizes {list(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == nd + 1 else (input, False)


def _out_sizes(S, k, s, p, d, ceil_mode, C, half_of_effective=True):
    for kk, pp, dd in zip(k, p, d):
        lim = ((kk - 1) * dd + 1) // 2 if half_of_effective else kk // 2
        if pp > lim:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    O = tuple(_pool_size(S[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(len(S)))
    if any(o < 1 for o in O):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (C,) + tuple(S)))}). Calculated output size: "
                           f"({'x'.join(map(str, (C,) + O))}). Output size is too small")
    return O


class _PoolGeom:
    """Kernel taps of a pooling window as strided views of the (padded) input: one view per tap."""

    def __init__(self, S, k, s, p, d, O):
        self.S, self.k, self.s, self.p, self.d, self.O = tuple(S), k, s, p, d, O
        nd = len(k)
        self.full = tuple(max(S[i] + p[i], (O[i] - 1) * s[i] + (k[i] - 1) * d[i] + 1) for i in range(nd))
        self.padded = any(p) or self.full != self.S
        self.taps = list(itertools.product(*[range(n) for n in k]))
        self.tiled = not any(p) and k == s and all(v == 1 for v in d)

    def views(self, buf):
        """(N, C, *full) contiguous -> one (N, C, *O) strided view per tap."""
        st, nd = buf.strides, len(self.k)
        shape = buf.shape[:2] + tuple(self.O)
        strides = st[:2] + tuple(st[2 + i] * self.s[i] for i in range(nd))
        flat = buf.reshape(-1)
        return [xp(buf).lib.stride_tricks.as_strided(
            flat[sum(kk[i] * self.d[i] * st[2 + i] for i in range(nd)) // buf.itemsize:], shape, strides)
            for kk in self.taps]

    def pad(self, x, fill):
        if not self.padded:
            return xp(x).ascontiguousarray(x)
        buf = xp(x).full(x.shape[:2] + self.full, fill, x.dtype)
        buf[(Ellipsis,) + tuple(slice(pp, pp + n) for pp, n in zip(self.p, self.S))] = x
        return buf

    def crop(self, buf):
        if not self.padded:
            return buf
        return xp(buf).ascontiguousarray(buf[(Ellipsis,) + tuple(slice(pp, pp + n) for pp, n in zip(self.p, self.S))])

    def flat_index(self, tap):
        """Tap number per output -> flat index into each input plane (torch's `indices`)."""
        m, nd = xp(tap), len(self.k)
        flat, rem = 0, tap.astype(np.int64)
        for i in range(nd):
            step = math.prod(self.k[i + 1:])
            ki = rem // step
            rem = rem - ki * step
            o = m.arange(self.O[i], dtype=np.int64).reshape((-1,) + (1,) * (nd - 1 - i))
            flat = flat * self.S[i] + (o * self.s[i] - self.p[i] + ki * self.d[i])
        return flat


def _max_pool_arrays(x, g: _PoolGeom):
    """Window maxima and the winning tap per output (first maximum; a NaN wins like torch)."""
    m = xp(x)
    fill = -m.inf if x.dtype.kind == "f" else m.iinfo(x.dtype).min
    vs = g.views(g.pad(x, fill))
    vals = vs[0].copy()
    for v in vs[1:]:
        m.maximum(vals, v, out=vals)
    dt = np.int8 if len(vs) <= 127 else np.int64
    tap = m.full(vals.shape, len(vs) - 1, dt)
    for t in range(len(vs) - 2, -1, -1):
        tap -= (vs[t] == vals) * (tap - dt(t))
    if x.dtype.kind == "f" and bool(m.isnan(vals).any()):
        for t, v in enumerate(vs):
            tap = m.where(m.isnan(v), dt(t), tap)
    return vals, tap


class _MaxPoolTaps(Node):
    """Max pooling output: x at the winning tap of each window; the backward routes gradients there."""

    @staticmethod
    def forward(ctx, x, geom, tap, vals, tname):
        ctx.geom, ctx.tap, ctx.tname = geom, tap, tname
        return vals

    def name(self):
        return self.tname

    def backward(self, g):
        return _MaxPoolTapsT.apply(g, geom=self.geom, tap=self.tap, tname=self.tname[:-1] + "Backward0")


class _MaxPoolTapsT(Node):
    """Adjoint of `_MaxPoolTaps`: scatter (N, C, *O) values onto their winning taps (overlaps accumulate)."""

    @staticmethod
    def forward(ctx, g, geom, tap, tname):
        ctx.geom, ctx.tap, ctx.tname = geom, tap, tname
        m = xp(g)
        finite = bool(m.isfinite(g).all()) if g.dtype.kind == "f" else True
        exact = finite and geom.tiled and tuple(o * kk for o, kk in zip(geom.O, geom.k)) == geom.S
        buf = (m.empty if exact else m.zeros)(g.shape[:2] + geom.full, g.dtype)
        zero = g.dtype.type(0)
        for t, v in enumerate(geom.views(buf)):
            if not finite:  # keep non-finite gradients off the losing taps
                v += m.where(tap == t, g, zero)
            elif geom.tiled:
                m.multiply(g, tap == t, out=v)
            else:
                v += g * (tap == t)
        return geom.crop(buf)

    def name(self):
        return self.tname

    def backward(self, h):
        m = xp(h._data)
        vs = self.geom.views(self.geom.pad(h._data, 0))
        out = vs[0].copy()
        for t in range(1, len(vs)):
            out = m.where(self.tap == t, vs[t], out)
        return _MaxPoolTaps.apply(h, geom=self.geom, tap=self.tap, vals=out, tname=self.tname + "Backward0")


def _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    name = f"max_pool{nd}d"
    k, s, p, d = _pool_args(nd, kernel_size, stride, padding, dilation, name)
    x, unbatched = _batched(input, nd, name)
    if x._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    O = _out_sizes(x.shape[2:], k, s, p, d, ceil_mode, x.shape[1])
    geom = _PoolGeom(x.shape[2:], k, s, p, d, O)
    vals, tap = _max_pool_arrays(x._data, geom)
    out = _MaxPoolTaps.apply(x, geom=geom, tap=tap, vals=vals, tname=f"MaxPool{nd}DWithIndicesBackward0")
    if not return_indices:
        return out.squeeze(0) if unbatched else out
    ind = _make(geom.flat_index(tap))
    return (out.squeeze(0), ind.squeeze(0)) if unbatched else (out, ind)


def _max_pool1d_via_2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"max_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    one = lambda v, n: _ntuple(v, 1, n, "max_pool1d") if v is not None else None  # noqa: E731
    st = one(stride, "stride") if stride is not None and not (isinstance(stride, (list, tuple)) and not stride) \
        else None
    res = _max_poolnd(input.unsqueeze(-2), (1,) + one(kernel_size, "kernel_size"), None if st is None else (1,) + st,
                      (0,) + one(padding, "padding"), (1,) + one(dilation, "dilation"), ceil_mode, True, 2)
    out, ind = res[0].squeeze(-2), res[1].squeeze(-2)
    return (out, ind) if return_indices else out


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """1-D max pooling returning (values, indices)."""
    return _max_pool1d_via_2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling over (N, C, L)."""
    return _max_pool1d_via_2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """2-D max pooling returning (values, indices into each H*W plane)."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling over (N, C, H, W)."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """3-D max pooling returning (values, indices)."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, True, 3)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-D max pooling over (N, C, D, H, W)."""
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


# ---- average pooling -------------------------------------------------------------------------------------------------
def _avg_map(n, k, s, p, O, count_include_pad, use_divisor):
    """One axis of avg_pool: window [o*s-p, o*s-p+k) clipped; weight 1/count (count per torch's rules)."""
    start = np.arange(O) * s - p
    end = np.minimum(start + k, n + p)
    pool = end - start
    cs, ce = np.maximum(start, 0), np.minimum(end, n)
    idx = cs[:, None] + np.arange(k)[None, :]
    valid = idx < ce[:, None]
    cnt = pool if count_include_pad else (ce - cs)
    w = (1.0 / np.maximum(cnt, 1))[:, None] if use_divisor else np.ones((O, 1))
    return _AxisMap(n, np.minimum(idx, n - 1), np.where(valid, w, 0.0))


def _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    name = f"avg_pool{nd}d"
    k, s, p, _ = _pool_args(nd, kernel_size, stride, padding, 1, name)
    x, unbatched = _batched(input, nd, name)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    S = x.shape[2:]
    O = _out_sizes(S, k, s, p, (1,) * nd, ceil_mode, x.shape[1], half_of_effective=False)
    use_div = divisor_override is None
    maps = tuple(_avg_map(S[i], k[i], s[i], p[i], O[i], count_include_pad, use_div) for i in range(nd))
    scale = None if use_div else 1.0 / divisor_override
    if x._data.dtype.kind in "iu":  # integer average: exact window sums, then a truncating division like torch
        ones = tuple(_avg_map(S[i], k[i], s[i], p[i], O[i], count_include_pad, False) for i in range(nd))
        sums = AxisMapBackward.apply(x.to(_dtype.float64), maps=ones, tname="")
        div = np.ones(O)
        for i, mp in enumerate(maps):
            cnt = 1.0 / mp.wts.max(1) if use_div else np.ones(O[i])
            div = div * np.rint(cnt).reshape((-1,) + (1,) * (nd - 1 - i))
        div = div if use_div else np.full(O, float(divisor_override))
        out = (sums / _make(xp(x._data).asarray(div))).trunc().to(x.dtype)
    else:
        _float_only(x, name)
        out = AxisMapBackward.apply(x, maps=maps, tname=f"AvgPool{nd}DBackward0", scale=scale)
    return out.squeeze(0) if unbatched else out


def _float_only(x: Tensor, name: str):
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{x.type().split('.')[-1][:-6]}'")


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True) -> Tensor:
    """1-D average pooling over (N, C, L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"avg_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    one = lambda v, n: _ntuple(v, 1, n, "avg_pool1d")  # noqa: E731
    st = None if stride is None or (isinstance(stride, (list, tuple)) and not stride) else (1,) + one(stride, "stride")
    out = _avg_poolnd(input.unsqueeze(-2), (1,) + one(kernel_size, "kernel_size"), st, (0,) + one(padding, "padding"),
                      ceil_mode, count_include_pad, None, 2)
    return out.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None) -> Tensor:
    """2-D average pooling over (N, C, H, W)."""
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None) -> Tensor:
    """3-D average pooling over (N, C, D, H, W)."""
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling: (sum over the window of x^p)^(1/p), 1-D."""
    k = _ntuple(kernel_size, 1, "kernel_size")[0]
    out = avg_pool1d(input.pow(norm_type), k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(k).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling: (sum over the window of x^p)^(1/p), 2-D."""
    kh, kw = _ntuple(kernel_size, 2, "kernel_size")
    out = avg_pool2d(input.pow(norm_type), (kh, kw), stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kh * kw).pow(1.0 / norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling: (sum over the window of x^p)^(1/p), 3-D."""
    kd, kh, kw = _ntuple(kernel_size, 3, "kernel_size")
    out = avg_pool3d(input.pow(norm_type), (kd, kh, kw), stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kd * kh * kw).pow(1.0 / norm_type)


# ---- adaptive pooling ------------------------------------------------------------------------------------------------
def _adaptive_bounds(n, o):
    i = np.arange(o)
    return (i * n) // o, ((i + 1) * n + o - 1) // o


def _adaptive_args(input, output_size, nd, name):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    for i in range(input.ndim - nd, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {i} being empty")
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != nd:
            raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}")
        out = tuple(input.shape[input.ndim - nd + i] if v is None else int(v) for i, v in enumerate(output_size))
    else:
        out = (int(output_size),) * nd
    if any(v < 0 for v in out):
        raise RuntimeError(f"{name}(): elements of output_size must be greater than or equal to 0 but received "
                           f"{list(out)}")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == nd + 1 else (input, False)
    return x, unbatched, out


def _adaptive_avg(input, output_size, nd):
    name = f"adaptive_avg_pool{nd}d"
    if nd == 1:
        if input.ndim not in (2, 3):
            raise RuntimeError(f"adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got {list(input.shape)}")
        o = _ntuple(output_size, 1, "output_size")
        return _adaptive_avg(input.unsqueeze(-2), (1,) + o, 2).squeeze(-2)
    x, unbatched, O = _adaptive_args(input, output_size, nd, name)
    _float_only(x, name)
    S = x.shape[2:]
    if nd == 2 and O == (1, 1):
        out = x.mean((-2, -1), keepdim=True)
    else:
        maps = []
        for n, o in zip(S, O):
            st, en = _adaptive_bounds(n, o)
            k = int((en - st).max()) if o else 1
            idx = st[:, None] + np.arange(k)[None, :]
            valid = idx < en[:, None]
            maps.append(_AxisMap(n, np.minimum(idx, n - 1), np.where(valid, 1.0 / (en - st)[:, None], 0.0)))
        out = AxisMapBackward.apply(x, maps=tuple(maps), tname=f"AdaptiveAvgPool{nd}DBackward0")
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """Average pooling to a fixed output length."""
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Average pooling to a fixed (H, W) output size (None keeps that dim)."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input, output_size) -> Tensor:
    """Average pooling to a fixed (D, H, W) output size."""
    return _adaptive_avg(input, output_size, 3)


def _adaptive_max(input, output_size, return_indices, nd):
    name = f"adaptive_max_pool{nd}d"
    if nd == 1:
        if input.ndim not in (2, 3):
            raise RuntimeError(f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got {list(input.shape)}")
        o = _ntuple(output_size, 1, "output_size")
        out, ind = _adaptive_max(input.unsqueeze(-2), (1,) + o, True, 2)
        out, ind = out.squeeze(-2), ind.squeeze(-2)
        return (out, ind) if return_indices else out
    x, unbatched, O = _adaptive_args(input, output_size, nd, name)
    a = x._data
    m = xp(a)
    S = a.shape[2:]
    flat_idx, valid = 0, True
    for i, (n, o) in enumerate(zip(S, O)):
        st, en = _adaptive_bounds(n, o)
        k = int((en - st).max()) if o else 1
        ii = st[:, None] + np.arange(k)[None, :]
        ok = ii < en[:, None]
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = o, k
        flat_idx = flat_idx * n + np.minimum(ii, n - 1).reshape(shape)
        valid = valid & ok.reshape(shape)
    flat_idx = np.broadcast_to(flat_idx, tuple(O) + flat_idx.shape[nd:]).reshape(tuple(O) + (-1,))
    valid = np.broadcast_to(valid, tuple(O) + np.shape(valid)[nd:]).reshape(tuple(O) + (-1,))
    win = a.reshape(a.shape[:2] + (-1,))[:, :, m.asarray(flat_idx)]
    fill = -m.inf if a.dtype.kind == "f" else m.iinfo(a.dtype).min
    win = m.where(m.asarray(valid), win, fill)
    kidx = win.argmax(-1)
    vals = m.take_along_axis(win, kidx[..., None], -1)[..., 0]
    idx = m.take_along_axis(m.broadcast_to(m.asarray(flat_idx), win.shape), kidx[..., None], -1)[..., 0]
    idx = idx.astype(np.int64, copy=False)
    out = _IndexGather.apply(x, idx=idx, accumulate=True, tname=f"AdaptiveMaxPool{nd}DBackward0", out=vals)
    ind = _make(idx)
    if unbatched:
        out, ind = out.squeeze(0), ind.squeeze(0)
    return (out, ind) if return_indices else out


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """Adaptive 1-D max pooling returning (values, indices)."""
    return _adaptive_max(input, output_size, True, 1)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed output length."""
    return _adaptive_max(input, output_size, return_indices, 1)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """Adaptive 2-D max pooling returning (values, indices)."""
    return _adaptive_max(input, output_size, True, 2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed (H, W) output size."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    """Adaptive 3-D max pooling returning (values, indices)."""
    return _adaptive_max(input, output_size, True, 3)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling to a fixed (D, H, W) output size."""
    return _adaptive_max(input, output_size, return_indices, 3)


# ---- max unpooling ---------------------------------------------------------------------------------------------------
def _max_unpoolnd(input, indices, kernel_size, stride, padding, output_size, nd):
    k, s, p, _ = _pool_args(nd, kernel_size, stride, padding, 1, f"max_unpool{nd}d")
    unbatched = input.ndim == nd + 1
    x, ind = (input.unsqueeze(0), indices.unsqueeze(0)) if unbatched else (input, indices)
    S = x.shape[2:]
    default = tuple((S[i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(nd))
    if output_size is not None:
        out_sz = tuple(int(v) for v in output_size)
        if len(out_sz) == nd + 2 or (len(out_sz) == nd + 1 and unbatched):
            out_sz = out_sz[-nd:]
        if len(out_sz) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                             f"length of '{len(out_sz)}'")
        for i in range(nd):
            lo, hi = default[i] - s[i], default[i] + s[i]
            if not lo < out_sz[i] < hi:
                raise ValueError(f'invalid output_size "{out_sz}" (dim {i} must be between {lo} and {hi})')
    else:
        out_sz = default
    if ind._data.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {ind.dtype}")
    if tuple(ind.shape) != tuple(x.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(x.shape)}) but "
                           f"got indices tensor with shape: {list(ind.shape)}")
    total = math.prod(out_sz)
    a = ind._data
    if a.size and (int(a.min()) < 0 or int(a.max()) >= total):
        bad = int(a.max()) if int(a.max()) >= total else int(a.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, out_sz))}")
    out = _IndexScatter.apply(x, idx=a, shape=tuple(x.shape[:2]) + out_sz, accumulate=False,
                              tname=f"MaxUnpool{nd}DBackward0")
    return out.squeeze(0) if unbatched else out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool1d: scatter values to their argmax positions, zeros elsewhere."""
    return _max_unpoolnd(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool2d: scatter values to their argmax positions, zeros elsewhere."""
    return _max_unpoolnd(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool3d: scatter values to their argmax positions, zeros elsewhere."""
    return _max_unpoolnd(input, indices, kernel_size, stride, padding, output_size, 3)
