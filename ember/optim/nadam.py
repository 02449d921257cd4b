"""NAdam: Adam with Nesterov momentum (Dozat, 2016)."""
from __future__ import annotations

from typing import Callable

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _blocked, _bump, _check_adam_hparams, _check_flags, _decayed_grad, _ema_sq_, _eval_closure, _incr, _lerp_,
                        _lr, _scalar_tensor, _zeros_like)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""Implements NAdam, following torch's update:

    .. math::
        \mu_t = \beta_1\big(1 - \tfrac12 0.96^{t\psi}\big), \quad
        \theta_t = \theta_{t-1} - \gamma\frac{1-\mu_t}{1-\prod_{i\le t}\mu_i}\frac{g_t}{\sqrt{\hat v_t}+\epsilon}
            - \gamma\frac{\mu_{t+1}}{1-\prod_{i\le t+1}\mu_i}\frac{m_t}{\sqrt{\hat v_t}+\epsilon}

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): learning rate (default: 2e-3).
        betas (tuple[float, float]): running-average coefficients (default: (0.9, 0.999)).
        eps (float): denominator term for numerical stability (default: 1e-8).
        weight_decay (float): weight decay (default: 0).
        momentum_decay (float): :math:`\psi` (default: 4e-3).
        decoupled_weight_decay (bool): decay the parameters directly, as NAdamW (default: False).
        foreach, capturable: accepted for torch compatibility; maximize: maximize the objective;
        differentiable: not supported.
    """

    def __init__(self, params, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_adam_hparams(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        _check_flags(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._step_setstate("step", "mu_product", defaults=dict(maximize=False, foreach=None, capturable=False,
                                                                differentiable=False, decoupled_weight_decay=False))

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, wd, eps, psi = _lr(group["lr"]), group["weight_decay"], group["eps"], group["momentum_decay"]
            params = self._params_with_grad(group, "NAdam")
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["mu_product"] = _scalar_tensor(1.0)
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                step = _incr(state["step"])
                bc2 = 1 - beta2 ** step
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
                mp = state["mu_product"]
                mp._data *= mu  # in place, in the state tensor's float32, like torch's `mu_product *= mu`
                mu_product = float(mp._data)
                coef_g = -lr * (1.0 - mu) / (1.0 - mu_product)
                coef_m = (-lr * mu_next) / (1.0 - mu_product * mu_next)
                _blocked(_nadam_kernel(xp(p._data), beta1, beta2, lr, wd, eps, group["decoupled_weight_decay"],
                                       group["maximize"], bc2, coef_g, coef_m),
                         [p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data], 3)
            _bump(params)
        return loss


def _nadam_kernel(m, beta1, beta2, lr, wd, eps, decoupled, maximize, bc2, coef_g, coef_m):
    """The update of one block, in torch's order of operations (``_single_tensor_nadam``)."""

    def kernel(p, g, exp_avg, exp_avg_sq, t1, t2, t3):
        g = _decayed_grad(m, p, g, t3, lr, wd, decoupled, maximize)
        _lerp_(m, exp_avg, g, 1 - beta1, t1)
        _ema_sq_(m, exp_avg_sq, g, beta2, t1)
        m.divide(exp_avg_sq, bc2, out=t1)
        m.sqrt(t1, out=t1)
        t1 += eps
        m.divide(g, t1, out=t2)
        t2 *= coef_g
        p += t2
        m.divide(exp_avg, t1, out=t2)
        t2 *= coef_m
        p += t2

    return kernel
