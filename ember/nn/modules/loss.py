"""Loss modules: thin Modules over ember.nn.functional's losses, with torch's constructor arguments and buffers."""
from __future__ import annotations

from ..._tensor import Tensor
from ..._ops.loss import _reduction
from .. import functional as F
from .module import Module

__all__ = ["L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
           "HuberLoss", "SmoothL1Loss", "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
           "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "PoissonNLLLoss",
           "GaussianNLLLoss", "CTCLoss"]


class _Loss(Module):
    """Base of the losses: stores `reduction` (mapped from the legacy size_average/reduce flags)."""
    reduction: str

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _reduction(reduction, size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with a per-class `weight`, registered as a buffer (so it is in state_dict when given)."""

    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    r"""Mean absolute error :math:`|x - y|`, reduced by `reduction` ('none' | 'mean' | 'sum').

    Shape: input (*), target (*) same shape; output scalar, or (*) with reduction='none'.
    """
    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    r"""Mean squared error :math:`(x - y)^2`, reduced by `reduction`.

    Shape: input (*), target (*) same shape; output scalar, or (*) with reduction='none'.
    """
    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross-entropy between logits and class indices or class probabilities.

    Args:
        weight: per-class rescaling weight of size C (a buffer).
        ignore_index: target value that contributes neither loss nor gradient (class-index targets only).
        reduction: 'none' | 'mean' | 'sum'; 'mean' divides by the summed weight of the counted targets.
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution.

    Shape: input (C), (N, C) or (N, C, d1, ..., dK); target (), (N) or (N, d1, ..., dK) int64 class indices, or the
    input's shape with probabilities; output scalar, or the target's (index) shape with reduction='none'.
    """
    __constants__ = ["ignore_index", "reduction", "label_smoothing"]

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    r"""Negative log likelihood of log-probabilities at the target classes.

    Args:
        weight: per-class rescaling weight of size C (a buffer).
        ignore_index: target value that is skipped.
        reduction: 'none' | 'mean' | 'sum'.

    Shape: input (C), (N, C) or (N, C, d1, ..., dK); target (), (N) or (N, d1, ..., dK) int64.
    """
    __constants__ = ["ignore_index", "reduction"]

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    r"""Binary cross-entropy :math:`-w (y \log x + (1 - y) \log(1 - x))` on probabilities (logs clamped at -100).

    Shape: input (*) in [0, 1], target (*) same shape; output scalar, or (*) with reduction='none'.
    """
    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    r"""Sigmoid + binary cross-entropy, numerically stable.

    Args:
        weight: rescaling weight broadcast over the batch (a buffer).
        pos_weight: weight of the positive examples, broadcast along the class (last) dim (a buffer).

    Shape: input (*), target (*) same shape; output scalar, or (*) with reduction='none'.
    """

    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class KLDivLoss(_Loss):
    r"""Kullback-Leibler divergence :math:`y (\log y - x)` with `input` x in log-space.

    Args:
        reduction: 'none' | 'batchmean' | 'sum' | 'mean' ('batchmean' is the mathematical KL).
        log_target: whether `target` is given in log-space.
    """
    __constants__ = ["reduction"]

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class HuberLoss(_Loss):
    r"""Huber loss: :math:`0.5 d^2` for :math:`|d| < \delta`, else :math:`\delta (|d| - 0.5 \delta)`.

    Shape: input (*), target (*); output scalar, or (*) with reduction='none'.
    """
    __constants__ = ["reduction", "delta"]

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        if not isinstance(delta, (float, int)):
            raise TypeError(f"delta must be a float or int, got: {type(delta)}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    r"""Smooth L1: :math:`0.5 d^2 / \beta` for :math:`|d| < \beta`, else :math:`|d| - 0.5 \beta`.

    Shape: input (*), target (*); output scalar, or (*) with reduction='none'.
    """
    __constants__ = ["reduction"]

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class SoftMarginLoss(_Loss):
    r"""Two-class logistic loss :math:`\log(1 + e^{-y x})`, y in {-1, 1}."""
    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    r"""One-vs-all logistic loss averaged over the C classes of the last dim.

    Shape: input (N, C) or (C), target same shape with values in {0, 1}; output scalar, or (N) with 'none'.
    """
    __constants__ = ["reduction"]

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    r"""Multi-class hinge loss :math:`\sum_{j \ne y} \max(0, m - x_y + x_j)^p / C`.

    Args:
        p: 1 or 2. margin: the margin m. weight: per-class weight of size C (a buffer).

    Shape: input (N, C) or (C); target (N) or () int64; output scalar, or (N) with reduction='none'.
    """
    __constants__ = ["p", "margin", "reduction"]

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D "
                             "instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class MarginRankingLoss(_Loss):
    r"""Ranking loss :math:`\max(0, -y (x_1 - x_2) + m)`, y in {-1, 1}."""
    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    r"""x where y = 1, :math:`\max(0, m - x)` where y = -1."""
    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    r""":math:`1 - \cos(x_1, x_2)` where y = 1, :math:`\max(0, \cos(x_1, x_2) - m)` where y = -1.

    Shape: input1, input2 (N, D) or (D); target (N) or (); output scalar, or (N) with reduction='none'.
    """
    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    r"""Triplet loss :math:`\max(0, m + d(a, p) - d(a, n))` with the p-norm distance d.

    Args:
        margin: m > 0. p: norm degree. eps: added to the differences. swap: use min(d(a, n), d(p, n)).

    Shape: anchor, positive, negative (N, D) or (D); output scalar, or (N) with reduction='none'.
    """
    __constants__ = ["margin", "p", "eps", "swap", "reduction"]

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    r"""Poisson negative log likelihood :math:`e^x - y x` (log_input) or :math:`x - y \log(x + \epsilon)`.

    Args:
        log_input: whether input is the log of the rate. full: add the Stirling term. eps: for log_input=False.
    """
    __constants__ = ["log_input", "full", "eps", "reduction"]

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    r"""Gaussian negative log likelihood :math:`0.5 (\log v + (x - y)^2 / v)`, v clamped to >= eps.

    Shape: input (N, *), target like input, var like input or with one dim of size 1 (or input's shape minus the last
    dim); output scalar, or input's shape with reduction='none'.
    """
    __constants__ = ["full", "eps", "reduction"]

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class CTCLoss(_Loss):
    r"""Connectionist Temporal Classification loss.

    Args:
        blank: the blank label. reduction: 'mean' divides each loss by its target length, then averages.
        zero_infinity: replace infinite losses (impossible alignments) and their gradients by zero.

    Shape: log_probs (T, N, C) or (T, C); targets (N, S) or (sum(target_lengths)); lengths (N) or ().
    """
    __constants__ = ["blank", "reduction"]

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths, target_lengths) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
