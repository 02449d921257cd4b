"""numpy-style keyword aliases: `axis=` for `dim=` and `keepdims=` for `keepdim=`, as torch's C++ bindings accept.

Each top-level function and Tensor method with a `dim`/`keepdim` parameter is recompiled once, at import, from its
own source with keyword-only `axis=None`/`keepdims=None` parameters and a two-line prologue
(`if axis is not None: dim = axis`). Calls that don't use the aliases pay nothing but that `is not None` test:
there is no wrapper frame. Functions whose source is unavailable, closures, and lambdas are left as they are.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
import types

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))
_OK_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def with_aliases(fn):
    """`fn` recompiled to accept axis=/keepdims= (or `fn` itself when it has no dim/keepdim or can't be)."""
    if not isinstance(fn, types.FunctionType) or fn.__name__ == "<lambda>":
        return fn
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    pairs = [(a, r) for a, r in _ALIASES if r in params and params[r].kind in _OK_KINDS and a not in params]
    if not pairs or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return fn
    fdef = tree.body[0] if tree.body else None
    if not isinstance(fdef, ast.FunctionDef) or fdef.name != fn.__code__.co_name:
        return fn
    code = fn.__code__
    declared = [a.arg for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
    if declared != list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]):
        return fn  # the file on disk no longer matches the loaded function
    fdef.decorator_list = []
    body = fdef.body
    start = 1 if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                                       ast.Constant) else 0
    names = list(params)
    positional = [p for p in params.values() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    required = {p.name for p in positional if p.default is inspect.Parameter.empty}
    prologue, new_defaults = [], fn.__defaults__
    for alias, real in pairs:
        missing = ""
        if real in required:  # a required dim gets the default `...` so that axis= can stand in for it
            i = names.index(real)
            if any(p.name in required for p in positional[i + 1:]):
                continue
            new_defaults = (...,) + (new_defaults or ())
            fdef.args.defaults.insert(0, ast.Constant(value=...))
            missing = (f"\nelif {real} is ...:\n    raise TypeError(\"{fn.__name__}() missing 1 required "
                       f"positional argument: '{real}'\")")
        fdef.args.kwonlyargs.append(ast.arg(arg=alias))
        fdef.args.kw_defaults.append(ast.Constant(value=None))
        prologue += ast.parse(f"if {alias} is not None:\n    {real} = {alias}{missing}\n").body
    if not prologue:
        return fn
    line = body[start].lineno if start < len(body) else fdef.lineno
    for node in prologue:
        for sub in ast.walk(node):
            if hasattr(sub, "lineno"):
                sub.lineno = sub.end_lineno = line
    fdef.body = body[:start] + prologue + body[start:]
    ast.fix_missing_locations(tree)
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)
    free = fn.__code__.co_freevars
    if free:  # a closure: compile inside a stand-in outer function, then rebind to the original cells
        outer = ast.parse(f"def _outer():\n    {' = '.join(free)} = None\n").body[0]
        outer.body.append(fdef)
        tree.body = [outer]
        ast.fix_missing_locations(tree)
        code = compile(tree, fn.__code__.co_filename, "exec")
        inner = next((c for c in _code_consts(code) if c.co_name == fdef.name), None)
        if inner is None or inner.co_freevars != free:
            return fn
        new = types.FunctionType(inner, fn.__globals__, fn.__name__, None, fn.__closure__)
    else:
        ns: dict = {}
        exec(compile(tree, fn.__code__.co_filename, "exec"), fn.__globals__, ns)  # noqa: S102 - ember's source
        new = ns[fdef.name]
    new.__defaults__ = new_defaults
    new.__kwdefaults__ = {**(fn.__kwdefaults__ or {}), **{a.arg: None for a in fdef.args.kwonlyargs
                                                         if a.arg in ("axis", "keepdims")}}
    new.__name__, new.__qualname__ = fn.__name__, fn.__qualname__
    new.__module__, new.__doc__ = fn.__module__, fn.__doc__
    new.__wrapped_source__ = fn
    return new


def _code_consts(code):
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield c
            yield from _code_consts(c)


def install(namespaces, tensor_cls) -> int:
    """Replace the dim-taking functions of `namespaces` (module dicts) and of `tensor_cls` by aliased versions."""
    done: dict = {}

    def convert(fn):
        key = id(fn)
        if key not in done:
            inner = getattr(fn, "__wrapped__", None)
            if fn.__code__.co_freevars and isinstance(inner, types.FunctionType):
                _rewrap(fn, inner, convert(inner))  # a thin wrapper (e.g. out= handling): alias the wrapped function
                done[key] = (fn, fn)
            else:
                done[key] = (fn, with_aliases(fn))
        return done[key][1]
    for d in namespaces:
        for name, value in list(d.items()):
            if isinstance(value, types.FunctionType) and not name.startswith("__"):
                new = convert(value)
                if new is not value:
                    d[name] = new
    for name, value in list(vars(tensor_cls).items()):
        if isinstance(value, types.FunctionType) and not name.startswith("__"):
            new = convert(value)
            if new is not value:
                setattr(tensor_cls, name, new)
    return sum(1 for old, new in done.values() if new is not old or getattr(old, "__wrapped_source__", None))


def _rewrap(wrapper, old, new) -> None:
    """Point `wrapper`'s closure cell holding `old` at `new` (no-op when `new` is `old`)."""
    if new is old:
        return
    for cell in wrapper.__closure__ or ():
        if cell.cell_contents is old:
            cell.cell_contents = new
            wrapper.__wrapped__ = new
            wrapper.__wrapped_source__ = old
