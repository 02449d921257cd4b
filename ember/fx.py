"""``torch.fx`` as far as ember goes: `wrap`, the module-level leaf-function marker models put on helpers.

ember has no FX symbolic tracer (no Graph, GraphModule, symbolic_trace), so wrapping only records the function as a
leaf for introspection; the function itself runs unchanged.
"""
from __future__ import annotations

import inspect

__all__ = ["wrap"]

_wrapped_fns: dict[tuple[int, str], dict] = {}  # (id of the defining module's globals, name) -> those globals


def wrap(fn_or_name):
    """Mark a module-level function (or its name) as an FX leaf; must be called at a module's top level."""
    if not (callable(fn_or_name) or isinstance(fn_or_name, str)):
        raise RuntimeError("Unsupported type for global function! Must be either a callable or string name")
    if callable(fn_or_name):
        if fn_or_name.__name__ == "<lambda>":
            raise RuntimeError("wrap() does not support lambdas: pass a named module-level function")
        name = fn_or_name.__name__
    else:
        name = fn_or_name
    frame = inspect.currentframe().f_back
    if frame.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    _wrapped_fns[(id(frame.f_globals), name)] = frame.f_globals
    return fn_or_name
