"""Assorted top-level ops programs reach for: trapezoid rules, histogram, expand_copy and the complex-number queries."""
from __future__ import annotations

import math

from ._base import Tensor, _make, not_implemented, wrap_dim, xp
from .reduce import _return_type, return_types

__all__ = ["trapezoid", "trapz", "cumulative_trapezoid", "histogram", "expand_copy", "is_complex", "real",
           "view_as_real", "is_conj", "resolve_conj", "resolve_neg"]

return_types.histogram = _return_type("histogram", ["hist", "bin_edges"])


def _trapezoid_terms(y: Tensor, x, dx, dim: int) -> Tensor:
    """The per-interval areas (y[i] + y[i+1]) / 2 * (x[i+1] - x[i]) along `dim`."""
    if not isinstance(y, Tensor):
        raise TypeError(f"trapezoid(): argument 'y' (position 1) must be Tensor, not {type(y).__name__}")
    if y.dim() == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    d = wrap_dim(dim, y.dim())
    n = y.shape[d]
    if n == 0:
        return y.narrow(d, 0, 0)
    mean = (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)) * 0.5
    if x is None:
        return mean * (1.0 if dx is None else dx)
    if not isinstance(x, Tensor):
        raise TypeError(f"trapezoid(): argument 'x' must be Tensor, not {type(x).__name__}")
    if x.dim() == 1:
        if x.shape[0] != n:
            raise RuntimeError("trapezoid: There must be one `x` value for each sample point")
        widths = x[1:] - x[:-1]
        widths = widths.reshape([-1 if i == d else 1 for i in range(y.dim())])
    else:
        xd = wrap_dim(dim, x.dim())
        widths = x.narrow(xd, 1, x.shape[xd] - 1) - x.narrow(xd, 0, x.shape[xd] - 1)
    return mean * widths


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """Integral of `y` along `dim` by the trapezoid rule, with sample points `x` or spacing `dx` (default 1)."""
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments: both x and dx given")
    return _trapezoid_terms(y, x, dx, dim).sum(dim)


def trapz(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """Alias of `trapezoid`."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """Running trapezoid-rule integral of `y` along `dim` (one element shorter than `y` there)."""
    if x is not None and dx is not None:
        raise TypeError("cumulative_trapezoid() received an invalid combination of arguments: both x and dx given")
    return _trapezoid_terms(y, x, dx, dim).cumsum(dim)


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None, density: bool = False):
    """(hist, bin_edges) of a float tensor: `bins` equal-width bins over `range` (data range by default) or the
    given increasing edges."""
    a = input._data
    if a.dtype.kind != "f":
        raise not_implemented("histogramdd", a)
    if isinstance(bins, Tensor) and bins.dtype != input.dtype:
        raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but got "
                           f"input with dtype {input.dtype} and bins for dimension 0 with dtype {bins.dtype}")
    m = xp(a)
    w = None if weight is None else weight._data.reshape(-1)
    if w is not None and weight.shape != input.shape:
        raise RuntimeError("torch.histogram: if weight tensor is provided it should have the same shape as the "
                           "input tensor")
    if isinstance(bins, Tensor):
        edges = bins._data
        if edges.ndim != 1 or edges.size < 1:
            raise RuntimeError("torch.histogram(): bins tensor should have one dimension and at least 1 element")
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif a.size:
            lo, hi = float(a.min()), float(a.max())
        else:
            lo, hi = 0.0, 1.0  # torch's range for an empty input
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogram(): range of [{lo:g}, {hi:g}] is not finite")
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): min should not exceed max, but got min {lo:g} max {hi:g}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = m.linspace(lo, hi, bins + 1).astype(a.dtype)
    hist, _ = m.histogram(a.reshape(-1), bins=edges, weights=w, density=density)
    return return_types.histogram(_make(hist.astype(a.dtype)), _make(m.ascontiguousarray(edges)))


def expand_copy(input: Tensor, size, *, implicit: bool = False) -> Tensor:
    """`input.expand(size)` materialised into a fresh contiguous tensor (differentiable)."""
    return input.expand(size).clone()


def is_complex(input: Tensor) -> bool:
    """Whether `input` has a complex dtype (ember has none, so its tensors answer False)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_complex(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.is_complex()


def is_conj(input: Tensor) -> bool:
    """Whether `input`'s conjugate bit is set (only complex tensors have one)."""
    return False


def real(input: Tensor) -> Tensor:
    """The real part: a real tensor is its own real part (torch returns the same tensor)."""
    if input.is_complex():
        raise RuntimeError("complex tensors are not supported by ember")
    return input


def resolve_conj(input: Tensor) -> Tensor:
    """`input` with a pending conjugation applied; real tensors have none, so the tensor itself."""
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """`input` with a pending negation applied; ember never defers one, so the tensor itself."""
    return input


def view_as_real(input: Tensor) -> Tensor:
    """The (..., 2) real view of a complex tensor; a real tensor is refused as torch refuses it."""
    if not input.is_complex():
        raise RuntimeError("view_as_real is only supported for complex tensors")
    raise RuntimeError("complex tensors are not supported by ember")
