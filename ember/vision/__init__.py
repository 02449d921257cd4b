"""ember.vision: the corner of torchvision that examples and users need (``import ember.vision as torchvision``):
MNIST/Fashion-MNIST/ImageFolder datasets, common transforms, ResNet/VGG models, ops and image utilities."""
from . import datasets, models, ops, transforms, utils

__version__ = "0.1.0"
__all__ = ["datasets", "models", "ops", "transforms", "utils"]
