"""ember.backends (torch.backends's names): settings of the GPU libraries, kept as plain flags.

They can be read and set like torch's (``ember.backends.cudnn.benchmark = True``); ember's CPU kernels ignore them.
"""
import warnings

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps", "get_float32_matmul_precision", "set_float32_matmul_precision"]

_matmul_precision = "highest"


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision setting: ``'highest'`` unless changed (ember always computes in float32)."""
    return _matmul_precision


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``'highest'``, ``'high'`` or ``'medium'`` (torch's TF32/bf16 matmul hint; ember's CPU kernels
    stay in full float32); any other value warns and changes nothing, like torch."""
    global _matmul_precision
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", UserWarning, stacklevel=2)
        return
    _matmul_precision = precision
