"""Batch and instance normalisation."""
from __future__ import annotations

__all__: list = []
