"""ember.utils: data loading utilities (torch.utils's layout)."""
from . import data
