"""Fail when a file under ember/ has more than BUDGET code lines (not blank, not comment-only, not docstring).

Usage: python tools/line_budget.py [--budget N] [--list]. Files in ALLOWED may exceed the budget up to their recorded
count (so they cannot grow); shrink them and lower or drop their entry. --list prints every file over the budget.
"""
from __future__ import annotations

import argparse
import ast
import io
import pathlib
import sys
import tokenize

BUDGET = 600
ROOT = pathlib.Path(__file__).resolve().parent.parent
# path relative to the repository root -> the most code lines it may have (its count when it was listed)
ALLOWED: dict[str, int] = {
    "ember/_ops/shape.py": 645,
}

_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
         tokenize.ENDMARKER}


def _docstring_lines(tree: ast.AST) -> set[int]:
    """Line numbers covered by module, class and function docstrings."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def code_lines(source: str) -> int:
    """How many lines of `source` hold code: a token other than a comment, outside any docstring."""
    doc = _docstring_lines(ast.parse(source))
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in _SKIP:
            continue
        lines.update(n for n in range(tok.start[0], tok.end[0] + 1) if n not in doc)
    return len(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=BUDGET)
    ap.add_argument("--list", action="store_true", help="print every file over the budget with its count")
    args = ap.parse_args(argv)
    failures = []
    for path in sorted((ROOT / "ember").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        n = code_lines(path.read_text(encoding="utf-8"))
        if n <= args.budget:
            continue
        if args.list:
            print(f"{n:6d}  {rel}")
        limit = ALLOWED.get(rel)
        if limit is None:
            failures.append(f"{rel}: {n} code lines (budget {args.budget}); split it by theme")
        elif n > limit:
            failures.append(f"{rel}: {n} code lines, allowlisted at {limit}: it may shrink, not grow")
    for rel in sorted(ALLOWED):
        if not (ROOT / rel).exists():
            failures.append(f"{rel}: allowlisted but missing; drop its entry")
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
