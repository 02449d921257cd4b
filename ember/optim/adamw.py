"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""
from __future__ import annotations

from .._tensor import Tensor
from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""Implements AdamW: Adam whose weight decay multiplies the parameters by ``1 - lr * weight_decay`` each step
    instead of being added to the gradient.

    Args:
        params (iterable): parameters or parameter groups to optimize.
        lr (float, Tensor): learning rate (default: 1e-3).
        betas (tuple[float, float]): running-average coefficients (default: (0.9, 0.999)).
        eps (float): denominator term for numerical stability (default: 1e-8).
        weight_decay (float): decoupled weight decay coefficient (default: 1e-2).
        amsgrad (bool): use the AMSGrad variant (default: False).
        maximize, foreach, capturable, differentiable, fused: as for :class:`Adam`.
    """

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
