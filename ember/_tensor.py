"""Tensor, Size, legacy tensor types. Op methods are bound onto Tensor by `ember._ops`."""
from __future__ import annotations

import builtins

import numpy as np

from . import _dtype, _identity
from ._backend import CPU, device, device_of, to_device, xp_of
from ._dtype import dtype, from_np
from ._tensor_str import tensor_repr
from .autograd import graph


class Size(tuple):
    """A tensor shape: a tuple of ints that prints as `ember.Size([2, 3])`."""

    def __repr__(self):
        return f"{_identity.name()}.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))


_new = object.__new__


class Tensor:
    """A multi-dimensional array with autograd, mirroring torch.Tensor."""

    __slots__ = ("_data", "_grad_fn", "_rg", "_grad", "_vc", "_base", "_hooks", "__dict__", "__weakref__")
    __array_ufunc__ = None  # make numpy defer to Tensor's reflected operators
    __hash__ = object.__hash__

    def __new__(cls, *args, **kwargs):
        """Legacy constructor: `Tensor(2, 3)` (uninitialised shape) or `Tensor([1, 2])` (float32 data)."""
        return _legacy_new(cls, _dtype.get_default_dtype(), args, kwargs.get("device"))

    def __init__(self, *args, **kwargs):
        pass

    # ---- core attributes -------------------------------------------------------------------------------------
    @property
    def data(self) -> "Tensor":
        t = _make(self._data)
        return t

    @data.setter
    def data(self, value: "Tensor"):
        self._data = value._data if isinstance(value, Tensor) else value

    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                                   "computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._rg = bool(requires_grad)
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self.__dict__.get("_retains", False)

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def dtype(self) -> dtype:
        return from_np(self._data.dtype)

    @property
    def device(self) -> device:
        return device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def xp(self):
        return xp_of(self._data)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def layout(self):
        return _identity.NAMED["strided"]

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self) -> int:
        if self._base is None:
            return 0
        base = self._base._data
        return (self._data.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // self.itemsize

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0] if isinstance(self._data, np.ndarray) else \
            self._data.data.ptr

    def is_contiguous(self, memory_format=None) -> bool:
        return builtins.bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def get_device(self) -> int:
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    # ---- conversion to Python / numpy --------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if not force and self._rg:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if not isinstance(self._data, np.ndarray):
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                                "copy the tensor to host memory first.")
            return self._data.get()
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self._data.item())

    def __float__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return builtins.float(self._data.item())

    def __int__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return builtins.int(self._data.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self._data.item())

    def __complex__(self):
        return complex(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None):
        gf = self._grad_fn
        return tensor_repr(_host(self._data), dtype_name=self.dtype.name,
                           default_dtype_name=_dtype.get_default_dtype().name,
                           device="cpu" if isinstance(self._data, np.ndarray) else str(self.device),
                           requires_grad=self._rg and gf is None, grad_fn_name=gf.name() if gf is not None else None)

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild, (_host(self._data), self._rg, str(self.device)))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        new = type(self).__new__(type(self)) if type(self) is not Tensor else _new(Tensor)
        _init(new, self._data.copy(), None)
        new._rg = self._rg
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith("_")})
        memo[id(self)] = new
        return new

    # ---- autograd ----------------------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate gradients of this tensor with respect to graph leaves into their `.grad`."""
        _autograd.backward([self], None if gradient is None else [gradient], retain_graph, create_graph, inputs)

    def detach(self) -> "Tensor":
        t = _make(self._data)
        t._vc = self._vc
        t._base = self if self._base is None else self._base
        return t

    def detach_(self) -> "Tensor":
        self._grad_fn = None
        self._rg = False
        return self

    def retain_grad(self) -> None:
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self.__dict__.get("_retains"):
            return
        self.__dict__["_retains"] = True
        import weakref
        ref = weakref.ref(self)

        def hook(g):
            t = ref()
            if t is not None:
                t._grad = g.detach().clone() if t._grad is None else t._grad + g.detach()
        self._grad_fn.register_prehook(hook)

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; it may return a replacement."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn.register_prehook(hook)
        if self._hooks is None:
            self._hooks = {}
        return graph._Handle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call `hook(tensor)` right after backward has accumulated this leaf's `.grad` (before backward ends)."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        return graph._Handle(self.__dict__.setdefault("_post_acc_hooks", {}), hook)

    # ---- copies and conversions ----------------------------------------------------------------------------------
    def to(self, *args, **kwargs) -> "Tensor":
        """`to(dtype)`, `to(device)`, `to(tensor)`, `to(device, dtype)`, with `copy=` and `non_blocking=`."""
        dt, dev = kwargs.get("dtype"), kwargs.get("device")
        copy = kwargs.get("copy", False)
        for a in args:
            if isinstance(a, dtype):
                dt = a
            elif isinstance(a, Tensor):
                dt, dev = a.dtype, a.device
            elif isinstance(a, (str, device, builtins.int)):
                dev = a
            elif a is builtins.float or a is builtins.int or a is builtins.bool:
                dt = {builtins.float: _dtype.float64, builtins.int: _dtype.int64, builtins.bool: _dtype.bool}[a]
        from . import _ops
        return _ops.to_copy(self, dt, device(dev) if dev is not None else None, copy)

    def type(self, dtype=None, non_blocking: bool = False):
        if dtype is None:
            prefix = _identity.name() + ("." if self.device.type == "cpu" else ".cuda.")
            return prefix + _LEGACY_NAMES[self.dtype.name]
        if isinstance(dtype, str):
            name = dtype.split(".")[-1]
            for k, v in _LEGACY_NAMES.items():
                if v == name:
                    dtype = _dtype._lookup(k)
                    break
            else:
                raise ValueError(f"invalid type: '{dtype}'")
        elif isinstance(dtype, _LegacyType):
            dtype = dtype._dtype
        return self.to(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def short(self):
        return self.to(_dtype.int16)

    def char(self):
        return self.to(_dtype.int8)

    def byte(self):
        return self.to(_dtype.uint8)

    def bool(self):
        return self.to(_dtype.bool)

    def bfloat16(self):
        return self.to(_dtype.bfloat16)

    def cpu(self) -> "Tensor":
        return self.to(CPU)

    def cuda(self, device=None, non_blocking: bool = False) -> "Tensor":
        return self.to(globals()["device"]("cuda" if device is None else device))

    def pin_memory(self) -> "Tensor":
        return self

    def is_pinned(self) -> bool:
        return False

    def share_memory_(self) -> "Tensor":
        return self

    def new(self, *args, **kwargs) -> "Tensor":
        """Legacy constructor with this tensor's dtype: `new(2, 3)`, `new(size)`, `new([data])`, `new(tensor)`."""
        if set(kwargs) - {"device"}:
            raise TypeError(f"new() received an invalid combination of arguments - got unexpected keyword(s) "
                            f"{sorted(set(kwargs) - {'device'})}; only device= is accepted")
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0].dtype is not self.dtype:
                raise TypeError(f"expected {self.dtype} (got {args[0].dtype})")
            return args[0].detach()
        if len(args) == 1 and isinstance(args[0], (builtins.float, builtins.bool, complex)):
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        return _legacy_new(Tensor, self.dtype, args, kwargs.get("device") or self.device)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from . import _ops
        return _ops.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                           requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from . import _ops
        return _ops.empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from . import _ops
        return _ops.zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from . import _ops
        return _ops.ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> "Tensor":
        from . import _ops
        return _ops.full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad)


