"""Rprop: resilient backpropagation (Riedmiller & Braun, 1993)."""
from __future__ import annotations

from typing import Callable

from .._ops._base import xp
from .._tensor import Tensor
from .optimizer import (Optimizer, _blocked, _bump, _check_flags, _eval_closure, _full_like, _incr, _lr,
                        _scalar_tensor, _zeros_like)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Implements the resilient backpropagation algorithm, following torch's update: per element, the step
    size grows by ``etaplus`` while the gradient keeps its sign, shrinks by ``etaminus`` when it flips (and that
    step is skipped), is clamped to ``step_sizes``, and the parameter moves by ``-sign(g) * step_size``.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): initial step size (default: 1e-2).
        etas (tuple[float, float]): (etaminus, etaplus) multiplicative factors (default: (0.5, 1.2)).
        step_sizes (tuple[float, float]): minimal and maximal step sizes (default: (1e-6, 50)).
        capturable, foreach: accepted for torch compatibility; maximize: maximize the objective;
        differentiable: not supported.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_flags(differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
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
            etaminus, etaplus = group["etas"]
            lo, hi = group["step_sizes"]
            params = self._params_with_grad(group, "Rprop")
            for p in params:
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["prev"] = _zeros_like(p)
                    state["step_size"] = _full_like(p.grad, _lr(group["lr"]))
                _incr(state["step"])
                _blocked(_rprop_kernel(xp(p._data), etaminus, etaplus, lo, hi, group["maximize"]),
                         [p._data, p.grad._data, state["prev"]._data, state["step_size"]._data], 2)
            _bump(params)
        return loss


def _rprop_kernel(m, etaminus, etaplus, lo, hi, maximize):
    """The update of one block, in torch's order of operations (``_single_tensor_rprop``)."""

    def kernel(p, g, prev, step_size, t1, t2):
        if maximize:
            g = m.negative(g, out=t2)
        m.multiply(g, prev, out=t1)
        m.sign(t1, out=t1)
        # sign > 0 -> etaplus, < 0 -> etaminus, == 0 -> 1 (NaN stays NaN), as torch's masked fills
        t1[...] = m.where(t1 > 0, etaplus, m.where(t1 < 0, etaminus, m.where(t1 == 0, 1, t1)))
        step_size *= t1
        m.clip(step_size, lo, hi, out=step_size)
        flipped = t1 == etaminus
        m.copyto(prev, g)
        prev[flipped] = 0                        # the new `prev` is the grad with flipped entries zeroed
        m.sign(prev, out=t1)
        t1 *= step_size
        p -= t1

    return kernel
