"""ember.distributed (torch.distributed's names): importable; multi-process training lands with the distributed
issue. `is_available()` is False and `is_initialized()` False; everything that needs a process group raises."""
from __future__ import annotations

import enum

__all__ = ["is_available", "is_initialized", "is_torchelastic_launched", "init_process_group",
           "destroy_process_group", "get_rank", "get_world_size", "barrier", "all_reduce", "all_gather",
           "broadcast", "reduce", "ReduceOp"]

_NOT_YET = ("ember.distributed is not available yet: multi-process training lands with the distributed issue "
            "(extra 'ember[distributed]'). Run single-process, or check dist.is_available() first.")
_NO_GROUP = "Default process group has not been initialized, please make sure to call init_process_group."


class DistNotInitializedError(ValueError, RuntimeError):
    """No default process group (a ValueError as in torch, and a RuntimeError)."""


class ReduceOp(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4


def is_available() -> bool:
    """False: ember has no distributed backend yet."""
    return False


def is_initialized() -> bool:
    """False: no process group can exist yet."""
    return False


def is_torchelastic_launched() -> bool:
    return False


def init_process_group(backend: str | None = None, *args, **kwargs) -> None:
    """Would start the default process group: raises RuntimeError until the distributed issue lands."""
    raise RuntimeError(_NOT_YET)


def _no_group(*args, **kwargs):
    raise DistNotInitializedError(_NO_GROUP + " " + _NOT_YET)


def destroy_process_group(group=None) -> None:
    """Raises: there is no process group to destroy."""
    _no_group()


def get_rank(group=None) -> int:
    """Raises: there is no default process group."""
    return _no_group()


def get_world_size(group=None) -> int:
    """Raises: there is no default process group."""
    return _no_group()


def barrier(group=None, async_op: bool = False, device_ids=None):
    """Raises: there is no default process group."""
    return _no_group()


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Raises: there is no default process group."""
    return _no_group()


def all_gather(tensor_list, tensor, group=None, async_op: bool = False):
    """Raises: there is no default process group."""
    return _no_group()


def broadcast(tensor, src: int, group=None, async_op: bool = False):
    """Raises: there is no default process group."""
    return _no_group()


def reduce(tensor, dst: int, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Raises: there is no default process group."""
    return _no_group()
