"""Reading data.pkl: torch's global names resolved to ember objects, behind an explicit allowlist.

`WeightsUnpickler` is a small pickle virtual machine (like torch's weights-only unpickler) that never imports
anything: GLOBAL resolves only names in the allowlist, REDUCE/NEWOBJ call only allowlisted callables, BUILD touches
only known types. It keeps the memo in a dict and refuses indices beyond the data size, bounds tuple nesting (hashing a
deeply nested tuple would overflow the C stack) and charges every instruction for the memory it allocates (objects,
stack and memo slots, container growth, call results) against a budget proportional to the file size, so a small
pickle cannot expand into a large object graph. Every failure is a `pickle.UnpicklingError`, a `RuntimeError` or a
`ValueError`.
"""
from __future__ import annotations

import pickle
import struct
import sys
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING
from collections import Counter, OrderedDict

import numpy as np

from .. import _dtype
from .._backend import device
from .._tensor import LEGACY_TYPES, Size, Tensor, _init, _make
from ..nn.parameter import Parameter
from ._storage import LoadedStorage

UnpicklingError = pickle.UnpicklingError
MAX_TUPLE_DEPTH = 1000
_MAX_DIM = 1 << 58
_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
BUDGET_BASE, BUDGET_RATIO = 16 << 20, 32  # bytes a load may allocate: 16 MiB + 32x the file size

# torch dtype names that ember cannot represent; they still resolve (as tokens) so messages can name them
_FOREIGN_DTYPES = ("uint16", "uint32", "uint64", "complex32", "complex64", "complex128", "float8_e4m3fn",
                   "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2",
                   "qint8", "quint8", "qint32", "quint4x2", "quint2x4", "bits1x8", "bits2x4", "bits4x2", "bits8",
                   "bits16") + tuple(f"int{i}" for i in range(1, 8)) + tuple(f"uint{i}" for i in range(1, 8))
STORAGE_DTYPES = {"DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
                  "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
                  "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
                  "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128", "QInt8Storage": "qint8",
                  "QUInt8Storage": "quint8", "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2",
                  "QUInt2x4Storage": "quint2x4"}
_UNSUPPORTED = {
    "torch._utils._rebuild_sparse_tensor": "sparse tensors", "torch.serialization._get_layout": "sparse layouts",
    "torch._utils._rebuild_qtensor": "quantized tensors", "torch._utils._rebuild_nested_tensor": "nested tensors",
    "torch._utils._rebuild_meta_tensor_no_storage": "meta tensors",
    "torch._utils._rebuild_wrapper_subclass": "tensor wrapper subclasses",
    "torch._utils._rebuild_device_tensor_from_numpy": "numpy-backed device tensors",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor": "device tensors rebuilt from CPU tensors",
    "torch.per_tensor_affine": "quantization schemes", "torch.per_tensor_symmetric": "quantization schemes",
    "torch.per_channel_affine": "quantization schemes", "torch.per_channel_symmetric": "quantization schemes",
    "torch.per_channel_affine_float_qparams": "quantization schemes"}


class StorageType:
    """Stands for ``torch.<X>Storage`` in a pickle: only names the element type of a persistent storage."""

    __slots__ = ("name", "dtype_name")

    def __init__(self, name: str, dtype_name: str):
        self.name, self.dtype_name = name, dtype_name

    def __repr__(self):
        return f"torch.{self.name}"


