"""torch.autograd.Function: custom ops with user-written forward and backward on tensors."""
from __future__ import annotations

from . import graph
from .engine import _Select
from .grad_mode import grad_enabled, no_grad
from .graph import Node


class FunctionCtx(Node):
    """The `ctx` of a custom Function; also its node in the backward graph."""

    def save_for_backward(self, *tensors):
        self.saved = tensors
        self.vers = tuple(t._vc[0] if t is not None else 0 for t in tensors)

    def mark_non_differentiable(self, *tensors):
        self.non_diff = {id(t) for t in tensors}

    def mark_dirty(self, *tensors):
        self.dirty = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool):
        self.materialize = value

    def name(self):
        return self.fn.__name__ + "Backward"

    @property
    def needs_input_grad(self):
        return self._needs

    def backward(self, grads):
        if self.n_out == 1:
            grads = (grads,)
        if self.__dict__.get("materialize", True):
            from .. import zeros
            grads = tuple(g if g is not None else zeros(s, dtype=d)
                          for g, (s, d) in zip(grads, self.out_meta))
        res = self.fn.backward(self, *grads)
        if type(res) is not tuple:
            res = (res,)
        if len(res) < len(self.next):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {len(self.next)}, got {len(res)})")
        return res[:len(self.next)]


class Function:
    """Base for custom differentiable ops: define static `forward(ctx, ...)` and `backward(ctx, *grads)`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = graph.Tensor
        node_cls = cls.__dict__.get("_node_cls")
        if node_cls is None:  # the grad_fn class is named like torch's: <Function>Backward
            node_cls = type(cls.__name__ + "Backward", (FunctionCtx,), {})
            cls._node_cls = node_cls
        ctx = node_cls.__new__(node_cls)
        ctx.fn = cls
        ctx.saved = ()
        ctx.vers = ()
        ctx._needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        record = grad_enabled() and any(ctx._needs)
        custom_setup = cls.setup_context is not Function.setup_context
        with no_grad():
            out = cls.forward(*args, **kwargs) if custom_setup else cls.forward(ctx, *args, **kwargs)
        if custom_setup:
            cls.setup_context(ctx, args, out)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        if not record:
            return out
        ctx.seq = graph._seq()
        ctx.next = tuple(a._grad_fn or a if isinstance(a, Tensor) and a._rg else None for a in args)
        ctx.n_out = len(outs)
        ctx.out_meta = [(o.shape, o.dtype) if isinstance(o, Tensor) else ((), None) for o in outs]
        non_diff = ctx.__dict__.get("non_diff", ())
        inputs = {id(a) for a in args if isinstance(a, Tensor)}
        wrapped = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor) and id(o) not in non_diff and o.dtype.kind == 2:
                if id(o) in inputs:  # returning an input as-is: give back an alias carrying the new history
                    o = o.detach()
                o._grad_fn = ctx if ctx.n_out == 1 else _Select(ctx, i)
                o._rg = True
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)


class once_differentiable:  # noqa: N801 - torch's name
    """Accepted for compatibility: ember's backward already runs without recording unless create_graph=True."""

    def __new__(cls, fn):
        return fn
