"""ember: PyTorch's programming model in pure Python and NumPy (`import ember as torch`)."""
from __future__ import annotations

__version__ = "0.1.0"

from . import _dtype
from ._backend import device
from ._dtype import (bfloat16, bool, double, dtype, finfo, float, float16, float32, float64, get_default_dtype, half,
                     iinfo, int, int8, int16, int32, int64, long, promote_types, set_default_dtype, short, uint8)
from ._tensor import LEGACY_TYPES as _LEGACY_TYPES
from ._tensor import Size, Tensor
from ._tensor_str import set_printoptions, get_printoptions, printoptions
from . import autograd
from .autograd import enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad, \
    set_grad_enabled
from . import _ops
from ._ops import *  # noqa: F401,F403
from ._ops import addcdiv, addcmul, return_types, to_copy as _to_copy
from ._ops.creation import Generator, default_generator, range_ as range  # noqa: A004

globals().update(_LEGACY_TYPES)
from . import nn  # noqa: E402
from . import serialization  # noqa: E402
from .serialization import load, save  # noqa: E402
from . import optim, utils  # noqa: E402
from . import amp, backends, cuda  # noqa: E402
from .amp import autocast, is_autocast_enabled  # noqa: E402
from .backends import get_float32_matmul_precision, set_float32_matmul_precision  # noqa: E402

cfloat = cdouble = complex64 = complex128 = None  # complex dtypes are not supported
strided = "ember.strided"
contiguous_format = preserve_format = channels_last = "ember.memory_format"


# torch's top-level aliases of functional ops whose positional signatures agree with nn.functional's
for _name in ("conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d max_pool1d max_pool2d max_pool3d "
              "avg_pool1d adaptive_avg_pool1d adaptive_max_pool1d dropout alpha_dropout feature_alpha_dropout layer_norm "
              "group_norm cosine_similarity pairwise_distance pixel_shuffle pixel_unshuffle channel_shuffle selu celu "
              "prelu hardshrink threshold rms_norm").split():
    if hasattr(nn.functional, _name):
        globals()[_name] = getattr(nn.functional, _name)


def detach(input: Tensor) -> Tensor:
    return input.detach()


def typename(obj) -> str:
    return obj.type() if isinstance(obj, Tensor) else type(obj).__module__ + "." + type(obj).__qualname__


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_storage(obj) -> bool:
    return False


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def is_nonzero(input: Tensor) -> bool:
    return builtins_bool(input)


def numel(input: Tensor) -> int:
    return input.numel()


def result_type(tensor1, tensor2) -> dtype:
    from ._ops._base import binary_operands
    a, b = binary_operands(tensor1, tensor2)
    return (a if isinstance(a, Tensor) else b).dtype


def can_cast(from_: dtype, to: dtype) -> bool:
    return from_.kind <= to.kind


def set_default_tensor_type(t) -> None:
    """Legacy: set the default float dtype from a tensor type (e.g. ember.DoubleTensor or 'torch.DoubleTensor')."""
    if isinstance(t, str):
        t = _LEGACY_TYPES[t.split(".")[-1]]
    set_default_dtype(t._dtype)


def get_num_threads() -> int:
    import os
    return int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))


def set_num_threads(n: int) -> None:
    """Limit the BLAS thread pool (needs threadpoolctl; a no-op without it)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    global _thread_limit
    _thread_limit = threadpool_limits(n)


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """ember's CPU ops are deterministic already."""


def compile(model=None, **kwargs):
    """No compiler in ember: returns the model/function unchanged."""
    return model if model is not None else (lambda m: m)


def __getattr__(name: str):
    """Import the optional subpackages (onnx, distributed, vision) on first use."""
    if name in ("onnx", "distributed", "vision"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


import builtins as _builtins  # noqa: E402

builtins_bool = _builtins.bool
