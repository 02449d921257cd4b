"""Array-module selection: numpy on 'cpu', cupy on 'cuda'. The only place an array module is chosen."""
from __future__ import annotations

import numpy as np

_cupy = None


def _load_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy  # noqa: F401
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise RuntimeError("CUDA support needs the optional extra: pip install 'ember[cuda]' (cupy)") from e
        _cupy = cupy
    return _cupy


class device:
    """A device: `device('cpu')`, `device('cuda')`, `device('cuda', 0)`, `device('cuda:1')`."""

    __slots__ = ("type", "index")

    def __init__(self, type: "str | device", index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        elif ":" in type:
            type, idx = type.split(":", 1)
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type, self.index = type, index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):  # like torch, a device never equals a string
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def xp_for(dev: device):
    """The array module that holds data for `dev`."""
    return np if dev.type == "cpu" else _load_cupy()


def xp_of(arr):
    """The array module an array belongs to."""
    return np if isinstance(arr, (np.ndarray, np.generic)) else _load_cupy().get_array_module(arr)


def device_of(arr) -> device:
    if isinstance(arr, np.ndarray):
        return CPU
    return device("cuda", arr.device.id)


def to_device(arr, dev: device):
    """Copy `arr` to `dev` (no copy when it is already there)."""
    if dev.type == "cpu":
        return arr if isinstance(arr, np.ndarray) else arr.get()
    cp = _load_cupy()
    with cp.cuda.Device(dev.index or 0):
        return cp.asarray(arr)


def asnumpy(arr) -> np.ndarray:
    return arr if isinstance(arr, np.ndarray) else arr.get()


def broadcast_view(arr, shape):
    """A read/write broadcast view of `arr` with `shape` (np.broadcast_to is slow for small arrays)."""
    if type(arr) is np.ndarray and arr.flags.c_contiguous and arr.size:
        lead = len(shape) - arr.ndim
        strides = (0,) * lead + tuple(0 if s != t else st for s, t, st in zip(arr.shape, shape[lead:], arr.strides))
        return np.ndarray(shape, arr.dtype, buffer=arr, strides=strides)
    return xp_of(arr).broadcast_to(arr, shape)


def scatter_add(xp, target, index, values):
    """target[index] += values with repeated indices accumulated (index is a tuple or array)."""
    if xp is np:
        np.add.at(target, index, values)
    else:
        _load_cupy().add.at(target, index, values)


def _retain_freed_memory() -> None:
    """Let glibc keep freed numpy buffers in the heap instead of unmapping them (opt out: EMBER_MALLOC_TUNING=0).

    Eager numpy frees and re-allocates the same multi-megabyte temporaries every training step; by default glibc
    serves them from fresh mmap'd pages whose first-touch page faults can cost as much as the arithmetic.
    """
    import ctypes
    import os
    import sys
    if os.environ.get("EMBER_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(-3, 64 << 20)   # M_MMAP_THRESHOLD: blocks below 64 MiB come from the heap
    mallopt(-1, 512 << 20)  # M_TRIM_THRESHOLD: keep up to 512 MiB of freed heap for reuse


_retain_freed_memory()
