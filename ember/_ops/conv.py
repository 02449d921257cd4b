"""Convolutions (1-3d, transposed) and fold/unfold."""
from __future__ import annotations

__all__: list = []
