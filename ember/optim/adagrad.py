"""Adagrad (Duchi et al., 2011)."""
from __future__ import annotations

from typing import Callable

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _blocked, _bump, _check_flags, _eval_closure, _full_like, _grad_of, _incr, _lr,
                        _scalar_tensor)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Implements Adagrad, following torch's update:

    .. math::
        \tilde\gamma = \frac{\gamma}{1 + (t-1)\eta}, \quad s_t = s_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \tilde\gamma\, g_t / (\sqrt{s_t} + \epsilon)

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): learning rate (default: 1e-2).
        lr_decay (float): learning rate decay :math:`\eta` (default: 0).
        weight_decay (float): L2 penalty (default: 0).
        initial_accumulator_value (float): initial value of the sum of squares (default: 0).
        eps (float): denominator term for numerical stability (default: 1e-10).
        foreach, fused: accepted for torch compatibility; maximize: maximize the objective;
        differentiable: not supported.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_flags(differentiable, fused, foreach)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, initial_accumulator_value)

    def _init_state(self, p: Tensor, init_value: float) -> dict:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _scalar_tensor(0.0)
            state["sum"] = _full_like(p, init_value)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._step_setstate("step", defaults=dict(foreach=None, maximize=False, differentiable=False, fused=None))

    def share_memory(self) -> None:
        """Move the accumulators to shared memory (a no-op on ember's CPU arrays)."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            lr, wd, lr_decay, eps = _lr(group["lr"]), group["weight_decay"], group["lr_decay"], group["eps"]
            params = self._params_with_grad(group, "Adagrad")
            for p in params:
                state = self._init_state(p, self.defaults["initial_accumulator_value"])
                step = _incr(state["step"])
                clr = lr / (1 + (step - 1) * lr_decay)
                _blocked(_adagrad_kernel(xp(p._data), clr, wd, eps, group["maximize"]),
                         [p._data, p.grad._data, state["sum"]._data], 2)
            _bump(params)
        return loss


def _adagrad_kernel(m, clr, wd, eps, maximize):
    """The update of one block, in torch's order of operations (``_single_tensor_adagrad``)."""

    def kernel(p, g, state_sum, t1, t2):
        g = _grad_of(m, g, p, t2, maximize, wd)
        m.multiply(g, g, out=t1)
        state_sum += t1
        m.sqrt(state_sum, out=t1)
        t1 += eps
        m.divide(g, t1, out=t1)
        t1 *= -clr
        p += t1

    return kernel
