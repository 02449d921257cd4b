"""``torch._dynamo``'s user-facing switches, answered by ember's (non-compiling) `ember.compiler`."""
from __future__ import annotations

from .compiler import allow_in_graph, assume_constant_result, disable, is_compiling, reset

__all__ = ["allow_in_graph", "assume_constant_result", "disable", "is_compiling", "reset"]
