"""torch.random: seed and state of the default CPU generator, and fork_rng."""
from __future__ import annotations

import contextlib
from typing import Generator as _Iter

from ._ops.creation import get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from ._random import Generator, default_generator

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed",
           "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng", _devices_kw: str = "devices",
             device_type: str = "cuda") -> _Iter:
    """Run the block, then restore the default generator's state (ember has no device generators to fork)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
