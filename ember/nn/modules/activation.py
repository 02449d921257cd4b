"""Activation layers: each holds its hyper-parameters and calls the functional form."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ..._ops import creation as _c
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import NonDynamicallyQuantizableLinear
from .module import Module

__all__ = ["MultiheadAttention", "Threshold", "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
           "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Softplus", "Softsign", "Softshrink",
           "Hardshrink", "Tanhshrink", "LogSigmoid", "GLU", "Softmax", "LogSoftmax", "Softmin", "Softmax2d"]


def _inplace_str(inplace: bool, lead: str = ", ") -> str:
    return f"{lead}inplace=True" if inplace else ""


class Threshold(Module):
    r"""y = x if x > threshold else value.

    Args:
        threshold: the threshold; value: the replacement; inplace: write into the input. Default: ``False``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class ReLU(Module):
    r"""ReLU(x) = max(0, x).

    Args:
        inplace: write the result into the input. Default: ``False``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_str(self.inplace, "")


class Hardtanh(Module):
    r"""Clamp to [min_val, max_val].

    Args:
        min_val: lower bound. Default: -1; max_val: upper bound. Default: 1; inplace. Default: ``False``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})")

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class ReLU6(Hardtanh):
    r"""ReLU6(x) = min(max(0, x), 6).

    Args:
        inplace: write the result into the input. Default: ``False``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_str(self.inplace, "")


class _Inplace(Module):
    """An activation whose only option is `inplace` (repr `inplace=True` when set)."""
    _fn = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_str(self.inplace, "")


class SiLU(_Inplace):
    r"""SiLU(x) = x * sigmoid(x).  Args: inplace. Shape: input :math:`(*)`, output :math:`(*)`."""
    _fn = staticmethod(F.silu)


class Mish(_Inplace):
    r"""Mish(x) = x * tanh(softplus(x)).  Args: inplace. Shape: input :math:`(*)`, output :math:`(*)`."""
    _fn = staticmethod(F.mish)


class SELU(_Inplace):
    r"""SELU(x) = scale * (max(0, x) + min(0, alpha * (exp(x) - 1))).  Args: inplace. Shape: :math:`(*)`."""
    _fn = staticmethod(F.selu)


class Hardsigmoid(_Inplace):
    r"""Hardsigmoid(x) = relu6(x + 3) / 6.  Args: inplace. Shape: input :math:`(*)`, output :math:`(*)`."""
    _fn = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        return ""


class Hardswish(_Inplace):
    r"""Hardswish(x) = x * relu6(x + 3) / 6.  Args: inplace. Shape: input :math:`(*)`, output :math:`(*)`."""
    _fn = staticmethod(F.hardswish)

    def extra_repr(self) -> str:
        return ""


class LeakyReLU(Module):
    r"""LeakyReLU(x) = max(0, x) + negative_slope * min(0, x).

    Args:
        negative_slope: slope for x < 0. Default: 1e-2; inplace. Default: ``False``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_str(self.inplace)}"


class ELU(Module):
    r"""ELU(x) = x if x > 0 else alpha * (exp(x) - 1).

    Args:
        alpha: scale of the negative part. Default: 1.0; inplace. Default: ``False``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class CELU(ELU):
    r"""CELU(x) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    Args:
        alpha: Default: 1.0; inplace. Default: ``False``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)


class GELU(Module):
    r"""GELU(x) = x * Phi(x), Phi the standard normal CDF.

    Args:
        approximate: ``'none'`` (exact) or ``'tanh'`` (tanh approximation). Default: ``'none'``
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class _Plain(Module):
    """An activation without options."""
    _fn = None

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input)


class Sigmoid(_Plain):
    r"""Sigmoid(x) = 1 / (1 + exp(-x)).  Shape: input :math:`(*)`, output :math:`(*)`."""
    _fn = staticmethod(F.sigmoid)


class Tanh(_Plain):
    r"""Tanh(x) = tanh(x).  Shape: input :math:`(*)`, output :math:`(*)`."""
    _fn = staticmethod(F.tanh)


class Softsign(_Plain):
    r"""Softsign(x) = x / (1 + |x|).  Shape: input :math:`(*)`, output :math:`(*)`."""
    _fn = staticmethod(F.softsign)


class Tanhshrink(_Plain):
    r"""Tanhshrink(x) = x - tanh(x).  Shape: input :math:`(*)`, output :math:`(*)`."""
    _fn = staticmethod(F.tanhshrink)


class LogSigmoid(_Plain):
    r"""LogSigmoid(x) = log(1 / (1 + exp(-x))).  Shape: input :math:`(*)`, output :math:`(*)`."""
    _fn = staticmethod(F.logsigmoid)


class Softplus(Module):
    r"""Softplus(x) = log(1 + exp(beta * x)) / beta, linear where beta * x > threshold.

    Args:
        beta: Default: 1.0; threshold: Default: 20.0
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softshrink(Module):
    r"""Softshrink(x) = x - lambd if x > lambd, x + lambd if x < -lambd, else 0.

    Args:
        lambd: Default: 0.5
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    r"""Hardshrink(x) = x where |x| > lambd, else 0.

    Args:
        lambd: Default: 0.5
    Shape: input :math:`(*)`, output :math:`(*)`.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class PReLU(Module):
    r"""PReLU(x) = max(0, x) + a * min(0, x) with a learnable ``weight`` a.

    Args:
        num_parameters: 1, or the number of channels (dim 1 of the input). Default: 1
        init: initial value of a. Default: 0.25
    Shape: input :math:`(*)` (channels at dim 1), output :math:`(*)`.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(_c.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    r"""GLU(a, b) = a * sigmoid(b), the input split in half along ``dim``.

    Args:
        dim: the dim to split. Default: -1
    Shape: input :math:`(*, N, *)`, output :math:`(*, N/2, *)`.
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class _SoftmaxBase(Module):
    _fn = None

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    r"""Softmax(x_i) = exp(x_i) / sum_j exp(x_j) along ``dim`` (each slice sums to 1).

    Args:
        dim: the dim to normalise over (None: deprecated implicit choice)
    Shape: input :math:`(*)`, output :math:`(*)`, values in [0, 1].
    """
    _fn = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    r"""LogSoftmax(x_i) = log(exp(x_i) / sum_j exp(x_j)) along ``dim``.

    Args:
        dim: the dim to normalise over
    Shape: input :math:`(*)`, output :math:`(*)`, values in (-inf, 0].
    """
    _fn = staticmethod(F.log_softmax)


class Softmin(_SoftmaxBase):
    r"""Softmin(x) = Softmax(-x) along ``dim``.

    Args:
        dim: the dim to normalise over
    Shape: input :math:`(*)`, output :math:`(*)`.
    """
    _fn = staticmethod(F.softmin)


class Softmax2d(Module):
    r"""Softmax over channels at every spatial location.

    Shape: input :math:`(N, C, H, W)` or :math:`(C, H, W)`, output the same.
    """

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)


class MultiheadAttention(Module):
    r"""Multi-head attention: softmax(Q K^T / sqrt(d)) V over `num_heads` heads, with torch's parameters.

    Args: embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None,
    vdim=None, batch_first=False.
    Shape: query (L, N, E) (or (N, L, E) with batch_first, or unbatched (L, E)); key/value (S, N, E_k/E_v).
    Returns (attn_output, attn_weights averaged over heads unless average_attn_weights=False, or None).
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        super().__init__()
        empty = _c.empty
        kw = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False):
        from ..._ops.attention import multi_head_attention_forward
        batched = query.dim() == 3
        if self.batch_first and batched:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights
