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


class UninitializedParameter(Parameter):
    """Placeholder for lazy modules (shape unknown until the first forward)."""
