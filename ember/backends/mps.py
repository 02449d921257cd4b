"""Apple Metal (MPS) queries: ember has no MPS backend."""

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """False: ember does not run on Apple's Metal GPUs."""
    return False


def is_built() -> bool:
    """False: ember is not built with MPS support."""
    return False
