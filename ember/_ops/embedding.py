"""Embedding lookups (dense and bag) and one_hot."""
from __future__ import annotations


from .._backend import scatter_add
from ._base import Node, Tensor, _make, np, xp
from .activation import _const

__all__ = ["embedding", "embedding_bag", "one_hot"]


# ---- embedding ------------------------------------------------------------------------------------------------------
def _index_add_rows(out, idx, rows):
    """out[idx[i]] += rows[i] for a 1-D index with repeats, fast on numpy.

    np.add.at handles one row at a time; here the index is sorted once and equal indices are summed by a 4-ary tree
    (each level one vectorised pass of takes and masked adds), so the cost is a few passes over `rows` whatever the
    repeat pattern.
    """
    m = xp(out)
    if m is not np:
        scatter_add(m, out, idx, rows)
        return out
    if idx.shape[0] == 0:
        return out
    order = np.argsort(idx)
    s, src, pos = idx[order], rows, order
    while True:
        n = s.shape[0]
        head = np.empty(n, bool)
        head[0] = True
        np.not_equal(s[1:], s[:-1], out=head[1:])
        starts = np.flatnonzero(head)
        if starts.shape[0] == n:  # all distinct now
            out[s] += np.take(src, pos, axis=0)
            return out
        rank = np.arange(n) - np.repeat(starts, np.diff(starts, append=n))
        lead = np.flatnonzero(rank % 4 == 0)
        acc = np.take(src, pos[lead], axis=0)
        for j in (1, 2, 3):
            nxt = np.minimum(lead + j, n - 1)
            rows_j = np.take(src, pos[nxt], axis=0)
            rows_j[(s[nxt] != s[lead]) | (lead + j >= n)] = 0  # neighbour from another index: adds nothing
            acc += rows_j
        src, pos, s = acc, np.arange(lead.shape[0]), s[lead]


class EmbeddingBackward0(Node):
    """Row lookup weight[idx]; backward is a scatter-add of the output gradient into weight rows."""

    @staticmethod
    def forward(ctx, w, *, idx, padding_idx=None, freq=False):
        ctx.n, ctx.idx, ctx.pad, ctx.freq = w.shape[0], idx, padding_idx, freq
        return xp(w).take(w, idx, axis=0)

    def backward(self, g):
        return EmbeddingDenseBackward0.apply(g, idx=self.idx, n=self.n, padding_idx=self.pad, freq=self.freq)


class EmbeddingDenseBackward0(Node):
    """Sum rows of `g` into an (n, D) table at `idx` (padding row zero, optional 1/frequency scale)."""

    @staticmethod
    def forward(ctx, g, *, idx, n, padding_idx=None, freq=False):
        m = xp(g)
        i = idx.reshape(-1)
        rows = g.reshape(i.shape[0], g.shape[-1])
        scale = None
        if freq:
            counts = m.bincount(i, minlength=n)
            scale = (1.0 / counts[i]).astype(g.dtype)
        if padding_idx is not None:
            keep = (i != padding_idx).astype(g.dtype)
            scale = keep if scale is None else scale * keep
        if scale is not None:
            rows = rows * scale[:, None]
        ctx.idx, ctx.scale, ctx.shape = idx, scale, g.shape
        return _index_add_rows(m.zeros((n, rows.shape[1]), g.dtype), i, rows)

    def backward(self, gg):
        r = EmbeddingBackward0.apply(gg, idx=self.idx.reshape(-1))
        if self.scale is not None:
            r = r * _const(self.scale[:, None])
        return r.reshape(self.shape)


def _check_indices(input: Tensor, name: str):
    if not isinstance(input, Tensor) or input._data.dtype.kind not in "iu":
        tname = _legacy_name(input) if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {tname} instead (while checking arguments for {name})")


def _legacy_name(t: Tensor) -> str:
    from .. import _identity
    from .._tensor import _LEGACY_NAMES
    return _identity.name() + "." + _LEGACY_NAMES.get(t.dtype.name, t.dtype.name)


def _check_range(idx, n):
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise IndexError("index out of range in self")


def _padding_idx(padding_idx, n, what="Padding_idx"):
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= n or padding_idx < 0 and padding_idx < -n:
        raise AssertionError(f"{what} must be within num_embeddings")
    return padding_idx + n if padding_idx < 0 else padding_idx


