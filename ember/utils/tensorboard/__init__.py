"""ember.utils.tensorboard (torch.utils.tensorboard's names): `SummaryWriter` writing real TensorBoard event files.

Needs the optional `tensorboard` package (``pip install 'ember[tensorboard]'``) for its event-file writer and
protocol buffers; importing this module without it raises ImportError saying so, as torch's does.
"""
try:
    import tensorboard  # noqa: F401
except ImportError:
    raise ImportError("ember.utils.tensorboard needs the optional `tensorboard` package: "
                      "pip install 'ember[tensorboard]' (or pip install tensorboard)") from None

from .writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "SummaryWriter"]
