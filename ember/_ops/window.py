"""Window functions for spectral analysis: hann, hamming, blackman, bartlett and kaiser windows (torch's formulas)."""
from __future__ import annotations

import builtins
import math

from .. import _dtype
from ._base import np
from .creation import _finish

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


def _window(name, window_length, periodic, dtype, device, requires_grad, fn):
    """Validate, then build the (periodic: one longer, last point dropped) window with `fn(n, length)`."""
    if not isinstance(window_length, builtins.int) or isinstance(window_length, builtins.bool):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    dt = _dtype.get_default_dtype() if dtype is None else dtype
    if not dt.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    npdt = _dtype.to_np(dt)
    if window_length <= 1:
        arr = np.ones(window_length, npdt)
    else:
        length = window_length + 1 if periodic else window_length
        arr = fn(np.arange(length, dtype=npdt), length).astype(npdt, copy=False)[:window_length]
    return _finish(np.ascontiguousarray(arr), dt, device, requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, requires_grad: bool = False):
    r"""Hamming window :math:`\alpha - \beta \cos(2\pi n / (N - 1))` (N one larger when `periodic`)."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: alpha - beta * np.cos(n * (2 * math.pi / (m - 1))))


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False):
    r"""Hann window :math:`0.5 - 0.5 \cos(2\pi n / (N - 1))` (N one larger when `periodic`)."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, m: 0.5 - 0.5 * np.cos(n * (2 * math.pi / (m - 1))))


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False):
    r"""Blackman window :math:`0.42 - 0.5 \cos(2\pi n/(N-1)) + 0.08 \cos(4\pi n/(N-1))`."""
    def fn(n, m):
        w = n * (math.pi / (m - 1))
        return np.cos(w * 4) * 0.08 - np.cos(w * 2) * 0.5 + 0.42
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, fn)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False):
    r"""Bartlett (triangular) window :math:`1 - |2n/(N-1) - 1|`."""
    def fn(n, m):
        w = n * (2 / (m - 1))
        half = ((m - 1) >> 1) + 1
        w[half:] = 2 - w[half:]
        return w
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, fn)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False):
    r"""Kaiser window :math:`I_0(\beta \sqrt{1 - ((n - \alpha)/\alpha)^2}) / I_0(\beta)`, :math:`\alpha = (N-1)/2`."""
    def fn(n, m):
        a = (m - 1) / 2.0
        return np.i0(beta * np.sqrt(np.maximum(1 - ((n - a) / a) ** 2, 0))) / np.i0(beta)
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, fn)
