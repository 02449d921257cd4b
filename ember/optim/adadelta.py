"""Adadelta (Zeiler, 2012)."""
from __future__ import annotations

from typing import Callable

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _blocked, _bump, _check_flags, _ema_sq_, _eval_closure, _grad_of, _incr, _lr,
                        _scalar_tensor, _zeros_like)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Implements Adadelta, following torch's update:

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2, \quad \Delta_t = \frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{v_t+\epsilon}} g_t,
        \quad u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2, \quad \theta_t = \theta_{t-1} - \gamma\Delta_t

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): coefficient scaling the delta (default: 1.0).
        rho (float): running-average coefficient (default: 0.9).
        eps (float): term added inside the square roots (default: 1e-6).
        weight_decay (float): L2 penalty (default: 0).
        foreach, capturable: accepted for torch compatibility; maximize: maximize the objective;
        differentiable: not supported.
    """

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_flags(differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._step_setstate("step", defaults=dict(foreach=None, maximize=False, differentiable=False,
                                                  capturable=False))

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = _lr(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
            params = self._params_with_grad(group, "Adadelta")
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["square_avg"] = _zeros_like(p)
                    state["acc_delta"] = _zeros_like(p)
                _incr(state["step"])
                _blocked(_adadelta_kernel(xp(p._data), lr, rho, eps, wd, group["maximize"]),
                         [p._data, p.grad._data, state["square_avg"]._data, state["acc_delta"]._data], 3)
            _bump(params)
        return loss


def _adadelta_kernel(m, lr, rho, eps, wd, maximize):
    """The update of one block, in torch's order of operations (``_single_tensor_adadelta``)."""

    def kernel(p, g, square_avg, acc_delta, t1, t2, t3):
        g = _grad_of(m, g, p, t3, maximize, wd)
        _ema_sq_(m, square_avg, g, rho, t1)
        m.add(square_avg, eps, out=t1)
        m.sqrt(t1, out=t1)                      # std
        m.add(acc_delta, eps, out=t2)
        m.sqrt(t2, out=t2)                      # delta
        t2 /= t1
        t2 *= g
        _ema_sq_(m, acc_delta, t2, rho, t1)
        t2 *= -lr
        p += t2

    return kernel
