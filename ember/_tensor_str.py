"""PyTorch-identical tensor printing (``repr``/``str``) computed on NumPy arrays.

Self-contained: depends only on numpy and the standard library.  The layout
rules (precision, int/sci modes, column width, line wrapping, summarisation,
suffix order) follow the behaviour of ``torch/_tensor_str.py``.
"""
import contextlib
import dataclasses
import math
from typing import Any, Callable, Optional

import numpy as np

from ._identity import name as _public_name  # 'torch' while ember stands in for torch

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]


@dataclasses.dataclass
class _PrinterOptions:
    """Global print options (mirrors torch's PRINT_OPTS)."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: Optional[bool] = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None,
                     linewidth=None, profile=None, sci_mode=None) -> None:
    """Set printing options; same semantics as ``torch.set_printoptions``."""
    if profile in _PROFILES:
        (PRINT_OPTS.precision, PRINT_OPTS.threshold,
         PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth) = _PROFILES[profile]
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    PRINT_OPTS.sci_mode = sci_mode  # torch always overwrites sci_mode


def get_printoptions() -> dict:
    """Return the current options as kwargs accepted by set_printoptions."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options inside a ``with`` block."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---------------------------------------------------------------- formatting
def _fmt_sci(v: float) -> str:
    """Scientific notation at the current precision."""
    return f"{v:.{PRINT_OPTS.precision}e}"


def _fmt_fixed(v: float) -> str:
    """Fixed-point notation at the current precision."""
    return f"{v:.{PRINT_OPTS.precision}f}"


def _extremes(vals: np.ndarray) -> list:
    """Largest/smallest positive and negative values (string length is monotone in |v|)."""
    out = []
    for part in (vals[vals > 0], vals[vals < 0]):
        if part.size:
            out += [float(part.max()), float(part.min())]
    return out


class _Formatter:
    """Chooses int/sci mode and column width for a set of real values."""

    def __init__(self, data: np.ndarray):
        self.floating = data.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        flat = data.reshape(-1)
        if not self.floating:
            self._init_integral(flat)
            return
        vals = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if vals.size == 0:
            return
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        mags = np.abs(vals)
        lo, hi = float(mags.min()), float(mags.max())
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        self.width = max(self.width, *(self._measure(v) for v in _extremes(vals)))

    def _init_integral(self, flat: np.ndarray) -> None:
        """Width of int/bool columns: the longest ``str`` of any element."""
        if flat.size == 0:
            return
        if flat.dtype.kind == "b":
            self.width = 5 if not flat.all() else 4
        else:
            lens = (len(str(int(flat.max()))), len(str(int(flat.min()))))
            self.width = max(self.width, *lens)

    def _measure(self, v: float) -> int:
        """Printed length of a nonzero finite value in the chosen mode."""
        if self.sci_mode:
            return len(_fmt_sci(v))
        if self.int_mode:
            return len(f"{v:.0f}") + 1
        return len(_fmt_fixed(v))

    def format(self, v) -> str:
        """Format one Python scalar, right-aligned to the column width."""
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = _fmt_sci(v)
        elif self.int_mode:
            s = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            s = _fmt_fixed(v)
        return s.rjust(self.width)


def _make_formatter(data: np.ndarray) -> "tuple[Callable[[Any], str], int]":
    """Return (element formatter, element width) for (summarised) data."""
    if data.dtype.kind != "c":
        f = _Formatter(data)
        return f.format, f.width
    re_f, im_f = _Formatter(data.real), _Formatter(data.imag)

    def fmt(v):
        real = re_f.format(v.real)
        imag = (im_f.format(v.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag

    return fmt, re_f.width + im_f.width + 1


# ---------------------------------------------------------------- layout
def _summarize(arr: np.ndarray, edge: int) -> "tuple[np.ndarray, list]":
    """Keep ``edge`` items at both ends of every axis longer than 2*edge.

    One gather over all axes at once, so only the kept elements are read: a huge (e.g. stride-0 expanded) tensor is
    never materialised.
    """
    cut = [n > 2 * edge for n in arr.shape]
    idx = [np.r_[0:edge, n - edge:n] if c else np.arange(n) for n, c in zip(arr.shape, cut)]
    return arr[np.ix_(*idx)], cut


def _vector_str(data, cut, fmt, width, indent) -> str:
    """Render a 1-D row, wrapping it at the line width."""
    items = [fmt(v) for v in data.tolist()]
    if cut:
        items.insert(PRINT_OPTS.edgeitems, " ...")
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (width + 2)))
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _render(data, cut, fmt, width, indent) -> str:
    """Recursively render (summarised) data with the given element formatter."""
    if data.ndim == 0:
        return fmt(data.item())
    if data.ndim == 1:
        return _vector_str(data, cut[0], fmt, width, indent)
    rows = [_render(sub, cut[1:], fmt, width, indent + 1) for sub in data]
    if cut[0]:
        rows.insert(PRINT_OPTS.edgeitems, "...")
    sep = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def _tensor_str(arr: np.ndarray, indent: int) -> str:
    """Body of the repr for a non-empty array (no prefix or suffixes)."""
    summarize = arr.size > PRINT_OPTS.threshold
    edge = PRINT_OPTS.edgeitems
    if summarize and arr.ndim and not edge:
        return "[...]"
    if summarize:
        data, cut = _summarize(arr, edge)
    else:
        data, cut = arr, [False] * arr.ndim
    if data.dtype.kind == "f" and data.dtype != np.float64:
        data = data.astype(np.float64)  # exact; matches torch's .tolist()
    fmt, width = _make_formatter(data)
    return _render(data, cut, fmt, width, indent)


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Append ``, suffix`` parts, breaking lines that would exceed linewidth."""
    parts = [text]
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_len += len(suffix) + 2
    return "".join(parts) + ")"


def _has_default_dtype(dtype_name: str, default_dtype_name: str) -> bool:
    """Whether torch would omit ``dtype=`` for a non-empty tensor."""
    default_complex = "complex128" if default_dtype_name == "float64" else "complex64"
    return dtype_name in (default_dtype_name, default_complex, "int64", "bool")


def tensor_repr(arr, *, dtype_name: str, default_dtype_name: str = "float32",
                device: str = "cpu", requires_grad: bool = False,
                grad_fn_name: Optional[str] = None, prefix: str = "tensor(") -> str:
    """Return torch's ``repr`` of a tensor holding ``arr`` (``torch.`` -> ``ember.``)."""
    arr = np.asarray(arr)
    indent = len(prefix)
    suffixes = []
    if str(device).split(":")[0] != "cpu":
        suffixes.append(f"device='{device}'")
    size = "size=" + str(tuple(int(n) for n in arr.shape))
    dtype = f"dtype={_public_name()}.{dtype_name}"
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(size)
        if dtype_name != default_dtype_name:
            suffixes.append(dtype)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(size)
        if not _has_default_dtype(dtype_name, default_dtype_name):
            suffixes.append(dtype)
        body = _tensor_str(arr, indent)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
