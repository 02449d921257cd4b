"""``torchvision.models``: the classification architectures programs build (ResNet family, VGG)."""
from . import resnet, vgg
from ._api import Weights, WeightsEnum
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
