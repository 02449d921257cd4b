"""ember.jit (torch.jit's names): TorchScript entry points for code written for it, run eagerly by ember.

`script` returns its argument unchanged and `trace` returns the traced module/function itself, so scripted or
traced models run as ordinary Python. The decorators (`ignore`, `unused`, `export`, `interface`) and annotations
(`Final`, `annotate`, `Attribute`) are accepted and do nothing; `is_scripting` / `is_tracing` are False. TorchScript
archives cannot be written or read: `save` and `load` raise a RuntimeError that says what to use instead.
"""
from __future__ import annotations

import builtins
import contextlib
import typing
from typing import Any, Callable

from .nn import Module

__all__ = ["script", "trace", "trace_module", "script_if_tracing", "ignore", "unused", "export", "interface",
           "script_method", "is_scripting", "is_tracing", "Final", "annotate", "Attribute", "isinstance", "fork",
           "wait", "freeze", "optimize_for_inference", "save", "load", "ScriptModule", "ScriptFunction",
           "TracerWarning", "Error", "optimized_execution", "fuser", "set_fusion_strategy",
           "enable_onednn_fusion", "onednn_fusion_enabled", "strict_fusion"]

Final = typing.Final


class ScriptModule(Module):
    """Base class of scripted modules in torch; ember never creates one (scripted modules stay as they are)."""


class ScriptFunction:
    """Type of scripted functions in torch; ember never creates one (scripted functions stay plain functions)."""


RecursiveScriptModule = TopLevelTracedModule = TracedModule = ScriptModule


class TracerWarning(Warning):
    """Category of torch's tracer warnings (ember's trace never warns)."""


class Error(RuntimeError):
    """TorchScript's error type."""


def script(obj: Any, optimize=None, _frames_up: int = 0, _rcb=None, example_inputs=None) -> Any:
    """Return `obj` unchanged: ember runs the module, function or class eagerly instead of compiling it."""
    return obj


def trace(func: Callable, example_inputs=None, optimize=None, check_trace: bool = True, check_inputs=None,
          check_tolerance: float = 1e-5, strict: bool = True, _force_outplace: bool = False,
          _module_class=None, _compilation_unit=None, example_kwarg_inputs: dict | None = None,
          _store_inputs: bool = True) -> Callable:
    """Return `func` itself (a module or function), which runs eagerly on any later input."""
    if not callable(func):
        raise RuntimeError(f"trace expects a module or a function, got {type(func).__name__}")
    return func


def trace_module(mod: Module, inputs: dict, *args, **kwargs) -> Module:
    """Return `mod` itself: each method named in `inputs` runs eagerly."""
    if not builtins.isinstance(mod, Module):
        raise AttributeError("expected torch.nn.Module as the first argument")
    return mod


def script_if_tracing(fn: Callable) -> Callable:
    return fn


def _decorator(doc: str):
    def decorate(fn=None, **kwargs):
        if fn is None or not callable(fn):  # used with arguments: @ignore(drop=True)
            return lambda f: f
        return fn
    decorate.__doc__ = doc
    return decorate


ignore = _decorator("Mark a function for the Python interpreter (it always is in ember): returns it unchanged.")
unused = _decorator("Mark a method to be left out of scripting: returns it unchanged.")
export = _decorator("Mark a method to be compiled as an entry point: returns it unchanged.")
interface = _decorator("Mark a class as a TorchScript interface: returns it unchanged.")
script_method = _decorator("Mark a ScriptModule method: returns it unchanged.")


def is_scripting() -> bool:
    """False: ember code always runs in the Python interpreter."""
    return False


def is_tracing() -> bool:
    """False: ember never traces."""
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """Return `the_value` (the type hint is for TorchScript's compiler)."""
    return the_value


def Attribute(value: Any, type: Any) -> Any:  # noqa: N802 - torch's name
    """Return `value` (the type is for TorchScript's compiler)."""
    return value


def isinstance(obj: Any, target_type: Any) -> bool:  # noqa: A001 - torch's name
    """Python's isinstance, with typing containers (``List[int]``) checked by their origin type."""
    origin = typing.get_origin(target_type)
    return builtins.isinstance(obj, origin if origin is not None else target_type)


class Future:
    """An already-computed result of `fork`."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def wait(self) -> Any:
        return self._value

    value = wait

    def done(self) -> bool:
        return True


def fork(func: Callable, *args, **kwargs) -> Future:
    """Run `func` now (ember has no inter-op thread pool) and return its result as a finished Future."""
    return Future(func(*args, **kwargs))


def wait(future: Future) -> Any:
    return future.wait()


def freeze(mod: Module, preserved_attrs=None, optimize_numerics: bool = True) -> Module:
    """Return `mod` (ember applies no graph optimizations)."""
    return mod


def optimize_for_inference(mod: Module, other_methods=None) -> Module:
    """Return `mod` (ember applies no graph optimizations)."""
    return mod


_NO_ARCHIVES = ("ember has no TorchScript: models run eagerly and cannot be {} as TorchScript archives. "
                "Save the weights with torch.save(model.state_dict(), path) and rebuild the model in Python "
                "(ember.onnx for an exported graph).")


def save(m: Any, f: Any, _extra_files=None) -> None:
    """Raises RuntimeError: there is no compiled program to save (use ``ember.save(model.state_dict(), f)``)."""
    raise RuntimeError(_NO_ARCHIVES.format("saved"))


def load(f: Any, map_location=None, _extra_files=None, _restore_shapes: bool = False):
    """Raises RuntimeError: ember cannot run TorchScript programs (load a state_dict with ``ember.load``)."""
    raise RuntimeError(_NO_ARCHIVES.format("loaded"))


@contextlib.contextmanager
def optimized_execution(should_optimize: bool):
    """A no-op context: ember has no TorchScript executor to configure."""
    yield


@contextlib.contextmanager
def fuser(name: str):
    """A no-op context: ember has no TorchScript fusers."""
    if name not in ("fuser0", "fuser1", "fuser2", "fuser3", "none"):
        raise ValueError(f"unrecognized fuser option (name: {name})")
    yield


@contextlib.contextmanager
def strict_fusion():
    yield


_fusion_strategy = [[("STATIC", 2), ("DYNAMIC", 10)]]
_onednn = [False]


def set_fusion_strategy(strategy: list) -> list:
    """Record a fusion strategy (unused by ember) and return the previous one."""
    old, _fusion_strategy[0] = _fusion_strategy[0], list(strategy)
    return old


def enable_onednn_fusion(enabled: bool) -> None:
    _onednn[0] = builtins.bool(enabled)


def onednn_fusion_enabled() -> bool:
    return _onednn[0]
