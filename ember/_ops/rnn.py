"""Recurrent layers as fused ops: one node runs a whole sequence of one (layer, direction).

Sequences use the packed layout throughout: `x` is (N, input) and the rows of step t are x[off_t:off_t + bs[t]],
with `bs` non-increasing (a padded (T, B, *) input is the case bs = (B,) * T). The rows of a batch element that has
ended keep their last state, which is therefore its final state.

Forward: one GEMM projects every step's input, then one GEMM per step computes the recurrent part of all gates at
once. sigmoid(a) is evaluated as 0.5 * tanh(a / 2) + 0.5 on the whole gate block, the halving folded into the
weights (an exact scaling), so each step is a GEMM plus a handful of elementwise calls.
Backward: BPTT by hand inside the node. The local derivatives of every step are formed in one vectorised pass, the
step loop does one GEMM and a few multiplies, and each weight gradient is one GEMM over all steps.
With create_graph=True the backward re-runs the sequence as ordinary ember ops (`*_composed`) and differentiates
that graph instead, so double backward works.
"""
from __future__ import annotations

from ..autograd import graph
from ..autograd.engine import _Select
from ..autograd.grad_mode import grad_enabled
from .._backend import to_device
from ._base import Node, Tensor, _make, np, xp
from .. import _random
from .shape import cat, stack

__all__: list = []  # internal: used by ember.nn.modules.rnn

_new = object.__new__


def _steps(bs, reverse: bool):
    """(offset, rows) of every step in processing order."""
    offs, o = [], 0
    for b in bs:
        offs.append(o)
        o += b
    steps = list(zip(offs, bs))
    return steps[::-1] if reverse else steps


def _arr(t):
    return t._data if isinstance(t, Tensor) else t


def _scale(m, dtype, H: int, blocks) -> "np.ndarray":
    """A per-gate-row vector: `blocks[k]` repeated over the k-th block of H rows."""
    return m.asarray(np.repeat(np.asarray(blocks, dtype=dtype), H))


def _shaped(y, shape):
    return y if shape is None else y.reshape(shape)


def _state_grad(g, like):
    """A writable copy of the gradient flowing into a final state (zeros when that output was unused)."""
    m = xp(like)
    return m.zeros(like.shape, like.dtype) if g is None else m.array(g._data, dtype=like.dtype, copy=True)


class _SequenceNode(Node):
    """A node with several outputs (sequence output and final states) computed over a whole sequence."""

    composed = None  # the same computation as ordinary ember ops (used for create_graph)

    def name(self) -> str:
        """The grad_fn name torch prints for the same output (its CPU kernels stack or cat per-step results)."""
        return "CatBackward0" if len(set(self.kw["bs"])) > 1 else "StackBackward0"

    @classmethod
    def run(cls, *args, **kw):
        rec = grad_enabled() and any(isinstance(a, Tensor) and a._rg for a in args)
        ctx = _new(cls) if rec else graph._Stash()
        outs = cls.forward(ctx, *[_arr(a) for a in args], **kw)
        if not rec:
            return tuple(_make(o) for o in outs)
        ctx.seq = graph._seq()
        ctx.next = tuple((a._grad_fn or a) if isinstance(a, Tensor) and a._rg else None for a in args)
        ctx.n_out = len(outs)
        ctx.kw = kw
        ctx.saved = (*args, ctx.cache)
        ctx.vers = tuple(a._vc[0] if isinstance(a, Tensor) else 0 for a in args)
        return tuple(_make(o, _Select(ctx, i)) for i, o in enumerate(outs))

    def inputs(self):
        *ins, cache = self.saved_tensors
        return ins, cache

    def double_backward(self, ins, grads):
        """create_graph=True: differentiate the composed graph of the same computation."""
        from ..autograd import grad
        outs = type(self).composed(*ins, **self.kw)
        pairs = [(o, g) for o, g in zip(outs, grads) if g is not None]
        want = [k for k, e in enumerate(self.next) if e is not None]
        res = grad([o for o, _ in pairs], [ins[k] for k in want], [g for _, g in pairs], create_graph=True,
                   allow_unused=True)
        full = [None] * len(ins)
        for k, r in zip(want, res):
            full[k] = r
        return tuple(full)

    def _finish(self, grads):
        return tuple(None if g is None or e is None else _make(g) for g, e in zip(grads, self.next))


