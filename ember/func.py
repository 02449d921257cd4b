"""Function transforms (``torch.func``): functional_call, grad, grad_and_value, vjp and vmap.

ember has no batching interpreter, so `vmap` runs the function once per index of the mapped dimension and stacks the
results: same values as torch, slower, and random ops inside draw independently per sample (torch's
``randomness='different'``; torch's default ``'error'`` would refuse them).
"""
from __future__ import annotations

import contextlib
import functools
from typing import Callable

from . import autograd
from ._ops.shape import stack
from ._tensor import Tensor
from .utils import _pytree as pytree

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "vmap"]


@contextlib.contextmanager
def _swapped(module, tensors: dict, strict: bool):
    """Temporarily put `tensors` (dotted names) in place of `module`'s parameters and buffers."""
    own = dict(module.named_parameters(remove_duplicate=False)) | dict(module.named_buffers(remove_duplicate=False))
    if strict:
        missing, unexpected = sorted(set(own) - set(tensors)), sorted(set(tensors) - set(own))
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: missing keys {missing}, "
                               f"unexpected keys {unexpected}")
    saved = []
    try:
        for name, value in tensors.items():
            prefix, _, leaf = name.rpartition(".")
            sub = module.get_submodule(prefix)
            store = sub._parameters if leaf in sub._parameters else sub._buffers if leaf in sub._buffers else None
            if store is None:
                raise AttributeError(f"{type(sub).__name__} has no parameter or buffer named '{leaf}'")
            saved.append((store, leaf, store[leaf]))
            store[leaf] = value
        yield
    finally:
        for store, leaf, old in reversed(saved):
            store[leaf] = old


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False):
    """``module(*args, **kwargs)`` with its parameters/buffers replaced by the given tensors (by dotted name)."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (list, tuple)):
        merged: dict = {}
        for d in dicts:
            clash = set(merged) & set(d)
            if clash:
                raise ValueError(f"{sorted(clash)} appeared in multiple dictionaries; behavior of functional call "
                                 f"is ambiguous")
            merged.update(d)
        dicts = merged
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _swapped(module, dict(dicts), strict):
        return module(*args, **(kwargs or {}))


def _grad_inputs(args, argnums):
    """(args with the differentiated ones replaced by graph-connected copies, those copies' pytree, is_tuple)."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError("grad_and_value(f)(*args): argnums must be non-empty")
    args = list(args)
    picked = []
    for n in nums:
        def track(t):
            if not isinstance(t, Tensor) or not t.is_floating_point():
                raise RuntimeError("grad_and_value(f)(*args): expected the argnums inputs to be floating-point "
                                   "Tensors")
            return t.view_as(t) if t.requires_grad else t.detach().requires_grad_(True)
        args[n] = pytree.tree_map(track, args[n])
        picked.append(args[n])
    return args, picked if not isinstance(argnums, int) else picked[0], not isinstance(argnums, int)


def _reaches_other_leaf(out: Tensor, own: set) -> bool:
    """Whether `out`'s graph reaches a leaf requiring grad other than the `own` ones (an enclosing level's)."""
    seen, todo = set(), [out.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        var = getattr(node, "variable", None)
        if var is not None and id(var) not in own:
            return True
        todo += [n for n, _ in getattr(node, "next_functions", ())]
    return False


def grad_and_value(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """A function returning (d func / d args[argnums], func(*args)); func must return a one-element tensor."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        create = autograd.is_grad_enabled()  # keep the result differentiable for an enclosing autograd pass
        with autograd.enable_grad():
            args, inputs, _ = _grad_inputs(args, argnums)
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: "
                                       "(output, aux) if has_aux is True")
                out, aux = out
            if not isinstance(out, Tensor) or out.numel() != 1:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"{'tensor with ' + str(out.dim()) + ' dims' if isinstance(out, Tensor) else type(out).__name__}")
            leaves, spec = pytree.tree_flatten(inputs)
            create = create and _reaches_other_leaf(out, {id(t) for t in leaves if t.grad_fn is None})
            grads = autograd.grad(out, leaves, allow_unused=True, create_graph=create)
            grads = [g if g is not None else t.detach() * 0 for g, t in zip(grads, leaves)]
        value = out if create else out.detach()
        result = pytree.tree_unflatten(list(grads), spec)
        return (result, (value, aux)) if has_aux else (result, value)
    return wrapper


def grad(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """A function returning d func / d args[argnums] (and func's aux output when `has_aux`)."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func: Callable, *primals, has_aux: bool = False):
    """(func(*primals), a function mapping cotangents to the vector-Jacobian products w.r.t. each primal)."""
    with autograd.enable_grad():
        tracked = [pytree.tree_map(lambda t: t.detach().requires_grad_(True), p) for p in primals]
        out = func(*tracked)
        aux = None
        if has_aux:
            out, aux = out
    outs, out_spec = pytree.tree_flatten(out)
    ins, in_spec = pytree.tree_flatten(tracked)

    def vjp_fn(cotangents):
        cots = pytree.tree_flatten(cotangents)[0]
        grads = autograd.grad(outs, ins, cots, retain_graph=True, allow_unused=True)
        grads = [g if g is not None else t.detach() * 0 for g, t in zip(grads, ins)]
        return tuple(pytree.tree_unflatten(grads, in_spec))
    detached = pytree.tree_unflatten([o.detach() for o in outs], out_spec)
    return (detached, vjp_fn, aux) if has_aux else (detached, vjp_fn)


def vmap(func: Callable, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None) -> Callable:
    """`func` mapped over dimension `in_dims` of its inputs, results stacked along `out_dims`."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. "
                           f"Got {randomness}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of `inputs`. in_dims has structure with {len(dims)} leaves but inputs has "
                             f"{len(args)} leaves")
        flat, sizes = [], set()
        for a, d in zip(args, dims):
            leaves, spec = pytree.tree_flatten(a)
            ds = pytree.tree_flatten(d)[0] if not isinstance(d, (int, type(None))) else [d] * len(leaves)
            for x, dd in zip(leaves, ds):
                if dd is not None:
                    if not isinstance(x, Tensor):
                        raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): Got in_dim={dd} for an input "
                                         f"but the input is of type {type(x)}. We cannot vmap over non-Tensor "
                                         f"arguments, please use None as the respective in_dim")
                    sizes.add(x.shape[dd])
            flat.append((leaves, spec, ds))
        if len(sizes) != 1:
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): Expected all tensors to have the same "
                             f"size in the mapped dimension, got sizes {sorted(sizes)} for the mapped dimension"
                             if sizes else f"vmap(f, in_dims={in_dims}, ...)(<inputs>): at least one input must "
                             f"be mapped (in_dims all None)")
        n = sizes.pop()
        results = []
        for i in range(n):
            sample = [pytree.tree_unflatten([x.select(dd, i) if dd is not None else x for x, dd in zip(lv, ds)], sp)
                      for lv, sp, ds in flat]
            results.append(func(*sample, **kwargs))
        outs, spec = zip(*(pytree.tree_flatten(r) for r in results))
        odims = out_dims if isinstance(out_dims, tuple) else (out_dims,) * len(outs[0])
        stacked = [stack([o[k] for o in outs], odims[k]) for k in range(len(outs[0]))]
        return pytree.tree_unflatten(stacked, spec[0])
    return wrapper
