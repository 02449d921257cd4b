"""Pooling (max/avg/adaptive/lp), interpolation and pixel shuffle."""
from __future__ import annotations

__all__: list = []
