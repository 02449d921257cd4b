"""RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2019)."""
from __future__ import annotations

from typing import Callable

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _blocked, _bump, _check_adam_hparams, _check_flags, _decayed_grad, _ema_sq_, _eval_closure, _incr, _lerp_,
                        _lr, _scalar_tensor, _zeros_like)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""Implements RAdam, following torch's update:

    .. math::
        \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t}, \quad
        \theta_t = \theta_{t-1} - \gamma\,\hat m_t \cdot
            \begin{cases} r_t \sqrt{1-\beta_2^t}/(\sqrt{v_t}+\epsilon) & \rho_t > 5 \\ 1 & \text{else}\end{cases}

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): learning rate (default: 1e-3).
        betas (tuple[float, float]): running-average coefficients (default: (0.9, 0.999)).
        eps (float): denominator term for numerical stability (default: 1e-8).
        weight_decay (float): weight decay (default: 0).
        decoupled_weight_decay (bool): decay the parameters directly, as AdamW (default: False).
        foreach, capturable: accepted for torch compatibility; maximize: maximize the objective;
        differentiable: not supported.
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_adam_hparams(lr, eps, betas, weight_decay)
        _check_flags(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._step_setstate("step", defaults=dict(foreach=None, maximize=False, differentiable=False,
                                                  decoupled_weight_decay=False, capturable=False))

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, wd, eps = _lr(group["lr"]), group["weight_decay"], group["eps"]
            params = self._params_with_grad(group, "RAdam")
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                step = _incr(state["step"])
                bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
                rect = None
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                _blocked(_radam_kernel(xp(p._data), beta1, beta2, lr, wd, eps, group["decoupled_weight_decay"],
                                       group["maximize"], bc1, bc2, rect),
                         [p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data], 3)
            _bump(params)
        return loss


def _radam_kernel(m, beta1, beta2, lr, wd, eps, decoupled, maximize, bc1, bc2, rect):
    """The update of one block, in torch's order of operations (``_single_tensor_radam``)."""

    def kernel(p, g, exp_avg, exp_avg_sq, t1, t2, t3):
        g = _decayed_grad(m, p, g, t3, lr, wd, decoupled, maximize)
        _lerp_(m, exp_avg, g, 1 - beta1, t1)
        _ema_sq_(m, exp_avg_sq, g, beta2, t1)
        m.divide(exp_avg, bc1, out=t2)          # bias-corrected exp_avg
        t2 *= lr
        if rect is not None:
            m.sqrt(exp_avg_sq, out=t1)
            t1 += eps
            m.divide(bc2 ** 0.5, t1, out=t1)    # adaptive lr
            t2 *= t1
            t2 *= rect
        p -= t2

    return kernel