# ---- LSTM -------------------------------------------------------------------------------------------------------
class MkldnnRnnLayerBackward0(_SequenceNode):
    """One LSTM layer direction: (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr) -> (output, h_n, c_n); gates i,f,g,o."""

    def name(self) -> str:  # torch runs float32 LSTMs without projection through oneDNN
        mkldnn = self.mkldnn and len(set(self.kw["bs"])) == 1
        return "MkldnnRnnLayerBackward0" if mkldnn else super().name()

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, *, bs, reverse, shape=None):
        m, dt = xp(x), x.dtype
        H, N = w_hh.shape[0] // 4, x.shape[0]
        half = _scale(m, dt, H, (0.5, 0.5, 1.0, 0.5))  # sigmoid(a) = .5 tanh(a/2) + .5; tanh gate unscaled
        shift = _scale(m, dt, H, (0.5, 0.5, 0.0, 0.5))
        gx = x @ w_ih.T
        if b_ih is not None:
            gx += b_ih + b_hh
        gx *= half
        whh = (w_hh * half[:, None]).T
        acts = m.empty((N, 4 * H), dt)
        cprev, tcs = m.empty((N, H), dt), m.empty((N, H), dt)
        hprev = m.empty((N, w_hh.shape[1]), dt)
        ms = m.empty((N, H), dt) if w_hr is not None else None
        y = m.empty((N, w_hh.shape[1]), dt)
        h, c = m.array(h0, copy=True), m.array(c0, copy=True)
        for off, b in _steps(bs, reverse):
            s = slice(off, off + b)
            hb, cb, z = h[:b], c[:b], acts[s]
            hprev[s] = hb
            m.matmul(hb, whh, out=z)
            z += gx[s]
            m.tanh(z, out=z)
            z *= half
            z += shift
            cprev[s] = cb
            cn = z[:, H:2 * H] * cb
            cn += z[:, :H] * z[:, 2 * H:3 * H]
            cb[...] = cn
            tc = m.tanh(cn, out=tcs[s])
            if ms is None:
                m.multiply(z[:, 3 * H:], tc, out=y[s])
            else:
                m.matmul(m.multiply(z[:, 3 * H:], tc, out=ms[s]), w_hr.T, out=y[s])
            hb[...] = y[s]
        ctx.cache = (acts, cprev, tcs, hprev, ms)
        ctx.mkldnn = w_hr is None and dt == np.float32
        return _shaped(y, shape), h, c

    def backward(self, grads):
        ins, (acts, cprev, tcs, hprev, ms) = self.inputs()
        if grad_enabled():
            return self.double_backward(ins, grads)
        x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = [_arr(a) for a in ins]
        m, N, H = xp(x), x.shape[0], w_hh.shape[0] // 4
        i, f, g, o = (acts[:, k * H:(k + 1) * H] for k in range(4))
        # local derivatives of every step: dc += dm*ot, d[i,f,g] = dc*P, d[o] = dm*Q (pre-activation gradients)
        ot = o * (1 - tcs * tcs)
        P = m.empty((N, 3, H), x.dtype)
        m.multiply(g, i * (1 - i), out=P[:, 0])
        m.multiply(cprev, f * (1 - f), out=P[:, 1])
        m.multiply(i, 1 - g * g, out=P[:, 2])
        Q = tcs * o * (1 - o)
        dG = m.empty((N, 4 * H), x.dtype)
        dG4 = dG.reshape(N, 4, H)
        dh, dc = _state_grad(grads[1], h0), _state_grad(grads[2], c0)
        gy = None if grads[0] is None else grads[0]._data.reshape(x.shape[0], -1)
        dhs = m.empty((N, w_hh.shape[1]), x.dtype) if w_hr is not None else None
        for off, b in reversed(_steps(self.kw["bs"], self.kw["reverse"])):
            s = slice(off, off + b)
            dhb, dcb = dh[:b], dc[:b]
            if gy is not None:
                dhb += gy[s]
            if dhs is None:
                dm = dhb
            else:
                dhs[s] = dhb
                dm = dhb @ w_hr
            dcb += dm * ot[s]
            m.multiply(P[s], dcb[:, None], out=dG4[s, :3])
            m.multiply(dm, Q[s], out=dG4[s, 3])
            dcb *= f[s]
            m.matmul(dG[s], w_hh, out=dhb)
        need = [e is not None for e in self.next]
        db = dG.sum(0) if need[5] or need[6] else None
        return self._finish((dG @ w_ih if need[0] else None, dh, dc, dG.T @ x if need[3] else None,
                             dG.T @ hprev if need[4] else None, db, db,
                             dhs.T @ ms if w_hr is not None and need[7] else None))


