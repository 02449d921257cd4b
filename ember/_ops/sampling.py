"""Spatial sampling and Gumbel sampling: grid_sample, affine_grid, gumbel_softmax (torch.nn.functional's).

grid_sample is composed from differentiable ops: the integer tap positions come from the detached grid, the
interpolation weights are ember expressions of the grid, and one gather reads all taps, so gradients reach both
the input (through the gather) and the grid (through the weights) with torch's formulas.
"""
from __future__ import annotations

import math
import warnings

from ._base import Tensor, _make, np
from .creation import empty_like, linspace, ones, zeros_like
from .elementwise import fmod, where
from .index import GatherBackward0
from .shape import stack

__all__ = ["grid_sample", "affine_grid", "gumbel_softmax"]

_ALIGN_MSG = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
              "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for "
              "details.")
_CUBIC_A = -0.75


def _unnormalize(c, size, align_corners):
    """[-1, 1] grid coordinates to pixel coordinates."""
    return (c + 1) / 2 * (size - 1) if align_corners else ((c + 1) * size - 1) / 2


def _clip(c, size):
    """Clamp to [0, size-1] with torch's gradient: zero at and beyond the bounds."""
    a = c._data
    inside = _make((a > 0) & (a < size - 1))
    return where(inside, c, _make(np.clip(a, 0, size - 1).astype(a.dtype)))


def _reflect(c, twice_low, twice_high):
    """Reflect coordinates into [twice_low/2, twice_high/2] (gradient sign flips with each reflection)."""
    if twice_low == twice_high:
        return c * 0
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    shifted = c - lo
    sign = np.where(shifted._data < 0, -1, 1).astype(c._data.dtype)
    d = shifted * _make(sign)
    extra = fmod(d, span)
    even = _make(np.floor(d._data / span) % 2 == 0)
    return where(even, extra + lo, span - extra + lo)


def _pad_coords(c, size, padding_mode, align_corners):
    if padding_mode == "border":
        return _clip(c, size)
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
        return _clip(c, size)
    return c


def _pad_index(i, size, padding_mode, align_corners):
    """The padding transform on integer tap positions (bicubic's bounded reads), on arrays."""
    if padding_mode == "zeros":
        return i
    i = i.astype(np.float64)
    if padding_mode == "reflection":
        lo, hi = (0.0, 2.0 * (size - 1)) if align_corners else (-1.0, 2.0 * size - 1)
        if lo == hi:
            i = np.zeros_like(i)
        else:
            mn, span = lo / 2, (hi - lo) / 2
            d = np.abs(i - mn)
            extra = np.fmod(d, span)
            i = np.where(np.floor(d / span) % 2 == 0, extra + mn, span - extra + mn)
    return np.clip(i, 0, size - 1)


def _cubic_weights(t):
    """The four cubic-convolution coefficients (A=-0.75) at fractional offset t."""
    a = _CUBIC_A

    def conv1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def conv2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [conv2(t + 1), conv1(t), conv1(1 - t), conv2(2 - t)]


def _check_grid_sample(input, grid, mode, padding_mode):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if not isinstance(input, Tensor) or not isinstance(grid, Tensor):
        raise TypeError("grid_sample(): expected input and grid to be Tensors")
    isz, gsz = list(input.shape), list(grid.shape)
    if input.dim() != grid.dim() or input.dim() not in (4, 5):
        if input.shape[:1] != grid.shape[:1]:
            raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                               f"sizes {isz} and grid with sizes {gsz}")
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got input with sizes {isz} and grid with sizes {gsz}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {isz} and grid with sizes {gsz}")
    d = input.dim() - 2
    if grid.shape[-1] != d:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {d} in last dimension, but got grid with "
                           f"sizes {gsz}")
    for i in range(2, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {isz} with dimension {i} being empty")
    if mode == "bicubic" and d != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"expected scalar type {_dtype_word(input)} but found {_dtype_word(grid)}")
    if not input.is_floating_point():
        raise NotImplementedError(f'"grid_sampler_{d}d_cpu_kernel_impl" not implemented for '
                                  f"'{input.dtype.name.capitalize().replace('Int64', 'Long')}'")


