"""Backward-graph nodes and the apply step that records them.

An op is a `Node` subclass with a static `forward(ctx, *arrays, **kw)` on backend arrays and a `backward(self, grad)`
written with differentiable ember ops (so `create_graph=True` works everywhere). `save` names the inputs backward
needs (checked against the version counter), `save_out` asks for the output, and `is_view` marks outputs that alias
their input's memory.
"""
from __future__ import annotations

import itertools

import numpy as np

from .grad_mode import grad_enabled

try:  # numpy's floating-point error state, set directly (np.errstate costs ~4x more per op)
    from numpy._core.umath import _extobj_contextvar as _errstate, _make_extobj
    _QUIET = _make_extobj(all="ignore")
except ImportError:  # pragma: no cover - other numpy versions: the public (slower) context manager
    class _ErrstateShim:
        @staticmethod
        def set(_):
            cm = np.errstate(all="ignore")
            cm.__enter__()
            return cm

        @staticmethod
        def reset(cm):
            cm.__exit__(None, None, None)
    _errstate, _QUIET = _ErrstateShim(), None

_ndarray = np.ndarray
_new = object.__new__
_generic = np.generic
Tensor = None  # set by ember._tensor
_make = None
_seq = itertools.count(1).__next__  # creation order of recorded nodes: backward runs them newest first

FREED_MSG = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
             "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
             "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
             "if you need to access saved tensors after calling backward.")


class _Stash:
    """Scratch ctx for a forward that runs without recording (a fresh one per call, so threads never share it)."""


def _check_version(t, v, node):
    if t._vc[0] != v:
        from .. import _identity
        from .._tensor import _LEGACY_NAMES
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[{_identity.name()}.{_LEGACY_NAMES.get(t.dtype.name, 'Tensor')} {list(t.shape)}] is at version "
            f"{t._vc[0]}; expected version {v} instead (saved by {node.name()}). Hint: avoid modifying in place a "
            "tensor that an earlier op saved for backward.")


class Node:
    """A recorded operation in the backward graph (a tensor's `grad_fn`)."""

    n_out = 1
    save: tuple = ()
    save_out = False
    is_view = False

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return tuple((None, 0) if e is None else ((e, 0) if isinstance(e, Node) else (AccumulateGrad(e), 0))
                     for e in self.next)

    @property
    def saved_tensors(self) -> tuple:
        saved = self.__dict__.get("saved", ())
        if saved is None:
            raise RuntimeError(FREED_MSG)
        for t, v in zip(saved, self.vers):
            if isinstance(t, Tensor):
                _check_version(t, v, self)
        return saved

    def saved_output(self):
        """The forward output as a tensor connected to this node (for backward formulas that use it)."""
        arr = self._out_array()
        t = _make(arr, self)
        t._vc = self.out[1]
        return t

    def _out_array(self):
        """The saved output array (version-checked) without wrapping it as a tensor."""
        out = self.__dict__.get("out")
        if out is None:
            raise RuntimeError(FREED_MSG)
        arr, vc, v = out
        if vc[0] != v:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"the output of {self.name()} is at version {vc[0]}; expected version {v} instead.")
        return arr

    def register_prehook(self, fn):
        hooks = self.__dict__.setdefault("pre_hooks", {})
        return _Handle(hooks, fn)

    @classmethod
    def apply(cls, *args, **kw):
        """Run forward on the arguments' arrays and, when grad is needed, record this node (the hot path)."""
        arrs, record = [], False
        for a in args:  # one plain loop: cheaper than a comprehension plus a search on every op
            if isinstance(a, Tensor):
                arrs.append(a._data)
                if a._rg:
                    record = True
            else:
                arrs.append(a)
        if record:
            record = grad_enabled()
        ctx = _new(cls) if record else _new(_Stash)
        token = _errstate.set(_QUIET)  # torch never warns on inf/nan
        try:
            out = cls.forward(ctx, *arrs, **kw)
        except ValueError as e:  # numpy's shape errors become torch's RuntimeError
            raise RuntimeError(_shape_message(e, arrs)) from None
        finally:
            _errstate.reset(token)
        if type(out) is not _ndarray and isinstance(out, _generic):
            out = np.asarray(out)
        res = _new(Tensor)
        res._data = out
        res._grad = res._base = res._hooks = None
        if cls.is_view:
            base = args[0]
            res._base = base._base if base._base is not None else base
            res._vc = base._vc
        else:
            res._vc = [0]
        if not record:
            res._grad_fn = None
            res._rg = False
            return res
        res._grad_fn = ctx
        res._rg = True
        ctx.seq = _seq()
        ctx.next = tuple([(a._grad_fn or a) if isinstance(a, Tensor) and a._rg else None for a in args])
        if cls.save:
            ctx.saved = saved = tuple([args[i] for i in cls.save])
            ctx.vers = tuple([t._vc[0] if isinstance(t, Tensor) else 0 for t in saved])
        if cls.save_out:
            ctx.out = (out, res._vc, res._vc[0])
        return res

    @property
    def needs_input_grad(self):
        return tuple(e is not None for e in self.next)


def _shape_message(err, arrs) -> str:
    shapes = [a.shape for a in arrs if hasattr(a, "shape")]
    if "broadcast" in str(err) and len(shapes) >= 2:
        a, b = shapes[0], shapes[1]
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        for d in range(n - 1, -1, -1):
            if a[d] != b[d] and 1 not in (a[d], b[d]):
                return (f"The size of tensor a ({a[d]}) must match the size of tensor b ({b[d]}) at non-singleton "
                        f"dimension {d}")
    return str(err)


class AccumulateGrad:
    """Stand-in for a leaf in `next_functions` (torch's AccumulateGrad)."""

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _Handle:
    """A removable hook handle."""

    _next_id = [0]

    def __init__(self, store: dict, fn):
        self.id = self._next_id[0]
        self._next_id[0] += 1
        self.store = store
        store[self.id] = fn

    def remove(self):
        self.store.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

