"""Writing a checkpoint: ember objects pickled under torch's global names, storages as zip records.

torch.load(weights_only=True) resolves a fixed set of global names (``torch._utils._rebuild_tensor_v2``,
``torch FloatStorage``, ``collections OrderedDict``, ...). CPython's C pickler imports every global it writes, which
would need torch installed, so this subclasses the pure-Python pickler and writes those names from `Global`
placeholders. Tensors that view one memory block share one storage record, as torch's views of one storage do.
"""
from __future__ import annotations

import pickle
import secrets
import sys
import zlib
from collections import OrderedDict

import numpy as np

from .._backend import device
from .._dtype import dtype
from .._tensor import Size, Tensor, _LegacyType, _make
from ..nn.parameter import Buffer, Parameter
from ._zip import ALIGNMENT, ZipWriter

STORAGE_NAMES = {"float64": "DoubleStorage", "float32": "FloatStorage", "float16": "HalfStorage",
                 "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
                 "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage"}


class Global:
    """A placeholder pickled as ``GLOBAL module name`` without importing `module`."""

    __slots__ = ("module", "name")
    _interned: dict = {}

    def __new__(cls, module: str, name: str):
        key = (module, name)
        g = cls._interned.get(key)
        if g is None:
            g = cls._interned[key] = object.__new__(cls)
            g.module, g.name = module, name
        return g

    def __call__(self, *args):  # the pickler only accepts callables as REDUCE targets
        raise TypeError(f"{self.module}.{self.name} is a pickling placeholder")


_V2 = Global("torch._utils", "_rebuild_tensor_v2")
_PARAM = Global("torch._utils", "_rebuild_parameter")
_PARAM_STATE = Global("torch._utils", "_rebuild_parameter_with_state")
_FROM_TYPE = Global("torch._tensor", "_rebuild_from_type_v2")


class _Storage:
    """One ``data/<key>`` record: a 1-D uint8 host buffer holding `numel` elements of `dtype`."""

    __slots__ = ("key", "dtype", "location", "numel", "data", "keep")

    def __init__(self, key: str, dt: dtype, location: str, data: np.ndarray, keep=None):
        self.key, self.dtype, self.location, self.data, self.keep = key, dt, location, data, keep
        self.numel = data.size // dt.itemsize


def _root(arr: np.ndarray) -> np.ndarray:
    """The ndarray at the bottom of `arr`'s chain of views (through as_strided's wrapper objects too)."""
    while True:
        b = arr.base
        if isinstance(b, np.ndarray):
            arr = b
        elif b is not None and type(b).__name__ == "DummyArray" and isinstance(b.base, np.ndarray):
            arr = b.base
        else:
            return arr


def _raw(root: np.ndarray) -> np.ndarray | None:
    """`root`'s memory as a flat uint8 view, or None when it is not one dense block."""
    if root.flags.c_contiguous:
        flat = root.reshape(-1)
    elif root.flags.f_contiguous:
        flat = root.T.reshape(-1)
    else:
        if any(s < 0 for s in root.strides):
            return None
        perm = root.transpose(sorted(range(root.ndim), key=lambda i: -root.strides[i]))
        if not perm.flags.c_contiguous:
            return None
        flat = perm.reshape(-1)
    return flat.view(np.uint8)