class TorchDtype:
    """A torch dtype ember has no tensors for (e.g. ``torch.uint16``, ``torch.complex64``)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


# ---- rebuild functions (the targets of torch's REDUCE instructions) --------------------------------------------------
def _check_layout(offset, size, stride, numel: int) -> tuple:
    if type(offset) is not int or offset < 0:
        raise RuntimeError(f"invalid storage offset {offset!r} in checkpoint")
    if not isinstance(size, (tuple, list)) or not isinstance(stride, (tuple, list)) or len(size) != len(stride) \
            or len(size) > 64:
        raise RuntimeError(f"invalid tensor size {size!r} / stride {stride!r} in checkpoint")
    for v in (*size, *stride):
        if type(v) is not int or not 0 <= v < _MAX_DIM:
            raise RuntimeError(f"invalid tensor size {tuple(size)} / stride {tuple(stride)} in checkpoint: sizes "
                               "and strides must be non-negative integers")
    if 0 not in size:
        extent = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if extent >= numel:
            raise RuntimeError(f"storage has {numel} elements but a tensor of size {tuple(size)} and stride "
                               f"{tuple(stride)} at offset {offset} needs {extent + 1}: the checkpoint is corrupted")
    elif offset > numel:
        raise RuntimeError(f"storage offset {offset} is past the end of a storage of {numel} elements")
    return tuple(size), tuple(stride)


def _tensor_from(storage, dtype_name: str, offset, size, stride, requires_grad) -> Tensor:
    if not isinstance(storage, LoadedStorage):
        raise UnpicklingError(f"expected a storage for a tensor, got {type(storage).__name__}")
    if type(requires_grad) not in (bool, int):
        raise UnpicklingError(f"requires_grad must be a bool, got {type(requires_grad).__name__}")
    arr = storage.typed(dtype_name)
    size, stride = _check_layout(offset, size, stride, arr.shape[0])
    isz = arr.itemsize
    try:
        if isinstance(arr, np.ndarray):
            view = np.ndarray(size, arr.dtype, buffer=arr, offset=offset * isz, strides=[s * isz for s in stride])
        else:  # cupy
            from cupy.lib.stride_tricks import as_strided
            view = as_strided(arr[offset:], size, [s * isz for s in stride])
    except (ValueError, TypeError, OverflowError, MemoryError) as e:
        raise RuntimeError(f"cannot build a tensor of size {size} and stride {stride}: {e}") from None
    t = _make(view)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    """torch._utils._rebuild_tensor."""
    return _tensor_from(storage, getattr(storage, "dtype_name", ""), storage_offset, size, stride, False)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    """torch._utils._rebuild_tensor_v2: a tensor viewing `storage` (hooks and metadata are ignored)."""
    return _tensor_from(storage, getattr(storage, "dtype_name", ""), storage_offset, size, stride, requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    """torch._utils._rebuild_tensor_v3: like v2, with the element type given explicitly (untyped storages)."""
    if not isinstance(dtype, (_dtype.dtype, TorchDtype)):
        raise UnpicklingError(f"expected a dtype, got {type(dtype).__name__}")
    return _tensor_from(storage, dtype.name, storage_offset, size, stride, requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """torch._utils._rebuild_parameter."""
    if not isinstance(data, Tensor):
        raise UnpicklingError(f"a Parameter needs a tensor, got {type(data).__name__}")
    return Parameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """torch._utils._rebuild_parameter_with_state: a Parameter plus its Python attributes."""
    return set_obj_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


_REBUILDERS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
               _rebuild_parameter_with_state)


def _rebuild_from_type_v2(func, new_type, args, state):
    """torch._tensor._rebuild_from_type_v2: rebuild with `func`, then re-type and restore attributes."""
    if not any(func is f for f in _REBUILDERS) or type(args) is not tuple:
        raise UnpicklingError(f"_rebuild_from_type_v2 expects a tensor rebuild function, got {func!r}")
    legacy = any(new_type is v for v in LEGACY_TYPES.values())
    if not legacy and not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
        raise UnpicklingError(f"_rebuild_from_type_v2 expects a tensor type, got {new_type!r}"[:300])
    ret = func(*args)
    if not legacy and type(ret) is not new_type:
        sub = object.__new__(new_type)
        _init(sub, ret._data, None)
        sub._rg = ret._rg
        ret = sub
    if hasattr(ret, "__setstate__"):  # a subclass with its own state protocol
        ret.__setstate__(state)
        return ret
    return set_obj_state(ret, state)


def set_obj_state(obj, state):
    """Restore the instance attributes torch pickled for a tensor: a dict, or (dict, slots dict)."""
    if state is None:
        return obj
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    for part in parts:
        if part is None:
            continue
        if not isinstance(part, dict):
            raise UnpicklingError(f"tensor state must be a dict, got {type(part).__name__}")
        for k, v in part.items():
            if type(k) is not str or k.startswith("__") or hasattr(type(obj), k):
                raise UnpicklingError(f"refusing to set attribute {k!r} on a {type(obj).__name__}")
            obj.__dict__[k] = v
    return obj


# ---- small safe callables --------------------------------------------------------------------------------------------
_TEXT_CODECS = ("latin1", "latin-1", "utf-8", "utf8", "ascii")


def _encode(obj, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """_codecs.encode, as protocol 2 uses it for bytes: text codecs only."""
    if type(obj) is not str or encoding not in _TEXT_CODECS or errors != "strict":
        raise UnpicklingError(f"_codecs.encode is only allowed on str with a text codec, got {encoding!r}")
    return obj.encode(encoding)


def _bytearray(*args) -> bytearray:
    """bytearray from pickled contents only (never from a length, which would allocate it)."""
    if not args:
        return bytearray()
    if isinstance(args[0], (bytes, bytearray)) and len(args) == 1:
        return bytearray(args[0])
    if type(args[0]) is str and len(args) == 2 and args[1] in _TEXT_CODECS:
        return bytearray(args[0], args[1])
    raise UnpicklingError("bytearray may only be rebuilt from its contents")


def _size(sizes=()) -> Size:
    """torch.Size from a sequence of ints."""
    sizes = tuple(sizes)
    if not all(type(s) is int for s in sizes):
        raise UnpicklingError(f"torch.Size takes ints, got {sizes!r}"[:200])
    return Size(sizes)


def _device(type_, index=None) -> device:
    """torch.device('cpu') / torch.device('cuda', 0)."""
    if not isinstance(type_, str) or not (index is None or type(index) is int):
        raise UnpicklingError("torch.device takes a device string and an optional int index")
    return device(type_, index)


# ---- the allowlist ---------------------------------------------------------------------------------------------------
_ALLOWED: dict = {}
_CALLABLE: dict = {}  # id -> object for the allowlisted callables REDUCE may call
_USER: list = []  # add_safe_globals entries


def allowed_globals() -> dict:
    """Full name -> ember object for every global a weights-only load resolves by default."""
    if not _ALLOWED:
        calls = {"collections.OrderedDict": OrderedDict, "collections.Counter": Counter, "builtins.set": set,
                 "builtins.frozenset": frozenset, "builtins.complex": complex, "builtins.bytearray": _bytearray,
                 "_codecs.encode": _encode, "torch.Size": _size, "torch.device": _device,
                 "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2}
        calls.update({f"torch._utils.{f.__name__}": f for f in _REBUILDERS})
        _ALLOWED.update(calls)
        _CALLABLE.update({id(v): v for v in calls.values()})
        _ALLOWED.update({"torch.Tensor": Tensor, "torch.nn.parameter.Parameter": Parameter})
        _ALLOWED.update({f"torch.{k}": v for k, v in LEGACY_TYPES.items()})
        _ALLOWED.update({f"torch.{k}": StorageType(k, v) for k, v in STORAGE_DTYPES.items()})
        _ALLOWED["torch.storage.UntypedStorage"] = StorageType("UntypedStorage", "uint8")
        _ALLOWED.update({f"torch.{d.name}": d for d in _dtype.ALL})
        _ALLOWED.update({f"torch.{n}": TorchDtype(n) for n in _FOREIGN_DTYPES})
    return _ALLOWED


def user_globals() -> dict:
    out = {}
    for g in _USER:
        if isinstance(g, tuple):
            out[g[1]] = g[0]
        else:
            out[f"{g.__module__}.{g.__qualname__}"] = g
    return out


def resolve(module: str, name: str):
    """The object a GLOBAL instruction names, or UnpicklingError."""
    if (module, name) in NAME_MAPPING:
        module, name = NAME_MAPPING[(module, name)]
    module = IMPORT_MAPPING.get(module, module)
    full = f"{module}.{name}"
    if module in _BLOCKED_MODULES:
        raise UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
    obj = allowed_globals().get(full)
    if obj is not None:
        return obj
    obj = user_globals().get(full)
    if obj is not None:
        return obj
    if full in _UNSUPPORTED:
        raise UnpicklingError(f"GLOBAL {full}: {_UNSUPPORTED[full]} are not supported by ember")
    short = full[len("builtins."):] if full.startswith("builtins.") else full
    raise UnpicklingError(f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
                          f"`ember.serialization.add_safe_globals([{short}])` or the "
                          f"`ember.serialization.safe_globals([{short}])` context manager to allowlist this global "
                          "if you trust this class/function.")


def _is_user(obj) -> bool:
    return any(obj is (g[0] if isinstance(g, tuple) else g) for g in _USER)


# ---- the restricted virtual machine ----------------------------------------------------------------------------------
def _op(code: bytes) -> int:
    return code[0]


(MARK, STOP, POP, POP_MARK, DUP, BININT, BININT1, BININT2, LONG1, LONG4, BINFLOAT, NONE, NEWTRUE, NEWFALSE,
 BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, SHORT_BINSTRING, BINSTRING, BINBYTES, SHORT_BINBYTES, BINBYTES8,
 EMPTY_TUPLE, TUPLE, TUPLE1, TUPLE2, TUPLE3, EMPTY_LIST, APPEND, APPENDS, EMPTY_DICT, SETITEM, SETITEMS, EMPTY_SET,
 ADDITEMS, FROZENSET, GLOBAL, STACK_GLOBAL, REDUCE, NEWOBJ, BUILD, BINPERSID, BINGET, LONG_BINGET, BINPUT,
 LONG_BINPUT, MEMOIZE, PROTO, FRAME) = map(_op, (
    pickle.MARK, pickle.STOP, pickle.POP, pickle.POP_MARK, pickle.DUP, pickle.BININT, pickle.BININT1,
    pickle.BININT2, pickle.LONG1, pickle.LONG4, pickle.BINFLOAT, pickle.NONE, pickle.NEWTRUE, pickle.NEWFALSE,
    pickle.BINUNICODE, pickle.SHORT_BINUNICODE, pickle.BINUNICODE8, pickle.SHORT_BINSTRING, pickle.BINSTRING,
    pickle.BINBYTES, pickle.SHORT_BINBYTES, pickle.BINBYTES8, pickle.EMPTY_TUPLE, pickle.TUPLE, pickle.TUPLE1,
    pickle.TUPLE2, pickle.TUPLE3, pickle.EMPTY_LIST, pickle.APPEND, pickle.APPENDS, pickle.EMPTY_DICT,
    pickle.SETITEM, pickle.SETITEMS, pickle.EMPTY_SET, pickle.ADDITEMS, pickle.FROZENSET, pickle.GLOBAL,
    pickle.STACK_GLOBAL, pickle.REDUCE, pickle.NEWOBJ, pickle.BUILD, pickle.BINPERSID, pickle.BINGET,
    pickle.LONG_BINGET, pickle.BINPUT, pickle.LONG_BINPUT, pickle.MEMOIZE, pickle.PROTO, pickle.FRAME))
_BUILDABLE = (OrderedDict, Counter)
_sizeof = sys.getsizeof
# estimated bytes per allocation (at least what CPython uses): a stack (or memo) slot, a new int / float, a str's
# header, a tuple's header and nesting-depth entry, a memo entry, a storage, a tensor with its array; then empty
# containers
_SLOT, _INT, _FLOAT, _STR, _TUPLE, _MEMO, _STORAGE, _TENSOR = 8, 40, 32, 88, 192, 128, 512, 640
_LIST, _DICT, _SET = _sizeof([]) + _SLOT, _sizeof({}) + _SLOT, _sizeof(set()) + _SLOT


class WeightsUnpickler:
    """Unpickle `data` (bytes) allowing only data, allowlisted globals and storages from `persistent_load`."""

    def __init__(self, data: bytes, persistent_load, file_size: int = 0):
        self.data, self.persistent_load = bytes(data), persistent_load
        self.budget = BUDGET_BASE + BUDGET_RATIO * (file_size or len(self.data))  # bytes it may allocate

    def load(self):
        try:
            return self._run()
        except UnicodeDecodeError as e:
            raise UnpicklingError(f"malformed pickle data: {e}") from None
        except (UnpicklingError, RuntimeError, ValueError):
            raise
        except Exception as e:  # IndexError (stack underflow), KeyError, TypeError, struct.error, MemoryError, ...
            raise UnpicklingError(f"malformed pickle data ({type(e).__name__}: {e})"[:500]) from None

    def _tuple(self, items) -> tuple:
        d = 1
        for x in items:
            if type(x) is tuple:
                d = max(d, self._depth.get(id(x), 1) + 1)
        if d > MAX_TUPLE_DEPTH:
            raise UnpicklingError(f"tuples nested deeper than {MAX_TUPLE_DEPTH} levels")
        t = tuple(items)
        self._depth[id(t)] = d
        return t

    def _run(self):  # noqa: C901 - one branch per opcode, like pickle's own loop
        data, n, budget = self.data, len(self.data), self.budget
        sizeof, SLOT, INT, FLOAT, STR, TUPLE_, MEMO, STORAGE, TENSOR, LIST, DICT, SET = (  # locals: the loop is hot
            _sizeof, _SLOT, _INT, _FLOAT, _STR, _TUPLE, _MEMO, _STORAGE, _TENSOR, _LIST, _DICT, _SET)
        stack, metastack, memo, self._depth = [], [], {}, {}
        pos = 0

        def take(k: int) -> bytes:
            nonlocal pos
            if k < 0 or pos + k > n:
                raise UnpicklingError("pickle data was truncated")
            pos += k
            return data[pos - k:pos]

        def line() -> str:
            nonlocal pos
            end = data.find(b"\n", pos)
            if end < 0:
                raise UnpicklingError("pickle data was truncated")
            s, pos = data[pos:end].decode("utf-8"), end + 1
            return s

        def pop_mark() -> list:
            nonlocal stack
            items, stack = stack, metastack.pop()
            return items

        while True:
            if budget < 0:
                raise UnpicklingError(f"pickle data expands to far more memory than a checkpoint of this size "
                                      f"allows (over {self.budget} bytes): the file is corrupted or crafted")
            if pos >= n:
                raise UnpicklingError("pickle data was truncated (no STOP instruction)")
            op = data[pos]
            pos += 1
            if op == BINPUT:
                i = take(1)[0]
                if i not in memo:
                    budget -= MEMO
                memo[i] = stack[-1]
            elif op == BINGET or op == LONG_BINGET:
                i = take(1)[0] if op == BINGET else struct.unpack("<I", take(4))[0]
                if i not in memo:
                    raise UnpicklingError(f"Memo value not found at index {i}")
                stack.append(memo[i])
                budget -= SLOT
            elif op == LONG_BINPUT:
                i = struct.unpack("<I", take(4))[0]
                if i > n:  # a real pickle never has more memo entries than bytes
                    raise UnpicklingError(f"memo index {i} out of range for a pickle of {n} bytes")
                if i not in memo:
                    budget -= MEMO
                memo[i] = stack[-1]
            elif op == MEMOIZE:
                i = len(memo)
                if i not in memo:
                    budget -= MEMO
                memo[i] = stack[-1]
            elif op == MARK:
                metastack.append(stack)
                stack = []
                budget -= LIST
            elif op == BINUNICODE or op == SHORT_BINUNICODE or op == BINUNICODE8:
                k = take(1)[0] if op == SHORT_BINUNICODE else struct.unpack(
                    "<I" if op == BINUNICODE else "<Q", take(4 if op == BINUNICODE else 8))[0]
                stack.append(str(take(k), "utf-8", "surrogatepass"))
                budget -= STR + 4 * k if k < 256 else sizeof(stack[-1]) + SLOT  # <= 4 bytes a char
            elif op == BININT1:
                stack.append(take(1)[0])
                budget -= INT
            elif op == BININT2:
                stack.append(struct.unpack("<H", take(2))[0])
                budget -= INT
            elif op == BININT:
                stack.append(struct.unpack("<i", take(4))[0])
                budget -= INT
            elif op == LONG1 or op == LONG4:
                k = take(1)[0] if op == LONG1 else struct.unpack("<i", take(4))[0]
                stack.append(int.from_bytes(take(k), "little", signed=True))
                budget -= sizeof(stack[-1]) + SLOT
            elif op == BINFLOAT:
                stack.append(struct.unpack(">d", take(8))[0])
                budget -= FLOAT
            elif op == TUPLE:
                t = self._tuple(pop_mark())  # pop first: `stack` is rebound by pop_mark
                stack.append(t)
                budget -= TUPLE_  # the items' stack slots, already charged, move into the tuple
            elif op == TUPLE1:
                stack[-1] = self._tuple([stack[-1]])
                budget -= TUPLE_
            elif op == TUPLE2 or op == TUPLE3:
                k = 2 if op == TUPLE2 else 3
                if len(stack) < k:
                    raise IndexError("stack underflow")
                stack[-k:] = [self._tuple(stack[-k:])]
                budget -= TUPLE_
            elif op == EMPTY_TUPLE:
                stack.append(())
                budget -= SLOT
            elif op == EMPTY_LIST:
                stack.append([])
                budget -= LIST
            elif op == EMPTY_DICT:
                stack.append({})
                budget -= DICT
            elif op == EMPTY_SET:
                stack.append(set())
                budget -= SET
            elif op == NONE:
                stack.append(None)
                budget -= SLOT
            elif op == NEWTRUE:
                stack.append(True)
                budget -= SLOT
            elif op == NEWFALSE:
                stack.append(False)
                budget -= SLOT
            elif op == APPEND or op == APPENDS:
                items = [stack.pop()] if op == APPEND else pop_mark()
                target = stack[-1]
                if type(target) is not list:
                    raise UnpicklingError(f"Can only append to lists, but got {type(target).__name__}")
                before = sizeof(target)
                target.extend(items)
                budget -= sizeof(target) - before
            elif op == SETITEM or op == SETITEMS:
                if op == SETITEMS:
                    items = pop_mark()
                elif len(stack) < 3:
                    raise IndexError("stack underflow")
                else:
                    items = stack[-2:]
                    del stack[-2:]
                target = stack[-1]
                if type(target) not in (dict, OrderedDict, Counter):
                    raise UnpicklingError(f"Can only set items of dicts, but got {type(target).__name__}")
                if len(items) % 2:
                    raise UnpicklingError("odd number of items for SETITEMS")
                before = sizeof(target)
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
                budget -= sizeof(target) - before + (0 if type(target) is dict else 32 * len(items))
            elif op == ADDITEMS:
                items = pop_mark()
                target = stack[-1]
                if type(target) is not set:
                    raise UnpicklingError(f"Can only add items to sets, but got {type(target).__name__}")
                before = sizeof(target)
                target.update(items)
                budget -= sizeof(target) - before
            elif op == FROZENSET:
                t = frozenset(pop_mark())
                stack.append(t)
                budget -= sizeof(t) + SLOT
            elif op == BINPERSID:
                pid = stack.pop()
                if type(pid) is not tuple or not pid or pid[0] not in ("storage", b"storage"):
                    raise UnpicklingError(f"Only persistent_load of storage is allowed, but got {pid!r}"[:200])
                stack.append(self.persistent_load(pid))
                budget -= STORAGE
            elif op == GLOBAL:
                module = line()
                stack.append(resolve(module, line()))
                budget -= SLOT
            elif op == STACK_GLOBAL:
                name, module = stack.pop(), stack.pop()
                if type(name) is not str or type(module) is not str:
                    raise UnpicklingError("STACK_GLOBAL requires str")
                stack.append(resolve(module, name))
                budget -= SLOT
            elif op == REDUCE:
                args = stack.pop()
                func = stack[-1]
                if id(func) not in _CALLABLE and not (callable(func) and _is_user(func)):
                    raise UnpicklingError(f"Trying to call reduce for unrecognized function {func!r}"[:300])
                if type(args) is not tuple:
                    raise UnpicklingError("REDUCE arguments must be a tuple")
                stack[-1] = r = func(*args)
                budget -= TENSOR if isinstance(r, Tensor) else sizeof(r) + SLOT
            elif op == NEWOBJ:
                args = stack.pop()
                cls = stack.pop()
                if type(args) is not tuple:
                    raise UnpicklingError("NEWOBJ arguments must be a tuple")
                if cls is Parameter:
                    stack.append(Parameter(*args))
                elif cls in (OrderedDict, Counter, set, frozenset, complex) or (isinstance(cls, type) and
                                                                               _is_user(cls)):
                    stack.append(cls.__new__(cls, *args))
                else:
                    raise UnpicklingError("Can only create new object for nn.Parameter or classes allowlisted via "
                                          f"`add_safe_globals` but got {cls!r}"[:300])
                budget -= TENSOR if isinstance(stack[-1], Tensor) else sizeof(stack[-1]) + SLOT
            elif op == BUILD:
                state = stack.pop()
                inst = stack[-1]
                if type(inst) in _BUILDABLE:
                    if not isinstance(state, dict) or not all(type(k) is str and not k.startswith("__")
                                                              for k in state):
                        raise UnpicklingError("invalid BUILD state for a dict")
                    budget -= sizeof(state)
                    inst.__dict__.update(state)
                elif isinstance(inst, Tensor) and type(inst) in (Tensor, Parameter):
                    set_obj_state(inst, state)
                elif _is_user(type(inst)):
                    if hasattr(inst, "__setstate__"):
                        inst.__setstate__(state)
                    else:
                        slots = None
                        if isinstance(state, tuple) and len(state) == 2:
                            state, slots = state
                        if state:
                            inst.__dict__.update(state)
                        for k, v in (slots or {}).items():
                            setattr(inst, k, v)
                else:
                    raise UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                                          f"`add_safe_globals`, but got {type(inst).__name__}")
            elif op == SHORT_BINSTRING or op == BINSTRING:
                k = take(1)[0] if op == SHORT_BINSTRING else struct.unpack("<i", take(4))[0]
                stack.append(take(k).decode("ascii"))
                budget -= sizeof(stack[-1]) + SLOT
            elif op == SHORT_BINBYTES or op == BINBYTES or op == BINBYTES8:
                k = take(1)[0] if op == SHORT_BINBYTES else struct.unpack(
                    "<I" if op == BINBYTES else "<Q", take(4 if op == BINBYTES else 8))[0]
                stack.append(take(k))
                budget -= sizeof(stack[-1]) + SLOT
            elif op == POP:
                if stack:
                    stack.pop()
                else:
                    pop_mark()
            elif op == POP_MARK:
                pop_mark()
            elif op == DUP:
                stack.append(stack[-1])
                budget -= SLOT
            elif op == PROTO:
                proto = take(1)[0]
                if not 2 <= proto <= pickle.HIGHEST_PROTOCOL:
                    raise UnpicklingError(f"unsupported pickle protocol: {proto}")
            elif op == FRAME:
                if struct.unpack("<Q", take(8))[0] > n - pos:
                    raise UnpicklingError("pickle frame runs past the end of the data")
            elif op == STOP:
                if metastack:
                    raise UnpicklingError("unmatched MARK at STOP")
                return stack.pop()
            else:
                raise UnpicklingError(f"Unsupported operand {op} ({bytes([op])!r})")


class FullUnpickler(pickle.Unpickler):
    """weights_only=False: torch's names map to ember objects, every other global is imported (unsafe)."""

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self._pload = persistent_load

    def persistent_load(self, pid):
        if type(pid) is not tuple or not pid or pid[0] not in ("storage", b"storage"):
            raise UnpicklingError(f"unsupported persistent id {pid!r}"[:200])
        return self._pload(pid)

    def find_class(self, module: str, name: str):
        if module == "torch" or module.startswith("torch."):
            full = f"{module}.{name}"
            obj = allowed_globals().get(full)
            if obj is None:
                raise UnpicklingError(f"{full} has no ember equivalent"
                                      + (f" ({_UNSUPPORTED[full]} are not supported)" if full in _UNSUPPORTED else ""))
            return obj
        return super().find_class(module, name)