def lstm_composed(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, *, bs, reverse, shape=None):
    """The LSTM layer as ordinary ember ops (one small graph per step)."""
    gx = x.matmul(w_ih.t())
    if b_ih is not None:
        gx = gx + (b_ih + b_hh)
    h, c, ys = h0, c0, {}
    for off, b in _steps(bs, reverse):
        i, f, g, o = (gx[off:off + b] + h[:b].matmul(w_hh.t())).chunk(4, 1)
        cn = f.sigmoid() * c[:b] + i.sigmoid() * g.tanh()
        hn = o.sigmoid() * cn.tanh()
        if w_hr is not None:
            hn = hn.matmul(w_hr.t())
        ys[off] = hn
        h, c = _merge(hn, h, b), _merge(cn, c, b)
    return _seq(ys, shape), h, c


def _seq(ys: dict, shape):
    """The per-step outputs in packed order (reshaped to `shape` when given)."""
    y = cat([ys[k] for k in sorted(ys)])
    return y if shape is None else y.reshape(shape)


def _merge(new, old, b):
    return new if b == old.shape[0] else cat([new, old[b:]])


MkldnnRnnLayerBackward0.composed = staticmethod(lstm_composed)


# ---- GRU --------------------------------------------------------------------------------------------------------
class GruLayerBackward0(_SequenceNode):
    """One GRU layer direction: (x, h0, w_ih, w_hh, b_ih, b_hh) -> (output, h_n); gates r,z,n, b_hn inside r*(.)."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, *, bs, reverse, shape=None):
        m, dt = xp(x), x.dtype
        H, N = w_hh.shape[0] // 3, x.shape[0]
        half = _scale(m, dt, H, (0.5, 0.5, 1.0))
        gx = x @ w_ih.T
        bhn = None
        if b_ih is not None:
            gx += b_ih
            gx[:, :2 * H] += b_hh[:2 * H]
            bhn = b_hh[2 * H:]
        gx *= half
        whh = (w_hh * half[:, None]).T
        acts, ghn = m.empty((N, 3 * H), dt), m.empty((N, H), dt)
        hprev, y = m.empty((N, H), dt), m.empty((N, H), dt)
        h = m.array(h0, copy=True)
        for off, b in _steps(bs, reverse):
            s = slice(off, off + b)
            hb, a, hn_ = h[:b], acts[s], ghn[s]
            hprev[s] = hb
            gh = hb @ whh
            rz = a[:, :2 * H]
            m.add(gx[s, :2 * H], gh[:, :2 * H], out=rz)
            m.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            if bhn is None:
                hn_[...] = gh[:, 2 * H:]
            else:
                m.add(gh[:, 2 * H:], bhn, out=hn_)
            n = m.multiply(a[:, :H], hn_, out=a[:, 2 * H:])
            n += gx[s, 2 * H:]
            m.tanh(n, out=n)
            yo = m.subtract(hb, n, out=y[s])  # h' = n + z * (h - n)
            yo *= a[:, H:2 * H]
            yo += n
            hb[...] = yo
        ctx.cache = (acts, ghn, hprev)
        return _shaped(y, shape), h

    def backward(self, grads):
        ins, (acts, ghn, hprev) = self.inputs()
        if grad_enabled():
            return self.double_backward(ins, grads)
        x, h0, w_ih, w_hh, b_ih, b_hh = [_arr(a) for a in ins]
        m, N, H = xp(x), x.shape[0], w_hh.shape[0] // 3
        r, z, n = (acts[:, k * H:(k + 1) * H] for k in range(3))
        A1 = (1 - z) * (1 - n * n)     # dh -> d a_n
        A2 = (hprev - n) * (z * (1 - z))  # dh -> d a_z
        A3 = ghn * (r * (1 - r))        # d a_n -> d a_r
        dGx, dGh = m.empty((N, 3 * H), x.dtype), m.empty((N, 3 * H), x.dtype)
        dGx3, dGh3 = dGx.reshape(N, 3, H), dGh.reshape(N, 3, H)
        dh = _state_grad(grads[1], h0)
        gy = None if grads[0] is None else grads[0]._data.reshape(x.shape[0], -1)
        for off, b in reversed(_steps(self.kw["bs"], self.kw["reverse"])):
            s = slice(off, off + b)
            dhb = dh[:b]
            if gy is not None:
                dhb += gy[s]
            dan = m.multiply(dhb, A1[s], out=dGx3[s, 2])
            m.multiply(dhb, A2[s], out=dGx3[s, 1])
            m.multiply(dan, A3[s], out=dGx3[s, 0])
            dGh[s, :2 * H] = dGx[s, :2 * H]
            m.multiply(dan, r[s], out=dGh3[s, 2])
            rec = dGh[s] @ w_hh
            dhb *= z[s]
            dhb += rec
        need = [e is not None for e in self.next]
        return self._finish((dGx @ w_ih if need[0] else None, dh, dGx.T @ x if need[2] else None,
                             dGh.T @ hprev if need[3] else None, dGx.sum(0) if need[4] else None,
                             dGh.sum(0) if need[5] else None))


def gru_composed(x, h0, w_ih, w_hh, b_ih, b_hh, *, bs, reverse, shape=None):
    """The GRU layer as ordinary ember ops."""
    gx = x.matmul(w_ih.t())
    if b_ih is not None:
        gx = gx + b_ih
    h, ys = h0, {}
    for off, b in _steps(bs, reverse):
        gh = h[:b].matmul(w_hh.t())
        if b_hh is not None:
            gh = gh + b_hh
        xr, xz, xn = gx[off:off + b].chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        out = n + z * (h[:b] - n)
        ys[off] = out
        h = _merge(out, h, b)
    return _seq(ys, shape), h


GruLayerBackward0.composed = staticmethod(gru_composed)


# ---- Elman RNN --------------------------------------------------------------------------------------------------
class RnnLayerBackward0(_SequenceNode):
    """One Elman RNN layer direction: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, *, bs, reverse, relu, shape=None):
        m, dt = xp(x), x.dtype
        N, H = x.shape[0], w_hh.shape[0]
        gx = x @ w_ih.T
        if b_ih is not None:
            gx += b_ih + b_hh
        whh = w_hh.T
        hprev, y = m.empty((N, H), dt), m.empty((N, H), dt)
        h = m.array(h0, copy=True)
        for off, b in _steps(bs, reverse):
            s = slice(off, off + b)
            hb, a = h[:b], y[s]
            hprev[s] = hb
            m.matmul(hb, whh, out=a)
            a += gx[s]
            m.maximum(a, 0, out=a) if relu else m.tanh(a, out=a)
            hb[...] = a
        if isinstance(ctx, Node):  # the activation's derivative, kept apart from the (user-visible) output
            ctx.cache = ((y > 0).astype(dt) if relu else 1 - y * y, hprev)
        return _shaped(y, shape), h

    def backward(self, grads):
        ins, (D, hprev) = self.inputs()
        if grad_enabled():
            return self.double_backward(ins, grads)
        x, h0, w_ih, w_hh, b_ih, b_hh = [_arr(a) for a in ins]
        m = xp(x)
        dA = m.empty(D.shape, x.dtype)
        dh = _state_grad(grads[1], h0)
        gy = None if grads[0] is None else grads[0]._data.reshape(x.shape[0], -1)
        for off, b in reversed(_steps(self.kw["bs"], self.kw["reverse"])):
            s = slice(off, off + b)
            dhb = dh[:b]
            if gy is not None:
                dhb += gy[s]
            m.matmul(m.multiply(dhb, D[s], out=dA[s]), w_hh, out=dhb)
        need = [e is not None for e in self.next]
        db = dA.sum(0) if need[4] or need[5] else None
        return self._finish((dA @ w_ih if need[0] else None, dh, dA.T @ x if need[2] else None,
                             dA.T @ hprev if need[3] else None, db, db))


