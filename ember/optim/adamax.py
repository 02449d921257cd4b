"""Adamax: the infinity-norm variant of Adam (Kingma & Ba, 2014)."""
from __future__ import annotations

from typing import Callable

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _blocked, _bump, _check_adam_hparams, _check_flags, _eval_closure, _grad_of, _incr, _lerp_, _lr,
                        _scalar_tensor, _zeros_like)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Implements Adamax, following torch's update:

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t} \frac{m_t}{u_t}

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): learning rate (default: 2e-3).
        betas (tuple[float, float]): running-average coefficients (default: (0.9, 0.999)).
        eps (float): term added to ``|g|`` for numerical stability (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        foreach, capturable: accepted for torch compatibility; maximize: maximize the objective;
        differentiable: not supported.
    """

    def __init__(self, params, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_adam_hparams(lr, eps, betas, weight_decay)
        _check_flags(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._step_setstate("step", defaults=dict(foreach=None, maximize=False, differentiable=False,
                                                  capturable=False))

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, wd = _lr(group["lr"]), group["eps"], group["weight_decay"]
            params = self._params_with_grad(group, "Adamax")
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_inf"] = _zeros_like(p)
                clr = lr / (1 - beta1 ** _incr(state["step"]))
                _blocked(_adamax_kernel(xp(p._data), beta1, beta2, eps, wd, clr, group["maximize"]),
                         [p._data, p.grad._data, state["exp_avg"]._data, state["exp_inf"]._data], 2)
            _bump(params)
        return loss


def _adamax_kernel(m, beta1, beta2, eps, wd, clr, maximize):
    """The update of one block, in torch's order of operations (``_single_tensor_adamax``)."""

    def kernel(p, g, exp_avg, exp_inf, t1, t2):
        g = _grad_of(m, g, p, t2, maximize, wd)
        _lerp_(m, exp_avg, g, 1 - beta1, t1)
        exp_inf *= beta2
        m.abs(g, out=t1)
        t1 += eps
        m.maximum(exp_inf, t1, out=exp_inf)
        m.divide(exp_avg, exp_inf, out=t1)
        t1 *= -clr
        p += t1

    return kernel
