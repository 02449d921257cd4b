"""Parameter and Buffer: tensors that modules register automatically."""
from __future__ import annotations

from .._tensor import Tensor, _init, _make


class Parameter(Tensor):
    """A tensor that is a module parameter: requires grad by default and is registered on assignment."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from .. import empty
            data = empty(0)
        p = object.__new__(cls)
        _init(p, data._data, None)
        p._rg = bool(requires_grad)
        if requires_grad and data._data.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (_make(self._data), self._rg))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(_make(self._data.copy()), self._rg)
        if self._grad is not None:
            p._grad = _make(self._grad._data.copy())
        memo[id(self)] = p
        return p


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a module attribute."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from .. import empty
            data = empty(0)
        b = object.__new__(cls)
        _init(b, data._data, None)
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent=True):
        pass


class UninitializedTensorMixin:
    """A tensor whose shape is unknown until `materialize(shape)` turns it into its `cls_to_become`."""

    cls_to_become: type = Tensor
    _SHAPE_MSG = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
                  "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
                  "`forward` to initialize the parameters before accessing their attributes.")

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Allocate uninitialised data of `shape` in place and become a plain `cls_to_become`."""
        from .. import empty
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        data = empty(shape, device=device or self.device, dtype=dtype or self.dtype)
        self._data = data._data
        self._vc[0] += 1
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(self._SHAPE_MSG)

    def size(self, dim=None):
        raise RuntimeError(self._SHAPE_MSG)

    def numel(self):
        raise ValueError("Attempted to use an uninitialized parameter in numel. This error happens when you are "
                         "using a `LazyModule` or explicitly manipulating `torch.nn.parameter.UninitializedParameter` "
                         "objects. When using LazyModules Call `forward` with a dummy batch to initialize the "
                         "parameters before calling torch functions")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (type(self), (self._rg, None, self.dtype))


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """Placeholder parameter of a lazy module (shape unknown until the first forward)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from .. import empty
        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, *args, **kwargs):
        pass

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = UninitializedParameter(self._rg, self.device, self.dtype)
        return memo[id(self)]


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """Placeholder buffer of a lazy module (shape unknown until the first forward)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        from .. import empty
        b = object.__new__(cls)
        _init(b, empty(0, device=device, dtype=dtype)._data, None)
        b._rg = requires_grad
        b.persistent = persistent
        return b

    def __init__(self, *args, **kwargs):
        pass

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = UninitializedBuffer(self._rg, self.device, self.dtype)
        return memo[id(self)]


def is_lazy(param) -> bool:
    """True for an UninitializedParameter/UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)
