"""ember.utils: data loading utilities (torch.utils's layout), activation checkpointing and a torchinfo-style `summary`."""
from . import checkpoint, data
from .summary import summary
