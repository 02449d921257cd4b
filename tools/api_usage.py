"""Which torch names do real programs use, and do they resolve on ember the way ``python -m ember.run`` maps them?

``python tools/api_usage.py DIR [DIR ...] [--top N] [--files]``

Every ``.py`` file (and the code cells of every ``.ipynb``) under the directories is parsed with `ast`. The torch names
a file uses are its ``import torch*`` / ``from torch* import ...`` statements (``torchvision`` too) and the attribute
chains hanging off the names those imports bind (``torch.nn.functional.relu``, ``nn.Linear``, ``F.cross_entropy``,
``optim.lr_scheduler.StepLR``). Tensor methods (``x.view``) can't be seen statically and are not counted. Imports
inside ``try:`` blocks that catch ImportError (or Exception, or everything) are optional and don't count either.

Each name is resolved with `ember.run`'s import hook installed, walking it like Python does: attribute first, else
import of the submodule, where a submodule must be one the file imports or its parent package imports by itself. A
file "fully resolves" when all its counted names do. Names that fail on real torch too (when it is installed) are
not counted against ember. Each DIR is one repository in the per-repository breakdown; the report lists the missing
names by how many files each one breaks.
"""
from __future__ import annotations

import argparse
import ast
import collections
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import warnings

TOPS = ("torch", "torchvision")  # the packages ember.run stands in for
OPTIONAL_HANDLERS = {"ImportError", "ModuleNotFoundError", "Exception", "AttributeError", "BaseException"}


def _dotted(node) -> str | None:
    """``a.b.c`` for an Attribute/Name chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id] + parts[::-1])
    return None


class Usage(ast.NodeVisitor):
    """Collects the torch names one module uses (outside optional imports) and the module paths it imports."""

    def __init__(self, rebound: set[str] = frozenset()) -> None:
        self.rebound = rebound  # names also bound by assignments/arguments: attribute chains off them are ambiguous
        self.aliases: dict[str, str] = {}  # local name -> torch dotted name
        self.names: set[str] = set()
        self.imported: set[str] = set()  # every module path an import statement names (and its parents)
        self._try_depth = 0

    def _add(self, name: str, imported: bool = True) -> None:
        if not self._try_depth:
            self.names.add(name)
        parts = name.split(".") if imported else []
        self.imported.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))

    def visit_Try(self, node) -> None:
        catches = any(h.type is None or any(n in OPTIONAL_HANDLERS for n in _handler_names(h.type))
                      for h in node.handlers)
        self._try_depth += catches
        for stmt in node.body:
            self.visit(stmt)
        self._try_depth -= catches
        for part in node.handlers + node.orelse + node.finalbody:
            self.visit(part)

    def visit_Import(self, node) -> None:
        for a in node.names:
            if a.name.split(".")[0] in TOPS:
                self._add(a.name)
                top = a.name.split(".")[0]
                self.aliases[a.asname or top] = a.name if a.asname else top

    def visit_ImportFrom(self, node) -> None:
        if node.level or not node.module or node.module.split(".")[0] not in TOPS:
            return
        for a in node.names:
            if a.name == "*":
                self._add(node.module)
                continue
            full = node.module + "." + a.name
            self._add(full)
            self.aliases[a.asname or a.name] = full

    def visit_Attribute(self, node) -> None:
        chain = _dotted(node)
        if chain is not None:
            head, _, rest = chain.partition(".")
            if head in self.aliases and head not in self.rebound:
                self._add(self.aliases[head] + "." + rest, imported=False)
                return  # the inner links of the chain are prefixes of this one
        self.generic_visit(node)


def _handler_names(t) -> list[str]:
    elts = t.elts if isinstance(t, ast.Tuple) else [t]
    return [(_dotted(e) or "").split(".")[-1] for e in elts]


def _notebook_source(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    cells = ["".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    lines = [ln for src in cells for ln in src.splitlines()]
    return "\n".join(ln for ln in lines if not ln.lstrip().startswith(("%", "!", "?")))  # IPython magics, shell


def file_names(path: str) -> tuple[set[str], set[str]] | None:
    """(counted torch names, module paths its imports load) of one file, or None if it doesn't parse."""
    try:
        if path.endswith(".ipynb"):
            src = _notebook_source(path)
        else:
            with open(path, encoding="utf-8") as f:
                src = f.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(src, filename=path)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None
    rebound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    rebound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments)
                for a in n.posonlyargs + n.args + n.kwonlyargs + [n.vararg, n.kwarg] if a is not None}
    u = Usage(rebound)
    u.visit(tree)
    return u.names, u.imported


_cache: dict[str, tuple] = {}


