"""nn.attention: SDPBackend and the sdpa_kernel context manager (backend selection for scaled_dot_product_attention).

ember has one implementation (the math one); the flags are kept in ember.backends.cuda like torch's, so code that
selects backends runs unchanged.
"""
from __future__ import annotations

import contextlib
import enum

from ...backends import cuda as _cuda

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """The scaled-dot-product-attention implementations torch can dispatch to."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __str__(self):
        return f"SDPBackend.{self.name}"


_FLAGS = {SDPBackend.FLASH_ATTENTION: "flash", SDPBackend.EFFICIENT_ATTENTION: "mem_efficient",
          SDPBackend.MATH: "math", SDPBackend.CUDNN_ATTENTION: "cudnn"}
_PRIORITY = [[int(b) for b in (SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION,
                               SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH, SDPBackend.OVERRIDEABLE)]]


def _cur_sdpa_kernel_backends(with_priority: bool = False) -> list:
    backends = [b for b, flag in _FLAGS.items() if _cuda._sdp[flag]]
    if with_priority:
        backends.sort(key=lambda b: _PRIORITY[0].index(int(b)))
    return backends


def _sdpa_kernel(backends, set_priority: bool = False) -> None:
    for b, flag in _FLAGS.items():
        _cuda._sdp[flag] = b in backends
    if set_priority:
        order = [int(b) for b in backends]
        _PRIORITY[0] = order + [b for b in _PRIORITY[0] if b not in order]


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority: bool = False):
    """Enable only `backends` (one SDPBackend or a list) inside the block; restores the previous flags after."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances, got "
                             f"{type(backends).__name__}")
    if isinstance(backends, SDPBackend):
        backends = [backends]
    backends = list(dict.fromkeys(backends))
    previous = _cur_sdpa_kernel_backends(with_priority=set_priority)
    previous_priority = list(_PRIORITY[0])
    try:
        _sdpa_kernel(backends, set_priority)
        yield {}
    finally:
        _sdpa_kernel(previous, False)
        _PRIORITY[0] = previous_priority
