"""ember.version (torch.version's names): the torch API level ember implements, plus build facts."""
from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu", "TorchVersion", "InvalidVersion",
           "EMBER_VERSION", "TORCH_API_VERSION"]

EMBER_VERSION = "0.1.0"  # ember's own release (pyproject.toml)
TORCH_API_VERSION = "2.13.0"  # the torch release whose API ember follows

debug = False
cuda: str | None = None
hip: str | None = None
rocm: str | None = None
xpu: str | None = None
git_version = "Unknown"


class InvalidVersion(ValueError):
    """A string that is not a PEP 440 version."""


_PATTERN = re.compile(r"""
    ^\s*v?
    (?:(?P<epoch>\d+)!)?
    (?P<release>\d+(?:\.\d+)*)
    (?:[-_.]?(?P<pre_l>alpha|beta|preview|pre|rc|a|b|c)[-_.]?(?P<pre_n>\d+)?)?
    (?:-(?P<post_implicit>\d+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n>\d+)?)?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>\d+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$""", re.VERBOSE | re.IGNORECASE)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "rc": 2, "c": 2, "pre": 2, "preview": 2}
_INF = float("inf")


def _sort_key(text: str) -> tuple:
    """PEP 440 ordering key of `text` (raises InvalidVersion)."""
    m = _PATTERN.match(text)
    if m is None:
        raise InvalidVersion(f"Invalid version: {text!r}")
    release = [int(p) for p in m["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    has_post = m["post_implicit"] is not None or m["post_l"] is not None
    post_n = int(m["post_implicit"] or m["post_n"] or 0) if has_post else -_INF
    has_dev = m["dev_l"] is not None
    if m["pre_l"] is not None:
        pre = (_PRE_RANK[m["pre_l"].lower()], int(m["pre_n"] or 0))
    else:  # a bare dev release sorts before every pre-release of the same version; a final one after
        pre = (-_INF, 0) if has_dev and not has_post else (_INF, 0)
    dev = int(m["dev_n"] or 0) if has_dev else _INF
    local = () if m["local"] is None else tuple(
        (1, int(p), "") if p.isdigit() else (0, 0, p.lower()) for p in re.split(r"[-_.]", m["local"]))
    return int(m["epoch"] or 0), tuple(release), pre, post_n, dev, (m["local"] is not None, local)


class TorchVersion(str):
    """A version string that also compares as a version against strings and tuples (``>= '2.0'``, ``> (1, 13)``)."""

    __slots__ = ()

    def _other_key(self, other) -> tuple:
        if isinstance(other, str):
            return _sort_key(other)
        if isinstance(other, Iterable):
            return _sort_key(".".join(str(p) for p in other))
        raise InvalidVersion(other)

    def _compare(self, other, op: str):
        try:
            a, b = _sort_key(self), self._other_key(other)
        except InvalidVersion:  # not a version on either side: plain string comparison
            return getattr(str, op)(self, other)
        return getattr(a, op)(b)

    def __eq__(self, other):
        return self._compare(other, "__eq__")

    def __lt__(self, other):
        return self._compare(other, "__lt__")

    def __le__(self, other):
        return self._compare(other, "__le__")

    def __gt__(self, other):
        return self._compare(other, "__gt__")

    def __ge__(self, other):
        return self._compare(other, "__ge__")

    __hash__ = str.__hash__


__version__ = TorchVersion(f"{TORCH_API_VERSION}+ember{EMBER_VERSION}")
