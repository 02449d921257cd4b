"""(filled in by its issue)"""
from __future__ import annotations

from .module import Module  # noqa: F401

__all__: list = []
