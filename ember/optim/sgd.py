"""Stochastic gradient descent, optionally with (Nesterov) momentum."""
from __future__ import annotations

from typing import Callable

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import Optimizer, _blocked, _bump, _check_flags, _eval_closure, _grad_of, _lr, _zeros_like

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Implements stochastic gradient descent (optionally with momentum), following torch's update:

    .. math::
        g_t = \nabla f + \lambda\theta, \quad b_t = \mu b_{t-1} + (1-\tau) g_t, \quad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): learning rate (default: 1e-3).
        momentum (float): momentum factor (default: 0).
        dampening (float): dampening for momentum (default: 0).
        weight_decay (float): L2 penalty (default: 0).
        nesterov (bool): use Nesterov momentum (default: False).
        maximize (bool): maximize the objective (default: False).
        foreach, fused: accepted for torch compatibility; differentiable: not supported.
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float | Tensor = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        _check_flags(differentiable, fused, foreach)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._step_setstate(defaults=dict(nesterov=False, maximize=False, foreach=None, differentiable=False,
                                          fused=False))

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            lr, wd, momentum = _lr(group["lr"]), _lr(group["weight_decay"]), group["momentum"]
            dampening, nesterov, maximize = group["dampening"], group["nesterov"], group["maximize"]
            params = self._params_with_grad(group, "SGD")
            for p in params:
                arrays = [p._data, p.grad._data]
                first = False
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = _zeros_like(p)
                        first = True
                    arrays.append(buf._data)
                _blocked(_sgd_kernel(xp(p._data), lr, wd, momentum, dampening, nesterov, maximize, first), arrays, 2)
            _bump(params)
        return loss


def _sgd_kernel(m, lr, wd, momentum, dampening, nesterov, maximize, first):
    """The update of one block, in torch's order of operations (``_single_tensor_sgd``)."""

    def kernel(p, g, *rest):
        *buf, t1, t2 = rest
        g = _grad_of(m, g, p, t1, maximize, wd)
        if momentum != 0:
            b = buf[0]
            if first:
                m.copyto(b, g)
            else:
                b *= momentum
                m.multiply(g, 1 - dampening, out=t2)
                b += t2
            if nesterov:
                m.multiply(b, momentum, out=t2)
                g = m.add(g, t2, out=t1)
            else:
                g = b
        m.multiply(g, -lr, out=t2)
        p += t2

    return kernel
