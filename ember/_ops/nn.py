"""Neural-network functional ops: linear, activations, dropout, embedding, layer/group/RMS norm, distances."""
from __future__ import annotations

__all__: list = []
