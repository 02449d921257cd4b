"""Upsampling: interpolate (nearest/linear/bilinear/bicubic/trilinear/area), upsample, pixel and channel shuffle.

Every interpolation mode is a separable linear map, one small sparse matrix per spatial axis (`padding._AxisMap`),
applied axis by axis (`AxisMapBackward`); the backward applies the transposed maps.
"""
from __future__ import annotations

import math
import numbers

from ._base import Node, Tensor, np, xp
from .padding import AxisMapBackward, _AxisMap
from .pool import _adaptive_avg, _float_only

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle",
           "channel_shuffle", "native_channel_shuffle"]


# ---- interpolation ---------------------------------------------------------------------------------------------------
def _src_scale(n_in, n_out, align_corners, scale, ft):
    if align_corners:
        return ft((n_in - 1) / (n_out - 1)) if n_out > 1 else ft(0)
    return ft(1.0 / scale) if scale is not None and scale > 0 else ft(n_in / n_out)


def _nearest_map(n_in, n_out, scale, exact):
    f = np.float32
    sc = f(1.0 / scale) if scale is not None and scale > 0 else f(n_in) / f(n_out)
    dst = np.arange(n_out, dtype=f)
    if exact:
        src = np.floor((dst + f(0.5)) * sc)
    elif n_out == n_in:
        src = dst
    elif n_out == 2 * n_in:
        src = np.arange(n_out) // 2
    else:
        src = np.floor(dst * sc)
    return _AxisMap(n_in, np.minimum(src.astype(np.int64), n_in - 1)[:, None], np.ones((n_out, 1)))


def _linear_map(n_in, n_out, align_corners, scale, ft):
    sc = _src_scale(n_in, n_out, align_corners, scale, ft)
    dst = np.arange(n_out, dtype=ft)
    src = sc * dst if align_corners else np.maximum(sc * (dst + ft(0.5)) - ft(0.5), ft(0))
    i0 = src.astype(np.int64)
    i1 = i0 + (i0 < n_in - 1)
    l1 = np.clip(src - i0.astype(ft), 0, 1).astype(ft)
    l0 = (ft(1) - l1).astype(ft)
    return _AxisMap(n_in, np.stack([i0, i1], 1), np.stack([l0, l1], 1).astype(np.float64))


def _cubic_map(n_in, n_out, align_corners, scale, ft):
    A = ft(-0.75)
    sc = _src_scale(n_in, n_out, align_corners, scale, ft)
    dst = np.arange(n_out, dtype=ft)
    src = sc * dst if align_corners else sc * (dst + ft(0.5)) - ft(0.5)
    fl = np.floor(src)
    t = (src - fl).astype(ft)

    def near(x):  # |x| <= 1
        return ((A + ft(2)) * x - (A + ft(3))) * x * x + ft(1)

    def far(x):  # 1 < |x| < 2
        return ((A * x - ft(5) * A) * x + ft(8) * A) * x - ft(4) * A

    w = np.stack([far(t + ft(1)), near(t), near(ft(1) - t), far(ft(2) - t)], 1)
    idx = np.clip(fl.astype(np.int64)[:, None] + np.arange(-1, 3)[None, :], 0, n_in - 1)
    return _AxisMap(n_in, idx, w.astype(np.float64))


