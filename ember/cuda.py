"""ember.cuda (torch.cuda's names): device queries, seeding and memory helpers, plus ``ember.cuda.amp``.

A device counts only when CuPy is installed (``pip install 'ember[cuda]'``) and sees a GPU; on CPU-only machines
`is_available()` is False, `device_count()` is 0, and seeding, `synchronize` and `empty_cache` do nothing.
"""
from __future__ import annotations

import importlib.util
import sys
import types
import warnings

from . import amp as _amp

__all__ = ["is_available", "device_count", "is_initialized", "current_device", "get_device_name",
           "manual_seed", "manual_seed_all", "seed", "seed_all", "synchronize", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats", "is_bf16_supported", "amp"]


def _cupy():
    """The cupy module if it is installed and sees at least one GPU, else None."""
    if importlib.util.find_spec("cupy") is None:
        return None
    try:
        import cupy
        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # cupy installed without a usable driver
        return None


def is_available() -> bool:
    """Whether a CUDA GPU can be used (CuPy installed and a device visible)."""
    return _cupy() is not None


def device_count() -> int:
    """Number of visible CUDA GPUs (0 without CuPy or a GPU)."""
    cp = _cupy()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def is_initialized() -> bool:
    return "cupy" in sys.modules and is_available()


def _require():
    cp = _cupy()
    if cp is None:
        raise AssertionError("ember has no CUDA device here (ember.cuda.is_available() is False): install a GPU "
                             "driver and `pip install 'ember[cuda]'`, or run on the CPU")
    return cp


def current_device() -> int:
    """Index of the current CUDA device (AssertionError without one, as torch)."""
    return _require().cuda.runtime.getDevice()


def get_device_name(device=None) -> str:
    cp = _require()
    index = getattr(device, "index", device) or 0
    name = cp.cuda.runtime.getDeviceProperties(index)["name"]
    return name.decode() if isinstance(name, bytes) else name


def manual_seed(seed: int) -> None:
    """No-op: ember draws every random number from the generator `ember.manual_seed` seeds."""


def manual_seed_all(seed: int) -> None:
    """No-op, like `manual_seed`."""


def seed() -> None:
    """No-op, like `manual_seed`."""


def seed_all() -> None:
    """No-op, like `manual_seed`."""


def synchronize(device=None) -> None:
    """Wait for queued GPU work to finish (a no-op without a GPU)."""
    cp = _cupy() if "cupy" in sys.modules else None
    if cp is not None:
        cp.cuda.runtime.deviceSynchronize()


def empty_cache() -> None:
    """Return cached GPU memory blocks to the driver (a no-op without a GPU)."""
    cp = _cupy() if "cupy" in sys.modules else None
    if cp is not None:
        cp.get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None) -> int:
    """Bytes of GPU memory held by tensors (0 without a GPU)."""
    cp = _cupy() if "cupy" in sys.modules else None
    return 0 if cp is None else cp.get_default_memory_pool().used_bytes()


def memory_reserved(device=None) -> int:
    """Bytes of GPU memory held by ember's allocator cache (0 without a GPU)."""
    cp = _cupy() if "cupy" in sys.modules else None
    return 0 if cp is None else cp.get_default_memory_pool().total_bytes()


def max_memory_allocated(device=None) -> int:
    """ember keeps no peak statistics: the current `memory_allocated`."""
    return memory_allocated(device)


def reset_peak_memory_stats(device=None) -> None:
    """No-op: ember keeps no peak statistics."""


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: ember has no bfloat16 GPU kernels."""
    return False


def _deprecated(name: str, cls):
    def make(*args, **kwargs):
        warnings.warn(f"`ember.cuda.amp.{name}(args...)` is deprecated. Please use `ember.amp.{name}('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        return cls("cuda", *args, **kwargs)
    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"Deprecated alias of ``ember.amp.{name}('cuda', ...)``."
    return make


# ember.cuda.amp is a module object so that `import ember.cuda.amp` / `from torch.cuda.amp import ...` work.
amp = types.ModuleType("ember.cuda.amp", "CUDA automatic mixed precision (deprecated aliases of ember.amp).")
amp.GradScaler = _deprecated("GradScaler", _amp.GradScaler)
amp.autocast = _deprecated("autocast", _amp.autocast)
amp.custom_fwd, amp.custom_bwd = _amp.custom_fwd, _amp.custom_bwd
sys.modules[amp.__name__] = amp