def _init(t, data, grad_fn):
    t._data = data
    t._grad_fn = grad_fn
    t._rg = grad_fn is not None
    t._grad = None
    t._vc = [0]
    t._base = None
    t._hooks = None


def _make(data, grad_fn=None) -> Tensor:
    """Wrap a backend array (no copy) as a Tensor; `grad_fn` makes it a non-leaf."""
    t = _new(Tensor)
    t._data = data
    t._grad_fn = grad_fn
    t._rg = grad_fn is not None
    t._grad = None
    t._vc = [0]
    t._base = None
    t._hooks = None
    return t


def _host(arr) -> np.ndarray:
    return arr if isinstance(arr, np.ndarray) else arr.get()


def _rebuild(arr, requires_grad, dev="cpu"):
    t = _make(to_device(arr, device(dev)))
    t._rg = requires_grad
    return t


def _wrap_dim(dim: int, ndim: int) -> int:
    """Normalise a possibly negative dim; IndexError like torch when out of range."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def _legacy_new(cls, dt, args, dev):
    from . import _ops
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0] if args[0].dtype is dt else args[0].to(dt)
    if args and all(isinstance(a, builtins.int) for a in args) or (len(args) == 1 and isinstance(args[0], Size)):
        shape = args[0] if isinstance(args[0], Size) else args
        t = _ops.zeros(*shape, dtype=dt, device=dev)
    elif not args:
        t = _ops.empty(0, dtype=dt, device=dev)
    elif len(args) == 1:
        t = _ops.tensor(args[0], dtype=dt, device=dev)
    else:
        raise TypeError("new() received an invalid combination of arguments")
    if cls is not Tensor and not isinstance(cls, _LegacyType):
        sub = _new(cls)
        _init(sub, t._data, None)
        return sub
    return t


class _LegacyType(type):
    """Metaclass of FloatTensor & co: a constructor and an isinstance check by dtype on CPU."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype and obj.device.type == "cpu"

    def __call__(cls, *args, **kwargs):
        return _legacy_new(cls, cls._dtype, args, kwargs.get("device"))

    def __repr__(cls):
        return f"<class '{_identity.name()}.{cls.__name__}'>"


_LEGACY_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                 "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}
LEGACY_TYPES = {v: _LegacyType(v, (), {"_dtype": _dtype._lookup(k)}) for k, v in _LEGACY_NAMES.items()}

graph.Tensor = Tensor
graph._make = _make
from . import autograd as _autograd  # noqa: E402  (autograd's public functions need Tensor defined first)
