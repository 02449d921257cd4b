"""DistributedSampler: each of ``num_replicas`` processes iterates its own disjoint share of the dataset."""
from __future__ import annotations

import math
from typing import Iterator

from ..._ops.creation import Generator, randperm
from .dataset import Dataset
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _dist_setting(name: str) -> int:
    dist = getattr(__import__("ember"), "distributed", None)
    if dist is None or not dist.is_available() or not dist.is_initialized():
        raise RuntimeError("Requires distributed package to be available")
    return dist.get_world_size() if name == "num_replicas" else dist.get_rank()


class DistributedSampler(Sampler):
    r"""Restricts loading to the share of rank ``rank`` among ``num_replicas`` processes: the (optionally
    shuffled, seeded by ``seed + epoch``) indices are padded to a multiple of ``num_replicas`` (or truncated with
    ``drop_last``) and strided by rank. Call :meth:`set_epoch` every epoch to reshuffle.

    Args:
        dataset (Dataset): the dataset.
        num_replicas (int, optional): number of processes (default: the distributed world size).
        rank (int, optional): this process's rank (default: the distributed rank).
        shuffle (bool): shuffle the indices (default: True).
        seed (int): base seed of the shuffle, identical on all ranks (default: 0).
        drop_last (bool): drop the tail instead of padding (default: False).
    """

    def __init__(self, dataset: Dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        num_replicas = _dist_setting("num_replicas") if num_replicas is None else num_replicas
        rank = _dist_setting("rank") if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if drop_last and len(dataset) % num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = randperm(n, generator=Generator().manual_seed(self.seed + self.epoch)).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            pad = self.total_size - len(indices)
            indices += (indices * math.ceil(pad / len(indices)))[:pad] if pad > len(indices) else indices[:pad]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which seeds the shuffle (call before each epoch's iterator)."""
        self.epoch = epoch
