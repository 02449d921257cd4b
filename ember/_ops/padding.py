"""F.pad in all modes (constant, reflect, replicate, circular), and the per-axis linear maps behind it.

Constant padding writes the input into a filled buffer (negative pads crop); its backward is the opposite crop,
itself a constant pad. The other modes are gathers along each padded axis: `_AxisMap` is a small sparse matrix
applied along one axis, `AxisMapBackward` applies one per trailing axis and its backward the transposed maps. Average
pooling (in `pool`) and interpolation (in `upsampling`) are the same primitive with fractional weights.
"""
from __future__ import annotations

import math

import numpy as np

from ._base import Node, Tensor, xp

__all__ = ["pad"]


# ---- separable linear maps along axes ------------------------------------------------------------------------------
class _AxisMap:
    """A linear map along one axis: y[i] = sum_j wts[i, j] * x[idx[i, j]] (few taps per output)."""

    def __init__(self, n_in: int, idx, wts):
        self.n_in, self.n_out = n_in, idx.shape[0]
        self.idx, self.wts = idx.astype(np.int64), wts.astype(np.float64)
        self._t = None
        self._dense = {}

    def transpose(self) -> "_AxisMap":
        if self._t is None:
            rows = np.repeat(np.arange(self.n_out), self.idx.shape[1])
            tgt, w = self.idx.ravel(), self.wts.ravel()
            keep = w != 0
            rows, tgt, w = rows[keep], tgt[keep], w[keep]
            order = np.argsort(tgt, kind="stable")
            rows, tgt, w = rows[order], tgt[order], w[order]
            counts = np.bincount(tgt, minlength=self.n_in)
            k = max(int(counts.max()) if counts.size else 1, 1)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            slot = np.arange(tgt.size) - starts[tgt]
            idx = np.zeros((self.n_in, k), np.int64)
            wts = np.zeros((self.n_in, k))
            idx[tgt, slot], wts[tgt, slot] = rows, w
            self._t = _AxisMap(self.n_out, idx, wts)
            self._t._t = self
        return self._t

    def dense(self, m, dtype):
        key = (m.__name__, dtype.str)
        if key not in self._dense:
            W = np.zeros((self.n_out, self.n_in))
            np.add.at(W, (np.repeat(np.arange(self.n_out), self.idx.shape[1]), self.idx.ravel()), self.wts.ravel())
            self._dense[key] = m.asarray(W.astype(dtype))
        return self._dense[key]

    def apply(self, a, axis: int):
        """Apply along `axis` (negative) of array a."""
        m = xp(a)
        if self.idx.shape[1] > 1 and self.n_in <= 64 and bool(m.isfinite(a).all()):  # small axes: one GEMM
            W = self.dense(m, a.dtype)
            if axis == -1:
                return m.matmul(a, W.T)
            shp = a.shape
            post = math.prod(shp[len(shp) + axis + 1:])
            a3 = a.reshape(-1, self.n_in, post)
            return m.matmul(W, a3).reshape(shp[:len(shp) + axis] + (self.n_out,) + shp[len(shp) + axis + 1:])
        out = None
        wshape = (-1,) + (1,) * (-axis - 1)
        for j in range(self.idx.shape[1]):
            wj = self.wts[:, j]
            if not wj.any():
                continue
            term = m.take(a, m.asarray(self.idx[:, j]), axis=axis)
            if not np.all(wj == 1):
                term *= m.asarray(wj.astype(a.dtype)).reshape(wshape)
            out = term if out is None else out + term
        if out is None:
            shp = list(a.shape)
            shp[axis] = self.n_out
            out = m.zeros(shp, a.dtype)
        return out


