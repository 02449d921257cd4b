"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _blocked, _bump, _check_flags, _eval_closure, _grad_of, _incr, _lr,
                        _scalar_dtype, _scalar_tensor, _zeros_like)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Implements averaged SGD, following torch's update: ``theta *= 1 - lambd * eta``, ``theta -= eta * g``,
    then the average ``ax`` moves towards ``theta`` by ``mu``; ``eta = lr / (1 + lambd lr t)^alpha`` and
    ``mu = 1 / max(1, t - t0)``.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): learning rate (default: 1e-2).
        lambd (float): decay term (default: 1e-4).
        alpha (float): power for the eta update (default: 0.75).
        t0 (float): step at which averaging starts (default: 1e6).
        weight_decay (float): L2 penalty (default: 0).
        foreach, capturable: accepted for torch compatibility; maximize: maximize the objective;
        differentiable: not supported.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_flags(differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        self._step_setstate("step", "eta", "mu", defaults=dict(foreach=None, maximize=False, differentiable=False,
                                                               capturable=False))

    def step(self, closure: Callable[[], float] | None = None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _eval_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = _lr(group["lr"]), group["lambd"], group["alpha"], group["t0"]
            params = self._params_with_grad(group, "ASGD")
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["eta"] = _scalar_tensor(lr)
                    state["mu"] = _scalar_tensor(1.0)
                    state["ax"] = _zeros_like(p)
                step = _incr(state["step"])
                eta, mu = float(state["eta"]._data), float(state["mu"]._data)
                _blocked(_asgd_kernel(xp(p._data), eta, mu, lambd, group["weight_decay"], group["maximize"]),
                         [p._data, p.grad._data, state["ax"]._data], 1)
                for key, value in (("eta", lr / ((1 + lambd * lr * step) ** alpha)), ("mu", 1 / max(1, step - t0))):
                    state[key]._data[()] = np.asarray(value, dtype=_scalar_dtype())
            _bump(params)
        return loss


def _asgd_kernel(m, eta, mu, lambd, wd, maximize):
    """The update of one block, in torch's order of operations (``_single_tensor_asgd``)."""

    def kernel(p, g, ax, t1):
        g = _grad_of(m, g, p, t1, maximize, wd)
        p *= 1 - lambd * eta
        m.multiply(g, -eta, out=t1)
        p += t1
        if mu != 1:
            m.subtract(p, ax, out=t1)
            t1 *= mu
            ax += t1
        else:
            m.copyto(ax, p)

    return kernel
