"""Data-parallel wrappers (torch.nn.parallel's names). Without GPUs `DataParallel` simply forwards to its module;
`DistributedDataParallel` averages gradients over the ranks of an ember.distributed process group."""
from __future__ import annotations

from ..modules.module import Module
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]


class DataParallel(Module):
    r"""Split batches across GPUs; ember runs the whole batch on one device, so it just calls ``module`` (what
    torch's does without GPUs or with one).

    Args:
        module (Module): the wrapped module, registered as ``self.module`` (so keys gain a ``module.`` prefix).
        device_ids (list, optional): GPUs to use; ignored without GPUs.
        output_device (int, optional): where outputs gather; ignored without GPUs.
        dim (int): the batch dimension. Default: 0
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids, self.output_device, self.dim = [], None, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