def _dtype_word(t):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}.get(
        t.dtype.name, t.dtype.name.capitalize())


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample `input` (N, C, [D,] H, W) at the [-1, 1] locations `grid` (N, [D_out,] H_out, W_out, 2|3)."""
    _check_grid_sample(input, grid, mode, padding_mode)
    if align_corners is None:
        warnings.warn(_ALIGN_MSG, stacklevel=2)
        align_corners = False
    d = input.dim() - 2
    n, ch = input.shape[0], input.shape[1]
    sizes = list(input.shape[2:])[::-1]  # (W, H[, D]) paired with grid[..., 0], grid[..., 1][, grid[..., 2]]
    strides = [math.prod(sizes[:i]) for i in range(d)]
    out_sp = tuple(grid.shape[1:-1])
    length = math.prod(out_sp)
    coords = [_unnormalize(grid[..., i], sizes[i], align_corners) for i in range(d)]
    if mode != "bicubic":
        coords = [_pad_coords(c, s, padding_mode, align_corners) for c, s in zip(coords, sizes)]
    taps = []  # (index arrays per coordinate, weight tensor or None)
    if mode == "nearest":
        taps.append(([np.rint(c._data) for c in coords], None))
    elif mode == "bilinear":
        lows = [np.floor(c._data) for c in coords]
        for corner in range(2 ** d):
            idx, w = [], None
            for i, (c, lo) in enumerate(zip(coords, lows)):
                hi = (corner >> i) & 1
                wi = (c - _make(lo)) if hi else (_make(lo + 1) - c)
                idx.append(lo + hi)
                w = wi if w is None else w * wi
            taps.append((idx, w))
    else:
        lows = [np.floor(c._data) for c in coords]
        wx, wy = (_cubic_weights(c - _make(lo)) for c, lo in zip(coords, lows))
        for j in range(4):
            for i in range(4):
                idx = [_pad_index(lows[0] - 1 + i, sizes[0], padding_mode, align_corners),
                       _pad_index(lows[1] - 1 + j, sizes[1], padding_mode, align_corners)]
                taps.append((idx, wx[i] * wy[j]))
    lin, valid = [], []
    for idx, _ in taps:
        ok = np.ones(idx[0].shape, bool)
        li = np.zeros(idx[0].shape, np.int64)
        for a, s, st in zip(idx, sizes, strides):
            ok &= (a >= 0) & (a <= s - 1)
            li += np.where(ok, a, 0).astype(np.int64) * st
        lin.append(np.where(ok, li, 0).reshape(n, 1, length))
        valid.append(ok.reshape(n, 1, length))
    k = len(taps)
    index = np.broadcast_to(np.concatenate(lin, axis=2), (n, ch, k * length))
    vals = GatherBackward0.apply(input.reshape(n, ch, math.prod(sizes)), 2, index).reshape(n, ch, k, length)
    mask = _make(np.stack(valid, axis=2))
    if mode == "nearest":
        out = where(mask, vals, 0).sum(2)
        if grid._rg:  # torch's nearest sampling has a zero (not absent) gradient for the grid
            out = out + (grid * 0).sum(-1).reshape(n, 1, length)
    else:
        w = stack([t[1].reshape(n, length) for t in taps], 1).unsqueeze(1)
        out = where(mask, vals * w, 0).sum(2)
    return out.reshape(n, ch, *out_sp)


def _base_coords(steps: int, align_corners: bool, like: Tensor) -> Tensor:
    if steps <= 1:
        return like.new_zeros(1)
    r = linspace(-1, 1, steps, dtype=like.dtype)
    return r if align_corners else r * (steps - 1) / steps


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, [D,] H, W, 2|3) of the affine maps `theta` (N, 2, 3) or (N, 3, 4) for output `size`."""
    if align_corners is None:
        warnings.warn(_ALIGN_MSG, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected theta to have batch size {size[0]}, but got {theta.shape[0]}")
    axes = [_base_coords(s, align_corners, theta) for s in spatial[::-1]]  # x (W), y (H)[, z (D)]
    d = len(axes)
    shape = tuple(spatial)
    cols = []
    for i, a in enumerate(axes):
        view = [1] * d
        view[d - 1 - i] = a.shape[0]
        cols.append(a.reshape(view).expand(shape))
    cols.append(ones(shape, dtype=theta.dtype))
    base = stack(cols, -1).reshape(1, -1, d + 1)
    grid = base.matmul(theta.transpose(1, 2))
    return grid.reshape(size[0], *shape, d)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """Samples from Gumbel-softmax(logits / tau); `hard` returns one-hot samples with the soft sample's gradient."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft

