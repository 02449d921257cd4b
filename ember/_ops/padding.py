"""F.pad in all modes (constant, reflect, replicate, circular)."""
from __future__ import annotations

__all__: list = []