def resolves(name: str) -> tuple[bool, tuple]:
    """(whether `name` resolves under the current import machinery, the submodules it passes through).

    Walks like Python: attribute first, else import of the submodule (which `Python` only does for a submodule some
    import loaded: `submodules_ok` checks that part)."""
    if name not in _cache:
        parts, steps = name.split("."), []
        try:
            obj = importlib.import_module(parts[0])
            for i, part in enumerate(parts[1:], 2):
                try:
                    obj = getattr(obj, part)
                except AttributeError:
                    if not hasattr(obj, "__path__"):
                        raise
                    obj = importlib.import_module(".".join(parts[:i]))
                if isinstance(obj, type(sys)) and obj.__name__.rpartition(".")[2] == part:
                    steps.append(".".join(parts[:i]))
            _cache[name] = (True, tuple(steps))
        except Exception:  # ImportError, AttributeError, or an ember module failing on import
            _cache[name] = (False, ())
    return _cache[name]


_AUTO = """import importlib, json, sys
names = sorted(json.load(sys.stdin), key=lambda n: n.count("."))
if sys.argv[1] == "ember":
    sys.path.insert(0, sys.argv[2]); import ember.run; ember.run.install()
auto = []
for n in names:  # shallow first, so importing a parent can't make an earlier child look auto-imported
    parent, _, child = n.rpartition(".")
    try:
        auto += [n] if isinstance(getattr(importlib.import_module(parent), child, None), type(sys)) else []
    except Exception:
        pass
print(json.dumps(auto))
"""


def auto_imported(modules: set[str], mode: str) -> set[str]:
    """Which of `modules` their parent package imports by itself (checked in a fresh interpreter)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", _AUTO, mode, root], input=json.dumps(sorted(modules)),
                         capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def sources(root: str):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.endswith((".py", ".ipynb")):
                yield os.path.join(dirpath, fn)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dirs", nargs="+")
    p.add_argument("--top", type=int, default=40, help="how many missing names to list")
    p.add_argument("--files", action="store_true", help="list each failing file with its missing names")
    args = p.parse_args(argv)

    per_file = []  # (repo, path, names or None)
    for root in args.dirs:
        repo = os.path.basename(os.path.normpath(root))
        per_file += [(repo, path, file_names(path)) for path in sources(root)]
    used = set().union(*(got[0] for _, _, got in per_file if got))
    # names real torch doesn't have either (guarded code for torch_npu, other versions) are not ember's gaps
    not_torch, unloaded = set(), collections.defaultdict(set)
    if importlib.util.find_spec("torch") is not None:
        auto = auto_imported({m for n in used for m in resolves(n)[1]}, "torch")
        not_torch = {n for n in used if n.split(".")[0] == "torch" and not resolves(n)[0]}
        for _, path, got in per_file:  # a submodule the file never imports fails on torch as well: not ember's gap
            unloaded[path] = {n for n in (got[0] if got else ()) if n.split(".")[0] == "torch"
                              and not set(resolves(n)[1]) <= auto | got[1]}
        _cache.clear()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import ember.run
    ember.run.install()
    auto = auto_imported({m for n in used for m in resolves(n)[1]}, "ember")

    breaks, totals, repos, failing = collections.Counter(), collections.Counter(), {}, []  # breaks: name -> files
    for repo, path, got in per_file:
        counters = (totals, repos.setdefault(repo, collections.Counter()))
        names = got[0] - not_torch - unloaded[path] if got else set()
        missing = sorted(n for n in names if not resolves(n)[0] or not set(resolves(n)[1]) <= auto | got[1])
        failing += [(path, missing)] if missing else []
        breaks.update(missing)
        totals["unparsable"] += got is None
        for c in counters:
            c["scanned"] += 1
            c["torch"] += bool(names)
            c["ok"] += bool(names) and not missing

    def pct(c):
        return 100.0 * c["ok"] / c["torch"] if c["torch"] else 100.0

    print(f"files scanned: {totals['scanned']} (unparsable {totals['unparsable']}), using torch: {totals['torch']}, "
          f"fully resolving: {totals['ok']} = {pct(totals):.1f}%")
    print(f"names real torch lacks too (not counted): {', '.join(sorted(not_torch)) or 'none'}")
    print(f"\n{'repository':28} {'scanned':>8} {'torch':>6} {'ok':>6} {'%ok':>6}")
    for name, c in sorted(repos.items()):
        print(f"{name:28} {c['scanned']:8} {c['torch']:6} {c['ok']:6} {pct(c):6.1f}")
    print(f"\nmissing names by files broken (distinct missing names: {len(breaks)}):")
    for name, n in breaks.most_common(args.top):
        print(f"{n:5}  {name}")
    if args.files:
        print("\nfailing files:")
        for path, missing in failing:
            print(f"{path}: {', '.join(missing)}")


if __name__ == "__main__":
    main()
