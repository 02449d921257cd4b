"""``torchvision.ops``: the layers programs borrow from it."""
from .misc import FrozenBatchNorm2d

__all__ = ["FrozenBatchNorm2d"]
