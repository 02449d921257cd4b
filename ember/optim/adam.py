"""Adam (and the decoupled-weight-decay variant used by AdamW)."""
from __future__ import annotations

from typing import Callable

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _blocked, _bump, _check_adam_hparams, _check_flags, _decayed_grad, _ema_sq_, _eval_closure, _incr, _lerp_,
                        _lr, _scalar_tensor, _zeros_like)

__all__ = ["Adam"]


class Adam(Optimizer):
    r"""Implements the Adam algorithm (Kingma & Ba, 2014), following torch's single-tensor update.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t} \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): learning rate (default: 1e-3).
        betas (tuple[float, float]): coefficients of the running averages of the gradient and its square.
        eps (float): term added to the denominator for numerical stability (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        amsgrad (bool): use the AMSGrad variant (default: False).
        foreach, capturable, fused: accepted for torch compatibility; ember has a single implementation.
        maximize (bool): maximize the objective instead of minimizing (default: False).
        differentiable (bool): not supported (must be False).
        decoupled_weight_decay (bool): apply weight decay to the parameters directly, as AdamW (default: False).
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _check_adam_hparams(lr, eps, betas, weight_decay)
        _check_flags(differentiable, fused, foreach)
        betas = tuple(_lr(b) for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._step_setstate("step", defaults=dict(amsgrad=False, maximize=False, foreach=None, capturable=False,
                                                  differentiable=False, decoupled_weight_decay=False, fused=None))

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = (_lr(b) for b in group["betas"])
            lr, wd, eps, amsgrad = _lr(group["lr"]), group["weight_decay"], group["eps"], group["amsgrad"]
            decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
            params = self._params_with_grad(group, "Adam")
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                step = _incr(state["step"])
                bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
                step_size, bc2_sqrt = lr / bc1, bc2 ** 0.5
                arrays = [p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data]
                if amsgrad:
                    arrays.append(state["max_exp_avg_sq"]._data)
                _blocked(_adam_kernel(xp(p._data), beta1, beta2, lr, wd, eps, maximize, decoupled, step_size,
                                      bc2_sqrt, amsgrad), arrays, 2)
            _bump(params)
        return loss


def _adam_kernel(m, beta1, beta2, lr, wd, eps, maximize, decoupled, step_size, bc2_sqrt, amsgrad):
    """The update of one block, in torch's order of operations (``_single_tensor_adam``)."""

    def kernel(p, g, exp_avg, exp_avg_sq, *rest):
        *vmax, t1, t2 = rest
        g = _decayed_grad(m, p, g, t2, lr, wd, decoupled, maximize)
        _lerp_(m, exp_avg, g, 1 - beta1, t1)
        _ema_sq_(m, exp_avg_sq, g, beta2, t1)
        if amsgrad:
            m.maximum(vmax[0], exp_avg_sq, out=vmax[0])
        m.sqrt(vmax[0] if amsgrad else exp_avg_sq, out=t1)
        t1 /= bc2_sqrt
        t1 += eps
        m.divide(exp_avg, t1, out=t1)
        t1 *= -step_size
        p += t1

    return kernel
