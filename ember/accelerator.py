"""ember.accelerator (torch.accelerator's names): the current accelerator, which ember on the CPU has none of.

A CUDA device counts when `ember.cuda.is_available()` (CuPy sees a GPU); otherwise `is_available()` is False,
`current_accelerator()` is None, `device_count()` is 0 and the per-device calls raise RuntimeError as torch's do.
"""
from __future__ import annotations

from . import cuda as _cuda
from ._backend import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "current_device_idx",
           "set_device_index", "set_device_idx", "synchronize", "device_index", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "max_memory_reserved", "reset_peak_memory_stats"]

_NONE = "Cannot access accelerator device when none is available."


def is_available() -> bool:
    """Whether an accelerator (a CUDA GPU through CuPy) can be used."""
    return _cuda.is_available()


def current_accelerator(check_available: bool = False):
    """``device('cuda')`` when a GPU is usable, else None."""
    return _device("cuda") if _cuda.is_available() else None


def device_count() -> int:
    """Number of accelerator devices (0 on the CPU)."""
    return _cuda.device_count()


def _require() -> None:
    if not _cuda.is_available():
        raise RuntimeError(_NONE)


def current_device_index() -> int:
    _require()
    return _cuda.current_device()


current_device_idx = current_device_index


def set_device_index(device) -> None:
    _require()
    _cuda.set_device(device)


set_device_idx = set_device_index


def synchronize(device=None) -> None:
    _require()
    _cuda.synchronize(device)


def empty_cache() -> None:
    if _cuda.is_available():
        _cuda.empty_cache()


def memory_allocated(device=None) -> int:
    _require()
    return _cuda.memory_allocated(device)


def max_memory_allocated(device=None) -> int:
    _require()
    return _cuda.max_memory_allocated(device)


def memory_reserved(device=None) -> int:
    _require()
    return _cuda.memory_reserved(device)


def max_memory_reserved(device=None) -> int:
    _require()
    return _cuda.memory_reserved(device)


def reset_peak_memory_stats(device=None) -> None:
    _require()


class device_index:  # noqa: N801 - torch's name
    """Context manager selecting accelerator `device` (None: leave it); a no-op without an accelerator."""

    def __init__(self, device, /) -> None:
        self.idx, self.prev = device, None

    def __enter__(self):
        if self.idx is not None and _cuda.is_available():
            self.prev = _cuda.current_device()
            _cuda.set_device(self.idx)
        return self

    def __exit__(self, *exc) -> None:
        if self.prev is not None:
            _cuda.set_device(self.prev)