def rnn_composed(x, h0, w_ih, w_hh, b_ih, b_hh, *, bs, reverse, relu, shape=None):
    """The Elman RNN layer as ordinary ember ops."""
    gx = x.matmul(w_ih.t())
    if b_ih is not None:
        gx = gx + (b_ih + b_hh)
    h, ys = h0, {}
    for off, b in _steps(bs, reverse):
        a = gx[off:off + b] + h[:b].matmul(w_hh.t())
        out = a.relu() if relu else a.tanh()
        ys[off] = out
        h = _merge(out, h, b)
    return _seq(ys, shape), h


RnnLayerBackward0.composed = staticmethod(rnn_composed)

FUSED = [True]  # False runs the composed per-step graphs instead (for comparison and debugging)


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr=None, *, bs, reverse=False, shape=None):
    """LSTM over a packed-layout sequence `x` (N, input): returns (output (N, proj or hidden), h_n, c_n)."""
    kw = dict(bs=tuple(bs), reverse=reverse, shape=shape)
    if not FUSED[0]:
        return lstm_composed(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, **kw)
    return MkldnnRnnLayerBackward0.run(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, **kw)


def gru_layer(x, h0, w_ih, w_hh, b_ih, b_hh, *, bs, reverse=False, shape=None):
    """GRU over a packed-layout sequence: returns (output (N, hidden), h_n)."""
    kw = dict(bs=tuple(bs), reverse=reverse, shape=shape)
    if not FUSED[0]:
        return gru_composed(x, h0, w_ih, w_hh, b_ih, b_hh, **kw)
    return GruLayerBackward0.run(x, h0, w_ih, w_hh, b_ih, b_hh, **kw)


