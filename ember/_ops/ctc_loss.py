"""Connectionist temporal classification loss: the alpha-beta recursion vectorised over the batch, in log space."""
from __future__ import annotations

from ._base import Node, Tensor, _make, np, xp
from .loss import _reduction

__all__ = ["ctc_loss"]


# ---- CTC ----------------------------------------------------------------------------------------------------------
def _lse(*arrs):
    """Elementwise log(sum(exp(.))) of same-shaped arrays, -inf safe."""
    m = xp(arrs[0])
    mx = arrs[0]
    for a in arrs[1:]:
        mx = m.maximum(mx, a)
    safe = m.where(m.isfinite(mx), mx, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return m.log(sum(m.exp(a - safe) for a in arrs)) + safe


def _shift(m, a, k, fill):
    """a shifted along the last axis by k (right for k > 0, left for k < 0), padded with `fill`."""
    pad = m.full(a.shape[:-1] + (abs(k),), fill, a.dtype)
    return m.concatenate([pad, a[..., :-k]] if k > 0 else [a[..., -k:], pad], axis=-1)


class CtcLossBackward0(Node):
    """Per-sample CTC negative log likelihood by the alpha recursion (vectorised over batch and label positions)."""

    @staticmethod
    def forward(ctx, lp, ext, skip, T_b, S_b, blank, zero_infinity):
        m, ninf = xp(lp), -np.inf
        T, N, _ = lp.shape
        L = ext.shape[1]
        lpe = m.take_along_axis(lp, m.broadcast_to(ext[None], (T, N, L)), axis=2)  # (T, N, L)
        alpha = m.full((T, N, L), ninf, lp.dtype)
        alpha[0, :, 0] = lpe[0, :, 0]
        if L > 1:
            alpha[0, :, 1] = m.where(S_b > 0, lpe[0, :, 1], ninf)
        for t in range(1, T):
            a = alpha[t - 1]
            alpha[t] = lpe[t] + _lse(a, _shift(m, a, 1, ninf), m.where(skip, _shift(m, a, 2, ninf), ninf))
        n = m.arange(N)
        last = alpha[m.maximum(T_b - 1, 0), n]  # (N, L)
        end = last[n, 2 * S_b]
        end1 = m.where(S_b > 0, last[n, m.maximum(2 * S_b - 1, 0)], ninf)
        nll = -_lse(end, end1)
        inf = m.isinf(nll)
        if zero_infinity:
            nll = m.where(inf, 0, nll)
        ctx.lp, ctx.lpe, ctx.alpha, ctx.ext, ctx.skip = lp, lpe, alpha, ext, skip
        ctx.T_b, ctx.S_b, ctx.nll = T_b, S_b, nll
        ctx.zinf = inf if zero_infinity else None
        return nll

    def backward(self, g):
        m, ninf = xp(self.lp), -np.inf
        lp, lpe, alpha, ext, skip, T_b, S_b, nll = (self.lp, self.lpe, self.alpha, self.ext, self.skip, self.T_b,
                                                    self.S_b, self.nll)
        T, N, C = lp.shape
        L = ext.shape[1]
        pos = m.arange(L)
        beta = m.full((T, N, L), ninf, lp.dtype)
        skip_next = m.concatenate([skip[:, 2:], m.zeros((N, 2), bool)], axis=1)  # s -> s + 2 allowed
        init = m.where((pos == 2 * S_b[:, None]) | ((pos == 2 * S_b[:, None] - 1) & (S_b[:, None] > 0)), 0.0, ninf)
        b = m.full((N, L), ninf, lp.dtype)
        for t in range(T - 1, -1, -1):
            nxt = _lse(b, _shift(m, b, -1, ninf), m.where(skip_next, _shift(m, b, -2, ninf), ninf))
            b = m.where((t == T_b - 1)[:, None], init, m.where((t < T_b - 1)[:, None], nxt, ninf)) + lpe[t]
            beta[t] = b
        ab = alpha + beta
        mx = ab.max(axis=2, keepdims=True)
        mx = m.where(m.isfinite(mx), mx, 0)
        flat = ((m.arange(T)[:, None, None] * N + m.arange(N)[None, :, None]) * C + ext[None]).reshape(-1)
        acc = m.bincount(flat, weights=m.exp(ab - mx).reshape(-1), minlength=T * N * C).reshape(T, N, C)
        with np.errstate(all="ignore"):
            grad = m.exp(lp) - acc * m.exp(mx + nll[None, :, None] - lp)
        valid = m.arange(T)[:, None] < T_b[None, :]
        if self.zinf is not None:
            valid = valid & ~self.zinf[None, :]
        grad = m.where(valid[:, :, None], grad, 0).astype(lp.dtype)
        return _make(grad) * g.reshape(1, N, 1)


def _lengths(v, m, N, name):
    arr = m.asarray(v._data if isinstance(v, Tensor) else v, dtype=np.int64).reshape(-1)
    if arr.size != N:
        raise RuntimeError(f"{name} must be of size batch_size")
    return arr


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist Temporal Classification loss of (T, N, C) log-probabilities against label sequences."""
    reduction = _reduction(reduction)
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs, targets = log_probs.unsqueeze(1), targets.unsqueeze(0)
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs to be 2-D or 3-D, got {log_probs.dim()}-D")
    T, N, C = log_probs.shape
    m = xp(log_probs._data)
    T_b, S_b = _lengths(input_lengths, m, N, "input_lengths"), _lengths(target_lengths, m, N, "target_lengths")
    if T_b.size and T_b.max() > T:
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {int(T_b.max())}")
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    tg = targets._data.astype(np.int64)
    S = int(S_b.max()) if S_b.size else 0
    if tg.ndim == 2:  # padded (N, S_max)
        if tg.shape[1] < S:
            raise RuntimeError(f"Expected tensor to have size at least {S} at dimension 1, but got size "
                               f"{tg.shape[1]} for argument #2 'targets' (while checking arguments for ctc_loss_cpu)")
        lab = tg[:, :S]
    else:  # 1-D concatenation of all target sequences
        off = m.concatenate([m.zeros(1, np.int64), m.cumsum(S_b)[:-1]])
        where = off[:, None] + m.arange(S)[None, :]
        lab = tg.reshape(-1)[m.minimum(where, max(tg.size - 1, 0))] if tg.size else m.zeros((N, S), np.int64)
    lab = m.where(m.arange(S)[None, :] < S_b[:, None], lab, blank)
    ext = m.full((N, 2 * S + 1), blank, np.int64)
    ext[:, 1::2] = lab
    skip = m.zeros(ext.shape, bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    nll = CtcLossBackward0.apply(log_probs, ext, skip, T_b, S_b, blank, zero_infinity)
    if reduction == "mean":
        out = (nll / _make(m.maximum(S_b, 1).astype(nll._data.dtype))).mean()
    elif reduction == "sum":
        out = nll.sum()
    else:
        out = nll
    return out.squeeze(0) if unbatched and reduction == "none" else out
