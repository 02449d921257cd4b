"""Dropout: elementwise, feature (channel) and alpha dropout."""
from __future__ import annotations

import math
import warnings

from .._backend import to_device
from . import elementwise as E
from ._base import Tensor, np, xp
from .. import _random
from .activation import _SELU_ALPHA, _SELU_SCALE, _const

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]


# ---- dropout --------------------------------------------------------------------------------------------------------
def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, shape, p: float):
    """Bernoulli(1 - p) samples drawn as torch's `empty_like(input).bernoulli_(1 - p)`, as an array like `input`."""
    a = input._data
    keep = _random.bernoulli_scalar(_random.default_generator, shape, 1 - p).astype(a.dtype)
    return keep if isinstance(a, np.ndarray) else to_device(keep, input.device)


def _mul(input: Tensor, noise, inplace: bool) -> Tensor:
    n = _const(noise)
    return input.mul_(n) if inplace else E.mul(input, n)


def _dropout_impl(input: Tensor, p: float, training: bool, inplace: bool, feature: bool, alpha: bool) -> Tensor:
    _check_p(p)
    if p == 0 or not training or input._data.size == 0:
        return input
    a = input._data
    if p == 1:
        return _mul(input, xp(a).zeros((), a.dtype), inplace)
    if feature and a.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = a.shape[:2] + (1,) * (a.ndim - 2) if feature else a.shape
    noise = _keep_mask(input, shape, p)
    if not alpha:
        noise /= 1 - p
        return _mul(input, noise, inplace)
    # alpha dropout keeps SELU's fixed point: dropped units go to -alpha*scale, then an affine map restores moments
    alpha_ = _SELU_ALPHA * _SELU_SCALE
    k = 1.0 / math.sqrt((alpha_ * alpha_ * p + 1) * (1 - p))
    b = (noise - 1) * (alpha_ * k) + alpha_ * k * p
    out = _mul(input, noise * k, inplace)
    return out.add_(_const(b)) if inplace else out + _const(b)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training)."""
    return _dropout_impl(input, p, training, inplace, False, False)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    r"""Dropout for SELU networks: keeps zero mean and unit variance."""
    return _dropout_impl(input, p, training, inplace, False, True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    r"""Alpha dropout of whole channels (dim 1)."""
    return _dropout_impl(input, p, training, inplace, True, True)


def _feature_unbatched(input, p, training, inplace, batched: bool):
    if batched or not training or p == 0:
        return _dropout_impl(input, p, training, inplace, True, False)
    out = _dropout_impl(input.unsqueeze(0), p, training, False, True, False)
    out = out.squeeze(0)
    return input.copy_(out) if inplace and out is not input else out


def _warn_dims(name: str, nd: int, k: int):
    warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will result in an error in a "
                  "future release. To retain the behavior and silence this warning, please use dropout instead. Note "
                  f"that {name} exists to provide channel-wise dropout on inputs with {k} spatial dimensions, a "
                  f"channel dimension, and an optional batch dimension (i.e. {k + 1}D or {k + 2}D inputs).",
                  stacklevel=3)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero whole channels of (N, C, L) or (C, L) inputs with probability p."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_unbatched(input, p, training, inplace, nd == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero whole channels of (N, C, H, W) inputs with probability p (3-D inputs are treated as (N, C, L))."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (3, 4):
        _warn_dims("dropout2d", nd, 2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, True, False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability p."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (4, 5):
        _warn_dims("dropout3d", nd, 3)
    return _feature_unbatched(input, p, training, inplace, nd == 5)
