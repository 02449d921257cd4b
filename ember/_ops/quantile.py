"""quantile and nanquantile: sort along the dim, then read (and interpolate) the ranked values (differentiable)."""
from __future__ import annotations

import builtins

from ._base import Tensor, _make, np, wrap_dim
from .elementwise import lerp
from .index import gather, sort
from .shape import np_aliases

__all__ = ["quantile", "nanquantile"]

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_array(name, input, q):
    """q as a 1-D array in the input's dtype (plus whether it was a scalar), validated like torch."""
    if isinstance(q, Tensor):
        if q.dim() > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        arr = np.asarray(q.detach().cpu()._data).reshape(-1)
        if not ((arr >= 0) & (arr <= 1)).all():
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        return arr, q.dim() == 0
    if isinstance(q, builtins.bool) or not isinstance(q, (builtins.int, builtins.float, np.number)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                        f"{type(q).__name__}), but expected q to be a float or a Tensor")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    return np.array([q], dtype=input._data.dtype), True


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    if input.dtype.name not in ("float32", "float64"):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    qs, scalar = _q_array(name, input, q)
    if interpolation not in _MODES:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if dim is None:
        x, d = input.reshape(-1), None
    else:
        d = wrap_dim(dim, input.dim())
        x = input.unsqueeze(0) if input.dim() == 0 else input.movedim(d, -1)
    srt = sort(x, -1).values  # NaNs sort last
    arr = srt._data
    n = arr.shape[-1]
    dt = arr.dtype
    last = np.asarray(n - 1, dt)
    if ignore_nan:
        count = (~np.isnan(arr)).sum(-1, keepdims=True).astype(dt)
        ranks = np.where(count == 0, last, qs * (count - 1))
    else:
        ranks = np.where(np.isnan(arr[..., -1:]), last, qs * last)
    ranks = np.broadcast_to(ranks, arr.shape[:-1] + (qs.size,)).astype(dt)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)
    below = ranks.astype(np.int64)
    out = gather(srt, -1, _make(below))
    if interpolation in ("linear", "midpoint"):
        weights = np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below.astype(dt)
        out = lerp(out, gather(srt, -1, _make(np.ceil(ranks).astype(np.int64))), _make(weights))
    out = out.movedim(-1, 0)  # (Q, *rest)
    if keepdim:
        if d is None:
            out = out.reshape((qs.size,) + (1,) * input.dim())
        elif input.dim() > 0:
            out = out.unsqueeze(d + 1)
    return out.squeeze(0) if scalar else out


def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear", axis=None, keepdims=None) -> Tensor:
    """The q-th quantiles along `dim` (flattened when None); a 1-D `q` adds a leading dim of quantiles."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("quantile", dim, keepdim, axis, keepdims)
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear", axis=None, keepdims=None) -> Tensor:
    """quantile that ignores NaNs (a row of only NaNs gives NaN)."""
    if axis is not None or keepdims is not None:  # numpy-style alias
        dim, keepdim = np_aliases("nanquantile", dim, keepdim, axis, keepdims)
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)