def _ptr(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _contiguous_strides(shape) -> tuple:
    """torch's row-major strides: a size-0 or size-1 dim counts as 1."""
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def _public_state(t: Tensor) -> dict:
    return {k: v for k, v in t.__dict__.items() if not k.startswith("_")}


class TorchPickler(pickle._Pickler):
    """Pickles ember objects the way torch.save pickles their torch twins; collects the storages to write."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol: int = 2):
        super().__init__(file, protocol)
        self.storages: list[_Storage] = []
        self._by_root: dict = {}

    def persistent_id(self, obj):
        if type(obj) is _Storage:
            return ("storage", Global("torch", STORAGE_NAMES[obj.dtype.name]), obj.key, obj.location, obj.numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, Size):
            return Global("torch", "Size"), (tuple(obj),)
        if isinstance(obj, device):
            return Global("torch", "device"), (obj.type,) if obj.index is None else (obj.type, obj.index)
        return NotImplemented

    def _save_placeholder(self, obj: Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[Global] = _save_placeholder
    dispatch[dtype] = lambda self, obj: self.save(Global("torch", obj.name))
    dispatch[_LegacyType] = lambda self, obj: self.save(Global("torch", obj.__name__))

    # ---- tensors -------------------------------------------------------------------------------------------------
    def _reduce_tensor(self, t: Tensor):
        if isinstance(t, Parameter):
            data, state = _make(t._data), _public_state(t)
            if state:
                return _PARAM_STATE, (data, t._rg, OrderedDict(), state)
            return _PARAM, (data, t._rg, OrderedDict())
        args = self._tensor_args(t)
        if type(t) is Tensor or isinstance(t, Buffer):
            state = _public_state(t) if type(t) is Tensor else None
            if not state:
                return _V2, args
            return _FROM_TYPE, (_V2, Global("torch", "Tensor"), args, state)
        return _FROM_TYPE, (_V2, type(t), args, _public_state(t))  # a user subclass: saved by its own name

    def _tensor_args(self, t: Tensor) -> tuple:
        storage, offset, stride = self._storage_of(t)
        return storage, offset, tuple(int(s) for s in t._data.shape), stride, bool(t._rg), OrderedDict()

    def _storage_of(self, t: Tensor):
        """(storage, element offset, element strides) of `t`; views of one memory block share one storage."""
        arr, dt = t._data, t.dtype
        isz = arr.itemsize
        if isinstance(arr, np.ndarray) and arr.size:
            root = _root(arr)
            raw = _raw(root)
            if raw is not None:
                off = _ptr(arr) - _ptr(raw)
                if off >= 0 and off % isz == 0 and raw.size % isz == 0 and \
                        all(s >= 0 and s % isz == 0 for s in arr.strides):
                    st = self._by_root.get(id(root))
                    if st is None:
                        st = self._by_root[id(root)] = self._add(dt, "cpu", raw, root)
                    elif st.dtype is not dt:
                        raise RuntimeError("Cannot save multiple tensors or storages that view the same data as "
                                           "different types")
                    return st, off // isz, tuple(s // isz for s in arr.strides)
        # not expressible as a view of a dense block (negative strides, device memory, empty): save a copy
        location = "cpu" if isinstance(arr, np.ndarray) else f"cuda:{arr.device.id}"
        host = np.array(arr if isinstance(arr, np.ndarray) else arr.get(), order="C", copy=True)
        st = self._add(dt, location, host.reshape(-1).view(np.uint8), arr)
        return st, 0, _contiguous_strides(host.shape)

    def _add(self, dt: dtype, location: str, raw: np.ndarray, keep) -> _Storage:
        st = _Storage(str(len(self.storages)), dt, location, raw, keep)
        self.storages.append(st)
        return st


def dumps(obj, protocol: int = 2) -> tuple[bytes, list]:
    """(data.pkl bytes, storages to write) for `obj`."""
    import io
    buf = io.BytesIO()
    pickler = TorchPickler(buf, protocol)
    pickler.dump(obj)
    return buf.getvalue(), pickler.storages


def write_checkpoint(write, prefix: str, data_pkl: bytes, storages: list, byteorder_record: bool = True) -> None:
    """Write the zip records of a .pt checkpoint, in torch's order, through `write(bytes)`."""
    z = ZipWriter(write, prefix)
    z.write_record("data.pkl", data_pkl)
    z.write_record(".format_version", b"1")
    z.write_record(".storage_alignment", str(ALIGNMENT).encode())
    if byteorder_record:
        z.write_record("byteorder", sys.byteorder.encode())
    crc = 0
    for st in storages:
        z.write_record(f"data/{st.key}", st.data)
        crc = zlib.crc32(st.key.encode(), crc)
    z.write_record("version", b"3\n")
    z.write_record(".data/serialization_id", f"{secrets.randbits(64):020d}{crc:020d}".encode())
    z.close()
