"""dtype objects and torch's type-promotion rules."""
from __future__ import annotations

import builtins

import numpy as np

from . import _identity


class dtype:
    """A tensor element type, printed like torch's (`ember.float32`)."""

    __slots__ = ("name", "np", "kind", "itemsize", "is_signed")

    def __init__(self, name: str, np_dtype, kind: int):
        self.name, self.kind = name, kind  # kind: 0 bool, 1 integer, 2 floating
        self.np = None if np_dtype is None else np.dtype(np_dtype)
        self.itemsize = 2 if np_dtype is None else self.np.itemsize
        self.is_signed = kind == 2 or (np_dtype is not None and self.np.kind == "i")

    @property
    def is_floating_point(self) -> bool:
        return self.kind == 2

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self):
        return _identity.name() + "." + self.name

    def __reduce__(self):
        return (_lookup, (self.name,))

    def to_real(self):
        return self

    to_complex = to_real


float16 = half = dtype("float16", np.float16, 2)
float32 = float = dtype("float32", np.float32, 2)
float64 = double = dtype("float64", np.float64, 2)
bfloat16 = dtype("bfloat16", None, 2)
int8 = dtype("int8", np.int8, 1)
int16 = short = dtype("int16", np.int16, 1)
int32 = int = dtype("int32", np.int32, 1)
int64 = long = dtype("int64", np.int64, 1)
uint8 = dtype("uint8", np.uint8, 1)
bool = dtype("bool", np.bool_, 0)

ALL = (float16, float32, float64, bfloat16, int8, int16, int32, int64, uint8, bool)
_BY_NAME = {d.name: d for d in ALL}
_FROM_NP = {d.np: d for d in ALL if d.np is not None}


def _lookup(name: str) -> dtype:
    return _BY_NAME[name]


def from_np(np_dtype) -> dtype:
    """The ember dtype of a numpy dtype (raises TypeError for unsupported ones)."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        d = np.dtype(np_dtype)
        if d in _FROM_NP:
            return _FROM_NP[d]
        raise TypeError(f"can't convert np.ndarray of type {d}. The only supported types are: "
                        "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def to_np(d) -> np.dtype:
    """numpy dtype for an ember dtype (or anything numpy understands)."""
    if isinstance(d, dtype):
        if d.np is None:
            raise TypeError(f"{d} has no numpy storage type; install ml_dtypes or convert to float32")
        return d.np
    if d is builtins.float:
        return _default[0].np
    return np.dtype(d)


_default = [float32]


def get_default_dtype() -> dtype:
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or d.kind != 2 or d.np is None:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


_PROMOTE: dict = {}


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: bool < integers < floats; int + float gives the float type."""
    if a is b:
        return a
    key = (a, b)
    r = _PROMOTE.get(key)
    if r is None:
        if a.kind != b.kind:
            r = a if a.kind > b.kind else b
        elif a.kind == 2:
            r = float32 if {a.name, b.name} == {"float16", "bfloat16"} else (a if a.itemsize >= b.itemsize else b)
        else:
            r = _FROM_NP[np.promote_types(a.np, b.np)]
        _PROMOTE[key] = r
    return r


def scalar_dtype(x) -> dtype:
    """The dtype a Python scalar takes when it is wrapped as a tensor."""
    if isinstance(x, (builtins.bool, np.bool_)):
        return bool
    if isinstance(x, (builtins.int, np.integer)):
        return int64
    return _default[0]


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.kind == 2:
        return higher
    if higher.kind == 0 or lower.kind == 2:
        return promote_types(higher, lower)
    return higher


def result_type(dims: list, zeros: list, scalars: list) -> dtype:
    """torch's result_type over dimensioned tensors, 0-d tensors and Python scalars (by dtype)."""
    d = z = s = None
    for t in dims:
        d = t if d is None else promote_types(d, t)
    for t in zeros:
        z = t if z is None else promote_types(z, t)
    for t in scalars:
        s = t if s is None else promote_types(s, t)
    return _combine(d, _combine(z, s))


class finfo:
    """Machine limits of a floating dtype (torch.finfo): bits, eps, max, min, tiny, resolution."""

    def __init__(self, type: dtype | None = None):
        d = _default[0] if type is None else type
        if d.kind != 2 or d.np is None:
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle '{d}'")
        i = np.finfo(d.np)
        self.bits, self.eps, self.max, self.min = i.bits, builtins.float(i.eps), builtins.float(i.max), builtins.float(i.min)
        self.tiny = self.smallest_normal = builtins.float(i.tiny)
        self.resolution, self.dtype = 10.0 ** -i.precision, d.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype (torch.iinfo): bits, max, min."""

    def __init__(self, type: dtype):
        if type.kind == 2:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to handle '{type}'")
        i = np.iinfo(type.np) if type.kind == 1 else None
        self.bits = 8 if i is None else i.bits
        self.max, self.min = (1, 0) if i is None else (builtins.int(i.max), builtins.int(i.min))
        self.dtype = type.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
