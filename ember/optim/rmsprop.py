"""RMSprop (Hinton), optionally centered and with momentum."""
from __future__ import annotations

from typing import Callable

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _blocked, _bump, _check_flags, _ema_sq_, _eval_closure, _grad_of, _incr, _lerp_,
                        _lr, _scalar_tensor, _zeros_like)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""Implements RMSprop, following torch's update:

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2, \quad
        \theta_t = \theta_{t-1} - \gamma\, g_t / (\sqrt{v_t - \bar g_t^2 \text{ if centered}} + \epsilon)

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): learning rate (default: 1e-2).
        alpha (float): smoothing constant (default: 0.99).
        eps (float): denominator term for numerical stability (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        momentum (float): momentum factor (default: 0).
        centered (bool): normalize by an estimate of the gradient's variance (default: False).
        capturable, foreach: accepted for torch compatibility; maximize: maximize the objective;
        differentiable: not supported.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _check_flags(differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._step_setstate("step", defaults=dict(momentum=0, centered=False, foreach=None, maximize=False,
                                                  differentiable=False, capturable=False))

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps, wd = _lr(group["lr"]), group["alpha"], group["eps"], group["weight_decay"]
            momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
            params = self._params_with_grad(group, "RMSprop")
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["square_avg"] = _zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_like(p)
                    if centered:
                        state["grad_avg"] = _zeros_like(p)
                _incr(state["step"])
                arrays = [p._data, p.grad._data, state["square_avg"]._data]
                arrays += [state["momentum_buffer"]._data] if momentum > 0 else []
                arrays += [state["grad_avg"]._data] if centered else []
                _blocked(_rmsprop_kernel(xp(p._data), lr, alpha, eps, wd, momentum, centered, maximize), arrays, 3)
            _bump(params)
        return loss


def _rmsprop_kernel(m, lr, alpha, eps, wd, momentum, centered, maximize):
    """The update of one block, in torch's order of operations (``_single_tensor_rmsprop``)."""

    def kernel(p, g, square_avg, *rest):
        rest = list(rest)
        buf = rest.pop(0) if momentum > 0 else None
        grad_avg = rest.pop(0) if centered else None
        t1, t2, t3 = rest
        g = _grad_of(m, g, p, t3, maximize, wd)
        _ema_sq_(m, square_avg, g, alpha, t1)
        if centered:
            _lerp_(m, grad_avg, g, 1 - alpha, t1)
            m.multiply(grad_avg, grad_avg, out=t1)
            m.subtract(square_avg, t1, out=t1)
            m.sqrt(t1, out=t1)
        else:
            m.sqrt(square_avg, out=t1)
        t1 += eps
        if momentum > 0:
            buf *= momentum
            m.divide(g, t1, out=t2)
            buf += t2
            m.multiply(buf, -lr, out=t2)
        else:
            m.divide(g, t1, out=t2)
            t2 *= -lr
        p += t2

    return kernel