def _embedding_renorm_(weight: Tensor, idx, max_norm: float, norm_type: float):
    """Rescale (in place, no grad) the referenced rows whose p-norm exceeds max_norm, as torch does."""
    w = weight._data
    m = xp(w)
    rows = m.unique(idx.reshape(-1))
    sel = w[rows]
    norms = m.linalg.norm(sel.astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        w[rows[big]] = sel[big] * (max_norm / (norms[big] + 1e-7)).astype(w.dtype)[:, None]
        weight._vc[0] += 1


def _no_sparse(sparse):
    if sparse:
        raise NotImplementedError("sparse=True (sparse gradients) is not supported by ember (optional in issue 3); "
                                  "use sparse=False")


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    r"""Look up rows of `weight` (V, D) at integer `input`: output (*input.shape, D)."""
    _no_sparse(sparse)
    _check_indices(input, "embedding")
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = weight._data.shape[0]
    pad = _padding_idx(padding_idx, n)
    idx = input._data
    _check_range(idx, n)
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    return EmbeddingBackward0.apply(weight, idx=idx, padding_idx=pad, freq=scale_grad_by_freq)


class EmbeddingBagBackward0(Node):
    """Bags of rows reduced by sum (optionally weighted), mean or max."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, w, psw, *, idx, bag, nbags, mode, padding_idx, freq):
        m = xp(w)
        n, d = w.shape
        valid = None if padding_idx is None else idx != padding_idx
        rows = m.take(w, idx, axis=0)
        ctx.idx, ctx.bag, ctx.n, ctx.mode, ctx.freq, ctx.valid = idx, bag, n, mode, freq, valid
        if mode == "max":
            keep = m.arange(idx.shape[0]) if valid is None else m.flatnonzero(valid)
            rows, kb = rows[keep], bag[keep]
            out = m.zeros((nbags, d), w.dtype)
            ctx.flat = m.zeros((nbags, d), np.int64)
            if keep.shape[0]:
                first = m.flatnonzero(m.concatenate([m.ones(1, bool), kb[1:] != kb[:-1]]))
                mx = m.maximum.reduceat(rows, first, axis=0)
                # first position reaching the max, per bag and column (torch keeps the first maximum)
                hit = m.where(rows == mx[m.repeat(m.arange(first.shape[0]), m.diff(first, append=rows.shape[0]))],
                              m.arange(rows.shape[0])[:, None], rows.shape[0])
                pos = m.minimum.reduceat(hit, first, axis=0)
                out[kb[first]] = mx
                ctx.flat[kb[first]] = idx[keep][pos] * d + m.arange(d)
            ctx.filled = m.zeros(nbags, bool)
            ctx.filled[kb] = True
            return out
        scale = None if valid is None else valid.astype(w.dtype)  # constant factors: padding mask, 1/count
        if mode == "mean":
            counts = m.bincount(bag if valid is None else bag[valid], minlength=nbags)
            inv = (1.0 / m.maximum(counts, 1)).astype(w.dtype)[bag]
            scale = inv if scale is None else scale * inv
        ctx.scale = scale
        if scale is not None:
            rows *= scale[:, None]
        if psw is not None:
            rows *= psw.astype(w.dtype)[:, None]
        return _index_add_rows(m.zeros((nbags, d), w.dtype), bag, rows)

    def backward(self, g):
        w, psw = self.saved_tensors
        gw = gpsw = None
        if self.mode == "max":
            gm = g * _const(self.filled[:, None].astype(g._data.dtype))
            if self.next[0] is not None:
                gw = EmbeddingDenseBackward0.apply(gm.reshape(-1, 1), idx=self.flat.reshape(-1),
                                                   n=w._data.size).reshape(w.shape)
            return gw, None
        gb = g.index_select(0, _const(self.bag))
        if self.scale is not None:
            gb = gb * _const(self.scale[:, None])
        if self.next[0] is not None:
            rows = gb if psw is None else gb * psw.reshape(-1, 1)
            gw = EmbeddingDenseBackward0.apply(rows, idx=self.idx, n=self.n, freq=self.freq)
        if psw is not None and self.next[1] is not None:
            gpsw = (gb * w.index_select(0, _const(self.idx))).sum(1)
        return gw, gpsw


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    r"""Sums, means or maxes over bags of embeddings without materialising them: output (B, D)."""
    if per_sample_weights is not None and input.shape != per_sample_weights.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight._data.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight._data.ndim}")
    _check_indices(input, "embedding_bag")
    m = xp(weight._data)
    idx = input._data
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        nbags, per = idx.shape
        bag = m.repeat(m.arange(nbags), per)
        idx = idx.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets._data.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        off = offsets._data
        if off.size and int(off[0]) != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                               f"position 0. However, got {int(off[0])}")
        starts = off[:-1] if include_last_offset else off
        nbags = starts.shape[0]
        bag = m.searchsorted(starts, m.arange(idx.shape[0]), side="right") - 1
        if include_last_offset and off.size:
            keep = m.arange(idx.shape[0]) < int(off[-1])
            idx, bag = idx[keep], bag[keep]
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    _no_sparse(sparse)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    n = weight._data.shape[0]
    _check_range(idx, n)
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
    if psw is not None and psw._data.shape[0] != idx.shape[0]:  # trailing entries past the last offset
        psw = psw[:idx.shape[0]]
    return EmbeddingBagBackward0.apply(weight, psw, idx=idx, bag=bag, nbags=nbags, mode=mode,
                                       padding_idx=_padding_idx(padding_idx, n, "padding_idx"),
                                       freq=scale_grad_by_freq)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    r"""int64 one-hot encoding with a trailing class dim (num_classes=-1 infers max + 1)."""
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size and int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if a.size and int(a.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    m = xp(a)
    return _make((a[..., None] == m.arange(num_classes)).astype(np.int64))
