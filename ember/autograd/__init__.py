"""Automatic differentiation: backward, grad, custom Functions, gradcheck and grad modes."""
from __future__ import annotations

import numpy as _np

from . import graph
from .engine import run_backward
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "gradcheck", "gradgradcheck", "Variable"]


def _as_list(x):
    if x is None:
        return None
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_pairs(outputs, grad_outputs, create_graph):
    Tensor, _make = graph.Tensor, graph._make
    grads = _as_list(grad_outputs) or [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad_tensors should have the same length as tensors ({len(grads)} vs {len(outputs)})")
    pairs = []
    for i, (t, g) in enumerate(zip(outputs, grads)):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            a = t._data
            g = _make(_np.array(1, a.dtype).reshape(a.shape) if type(a) is _np.ndarray else t.xp.ones_like(a))
        elif not isinstance(g, Tensor):
            g = _make(t.xp.full(t._data.shape, g, t._data.dtype))
        else:
            if g.shape != t.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                                   f"has a shape of {t.shape}.")
            g = g if create_graph else _make(g._data.copy())
        pairs.append((t._grad_fn or t, g))
    return pairs


def _target(t):
    return t._grad_fn if t._grad_fn is not None else t


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaves) into the leaves' `.grad` (or only into `inputs`)."""
    tensors = _as_list(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    pairs = _root_pairs(tensors, grad_tensors, create_graph)
    if inputs is None:
        run_backward(pairs, retain_graph, create_graph)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    for t in inputs:
        if not t._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    got = run_backward(pairs, retain_graph, create_graph, capture={id(_target(t)) for t in inputs})
    from .engine import _accumulate_leaf
    owned: set = set()
    for t in inputs:
        g = got.get(id(_target(t)))
        if g is not None:
            _accumulate_leaf(t, g, create_graph, owned)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching `.grad`."""
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, t in enumerate(inputs):
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    pairs = _root_pairs(outputs, grad_outputs, create_graph)
    got = run_backward(pairs, retain_graph, create_graph, capture={id(_target(t)) for t in inputs})
    res = []
    for t in inputs:
        g = got.get(id(_target(t)))
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = t.new_zeros(t.shape)
        elif g.shape != t.shape:
            g = g.sum_to_size(t.shape)
        res.append(g)
    return tuple(res)


def Variable(data, requires_grad=False):  # noqa: N802 - legacy torch name
    """Legacy alias: returns the tensor itself (Variables and Tensors merged in torch 0.4)."""
    if requires_grad:
        data.requires_grad_(True)
    return data


def __getattr__(name: str):
    """``ember.autograd.profiler`` is imported on first use (it needs ember.profiler)."""
    if name == "profiler":
        import importlib
        return importlib.import_module(".profiler", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
