"""Convolutions (1-3d, transposed) and fold/unfold.

Layout: the zero-padded input is split into stride phases and flattened per (sample, channel), so every kernel tap
reads one contiguous slice `[off, off + L)` of a phase; output position `p` of the flat grid is the dot product of
the weights with those slices. With many input channels each tap is one GEMM accumulated into the output
("shifted GEMM": no im2col copy at all), over batch blocks small enough that the partial sums stay in L2; with few
channels the taps are stacked into a column buffer first so a single GEMM has a useful inner dimension (the buffer is
kept for the weight gradient). The flat grid carries a few junk columns (row wrap-around) that are cropped at the
end. The transposed direction scatters each tap's GEMM back with one flat contiguous add per tap; weight gradients
read the output gradient channels-last, the operand order OpenBLAS runs fastest. Backward is expressed with the same
three primitives (conv, transposed conv, weight gradient), so double backward works.
"""
from __future__ import annotations

import functools
import itertools
import math

from ._base import Node, Tensor, np, xp

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold",
           "fold"]

_SHIFT_MIN = 32  # below this many channels per group a column buffer beats per-tap GEMMs
_KEEP_MAX = 256 << 20  # forward buffers up to this size are kept for the weight gradient
_BLOCK_BYTES = 512 << 10  # per-tap accumulation works on batch blocks of about this many bytes


