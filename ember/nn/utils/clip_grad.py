"""Gradient clipping: clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_.

`foreach` is accepted for torch compatibility; ember always runs one vectorised pass per tensor.
"""
from __future__ import annotations

import functools
import math
import types
import warnings
from typing import Iterable

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..._ops import reduce as R
from ..._ops.creation import tensor as _tensor
from ..._ops.shape import stack

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

_tensors = Tensor | Iterable[Tensor]


def _no_grad(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with no_grad():
            return fn(*args, **kwargs)
    return wrapper


@_no_grad
def get_total_norm(tensors: _tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The norm of the per-tensor norms of `tensors` (as if all were concatenated into one vector)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _tensor(0.0)
    first = tensors[0].device
    norms = [R.norm(t, norm_type) for t in tensors]
    total = R.norm(stack([n.to(first) for n in norms]), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return total


@_no_grad
def clip_grads_with_norm_(parameters: _tensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale every .grad in place by min(1, max_norm / (total_norm + 1e-6))."""
    parameters = [parameters] if isinstance(parameters, Tensor) else parameters
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
    with np.errstate(invalid="ignore"):  # a non-finite norm scales to nan silently, as in torch
        for g in grads:
            g.mul_(coef.to(g.device))


@_no_grad
def clip_grad_norm_(parameters: _tensors, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Rescale the gradients of `parameters` in place so their total `norm_type`-norm is at most `max_norm`.

    Returns the total norm of the gradients before clipping (a 0-d tensor).
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: _tensors, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """Deprecated alias of clip_grad_norm_."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters: _tensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every .grad of `parameters` in place to [-clip_value, clip_value]."""
    parameters = [parameters] if isinstance(parameters, Tensor) else parameters
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    for g in grads:
        g.clamp_(min=-clip_value, max=clip_value)
