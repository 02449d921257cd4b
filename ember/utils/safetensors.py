r"""safetensors files for ember tensors (``safetensors.torch``'s API), through the optional ``safetensors`` package.

safetensors stores a JSON header and raw little-endian tensor bytes; loading runs no code. Install the extra with
``pip install 'ember[safetensors]'`` (or ``pip install safetensors``). ``BF16`` tensors are widened to float32 with
a warning, as ember has no bfloat16 arithmetic.

Example::

    >>> from ember.utils.safetensors import save_file, load_file
    >>> save_file({"w": ember.ones(2, 3)}, "model.safetensors")
    >>> load_file("model.safetensors")["w"].shape
    ember.Size([2, 3])
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from .._backend import device as _device, to_device
from .._tensor import Tensor, _make

__all__ = ["save", "save_file", "load", "load_file"]

_SAVE_TYPES = {"float64": "F64", "float32": "F32", "float16": "F16", "int64": "I64", "int32": "I32",
               "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL"}
# safetensors dtype code -> (numpy type of the stored bits, dtype it is widened to or None)
_LOAD_TYPES = {"F64": (np.float64, None), "F32": (np.float32, None), "F16": (np.float16, None),
               "I64": (np.int64, None), "I32": (np.int32, None), "I16": (np.int16, None), "I8": (np.int8, None),
               "U8": (np.uint8, None), "BOOL": (np.bool_, None), "BF16": (np.uint16, "float32"),
               "U16": (np.uint16, "int32"), "U32": (np.uint32, "int64")}


def _package():
    try:
        import safetensors
        import safetensors.numpy
    except ImportError as e:
        raise ImportError("ember.utils.safetensors needs the optional `safetensors` package: "
                          "pip install 'ember[safetensors]'") from e
    return safetensors


def _arrays(tensors: dict) -> dict:
    if not isinstance(tensors, dict):
        raise TypeError(f"Expected a dict of [str, Tensor] but received {type(tensors).__name__}")
    out = {}
    for k, v in tensors.items():
        if not isinstance(k, str) or not isinstance(v, Tensor):
            raise TypeError(f"Expected a dict of [str, Tensor] but the entry {k!r} holds a {type(v).__name__}")
        if v.dtype.name not in _SAVE_TYPES:
            raise TypeError(f"safetensors cannot store {v.dtype} tensors ({k!r})")
        a = v.detach().cpu().numpy()
        out[k] = a if a.flags.c_contiguous and a.dtype.byteorder in "=|<" else a.astype(a.dtype.newbyteorder("<"),
                                                                                     order="C")
    return out


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The safetensors bytes of a dict of tensors (`metadata`: optional str -> str header entries)."""
    return _package().numpy.save(_arrays(tensors), metadata=metadata)


def save_file(tensors: dict, filename: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write a dict of tensors to `filename` (atomically: temporary file, fsync, rename)."""
    from ..serialization import _atomic_write
    data = save(tensors, metadata)
    _atomic_write(os.fsdecode(filename), lambda f: f.write(data))


def load(data: bytes, device: str = "cpu") -> dict:
    """Tensors from safetensors bytes."""
    return _load(data, device, 3)


def _load(data: bytes, device: str, stacklevel: int) -> dict:
    try:
        entries = _package().deserialize(data)
    except ImportError:
        raise
    except Exception as e:  # safetensors' own error type for malformed headers
        raise ValueError(f"invalid safetensors data: {e}") from None
    out, widened, dev = {}, set(), _device(device)
    for name, info in entries:
        code = info["dtype"]
        if code not in _LOAD_TYPES:
            raise RuntimeError(f"ember cannot load safetensors dtype {code} ({name!r})")
        bits, wide = _LOAD_TYPES[code]
        arr = np.frombuffer(info["data"], dtype=np.dtype(bits).newbyteorder("<")).reshape(info["shape"])
        arr = arr.astype(bits)  # native byte order, and a writable copy of the read-only buffer
        if wide == "float32":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        elif wide is not None:
            arr = arr.astype(wide)
        if wide is not None:
            widened.add(f"{code}->{wide}")
        out[name] = _make(to_device(arr, dev))
    if widened:
        warnings.warn(f"ember has no tensors of these safetensors dtypes; widened: {', '.join(sorted(widened))}",
                      UserWarning, stacklevel=stacklevel)
    return out


def load_file(filename: str | os.PathLike, device: str = "cpu") -> dict:
    """Tensors from the safetensors file `filename`, placed on `device`."""
    with open(os.fsdecode(filename), "rb") as f:
        data = f.read()
    return _load(data, device, 3)
