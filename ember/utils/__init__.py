"""ember.utils: data loading utilities (torch.utils's layout) and a torchinfo-style model `summary`."""
from . import data
from .summary import summary
