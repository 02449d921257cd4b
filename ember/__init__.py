"""ember: PyTorch's programming model in pure Python and NumPy (`import ember as torch`)."""
from __future__ import annotations

from . import _dtype, _identity, version
from .version import __version__
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
del linalg, special  # noqa: F821 - the star import above brought ember._ops' internal modules of these names
from . import linalg, special  # noqa: E402 - the public torch.linalg / torch.special namespaces
from . import random  # noqa: E402
from ._ops.quantile import nanquantile, quantile  # noqa: E402
from ._ops.combinations import cartesian_prod, combinations  # noqa: E402
from ._ops.misc import *  # noqa: F401,F403,E402  (trapezoid, histogram, expand_copy, is_complex, ...)
from ._ops.window import bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window  # noqa: E402
from ._foreach import *  # noqa: F401,F403,E402  (torch._foreach_add & co)
Tensor.quantile, Tensor.nanquantile = quantile, nanquantile

globals().update(_LEGACY_TYPES)
from . import nn  # noqa: E402
from . import serialization  # noqa: E402
from .serialization import load, save  # noqa: E402
from . import optim, utils  # noqa: E402
from . import amp, backends, cuda  # noqa: E402
from .amp import autocast, is_autocast_enabled  # noqa: E402


def get_autocast_dtype(device_type: str) -> dtype:
    """The dtype autocast regions on `device_type` would cast to by default (bfloat16 on cpu, else float16)."""
    return bfloat16 if device_type == "cpu" else float16


def _deprecated_autocast(old: str, new: str) -> None:
    import warnings
    warnings.warn(f"torch.{old}() is deprecated. Please use torch.{new} instead.", DeprecationWarning, stacklevel=3)


def get_autocast_cpu_dtype() -> dtype:
    _deprecated_autocast("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype() -> dtype:
    _deprecated_autocast("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def is_autocast_cpu_enabled() -> builtins_bool:
    """Whether a cpu autocast region is casting ops now: never in ember (see `ember.amp.autocast`)."""
    _deprecated_autocast("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')")
    return is_autocast_enabled("cpu")


from .backends import get_float32_matmul_precision, set_float32_matmul_precision  # noqa: E402

cfloat = cdouble = complex64 = complex128 = None  # complex dtypes are not supported
globals().update(_identity.NAMED)  # strided, contiguous_format, channels_last, ... (print as torch.X under the alias)
import math as _math  # noqa: E402

pi, e, inf, nan, newaxis = _math.pi, _math.e, _math.inf, _math.nan, None


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
    """Tensor type name (``'torch.FloatTensor'`` under the alias) or the class's dotted path."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module, qualname = type(obj).__module__ or "", type(obj).__qualname__
    return qualname if module in ("builtins", "") else _identity.qualify(module + "." + qualname)


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


_threads = {"intra": None, "interop": None}


def _check_threads(fn: str, n) -> int:
    if not isinstance(n, _builtins.int) or isinstance(n, _builtins.bool):
        raise RuntimeError(f"{fn} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{fn} expects a positive integer")
    return n


def get_num_threads() -> int:
    """Threads numpy's BLAS uses for one op (set_num_threads's value, else OMP_NUM_THREADS or the CPU count)."""
    import os
    if _threads["intra"] is not None:
        return _threads["intra"]
    env = os.environ.get("OMP_NUM_THREADS", "")
    return _builtins.int(env) if env.isdigit() and _builtins.int(env) > 0 else os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Limit numpy's BLAS thread pool to `n` threads (through threadpoolctl when it is installed)."""
    _threads["intra"] = _check_threads("set_num_threads", n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    _threads["limit"] = threadpool_limits(n)


def get_num_interop_threads() -> int:
    """Threads for running independent ops in parallel (ember runs ops one after another; torch's CPU count)."""
    import os
    return _threads["interop"] or os.cpu_count() or 1


def set_num_interop_threads(n: int) -> None:
    """Record the inter-op thread count; like torch, only once."""
    n = _check_threads("set_num_interop_threads", n)
    if _threads["interop"] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    _threads["interop"] = n


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """ember's CPU ops are deterministic already."""


from .compiler import compile  # noqa: E402,A004


def get_default_device() -> device:
    """The device factory functions use: always the CPU in ember."""
    return device("cpu")


def set_default_device(device) -> None:
    """Accept torch's ``set_default_device('cpu')`` / ``None``; ember creates tensors on the CPU only by default."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(f"ember.set_default_device({device!r}): ember only supports the 'cpu' default device; "
                           "create tensors with device=... or move them with .to(...)")


_LAZY = ("onnx", "distributed", "vision", "jit", "accelerator", "multiprocessing", "testing", "hub",
         "profiler", "distributions", "func", "fx", "_dynamo")


def __getattr__(name: str):
    """Import the optional submodules (onnx, distributed, vision, jit, hub, profiler, ...) on first use."""
    if name in _LAZY:
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


import builtins as _builtins  # noqa: E402

builtins_bool = _builtins.bool
