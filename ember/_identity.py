"""The public name ember prints in reprs: ``'torch'`` while it stands in for torch, else ``'ember'``."""
from __future__ import annotations

import sys

_ember = None


def name() -> str:
    """``'torch'`` when ``sys.modules['torch']`` is ember (``python -m ember.run`` or any such hook), else ``'ember'``."""
    global _ember
    if _ember is None:
        _ember = sys.modules.get(__name__.rpartition(".")[0])
    return "torch" if sys.modules.get("torch") is _ember else "ember"


def qualify(path: str) -> str:
    """`path` (``'ember.nn.modules.linear.Linear'``) with its leading ``ember`` replaced by the public name."""
    head, dot, rest = path.partition(".")
    return name() + dot + rest if head == "ember" else path


class _Named:
    """A torch constant known by name only (``torch.strided``, ``torch.channels_last``), printed with the public name."""

    __slots__ = ("_name",)

    def __init__(self, name_: str) -> None:
        self._name = name_

    def __repr__(self) -> str:
        return f"{name()}.{self._name}"

    def __reduce__(self):
        return (_named, (self._name,))


def _named(key: str) -> _Named:
    return NAMED[key]


NAMED = {k: _Named(k) for k in ("strided", "sparse_coo", "contiguous_format", "preserve_format", "channels_last",
                                "channels_last_3d")}
