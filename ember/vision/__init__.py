"""ember.vision: the small corner of torchvision that examples and users need (``import ember.vision as
torchvision``): Fashion-MNIST/MNIST/ImageFolder datasets and the common transforms."""
from . import datasets, transforms

__version__ = "0.1.0"
__all__ = ["datasets", "transforms"]
