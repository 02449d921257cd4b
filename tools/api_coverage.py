#!/usr/bin/env python
"""API coverage: which of the installed torch's public names ember has, per namespace.

Usage:
    python tools/api_coverage.py                      # table of counts and percentages
    python tools/api_coverage.py --missing            # plus the missing names of each namespace
    python tools/api_coverage.py torch.linalg --json  # selected namespaces, machine-readable

A namespace's public names are its ``__all__`` when it has one, else ``dir()`` without underscored names; names
imported from outside torch (typing helpers, stdlib modules), documentation strings/dicts, and torch's
pybind11 classes (JIT/C++ internals such as ``torch.AliasDb`` and their enum values; the user-facing ones in
``_KEEP_C`` stay) are left out. ``torch.Tensor`` counts the non-underscored attributes of the class. ember "has" a
name when the matching ember object has that attribute.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import types
from pathlib import Path

NAMESPACES = ["torch", "torch.nn", "torch.nn.functional", "torch.Tensor", "torch.optim", "torch.linalg",
              "torch.special", "torch.distributions", "torch.utils.data", "torch.autograd", "torch.nn.init",
              "torch.nn.utils"]
_KEEP_C = {"Generator", "Size", "Tensor", "device", "dtype", "finfo", "iinfo", "Stream", "Event", "memory_format",
           "layout", "qscheme"}


def _resolve(path: str, root: str):
    """The object at dotted `path` with its first component replaced by `root` (None when missing)."""
    parts = path.split(".")
    try:
        obj = importlib.import_module(root)
    except ImportError:
        return None
    for i, p in enumerate(parts[1:], 1):
        sub = getattr(obj, p, None)
        if sub is None:
            try:
                sub = importlib.import_module(".".join([root] + parts[1:i + 1]))
            except ImportError:
                return None
        obj = sub
    return obj


def _foreign(obj, name: str, ns: str) -> bool:
    """True for names a namespace merely imports from outside torch (or internal C++ binding classes)."""
    if isinstance(obj, types.ModuleType):  # only the namespace's own submodules count
        return not obj.__name__.startswith(ns + ".")
    if isinstance(obj, (bool, dict, str)):  # TYPE_CHECKING, documentation snippets
        return True
    if name not in _KEEP_C and "pybind11_type" in (type(obj).__name__, type(type(obj)).__name__):
        return True  # JIT/C++ binding classes and their enum values
    mod = getattr(obj, "__module__", None)
    if not isinstance(mod, str):
        return False
    if not mod.startswith("torch"):
        return True
    return mod.startswith("torch._C") and isinstance(obj, type) and name not in _KEEP_C and ns == "torch"


def public_names(ns: str) -> list[str]:
    """torch's public names in namespace `ns` (see the module docstring for the rules)."""
    obj = _resolve(ns, "torch")
    if obj is None:
        raise ValueError(f"torch has no namespace {ns}")
    if isinstance(obj, type):
        return sorted(n for n in dir(obj) if not n.startswith("_"))
    names = getattr(obj, "__all__", None)
    if names is None:
        names = [n for n in dir(obj) if not n.startswith("_")]
    out = []
    for n in dict.fromkeys(names):
        try:
            value = getattr(obj, n)
        except AttributeError:
            continue
        if not _foreign(value, n, ns):
            out.append(n)
    return sorted(out)


def coverage(ns: str) -> dict:
    """{namespace, total, have, percent, missing} for one namespace."""
    names = public_names(ns)
    target = _resolve(ns, "ember")
    missing = [n for n in names if target is None or not hasattr(target, n)]
    total = len(names)
    have = total - len(missing)
    return {"namespace": ns, "total": total, "have": have,
            "percent": round(100.0 * have / total, 1) if total else 100.0, "missing": missing}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("namespaces", nargs="*", help=f"namespaces to check (default: {', '.join(NAMESPACES)})")
    parser.add_argument("--missing", action="store_true", help="list the missing names of each namespace")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        import torch  # noqa: F401
    except ImportError:
        print("api_coverage needs torch installed (it reads torch's public names)", file=sys.stderr)
        return 2
    results = [coverage(ns) for ns in (args.namespaces or NAMESPACES)]
    if args.json:
        if not args.missing:
            results = [{k: v for k, v in r.items() if k != "missing"} for r in results]
        print(json.dumps(results, indent=1))
        return 0
    width = max(len(r["namespace"]) for r in results)
    print(f"{'namespace':<{width}}  {'ember':>5} / {'torch':>5}  {'%':>6}")
    for r in results:
        print(f"{r['namespace']:<{width}}  {r['have']:>5} / {r['total']:>5}  {r['percent']:>5.1f}%")
    have, total = sum(r["have"] for r in results), sum(r["total"] for r in results)
    print(f"{'all':<{width}}  {have:>5} / {total:>5}  {100.0 * have / max(total, 1):>5.1f}%")
    if args.missing:
        for r in results:
            print(f"\n{r['namespace']} missing ({len(r['missing'])}):")
            print("  " + " ".join(r["missing"]) if r["missing"] else "  (none)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
