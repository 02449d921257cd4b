"""ember.compiler (torch.compiler's names) and `compile`: ember runs every model eagerly, so compiling wraps.

``ember.compile(module)`` returns an `OptimizedModule` like torch._dynamo's: it calls the original module, forwards
attribute reads and writes to it, keeps it as ``_orig_mod`` (so state_dict keys gain the ``_orig_mod.`` prefix,
exactly as a compiled torch module's) and follows its train/eval mode. A compiled function is a thin wrapper.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from .nn import Module

__all__ = ["compile", "OptimizedModule", "disable", "is_compiling", "is_dynamo_compiling", "is_exporting", "reset",
           "allow_in_graph", "assume_constant_result", "cudagraph_mark_step_begin", "set_stance"]

_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


class OptimizedModule(Module):
    """An eagerly running stand-in for a ``torch.compile``-d module: the original lives in ``_orig_mod``."""

    _opt_mod_attributes = {"_orig_mod", "dynamo_ctx", "_torchdynamo_orig_callable", "forward", "__dict__",
                           "_super_module_initialized", "compile_options"}

    def __init__(self, mod, compile_options: dict | None = None) -> None:
        object.__setattr__(self, "_orig_mod", mod)
        object.__setattr__(self, "_super_module_initialized", False)
        super().__init__()
        self.__dict__.pop("training", None)  # the property below reads the wrapped module's mode
        object.__setattr__(self, "_super_module_initialized", True)
        self.__dict__.pop("_orig_mod")
        self._orig_mod = mod  # registered as a child: state_dict keys become '_orig_mod.<name>'
        self.compile_options = dict(compile_options or {})
        self.forward = mod.__call__

    @property
    def training(self) -> bool:
        return self._orig_mod.training

    @training.setter
    def training(self, value: bool) -> None:
        if self.__dict__.get("_super_module_initialized"):
            self._orig_mod.training = value

    def __call__(self, *args, **kwargs):
        return Module.__call__(self, *args, **kwargs)

    def __len__(self) -> int:
        mod = self._orig_mod
        if hasattr(mod, "__len__"):
            return len(mod)
        raise TypeError(f"{type(mod).__name__} does not support len()")

    def __getattr__(self, name: str) -> Any:
        if name == "_orig_mod":
            return self.__dict__["_modules"]["_orig_mod"]
        return getattr(self._orig_mod, name)

    def __setattr__(self, name: str, value) -> None:
        if hasattr(type(self), name) or name in OptimizedModule._opt_mod_attributes:
            return super().__setattr__(name, value)
        return setattr(self._orig_mod, name, value)

    def __delattr__(self, name: str) -> None:
        if hasattr(type(self), name) or name in OptimizedModule._opt_mod_attributes:
            return super().__delattr__(name)
        return delattr(self._orig_mod, name)

    def __reduce__(self):
        return (OptimizedModule, (self._orig_mod, self.compile_options))

    def __dir__(self):
        own = list(self._orig_mod.__dir__())
        return own + [a for a in super().__dir__() if a not in own]


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: str | Callable = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False, **kwargs) -> Any:
    """torch.compile's signature; ember has no compiler, so the result runs the model eagerly (see module doc)."""
    if model is None:
        def decorate(model):
            if model is None:
                raise RuntimeError("Model can't be None")
            return compile(model, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                           options=options, disable=disable, **kwargs)
        return decorate
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if disable:
        return model
    opts = dict(fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode or "default", options=options)
    if isinstance(model, Module):
        return OptimizedModule(model, opts)
    if not callable(model):
        raise RuntimeError("compile expects a callable (a function or an nn.Module), "
                           f"got {type(model).__name__}")

    @functools.wraps(model)
    def compiled(*args, **kw):
        return model(*args, **kw)
    compiled._torchdynamo_orig_callable = model
    return compiled


def disable(fn: Callable | None = None, recursive: bool = True, *, reason: str | None = None):
    """Mark `fn` to run without compiling: everything in ember already does, so `fn` comes back unchanged."""
    if fn is None:
        return lambda f: f
    return fn


def is_compiling() -> bool:
    """False: ember never traces or compiles code."""
    return False


is_dynamo_compiling = is_compiling


def is_exporting() -> bool:
    """False: ember has no export tracer."""
    return False


def reset() -> None:
    """Clear compile caches: ember keeps none."""


def allow_in_graph(fn):
    """Returns `fn`: there is no graph to allow it into."""
    return fn


def assume_constant_result(fn):
    """Returns `fn`: results are never cached across calls."""
    return fn


def cudagraph_mark_step_begin() -> None:
    """Marks a CUDA-graph step in torch; ember records no graphs."""


def set_stance(stance: str = "default", *, skip_guard_eval_unsafe: bool = False, force_backend=None):
    """Accepts torch's stances ('default', 'force_eager', 'eager_on_recompile', 'fail_on_recompile'); ember is
    always eager. Usable as a call, a decorator or a ``with`` block."""
    allowed = ("default", "force_eager", "eager_on_recompile", "fail_on_recompile", "eager_then_compile",
               "aot_eager_then_compile")
    if stance not in allowed:
        raise RuntimeError(f"invalid torch.compile stance '{stance}'")
    return _Stance()


class _Stance:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __call__(self, fn):
        return fn