def rnn_layer(x, h0, w_ih, w_hh, b_ih, b_hh, *, bs, reverse=False, relu=False, shape=None):
    """Elman RNN over a packed-layout sequence: returns (output (N, hidden), h_n)."""
    kw = dict(bs=tuple(bs), reverse=reverse, relu=relu, shape=shape)
    if not FUSED[0]:
        return rnn_composed(x, h0, w_ih, w_hh, b_ih, b_hh, **kw)
    return RnnLayerBackward0.run(x, h0, w_ih, w_hh, b_ih, b_hh, **kw)


def _dropout(x: Tensor, p: float) -> Tensor:
    """Inverted dropout between layers, with torch's mask: bernoulli_(1 - p) divided by (1 - p)."""
    nd = x._data.dtype.type
    if p >= 1:  # torch multiplies by zero without drawing
        return x * _make(to_device(np.zeros((), nd), x.device))
    keep = _random.bernoulli_scalar(_random.default_generator, x.shape, 1 - p).astype(nd)
    mask = to_device(keep / nd(1.0 - p), x.device)
    return x * _make(mask)


def rnn_stack(mode: str, x: Tensor, hx: tuple, weights: list, *, bias: bool, num_layers: int, dropout: float,
              train: bool, bidirectional: bool, bs, proj: bool, out_shape: tuple | None = None):
    """A multi-layer (bi)directional recurrent net on packed-layout input `x` (N, input).

    `hx` holds the initial states (h0, and c0 for LSTM), each (layers * directions, batch, size); `weights` is the
    module's flat weight list. Returns (output (N, directions * size), h_n[, c_n]); with `out_shape` = (T, B) the
    output comes back as (T, B, directions * size) straight from the last layer's nodes.
    """
    D = 2 if bidirectional else 1
    per = len(weights) // (num_layers * D)
    finals = [[] for _ in hx]
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            w = weights[k * per:(k + 1) * per]
            b_ih, b_hh = (w[2], w[3]) if bias else (None, None)
            kw = dict(bs=bs, reverse=d == 1, shape=None)
            if out_shape is not None and layer == num_layers - 1:
                kw["shape"] = tuple(out_shape) + (w[1].shape[1],)
            if mode == "LSTM":
                y, *st = lstm_layer(x, hx[0][k], hx[1][k], w[0], w[1], b_ih, b_hh, w[-1] if proj else None, **kw)
            elif mode == "GRU":
                y, *st = gru_layer(x, hx[0][k], w[0], w[1], b_ih, b_hh, **kw)
            else:
                y, *st = rnn_layer(x, hx[0][k], w[0], w[1], b_ih, b_hh, relu=mode == "RNN_RELU", **kw)
            outs.append(y)
            for lst, s in zip(finals, st):
                lst.append(s)
        x = outs[0] if D == 1 else cat(outs, -1)
        if dropout > 0 and train and layer < num_layers - 1:
            x = _dropout(x, dropout)
    return (x, *[stack(f) for f in finals])


def check_cell(input: Tensor, hiddens, input_size: int, hidden_size: int, weight: Tensor):
    """torch's checks for the *Cell ops: feature sizes, batch sizes and dtypes."""
    if input.shape[1] != input_size:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {input_size}")
    for k, h in enumerate(hiddens):
        if input.shape[0] != h.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} batch size {h.shape[0]}")
        if h.shape[1] != hidden_size:
            raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h.shape[1]}, expected {hidden_size}")
    for t in (input, *hiddens):
        if t.dtype != weight.dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_c_name(t.dtype)} and "
                               f"{_c_name(weight.dtype)}")


def _c_name(dt) -> str:
    return {"float64": "Double", "float32": "Float", "float16": "Half", "bfloat16": "BFloat16"}.get(
        str(dt).split(".")[-1], str(dt))
