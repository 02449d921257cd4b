"""ember.utils.checkpoint (torch.utils.checkpoint's names): activation checkpointing by recomputation.

`checkpoint(fn, *args)` runs `fn` without recording its graph (no activations are kept), saving only its inputs and
the RNG state; the backward pass re-runs `fn` with grad enabled from the same RNG state and backpropagates through
that fresh graph. Gradients equal the non-checkpointed ones.

Both variants are implemented on one recomputing autograd Function. ``use_reentrant=True`` (torch's default when
the flag is not passed, with torch's warning) refuses ``autograd.grad`` / ``backward(inputs=...)`` like torch;
``use_reentrant=False`` accepts keyword arguments, inputs that need no grad (the parameters inside still get
theirs) and ``autograd.grad`` with respect to the checkpoint's inputs. Not supported (clear RuntimeError):
``autograd.grad`` with respect to a tensor used *inside* the checkpointed function but not passed to it.
"""
from __future__ import annotations

import contextlib
import warnings

from .. import autograd as _autograd
from .._tensor import Tensor
from ..autograd import engine as _engine
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, grad_enabled

__all__ = ["checkpoint", "checkpoint_sequential", "detach_variable", "CheckpointError", "noop_context_fn",
           "set_checkpoint_debug_enabled", "set_checkpoint_early_stop"]

_REENTRANT_GRAD = ("When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or passing an "
                   "`inputs` parameter to .backward(). To resolve this error, you can either set use_reentrant=False,"
                   " or call .backward() without passing the `inputs` argument.")


class CheckpointError(RuntimeError):
    """The recomputed forward differs from the original one."""


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs: tuple) -> tuple:
    """Detached copies of the tensors in `inputs` that keep their requires_grad flag."""
    if not isinstance(inputs, tuple):
        raise RuntimeError(f"Only tuple of tensors is supported. Got Unsupported input type: {type(inputs).__name__}")
    out = []
    for x in inputs:
        if isinstance(x, Tensor):
            d = x.detach()
            d.requires_grad_(x.requires_grad)
            x = d
        out.append(x)
    return tuple(out)


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled: bool | None):
    """Accepted for compatibility: ember's recomputation has no debug trace to record."""
    yield


@contextlib.contextmanager
def set_checkpoint_early_stop(enable: bool):
    """Accepted for compatibility: ember always recomputes the whole checkpointed function."""
    yield


class _Checkpoint(Function):
    """Runs `fn` unrecorded in forward; recomputes it with grad in backward and backpropagates through it.

    Arguments: fn, reentrant, preserve_rng, kwargs, n (the number of real arguments), then the arguments, then
    possibly one extra leaf that requires grad so that the output is recorded even when no argument needs grad.
    """

    @staticmethod
    def forward(ctx, fn, reentrant, preserve_rng, kwargs, n, *args):
        from .. import get_rng_state
        ctx.run_fn, ctx.reentrant, ctx.kwargs, ctx.n = fn, reentrant, kwargs, n
        ctx.rng = get_rng_state() if preserve_rng else None
        ctx.args = [None if isinstance(a, Tensor) else a for a in args[:n]]
        ctx.save_for_backward(*[a if isinstance(a, Tensor) else None for a in args[:n]])
        return fn(*args[:n], **kwargs)

    @staticmethod
    def backward(ctx, *grads):
        from .. import get_rng_state, set_rng_state
        capture = _engine.current_capture()
        if capture is not None and ctx.reentrant:
            raise RuntimeError(_REENTRANT_GRAD)
        inputs = detach_variable(tuple(s if s is not None else a for s, a in zip(ctx.saved_tensors, ctx.args)))
        create_graph = grad_enabled()  # the engine enables grad exactly when create_graph=True
        current = get_rng_state() if ctx.rng is not None else None
        try:
            if ctx.rng is not None:
                set_rng_state(ctx.rng)
            with enable_grad():
                outputs = ctx.run_fn(*inputs, **ctx.kwargs)
        finally:
            if current is not None:
                set_rng_state(current)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        outs, gs = [p[0] for p in pairs], [p[1] for p in pairs]
        wanted = [a for a in inputs if isinstance(a, Tensor) and a.requires_grad]
        if capture is None:
            _autograd.backward(outs, gs, create_graph=create_graph)
            got = {id(a): a.grad for a in wanted}
        else:
            inner = {id(a) for a in wanted}
            if any(id(t) not in inner and id(t) in capture for t in _engine.graph_leaves(outs).values()):
                raise RuntimeError("ember's checkpoint cannot return gradients to autograd.grad / backward(inputs=...) "
                                   "for tensors used inside the checkpointed function without being passed to it "
                                   "(e.g. its parameters); pass them as arguments, or call .backward() without "
                                   "`inputs`.")
            res = _autograd.grad(outs, wanted, gs, create_graph=create_graph, allow_unused=True) if wanted else ()
            got = {id(a): g for a, g in zip(wanted, res)}
        in_grads = tuple(got.get(id(a)) if isinstance(a, Tensor) else None for a in inputs)
        return (None,) * 5 + in_grads + (None,)  # the trailing None answers the optional extra leaf


def checkpoint(function, *args, use_reentrant: bool | None = None, context_fn=noop_context_fn,
               determinism_check: str = "default", debug: bool = False, early_stop: bool = True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its activations; recompute them in backward."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting "
                      "in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant and (context_fn is not noop_context_fn or debug is not False):
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    needs = any(isinstance(a, Tensor) and a.requires_grad for a in args)
    if use_reentrant:
        if not needs:
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        return _Checkpoint.apply(function, True, preserve, {}, len(args), *args)
    if not grad_enabled():
        return function(*args, **kwargs)
    extra = () if needs else (_leaf(),)
    return _Checkpoint.apply(function, False, preserve, kwargs, len(args), *args, *extra)


def _leaf() -> Tensor:
    from .. import empty
    return empty(0, requires_grad=True)


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None, **kwargs):
    """Run a Sequential (or list of modules) in `segments` chunks, checkpointing all but the last chunk."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
                      "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default "
                      "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    from ..nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start: int, end: int):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