_MODES = {"nearest": (None, "UpsampleNearest"), "nearest-exact": (None, "UpsampleNearestExact"),
          "linear": (1, "UpsampleLinear"), "bilinear": (2, "UpsampleBilinear"), "bicubic": (2, "UpsampleBicubic"),
          "trilinear": (3, "UpsampleTrilinear"), "area": (None, "")}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False) -> Tensor:
    """Resize (N, C, *spatial) by `size` or `scale_factor` with nearest/linear/bilinear/bicubic/trilinear/area."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nd = input.ndim - 2
    if mode not in _MODES or nd not in (1, 2, 3):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  "the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    need = _MODES[mode][0]
    if need is not None and need != nd:
        names = {1: "linear", 2: "bilinear", 3: "trilinear"}
        want = {1: "3D", 2: "4D", 3: "5D"}
        if mode == "bicubic":
            raise NotImplementedError(f"Got {input.ndim}D input, but bicubic mode needs 4D input")
        raise NotImplementedError(f"Got {input.ndim}D input, but {names[need]} mode needs {want[need]} input")
    if antialias:
        raise NotImplementedError("antialias=True is not supported by ember's interpolate")
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {spatial} and output size of {size}. Please provide "
                                 "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                                 "format.")
            if not all(isinstance(v, numbers.Integral) for v in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(v) for v in size]}")
            out = [int(v) for v in size]
        else:
            out = [int(size)] * nd
        scales = [None] * nd
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != nd:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {spatial} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(v) for v in scale_factor]
        else:
            scales = [float(scale_factor)] * nd
        out = [int(math.floor(n * sc)) for n, sc in zip(spatial, scales)]
        if recompute_scale_factor or mode == "area":
            scales = [None] * nd
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({'x'.join(map(str, spatial))}) and output ({'x'.join(map(str, out))})")
    if mode == "area":
        return _adaptive_avg(input, tuple(out), nd)
    _float_only(input, f"upsample_{mode.replace('-', '_')}{nd}d")
    ft = np.float64 if input._data.dtype == np.float64 else np.float32
    maps = []
    for n, o, sc in zip(spatial, out, scales):
        if mode.startswith("nearest"):
            maps.append(_nearest_map(n, o, sc, mode == "nearest-exact"))
        elif mode == "bicubic":
            maps.append(_cubic_map(n, o, align_corners, sc, ft))
        else:
            maps.append(_linear_map(n, o, align_corners, sc, ft))
    tname = f"{_MODES[mode][1]}{nd}DBackward0"
    return AxisMapBackward.apply(input, maps=tuple(maps), tname=tname)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None) -> Tensor:
    """Deprecated alias of interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(..., mode='nearest')."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(..., mode='bilinear', align_corners=True)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- pixel / channel shuffle ---------------------------------------------------------------------------------------
def _shuffle(a, r, up):
    """(*, C*r*r, H, W) <-> (*, C, H*r, W*r) on arrays."""
    lead = a.shape[:-3]
    C, H, W = a.shape[-3:]
    if up:
        c = C // (r * r)
        b = a.reshape(lead + (c, r, r, H, W))
        n = len(lead)
        b = b.transpose(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
        return xp(a).ascontiguousarray(b).reshape(lead + (c, H * r, W * r))
    b = a.reshape(lead + (C, H // r, r, W // r, r))
    n = len(lead)
    b = b.transpose(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return xp(a).ascontiguousarray(b).reshape(lead + (C * r * r, H // r, W // r))


class PixelShuffleBackward0(Node):
    @staticmethod
    def forward(ctx, a, r):
        ctx.r = r
        return _shuffle(a, r, True)

    def backward(self, g):
        return PixelUnshuffleBackward0.apply(g, self.r)


class PixelUnshuffleBackward0(Node):
    @staticmethod
    def forward(ctx, a, r):
        ctx.r = r
        return _shuffle(a, r, False)

    def backward(self, g):
        return PixelShuffleBackward0.apply(g, self.r)


def pixel_shuffle(input, upscale_factor: int) -> Tensor:
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r)."""
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if input.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={input.shape[-3]} is not divisible by {r * r}")
    return PixelShuffleBackward0.apply(input, r)


def pixel_unshuffle(input, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W)."""
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for d, nm in ((-2, "height"), (-1, "width")):
        if input.shape[d] % r:
            raise RuntimeError(f"pixel_unshuffle expects {nm} to be divisible by downscale_factor, but "
                               f"input.size({d})={input.shape[d]} is not divisible by {r}")
    return PixelUnshuffleBackward0.apply(input, r)


class ChannelShuffleBackward0(Node):
    @staticmethod
    def forward(ctx, a, groups):
        ctx.groups = groups
        N, C = a.shape[:2]
        b = a.reshape((N, groups, C // groups) + a.shape[2:]).swapaxes(1, 2)
        return xp(a).ascontiguousarray(b).reshape(a.shape)

    def backward(self, g):
        return ChannelShuffleBackward0.apply(g, g.shape[1] // self.groups)


def channel_shuffle(input, groups: int) -> Tensor:
    """Interleave channels: (N, g*c, ...) viewed as (N, g, c, ...) -> transpose -> (N, c*g, ...)."""
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
                           f"{groups} groups.")
    return ChannelShuffleBackward0.apply(input, groups)


native_channel_shuffle = channel_shuffle