def _block(n: int, per_sample: int) -> int:
    """Samples per cache block (at least one, at most the batch)."""
    return max(1, min(n, _BLOCK_BYTES // max(per_sample, 1)))


def _ntuple(v, n: int, name: str, op: str = "convolution") -> tuple:
    """Broadcast an int (or 1-tuple) to n ints; torch's error for a wrong-length list."""
    if isinstance(v, (list, tuple)):
        v = tuple(int(i) for i in v)
        if len(v) == 1:
            return v * n
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                               f"{op} dimensions, but got {name}={list(v)}")
        return v
    return (int(v),) * n


# ---- geometry --------------------------------------------------------------------------------------------------
class _Geom:
    """Where each kernel tap reads in the phase-split flat layout of the padded input.

    S input size, O output size, k kernel, s stride, d dilation, lo leading padding (all per spatial dim). Q is the
    phase grid (padded size / stride, rounded up), L the flat length covering every valid output, `taps` one
    (phase, offset) per kernel element in weight order.
    """

    def __init__(self, S, O, k, s, d, lo):
        nd = len(S)
        self.S, self.O, self.k, self.s, self.d, self.lo = S, O, k, s, d, lo
        P = [max(S[i] + lo[i], (O[i] - 1) * s[i] + (k[i] - 1) * d[i] + 1) for i in range(nd)]
        self.Q = tuple(-(-P[i] // s[i]) for i in range(nd))
        self.Qst = tuple(math.prod(self.Q[i + 1:]) for i in range(nd))
        self.Qn = math.prod(self.Q)
        self.R = math.prod(s)
        self.L = sum((O[i] - 1) * self.Qst[i] for i in range(nd)) + 1
        self.taps = []
        for kk in itertools.product(*[range(n) for n in k]):
            r = [(kk[i] * d[i]) % s[i] for i in range(nd)]
            off = sum((kk[i] * d[i]) // s[i] * self.Qst[i] for i in range(nd))
            self.taps.append((int(np.ravel_multi_index(r, s)) if nd else 0, off))
        self.T = len(self.taps)
        self.plain = self.R == 1 and not any(lo) and tuple(self.Q) == tuple(S)
        self.slices = _phase_slices(self)


@functools.lru_cache(maxsize=256)
def _geom(S, O, k, s, d, lo) -> _Geom:
    return _Geom(S, O, k, s, d, lo)


def _phase_slices(g: _Geom):
    """Per stride phase: (phase index, slices into the (N, C, *Q) phase grid, slices into the input)."""
    out = []
    for r in itertools.product(*[range(s) for s in g.s]):
        dst, src = [], []
        for i, ri in enumerate(r):
            s, lo, n = g.s[i], g.lo[i], g.S[i]
            q0 = max(-(-(lo - ri) // s), 0)
            q1 = min((n - 1 + lo - ri) // s, g.Q[i] - 1)
            if q1 < q0:
                break
            dst.append(slice(q0, q1 + 1))
            src.append(slice(q0 * s + ri - lo, (q1 * s + ri - lo) + 1, s))
        else:
            out.append((int(np.ravel_multi_index(r, g.s)), (Ellipsis,) + tuple(dst), (Ellipsis,) + tuple(src)))
    return out


def _to_phase(x, g: _Geom):
    """(N, C, *S) -> (R, N, C, Qn): zero padded, split into stride phases, spatially flattened."""
    N, C = x.shape[:2]
    if g.plain:
        return x.reshape(1, N, C, g.Qn)
    ph = xp(x).zeros((g.R, N, C) + tuple(g.Q), x.dtype)
    for r, dst, src in g.slices:
        ph[r][dst] = x[src]
    return ph.reshape(g.R, N, C, g.Qn)


def _from_phase(ph, g: _Geom, N: int, C: int):
    """Inverse of `_to_phase` (drops the padding): (R, N, C, Qn) -> (N, C, *S)."""
    if g.plain:
        return ph.reshape((N, C) + tuple(g.S))
    ph = ph.reshape((g.R, N, C) + tuple(g.Q))
    out = xp(ph).empty((N, C) + tuple(g.S), ph.dtype)
    for r, dst, src in g.slices:
        out[src] = ph[r][dst]
    return out


def _grid_view(flat, g: _Geom, row: int | None = None):
    """(A, B, row) flat-grid array -> strided (A, B, *O) view of its valid positions."""
    it = flat.itemsize
    A, B = flat.shape[:2]
    row = g.L if row is None else row
    return xp(flat).lib.stride_tricks.as_strided(
        flat, (A, B) + tuple(g.O), (B * row * it, row * it) + tuple(q * it for q in g.Qst))


def _to_grid(y, g: _Geom, G: int, row: int | None = None):
    """(N, O, *O) -> (N, G, Og, row) zero-filled flat grid (the layout the taps produce); row >= L."""
    N, Oc = y.shape[:2]
    row = g.L if row is None else row
    flat = xp(y).zeros((N, Oc, row), y.dtype)
    _grid_view(flat, g, row)[...] = y
    return flat.reshape(N, G, Oc // G, row)


def _to_grid_last(y, g: _Geom, G: int):
    """(N, O, *O) -> (N, G, L, Og): the flat grid with channels last (the fast operand for weight gradients)."""
    N, Oc = y.shape[:2]
    Og, it = Oc // G, y.itemsize
    flat = xp(y).zeros((N, G, g.L, Og), y.dtype)
    view = xp(y).lib.stride_tricks.as_strided(
        flat, (N, G, Og) + tuple(g.O), (G * g.L * Og * it, g.L * Og * it, it) + tuple(q * Og * it for q in g.Qst))
    view[...] = y.reshape((N, G, Og) + tuple(g.O))
    return flat


def _columns(xph, g: _Geom):
    """Stack every tap's slice: (R, N, G, Cg, Qn) -> (N, G, Cg * T, L)."""
    _, N, G, Cg, _ = xph.shape
    cols = xp(xph).empty((N, G, Cg, g.T, g.L), xph.dtype)
    for t, (r, off) in enumerate(g.taps):
        cols[:, :, :, t] = xph[r, ..., off:off + g.L]
    return cols.reshape(N, G, Cg * g.T, g.L)


# ---- array kernels -----------------------------------------------------------------------------------------------
def _conv_fwd(x, w, g: _Geom, G: int, keep: bool = False):
    """y = conv(x, w) on arrays; returns (y, buffer worth keeping for the weight gradient or None)."""
    m = xp(x)
    N, C = x.shape[:2]
    Oc, Cg = w.shape[:2]
    Og = Oc // G
    xph = _to_phase(x, g).reshape(g.R, N, G, Cg, g.Qn)
    if g.T == 1 or Cg < _SHIFT_MIN:
        cols = _columns(xph, g)
        acc = m.matmul(w.reshape(G, Og, Cg * g.T), cols)
        saved = cols
    else:
        wt = m.ascontiguousarray(w.reshape(G, Og, Cg, g.T).transpose(3, 0, 1, 2))
        acc = m.empty((N, G, Og, g.L), x.dtype)
        B = _block(N, acc.nbytes // max(N, 1))
        tmp = m.empty((B, G, Og, g.L), x.dtype)
        for n0 in range(0, N, B):  # cache blocking: the partial sums of a block stay in L2 across the taps
            a = acc[n0:n0 + B]
            t_ = tmp[:a.shape[0]]
            for t, (r, off) in enumerate(g.taps):
                src = xph[r, n0:n0 + B, ..., off:off + g.L]
                if t == 0:
                    m.matmul(wt[t], src, out=a)
                else:
                    m.matmul(wt[t], src, out=t_)
                    a += t_
        saved = None if g.plain else xph
    y = m.ascontiguousarray(_grid_view(acc.reshape(N, Oc, g.L), g))
    return y, (saved if keep else None)


def _conv_bwd_input(gy, w, g: _Geom, G: int, C: int):
    """x-space gradient (transposed convolution) on arrays: (N, O, *O) -> (N, C, *S).

    The output grid keeps full rows (Qn) so every tap's contribution is one flat contiguous add; the zero columns
    past each row's end spill harmlessly into the next row.
    """
    m = xp(gy)
    N, Oc = gy.shape[:2]
    Cg = w.shape[1]
    Og = Oc // G
    M = N * G * Cg * g.Qn
    pad = max(off for _, off in g.taps)
    gf = _to_grid(gy, g, G, g.Qn)
    ph = m.zeros((g.R, M + pad), gy.dtype)
    if g.T == 1 or Og < _SHIFT_MIN:
        gc = m.matmul(w.reshape(G, Og, Cg * g.T).transpose(0, 2, 1), gf).reshape(N * G * Cg, g.T, g.Qn)
        for t, (r, off) in enumerate(g.taps):
            ph[r, off:off + M].reshape(N * G * Cg, g.Qn)[...] += gc[:, t]
    else:
        wt = m.ascontiguousarray(w.reshape(G, Og, Cg, g.T).transpose(3, 0, 2, 1))
        per = G * Cg * g.Qn
        B = _block(N, per * gy.itemsize)
        tmp = m.empty((B, G, Cg, g.Qn), gy.dtype)
        for n0 in range(0, N, B):  # cache blocking, as in the forward
            t_ = tmp[:min(B, N - n0)]
            flat, start = t_.reshape(-1), n0 * per
            for t, (r, off) in enumerate(g.taps):
                m.matmul(wt[t], gf[n0:n0 + B], out=t_)
                ph[r, start + off:start + off + flat.size] += flat
    return _from_phase(ph[:, :M].reshape(g.R, N, C, g.Qn), g, N, C)


def _conv_bwd_weight(x, gy, g: _Geom, G: int, saved=None):
    """Weight gradient on arrays: sum over batch and positions of gy times shifted x -> (O, Cg, *k)."""
    m = xp(x)
    N, C = x.shape[:2]
    Oc = gy.shape[1]
    Cg, Og = C // G, Oc // G
    if g.T == 1 or Cg < _SHIFT_MIN:
        cols = saved if saved is not None else _columns(_to_phase(x, g).reshape(g.R, N, G, Cg, g.Qn), g)
        gw = m.matmul(cols, _to_grid(gy, g, G).transpose(0, 1, 3, 2)).sum(0)  # (G, Cg*T, Og)
        return m.ascontiguousarray(gw.transpose(0, 2, 1)).reshape((Oc, Cg) + tuple(g.k))
    gl = _to_grid_last(gy, g, G)
    xph = saved if saved is not None else _to_phase(x, g)
    xph = xph.reshape(g.R, N, G, Cg, g.Qn)
    gw = m.zeros((G, Cg, g.T, Og), x.dtype)
    B = _block(N, gl.nbytes // max(N, 1))
    for n0 in range(0, N, B):  # cache blocking: a block of the gradient grid is reused by every tap
        for t, (r, off) in enumerate(g.taps):
            gw[:, :, t] += m.matmul(xph[r, n0:n0 + B, ..., off:off + g.L], gl[n0:n0 + B]).sum(0)
    return m.ascontiguousarray(gw.transpose(0, 3, 1, 2)).reshape((Oc, Cg) + tuple(g.k))


# ---- autograd nodes ----------------------------------------------------------------------------------------------
def _bias_view(b, nd):
    return b.reshape((1, -1) + (1,) * nd)


def _sum_bias(h: Tensor) -> Tensor:
    return h.sum([0] + list(range(2, h.ndim)))


class ConvolutionBackward0(Node):
    """y = conv(x, w) + b."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, w, b, geom, groups, tname="ConvolutionBackward0"):
        y, keep = _conv_fwd(x, w, geom, groups, keep=ctx.__class__ is ConvolutionBackward0)
        if b is not None:
            y += _bias_view(b, len(geom.S))
        ctx.geom, ctx.groups, ctx.tname = geom, groups, tname
        ctx.keep = keep if keep is not None and keep.nbytes <= _KEEP_MAX else None
        return y

    def name(self):
        return self.tname

    def backward(self, g):
        x, w = self.saved_tensors
        geo, G = self.geom, self.groups
        gx = gw = gb = None
        if self.next[0] is not None:
            gx = _ConvTranspose.apply(g, w, None, geom=geo, groups=G, channels=x.shape[1],
                                      tname="ConvolutionBackwardBackward0")
        if self.next[1] is not None:
            keep, self.keep = self.keep, None
            gw = ConvWeightBackward.apply(x, g, geom=geo, groups=G, saved=keep)
        if len(self.next) > 2 and self.next[2] is not None:
            gb = _sum_bias(g)
        return gx, gw, gb


class _ConvTranspose(Node):
    """x = conv_transpose(y, w) + b: the adjoint of ConvolutionBackward0 in its first argument."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, y, w, b, geom, groups, channels, tname="ConvolutionBackward0"):
        x = _conv_bwd_input(y, w, geom, groups, channels)
        if b is not None:
            x += _bias_view(b, len(geom.S))
        ctx.geom, ctx.groups, ctx.tname = geom, groups, tname
        return x

    def name(self):
        return self.tname

    def backward(self, h):
        y, w = self.saved_tensors
        geo, G = self.geom, self.groups
        gy = gw = gb = None
        if self.next[0] is not None:
            gy = ConvolutionBackward0.apply(h, w, None, geom=geo, groups=G, tname="ConvolutionBackwardBackward0")
        if self.next[1] is not None:
            gw = ConvWeightBackward.apply(h, y, geom=geo, groups=G)
        if self.next[2] is not None:
            gb = _sum_bias(h)
        return gy, gw, gb


class ConvWeightBackward(Node):
    """gw = weight gradient of conv(x, .) for output gradient gy (bilinear in x and gy)."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, x, gy, geom, groups, saved=None):
        ctx.geom, ctx.groups = geom, groups
        return _conv_bwd_weight(x, gy, geom, groups, saved)

    def name(self):
        return "ConvolutionBackwardBackward0"

    def backward(self, h):
        x, gy = self.saved_tensors
        geo, G = self.geom, self.groups
        gx = ggy = None
        if self.next[0] is not None:
            gx = _ConvTranspose.apply(gy, h, None, geom=geo, groups=G, channels=x.shape[1],
                                      tname="ConvolutionBackwardBackward0")
        if self.next[1] is not None:
            ggy = ConvolutionBackward0.apply(x, h, None, geom=geo, groups=G, tname="ConvolutionBackwardBackward0")
        return gx, ggy


# ---- argument checking -------------------------------------------------------------------------------------------
def _type_name(t: Tensor) -> str:
    return t.type()


def _check_common(input: Tensor, weight: Tensor, bias, nd: int, name: str):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{name}(): argument 'input' and 'weight' must be Tensor")
    if weight.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
                           f"of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input "
                           f"{list(input.shape)}, but got {weight.ndim}-dimensional weight of size "
                           f"{list(weight.shape)} instead")
    if input._data.dtype != weight._data.dtype or (bias is not None and bias._data.dtype != weight._data.dtype):
        other = weight if input._data.dtype != weight._data.dtype else bias
        raise RuntimeError(f"Input type ({_type_name(input)}) and {'weight' if other is weight else 'bias'} type "
                           f"({_type_name(other)}) should be the same")


def _check_params(stride, dilation, padding):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")


def _conv_padding(padding, nd, k, dilation, stride):
    """(lo, hi) padding per dim from an int/tuple or 'valid'/'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * nd, (0,) * nd
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        total = [d * (kk - 1) for d, kk in zip(dilation, k)]
        return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)
    p = _ntuple(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return p, p


def _convnd(input, weight, bias, stride, padding, dilation, groups, nd, name):
    _check_common(input, weight, bias, nd, name)
    unbatched = input.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    stride = _ntuple(stride, nd, "stride")
    dilation = _ntuple(dilation, nd, "dilation")
    k = tuple(weight.shape[2:])
    lo, hi = _conv_padding(padding, nd, k, dilation, stride)
    _check_params(stride, dilation, lo)
    G = int(groups)
    if G <= 0:
        raise RuntimeError("non-positive groups is not supported")
    Oc, Cg = weight.shape[:2]
    if Oc % G:
        raise RuntimeError(f"Given groups={G}, expected weight to be divisible by {G} at dimension 0, but got "
                           f"weight of size [{list(weight.shape)}] instead")
    C = input.shape[1]
    if C != Cg * G:
        raise RuntimeError(f"Given groups={G}, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {Cg * G} channels, but got {C} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != Oc):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with {Oc} "
                           f"elements, but got bias of size {list(bias.shape)} instead")
    S = tuple(input.shape[2:])
    padded = [S[i] + lo[i] + hi[i] for i in range(nd)]
    eff = [dilation[i] * (k[i] - 1) + 1 for i in range(nd)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than actual input size")
    O = tuple((padded[i] - eff[i]) // stride[i] + 1 for i in range(nd))
    if input.shape[0] == 0 or Oc == 0:
        out = input.new_zeros((input.shape[0], Oc) + O)
    else:
        geo = _geom(S, O, k, stride, dilation, lo)
        out = ConvolutionBackward0.apply(input, weight, bias, geom=geo, groups=G)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D cross-correlation over (N, C, L) with weight (O, C/groups, k)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D cross-correlation over (N, C, H, W) with weight (O, C/groups, kH, kW)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D cross-correlation over (N, C, D, H, W) with weight (O, C/groups, kD, kH, kW)."""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, nd, name):
    _check_common(input, weight, bias, nd, name)
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    unbatched = input.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    stride = _ntuple(stride, nd, "stride")
    dilation = _ntuple(dilation, nd, "dilation")
    pad = _ntuple(padding, nd, "padding")
    opad = _ntuple(output_padding, nd, "output_padding")
    _check_params(stride, dilation, pad)
    G = int(groups)
    if G <= 0:
        raise RuntimeError("non-positive groups is not supported")
    Cin, Cog = weight.shape[:2]
    if input.shape[1] != Cin:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {Cin} channels, but got {input.shape[1]} channels instead")
    if Cin % G:
        raise RuntimeError(f"Given groups={G}, expected weight to be divisible by {G} at dimension 0, but got "
                           f"weight of size [{list(weight.shape)}] instead")
    if any(op >= s and op >= d for op, s, d in zip(opad, stride, dilation)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got output_padding="
                           f"{list(opad)}, stride={list(stride)}, dilation={list(dilation)}")
    Oc = Cog * G
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != Oc):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {Oc} elements, but got bias of size {list(bias.shape)} instead")
    k = tuple(weight.shape[2:])
    Y = tuple(input.shape[2:])
    S = tuple((Y[i] - 1) * stride[i] - 2 * pad[i] + dilation[i] * (k[i] - 1) + 1 + opad[i] for i in range(nd))
    if any(v <= 0 for v in S):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, Y))}). Calculated output size per "
                           f"channel: ({' x '.join(map(str, S))}). Output size is too small")
    if input.shape[0] == 0 or Oc == 0:
        out = input.new_zeros((input.shape[0], Oc) + S)
    else:
        geo = _geom(S, Y, k, stride, dilation, pad)
        out = _ConvTranspose.apply(input, weight, bias, geom=geo, groups=G, channels=Oc)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """1-D transposed convolution ("deconvolution") with weight (C_in, C_out/groups, k)."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                             "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """2-D transposed convolution with weight (C_in, C_out/groups, kH, kW)."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                             "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:
    """3-D transposed convolution with weight (C_in, C_out/groups, kD, kH, kW)."""
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                             "conv_transpose3d")


# ---- unfold / fold (im2col / col2im) -----------------------------------------------------------------------------
def _window_view(xpad, k, d, s, O):
    """(N, C, Hp, Wp) -> strided (N, C, kh, kw, Ho, Wo) view of the sliding blocks."""
    st = xpad.strides
    return xp(xpad).lib.stride_tricks.as_strided(
        xpad, xpad.shape[:2] + tuple(k) + tuple(O),
        st[:2] + (st[2] * d[0], st[3] * d[1], st[2] * s[0], st[3] * s[1]))


def _im2col(x, k, d, p, s, O):
    m = xp(x)
    N, C, H, W = x.shape
    xpad = m.zeros((N, C, H + 2 * p[0], W + 2 * p[1]), x.dtype)
    xpad[:, :, p[0]:p[0] + H, p[1]:p[1] + W] = x
    return _window_view(xpad, k, d, s, O).reshape(N, C * k[0] * k[1], O[0] * O[1])


def _col2im(cols, size, k, d, p, s, O):
    m = xp(cols)
    N = cols.shape[0]
    C = cols.shape[1] // (k[0] * k[1])
    H, W = size
    out = m.zeros((N, C, H + 2 * p[0], W + 2 * p[1]), cols.dtype)
    c = cols.reshape(N, C, k[0], k[1], O[0], O[1])
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i * d[0]:i * d[0] + (O[0] - 1) * s[0] + 1:s[0],
                j * d[1]:j * d[1] + (O[1] - 1) * s[1] + 1:s[1]] += c[:, :, i, j]
    return m.ascontiguousarray(out[:, :, p[0]:p[0] + H, p[1]:p[1] + W])


class Im2ColBackward0(Node):
    @staticmethod
    def forward(ctx, x, k, d, p, s, O):
        ctx.args, ctx.size = (k, d, p, s, O), x.shape[2:]
        return _im2col(x, k, d, p, s, O)

    def backward(self, g):
        return Col2ImBackward0.apply(g, self.size, *self.args)


class Col2ImBackward0(Node):
    @staticmethod
    def forward(ctx, cols, size, k, d, p, s, O):
        ctx.args = (k, d, p, s, O)
        return _col2im(cols, size, *ctx.args)

    def backward(self, g):
        return Im2ColBackward0.apply(g, *self.args)


def _blocks(size, k, d, p, s):
    return tuple((size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))


def _fold_args(kernel_size, dilation, padding, stride, name):
    args = [_ntuple(v, 2, n, name) for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                                 (padding, "padding"), (stride, "stride"))]
    k, d, p, s = args
    if any(v <= 0 for v in k + d + s) or any(v < 0 for v in p):
        raise RuntimeError(f"{name}: kernel_size, dilation and stride must be greater than zero and padding "
                           f"non-negative, but got kernel_size={k}, dilation={d}, padding={p}, stride={s}")
    return k, d, p, s


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks (im2col): (N, C, H, W) -> (N, C*kH*kW, L)."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    k, d, p, s = _fold_args(kernel_size, dilation, padding, stride, "im2col")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    O = _blocks(x.shape[2:], k, d, p, s)
    if any(o < 1 for o in O):
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as {O}, but its components "
                           "must be at least one.")
    out = Im2ColBackward0.apply(x, k, d, p, s, O)
    return out.squeeze(0) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Combine sliding local blocks into a tensor, summing overlaps (col2im): (N, C*kH*kW, L) -> (N, C, H, W)."""
    if input.ndim not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    size = _ntuple(output_size, 2, "output_size", "col2im")
    k, d, p, s = _fold_args(kernel_size, dilation, padding, stride, "col2im")
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    if x.shape[1] % (k[0] * k[1]):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={x.shape[1]} and kernel_size={k}.")
    O = _blocks(size, k, d, p, s)
    if O[0] * O[1] != x.shape[2] or any(o < 1 for o in O):
        raise RuntimeError(f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{O[0]} * {O[1]} = {O[0] * O[1]}, but got input.size(2)={x.shape[2]}.")
    out = Col2ImBackward0.apply(x, size, k, d, p, s, O)
    return out.squeeze(0) if unbatched else out
