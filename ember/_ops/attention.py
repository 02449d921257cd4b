"""Attention: scaled_dot_product_attention and the functional multi-head attention forward."""
from __future__ import annotations

import math

from .._tensor import Tensor
from .. import _dtype

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _causal_mask(L: int, S: int, like: Tensor) -> Tensor:
    from .creation import ones
    return ones(L, S, dtype=_dtype.bool, device=like.device).tril()


def _additive(mask: Tensor | None, dtype) -> Tensor | None:
    """A boolean 'may attend' mask as an additive float mask (0 / -inf); float masks pass through."""
    if mask is None or mask.dtype is not _dtype.bool:
        return mask
    from .creation import zeros
    return zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask.logical_not(), float("-inf"))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q k^T * scale + mask) v; a boolean attn_mask marks positions that MAY attend (True)."""
    from .dropout import dropout
    L, S = query.shape[-2], key.shape[-2]
    if enable_gqa and query.ndim >= 3 and query.shape[-3] != key.shape[-3]:  # grouped-query: share k/v heads
        rep = query.shape[-3] // key.shape[-3]

        def expand_heads(t):
            shp = tuple(t.shape)
            return t.unsqueeze(-3).expand(*shp[:-2], rep, *shp[-2:]).reshape(*shp[:-3], shp[-3] * rep, *shp[-2:])
        key, value = expand_heads(key), expand_heads(value)
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * s
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        attn_mask = _causal_mask(L, S, query)
    mask = _additive(attn_mask, scores.dtype)
    if mask is not None:
        scores = scores + mask
    attn = scores.softmax(-1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, training=True)
    return attn @ value


def _in_projection(query, key, value, w, b, w_q, w_k, w_v, separate: bool):
    """q, k, v projections from the packed in_proj weight (one GEMM for self-attention) or separate weights."""
    from .linear import linear
    bq, bk, bv = (None, None, None) if b is None else b.chunk(3)
    if separate:
        return linear(query, w_q, bq), linear(key, w_k, bk), linear(value, w_v, bv)
    if query is key and key is value:
        return linear(query, w, b).chunk(3, dim=-1)
    wq, wk, wv = w.chunk(3)
    return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight: Tensor, out_proj_bias, training: bool = True,
                                 key_padding_mask: Tensor | None = None, need_weights: bool = True,
                                 attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
                                 q_proj_weight=None, k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights: bool = True, is_causal: bool = False):
    """torch.nn.functional.multi_head_attention_forward on (L, N, E) inputs (or unbatched (L, E))."""
    from .creation import zeros
    from .dropout import dropout
    from .linear import linear
    from .shape import cat
    unbatched = query.dim() == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    L, N, E = query.shape
    S = key.shape[0]
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {E}")
    head_dim = E // num_heads
    if head_dim * num_heads != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, q_proj_weight, k_proj_weight,
                             v_proj_weight, use_separate_proj_weight)
    # masks in torch's MHA convention: bool True = NOT allowed; float = added
    if attn_mask is not None:
        if attn_mask.dtype is _dtype.bool:
            attn_mask = zeros(attn_mask.shape, dtype=q.dtype).masked_fill(attn_mask, float("-inf"))
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (L, S):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(L, S)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (N * num_heads, L, S):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(N * num_heads, L, S)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if key_padding_mask is not None and key_padding_mask.dtype is _dtype.bool:
        key_padding_mask = zeros(key_padding_mask.shape, dtype=q.dtype).masked_fill(key_padding_mask, float("-inf"))
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.repeat(1, N, 1)])
        v = cat([v, bias_v.repeat(1, N, 1)])
        if attn_mask is not None:
            attn_mask = cat([attn_mask, zeros(attn_mask.shape[:-1] + (1,), dtype=attn_mask.dtype)], -1)
        if key_padding_mask is not None:
            key_padding_mask = cat([key_padding_mask, zeros(key_padding_mask.shape[0], 1,
                                                            dtype=key_padding_mask.dtype)], -1)
    q = q.reshape(L, N * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], N * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k)
    v = (v.reshape(v.shape[0], N * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v)
    if add_zero_attn:
        k = cat([k, zeros(N * num_heads, 1, head_dim, dtype=k.dtype)], 1)
        v = cat([v, zeros(N * num_heads, 1, head_dim, dtype=v.dtype)], 1)
        if attn_mask is not None:
            attn_mask = cat([attn_mask, zeros(attn_mask.shape[:-1] + (1,), dtype=attn_mask.dtype)], -1)
        if key_padding_mask is not None:
            key_padding_mask = cat([key_padding_mask, zeros(key_padding_mask.shape[0], 1,
                                                            dtype=key_padding_mask.dtype)], -1)
    S = k.shape[1]
    if key_padding_mask is not None:
        kpm = key_padding_mask.reshape(N, 1, 1, S).expand(N, num_heads, 1, S).reshape(N * num_heads, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(-2, -1)
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    out = (weights @ v).transpose(0, 1).reshape(L * N, E)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(L, N, E)
    if unbatched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(N, num_heads, L, S)
    if average_attn_weights:
        weights = weights.mean(1)
    if unbatched:
        weights = weights.squeeze(0)
    return out, weights