class AxisMapBackward(Node):
    """Separable linear resampling: one `_AxisMap` per trailing spatial axis (pooling, interpolation)."""

    @staticmethod
    def forward(ctx, a, maps, tname, scale=None):
        ctx.maps, ctx.tname, ctx.scale = maps, tname, scale
        nd = len(maps)
        for i in range(nd - 1, -1, -1):
            if maps[i] is not None:
                a = maps[i].apply(a, i - nd)
        if scale is not None:
            a = a * a.dtype.type(scale)
        return a if a.flags.c_contiguous else xp(a).ascontiguousarray(a)

    def name(self):
        return self.tname

    def backward(self, g):
        maps = tuple(None if mp is None else mp.transpose() for mp in self.maps)
        tname = self.tname if self.tname.endswith("BackwardBackward0") else self.tname[:-1] + "Backward0"
        return AxisMapBackward.apply(g, maps=maps, tname=tname, scale=self.scale)


def _pairs(pad, ndim):
    """F.pad's flat (last_lo, last_hi, prev_lo, prev_hi, ...) -> [(axis, lo, hi)]."""
    return [(ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]


class ConstantPadNdBackward0(Node):
    @staticmethod
    def forward(ctx, a, pairs, value, tname="ConstantPadNdBackward0"):
        ctx.pairs, ctx.tname = pairs, tname
        shape = list(a.shape)
        src = [slice(None)] * a.ndim
        dst = [slice(None)] * a.ndim
        for ax, lo, hi in pairs:
            n = shape[ax]
            shape[ax] = n + lo + hi
            if shape[ax] < 0:
                raise RuntimeError(f"The input size {n}, plus negative padding {lo} and {hi} resulted in a negative "
                                   f"output size, which is invalid. Check dimension {ax} of your input.")
            src[ax] = slice(max(-lo, 0), n - max(-hi, 0))
            dst[ax] = slice(max(lo, 0), max(lo, 0) + max(n - max(-lo, 0) - max(-hi, 0), 0))
        m = xp(a)
        out = m.full(shape, value, a.dtype) if value != 0 else m.zeros(shape, a.dtype)
        if all(s.stop > s.start for s in (dst[ax] for ax, _, _ in pairs)):
            out[tuple(dst)] = a[tuple(src)]
        return out

    def name(self):
        return self.tname

    def backward(self, g):
        pairs = tuple((ax, -lo, -hi) for ax, lo, hi in self.pairs)
        return ConstantPadNdBackward0.apply(g, pairs, 0, tname="ConstantPadNdBackwardBackward0")


def _index_map(n, lo, hi, mode):
    j = np.arange(-lo, n + hi)
    if mode == "reflect":
        j = np.abs(j)
        j = np.where(j >= n, 2 * (n - 1) - j, j)
    elif mode == "replicate":
        j = np.clip(j, 0, n - 1)
    else:
        j = j % n
    return _AxisMap(n, j[:, None], np.ones((j.size, 1)))


_NAMES = {"reflect": "ReflectionPad{}DBackward0", "replicate": "ReplicationPad{}DBackward0", "circular": "CopySlices"}


def pad(input, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last len(pad)//2 dims; pad = (last_lo, last_hi, prev_lo, prev_hi, ...)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' must be Tensor, not {type(input).__name__}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    pairs = _pairs(pad, input.ndim)
    if mode == "constant":
        return ConstantPadNdBackward0.apply(input, tuple(pairs), 0 if value is None else value)
    if mode not in _NAMES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    k = len(pad) // 2
    if k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: "
            "padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    maps = []
    for ax, lo, hi in sorted(pairs):
        n = input.shape[ax]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {ax} of input {list(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0 and (lo > 0 or hi > 0):
            raise RuntimeError(f"input tensor must be non-empty along dimension {ax} to use replication padding")
        if n + lo + hi <= 0:
            raise RuntimeError(f"input (size {n}) with padding ({lo}, {hi}) results in a non-positive output size")
        maps.append(_index_map(n, lo, hi, mode))
    tname = _NAMES[mode].format(k)
    return AxisMapBackward.apply(input, maps=tuple(maps), tname=tname)
