"""Loading storages: ``data/<key>`` records become typed flat arrays on the device `map_location` asks for.

Each record is read once and cached by key, so every tensor that views it (tied weights, slices, transposes) views
the same array. dtypes numpy lacks are widened with a warning: bfloat16 -> float32 (exact), uint16 -> int32 and
uint32 -> int64.
"""
from __future__ import annotations

import sys

import numpy as np

from .._backend import device, to_device
from .._tensor import Tensor, _make

# torch dtype name -> (numpy type of the stored bits, dtype it is widened to or None)
_LOADABLE = {"float64": (np.float64, None), "float32": (np.float32, None), "float16": (np.float16, None),
             "int64": (np.int64, None), "int32": (np.int32, None), "int16": (np.int16, None),
             "int8": (np.int8, None), "uint8": (np.uint8, None), "bool": (np.bool_, None),
             "bfloat16": (np.uint16, "float32"), "uint16": (np.uint16, "int32"), "uint32": (np.uint32, "int64")}


def _widen(bits: np.ndarray, name: str) -> np.ndarray:
    if name == "bfloat16":  # bfloat16 is the top half of a float32
        return (bits.astype(np.uint32) << 16).view(np.float32)
    return bits.astype(np.int32 if name == "uint16" else np.int64)


class LoadedStorage:
    """One storage of a checkpoint: its raw bytes, and the typed arrays tensors view, cached per dtype."""

    __slots__ = ("loader", "key", "raw", "dtype_name", "location", "_typed", "_swapped")

    def __init__(self, loader: "Loader", key: str, raw: np.ndarray, dtype_name: str, location: str):
        self.loader, self.key, self.raw, self.dtype_name, self.location = loader, key, raw, dtype_name, location
        self._typed, self._swapped = {}, 0

    def typed(self, name: str):
        """The storage as a 1-D array of torch dtype `name` on the restore device."""
        arr = self._typed.get(name)
        if arr is not None:
            return arr
        if name not in _LOADABLE:
            raise RuntimeError(f"ember cannot load torch.{name} tensors: the dtype is not supported")
        bits_t, wide = _LOADABLE[name]
        isz = np.dtype(bits_t).itemsize
        if self.raw.size % isz:
            raise RuntimeError(f"storage '{self.key}' holds {self.raw.size} bytes, not a whole number of {name} "
                               "elements")
        arr = self.raw.view(bits_t)
        if self.loader.swap and isz > 1:
            if self._swapped and self._swapped != isz:
                raise RuntimeError(f"storage '{self.key}' is viewed with element sizes {self._swapped} and {isz} "
                                   "in a byte-swapped checkpoint")
            if not self._swapped:
                arr.byteswap(inplace=True)
                self._swapped = isz
        if wide is not None:
            arr = _widen(arr, name)
            self.loader.warned.setdefault(name, f"ember has no {name} tensors: torch.{name} data in this "
                                                f"checkpoint was widened to {wide}")
        arr = self._typed[name] = self.loader.restore(arr, self.location)
        return arr


class Loader:
    """Resolves the persistent ids of one checkpoint into `LoadedStorage`s."""

    def __init__(self, reader, map_location=None, byteorder: str = "little", mm=None):
        if byteorder not in ("little", "big"):
            raise ValueError(f"Unknown endianness type: {byteorder}")
        if map_location is not None and not isinstance(map_location, (str, device, dict)) \
                and not callable(map_location):
            raise TypeError(f"map_location should be a str, a device, a dict or a callable, got "
                            f"{type(map_location).__name__}")
        self.reader, self.map_location, self.mm = reader, map_location, mm
        self.swap = byteorder != sys.byteorder
        self.cache: dict = {}
        self.warned: dict = {}  # dtype name -> message, warned once `load` returns

    def persistent_load(self, pid):
        from ._unpickler import StorageType, UnpicklingError
        if len(pid) != 5:
            raise UnpicklingError(f"a storage id has 5 fields, got {len(pid)}")
        _, stype, key, location, numel = pid
        key = key.decode("ascii") if isinstance(key, bytes) else key
        location = location.decode("ascii") if isinstance(location, bytes) else location
        if not isinstance(stype, StorageType) or type(key) is not str or type(location) is not str \
                or type(numel) is not int or numel < 0:
            raise UnpicklingError(f"invalid storage id {pid!r}"[:300])
        st = self.cache.get(key)
        if st is not None:
            return st
        if stype.dtype_name not in _LOADABLE:
            raise RuntimeError(f"ember cannot load {stype!r}: {stype.dtype_name} tensors are not supported")
        name = f"data/{key}"
        nbytes = numel * np.dtype(_LOADABLE[stype.dtype_name][0]).itemsize
        size = self.reader.record_size(name)
        if size != nbytes:
            raise RuntimeError(f"record '{name}' holds {size} bytes but its storage declares {numel} elements "
                               f"({nbytes} bytes): the checkpoint is corrupted")
        if self.mm is not None:  # checked once here, before any tensor can view it
            raw = np.ndarray((nbytes,), np.uint8, buffer=self.mm, offset=self.reader.data_offset(name))
            self.reader.check_crc(name, raw)
        else:
            try:
                raw = self.reader.read_array(name)
            except MemoryError:
                raise RuntimeError(f"not enough memory for record '{name}' ({nbytes} bytes)") from None
        st = self.cache[key] = LoadedStorage(self, key, raw, stype.dtype_name, location)
        return st

    def restore(self, arr: np.ndarray, location: str):
        """Move a typed storage to where `map_location` (or its saved `location`) says."""
        ml = self.map_location
        if isinstance(ml, dict):
            location = str(ml.get(location, location))
        elif isinstance(ml, (str, device)):
            location = str(ml)
        elif ml is not None:
            out = ml(_make(arr), location)
            if out is not None:
                if not isinstance(out, Tensor) or tuple(out.shape) != arr.shape:
                    raise RuntimeError("a map_location callable must return the storage it was given (a 1-D "
                                       "tensor), moved if wanted, or None")
                return out._data
        if location == "cpu" or location.startswith("cpu:"):
            return to_device(arr, device("cpu"))
        if location.startswith("cuda"):
            try:
                dev = device(location)
                from .._backend import _load_cupy
                _load_cupy()
            except RuntimeError:
                raise RuntimeError("Attempting to deserialize object on a CUDA device but CUDA is not available "
                                   "to ember (install cupy). If you are running on a CPU-only machine, please use "
                                   "ember.load with map_location=ember.device('cpu') to map your storages to the "
                                   "CPU.") from None
            return to_device(arr, dev)
        raise RuntimeError(f"don't know how to restore data location of storage (tagged with {location})")
