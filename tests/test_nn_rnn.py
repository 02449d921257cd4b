"""RNN / LSTM / GRU and their cells: differential tests against torch, gradchecks, seed examples, errors, reprs."""
import math
import warnings

import numpy as np
import pytest

import ember
from ember._ops import rnn as _rnn
from helpers import ember_gradcheck, requires_torch, torch
from nn_helpers import check_module, copy_weights

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")

KINDS = ["RNN", "RNN_relu", "GRU", "LSTM", "LSTM_proj"]
I, H, P, T, B = 4, 6, 3, 5, 3


def _make(fw, kind, **kw):
    """`kind` of ember/torch with hidden size H (LSTM_proj: proj_size P, RNN_relu: relu nonlinearity)."""
    if kind == "RNN_relu":
        return fw.nn.RNN(I, H, nonlinearity="relu", **kw)
    if kind == "LSTM_proj":
        return fw.nn.LSTM(I, H, proj_size=P, **kw)
    return getattr(fw.nn, kind)(I, H, **kw)


def _call(m, x, *hs):
    """Forward with initial states passed torch's way: h0 for RNN/GRU, (h0, c0) for LSTM."""
    if not hs:
        return m(x)
    return m(x, tuple(hs) if len(hs) == 2 else hs[0])


def _state_shapes(kind, layers, D, batch):
    out = H if kind != "LSTM_proj" else P
    shapes = [(D * layers,) + batch + (out,)]
    if kind.startswith("LSTM"):
        shapes.append((D * layers,) + batch + (H,))
    return shapes


# ---- differential: every option combination -------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("init_state", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_matches_torch(kind, bidirectional, layers, batch_first, init_state):
    kw = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    if layers == 2:
        kw["dropout"] = 0.5  # eval mode below: no dropout, as in torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e, t = _make(ember, kind, **kw), _make(torch, kind, **kw)
    D = 2 if bidirectional else 1
    shapes = [(B, T, I) if batch_first else (T, B, I)]
    if init_state:
        shapes += _state_shapes(kind, layers, D, (B,))
    eo, to = check_module(e, t, shapes, call=_call, train=layers == 1)
    assert tuple(eo[0].shape) == ((B, T, D * (P if kind == "LSTM_proj" else H)) if batch_first
                                  else (T, B, D * (P if kind == "LSTM_proj" else H)))


@requires_torch
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bias", [True, False])
def test_bias_false_and_float64(kind, bias):
    e, t = _make(ember, kind, num_layers=2, bias=bias, bidirectional=True), \
        _make(torch, kind, num_layers=2, bias=bias, bidirectional=True)
    check_module(e, t, [(T, B, I)] + _state_shapes(kind, 2, 2, (B,)), call=_call, dtype="float64")


@requires_torch
@pytest.mark.parametrize("init_state", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_unbatched_input(kind, batch_first, init_state):
    kw = dict(num_layers=2, bidirectional=True, batch_first=batch_first)
    e, t = _make(ember, kind, **kw), _make(torch, kind, **kw)
    shapes = [(T, I)] + (_state_shapes(kind, 2, 2, ()) if init_state else [])
    eo, _ = check_module(e, t, shapes, call=_call)
    assert eo[0].dim() == 2 and eo[1].dim() == 2


# ---- packed variable-length batches -----------------------------------------------------------------------------
def _fw(m):
    return torch if torch is not None and isinstance(m, torch.nn.Module) else ember


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_packed_matches_torch(kind, bidirectional, enforce_sorted, batch_first):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    kw = dict(num_layers=2, bidirectional=bidirectional, batch_first=batch_first)
    e, t = _make(ember, kind, **kw), _make(torch, kind, **kw)
    D = 2 if bidirectional else 1

    def call(m, x, *hs):
        R = _fw(m).nn.utils.rnn
        packed = R.pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
        out, hidden = _call(m, packed, *hs)
        assert isinstance(out, R.PackedSequence)
        padded, lens = R.pad_packed_sequence(out, batch_first=batch_first, total_length=6)
        assert lens.tolist() == lengths
        return out.data, padded, hidden

    x_shape = (4, 6, I) if batch_first else (6, 4, I)
    check_module(e, t, [x_shape], call=call)
    check_module(e, t, [x_shape] + _state_shapes(kind, 2, D, (4,)), call=call, seed=1)


def test_packed_final_states_are_per_sequence():
    """h_n of a packed batch holds each sequence's state at its own last step (reverse: at step 0)."""
    e = ember.nn.GRU(I, H, bidirectional=True)
    x = ember.randn(5, 3, I)
    lengths = [5, 2, 4]
    packed = ember.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
    _, h = e(packed)
    for b, n in enumerate(lengths):
        _, hb = e(x[:n, b:b + 1])
        np.testing.assert_allclose(h[:, b].detach().numpy(), hb[:, 0].detach().numpy(), atol=1e-6)


# ---- cells -------------------------------------------------------------------------------------------------------
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {}),
         ("LSTMCell", {"bias": False}), ("GRUCell", {"bias": False})]


@requires_torch
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("name,kw", CELLS)
def test_cells_match_torch(name, kw, with_state, batched):
    e, t = getattr(ember.nn, name)(I, H, **kw), getattr(torch.nn, name)(I, H, **kw)
    batch = (B,) if batched else ()
    shapes = [batch + (I,)]
    if with_state:
        shapes += [batch + (H,)] * (2 if name == "LSTMCell" else 1)
    check_module(e, t, shapes, call=_call)


# ---- seed examples -----------------------------------------------------------------------------------------------
def test_seed_lstm_equals_lstmcell_loop():
    """The blog's check: a 1-layer LSTM equals a loop of LSTMCell steps with the same weights."""
    ember.manual_seed(1000)
    x = ember.randn(2, 3, 4)
    lstm = ember.nn.LSTM(4, 3, 1)
    h0, c0 = ember.randn(1, 3, 3), ember.randn(1, 3, 3)
    out, (hn, cn) = lstm(x, (h0, c0))
    cell = ember.nn.LSTMCell(4, 3)
    with ember.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(lstm, name + "_l0"))
    hx, cx = h0[0], c0[0]
    steps = []
    for x_t in x:
        hx, cx = cell(x_t, (hx, cx))
        steps.append(hx)
    np.testing.assert_allclose(ember.stack(steps).detach().numpy(), out.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(hx.detach().numpy(), hn[0].detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(cx.detach().numpy(), cn[0].detach().numpy(), atol=1e-6)
    assert out.shape == (2, 3, 3) and hn.shape == (1, 3, 3)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_seed_shapes(bidirectional):
    """[seq, batch, D*hidden] outputs and [D*num_layers, batch, hidden] states, as the seed documents say."""
    D = 2 if bidirectional else 1
    rnn = ember.nn.RNN(input_size=100, hidden_size=20, num_layers=2, bidirectional=bidirectional)
    out, h = rnn(ember.randn(5, 3, 100), ember.randn(2 * D, 3, 20))
    assert out.shape == (5, 3, D * 20) and h.shape == (2 * D, 3, 20)
    lstm = ember.nn.LSTM(input_size=10, hidden_size=20, num_layers=2, bidirectional=bidirectional)
    out, (h, c) = lstm(ember.randn(5, 3, 10), (ember.randn(2 * D, 3, 20), ember.randn(2 * D, 3, 20)))
    assert out.shape == (5, 3, D * 20) and h.shape == c.shape == (2 * D, 3, 20)
    gru = ember.nn.GRU(input_size=10, hidden_size=20, num_layers=2, bidirectional=bidirectional)
    out, h = gru(ember.randn(5, 3, 10), ember.randn(2 * D, 3, 20))
    assert out.shape == (5, 3, D * 20) and h.shape == (2 * D, 3, 20)


# ---- gradcheck (float64, tiny) and double backward ------------------------------------------------------------------
def _params(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.8, 0.8, s) for s in shapes]


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
def test_gradcheck_cells(mode):
    g = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    shapes = [(2, 3), (2, 2), (g * 2, 3), (g * 2, 2), (g * 2,), (g * 2,)] + ([(2, 2)] if mode == "LSTM" else [])

    def fn(x, h, w_ih, w_hh, b_ih, b_hh, *c):
        if mode == "LSTM":
            return _rnn.lstm_layer(x, h, c[0], w_ih, w_hh, b_ih, b_hh, bs=(2,))
        if mode == "GRU":
            return _rnn.gru_layer(x, h, w_ih, w_hh, b_ih, b_hh, bs=(2,))
        return _rnn.rnn_layer(x, h, w_ih, w_hh, b_ih, b_hh, bs=(2,), relu=mode == "RNN_RELU")
    ember_gradcheck(fn, shapes, inputs=_params(shapes))


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("mode", ["LSTM", "LSTM_proj", "GRU", "RNN_TANH"])
def test_gradcheck_sequence_variable_lengths(mode, reverse):
    """A whole packed sequence (batch sizes 3, 2, 1) through one fused node, first and second order."""
    bs, Hd = (3, 2, 1), 2
    g = {"LSTM": 4, "LSTM_proj": 4, "GRU": 3}.get(mode, 1)
    hout = 1 if mode == "LSTM_proj" else Hd
    shapes = [(sum(bs), 2), (3, hout), (g * Hd, 2), (g * Hd, hout), (g * Hd,), (g * Hd,)]
    if mode.startswith("LSTM"):
        shapes += [(3, Hd)] + ([(1, Hd)] if mode == "LSTM_proj" else [])

    def fn(x, h, w_ih, w_hh, b_ih, b_hh, *rest):
        if mode.startswith("LSTM"):
            w_hr = rest[1] if len(rest) > 1 else None
            return _rnn.lstm_layer(x, h, rest[0], w_ih, w_hh, b_ih, b_hh, w_hr, bs=bs, reverse=reverse)
        if mode == "GRU":
            return _rnn.gru_layer(x, h, w_ih, w_hh, b_ih, b_hh, bs=bs, reverse=reverse)
        return _rnn.rnn_layer(x, h, w_ih, w_hh, b_ih, b_hh, bs=bs, reverse=reverse)
    ember_gradcheck(fn, shapes, inputs=_params(shapes, seed=1), gradgrad=mode != "LSTM_proj")


def test_double_backward_through_module():
    """create_graph=True through an LSTM: the gradient is itself differentiable (composed fallback)."""
    m = ember.nn.LSTM(2, 3, num_layers=2, bidirectional=True).double()
    t = torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True).double() if torch is not None else None
    if t is not None:
        copy_weights(m, t)
    x = ember.randn(4, 2, 2, dtype=ember.float64, requires_grad=True)
    out, _ = m(x)
    (gx,) = ember.autograd.grad(out.pow(2).sum(), x, create_graph=True)
    assert gx.requires_grad
    gx.pow(2).sum().backward()
    assert m.weight_hh_l0.grad is not None and x.grad is not None
    if t is not None:
        xt = torch.tensor(x.detach().numpy(), requires_grad=True)
        (gt,) = torch.autograd.grad(t(xt)[0].pow(2).sum(), xt, create_graph=True)
        np.testing.assert_allclose(gx.detach().numpy(), gt.detach().numpy(), rtol=1e-8, atol=1e-12)
        gt.pow(2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-12)
        for name, p in t.named_parameters():
            np.testing.assert_allclose(getattr(m, name).grad.numpy(), p.grad.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_fused_equals_composed(kind):
    """The fused nodes compute exactly what the composed per-step graph computes (values and gradients)."""
    m = _make(ember, kind, num_layers=2, bidirectional=True).double()
    x = ember.randn(T, B, I, dtype=ember.float64, requires_grad=True)
    packed = ember.nn.utils.rnn.pack_padded_sequence(x, [5, 4, 2])
    results = []
    for fused in (True, False):
        _rnn.FUSED[0] = fused
        try:
            out, h = m(packed)
            h = h if isinstance(h, tuple) else (h,)
            loss = (out.data * out.data.cos()).sum() + sum((s * s).sum() for s in h)
            grads = ember.autograd.grad(loss, [x] + list(m.parameters()))
        finally:
            _rnn.FUSED[0] = True
        results.append([out.data.detach().numpy()] + [s.detach().numpy() for s in h] + [g.numpy() for g in grads])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# ---- module contract: names, init, flat weights, repr, dropout -------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("kw", [dict(num_layers=2, bidirectional=True), dict(bias=False, num_layers=2),
                                dict(proj_size=P, num_layers=2, bidirectional=True), dict(proj_size=P, bias=False)])
def test_parameter_names_and_order_match_torch(kw):
    kinds = ["LSTM"] if "proj_size" in kw else ["RNN", "GRU", "LSTM"]
    for kind in kinds:
        e, t = getattr(ember.nn, kind)(I, H, **kw), getattr(torch.nn, kind)(I, H, **kw)
        assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in t.named_parameters()]
        assert e._flat_weights_names == t._flat_weights_names
        assert [[tuple(w.shape) for w in ws] for ws in e.all_weights] == \
            [[tuple(w.shape) for w in ws] for ws in t.all_weights]
        assert repr(e) == repr(t)


@requires_torch
@pytest.mark.parametrize("make", [
    lambda fw: fw.nn.RNN(10, 20, 2, nonlinearity="relu", batch_first=True, dropout=0.25),
    lambda fw: fw.nn.LSTM(10, 20, proj_size=5, bias=False, bidirectional=True),
    lambda fw: fw.nn.GRU(3, 4),
    lambda fw: fw.nn.RNNCell(3, 4, bias=False, nonlinearity="relu"),
    lambda fw: fw.nn.LSTMCell(3, 4),
    lambda fw: fw.nn.GRUCell(3, 4, bias=False),
])
def test_repr_matches_torch(make):
    assert repr(make(ember)) == repr(make(torch))


def test_names_repr_without_torch():
    m = ember.nn.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=5)
    assert repr(m) == "LSTM(10, 20, proj_size=5, num_layers=2, bidirectional=True)"
    assert list(m.state_dict())[:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    assert m.weight_ih_l1_reverse.shape == (80, 10) and m.weight_hh_l0.shape == (80, 5)
    assert m.weight_hr_l1_reverse.shape == (5, 20)
    assert repr(ember.nn.GRUCell(3, 4)) == "GRUCell(3, 4)"


def test_init_is_uniform_within_bound():
    m = ember.nn.GRU(50, 64, num_layers=2)
    bound = 1 / math.sqrt(64)
    vals = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert np.abs(vals).max() <= bound and np.abs(vals).max() > 0.95 * bound
    assert abs(vals.mean()) < 0.01 * bound * 10 and abs(vals.std() - bound / math.sqrt(3)) < 0.02 * bound
    cell = ember.nn.LSTMCell(5, 16)
    assert all(np.abs(p.detach().numpy()).max() <= 0.25 for p in cell.parameters())


def test_flat_weights_follow_reassignment_and_dtype_moves():
    m = ember.nn.LSTM(3, 4)
    assert m.flatten_parameters() is None
    assert [id(w) for w in m._flat_weights] == [id(getattr(m, n)) for n in m._flat_weights_names]
    new = ember.nn.Parameter(ember.zeros(16, 4))
    m.weight_hh_l0 = new
    assert m._flat_weights[1] is new
    m.double()
    out, (h, c) = m(ember.randn(2, 1, 3, dtype=ember.float64))
    assert out.dtype == ember.float64 and m._flat_weights[0].dtype == ember.float64


def test_dropout_between_layers_train_only():
    m = ember.nn.LSTM(4, 8, num_layers=3, dropout=0.5)
    x = ember.randn(6, 2, 4)
    ember.manual_seed(3)
    a, _ = m(x)
    ember.manual_seed(3)
    b, _ = m(x)
    c, _ = m(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())  # seeded RNG: reproducible
    assert not np.allclose(b.detach().numpy(), c.detach().numpy())  # a fresh mask each call
    m.eval()
    d, _ = m(x)
    e, _ = m(x)
    np.testing.assert_array_equal(d.detach().numpy(), e.detach().numpy())
    assert not np.allclose(a.detach().numpy(), d.detach().numpy())
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        ember.nn.GRU(4, 8, dropout=0.2)


def test_grad_fn_names_and_saved_state_rules():
    m = ember.nn.LSTM(3, 4)
    x = ember.randn(5, 2, 3, requires_grad=True)
    out, (h, c) = m(x)
    assert out.grad_fn.name() == "MkldnnRnnLayerBackward0" and h.grad_fn.name() == "StackBackward0"
    assert ember.nn.GRU(3, 4, bidirectional=True)(x)[0].grad_fn.name() == "CatBackward0"
    out.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()
    out, _ = m(x)
    with ember.no_grad():
        m.weight_ih_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


@requires_torch
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("variant", ["plain", "float64", "bidirectional", "unbatched", "packed"])
def test_grad_fn_names_match_torch(kind, variant):
    kw = {"bidirectional": variant == "bidirectional"}
    names = []
    for fw in (ember, torch):
        m = _make(fw, kind, **kw)
        x = fw.randn(5, 2, I, requires_grad=True)
        if variant == "float64":
            m, x = m.double(), x.detach().double().requires_grad_()
        if variant == "unbatched":
            x = x[:, 0]
        if variant == "packed":
            x = fw.nn.utils.rnn.pack_padded_sequence(x, [5, 3])
        out, h = m(x)
        out = out.data if variant == "packed" else out
        h = h[0] if isinstance(h, tuple) else h
        names.append((out.grad_fn.name(), h.grad_fn.name()))
    assert names[0] == names[1]


def test_no_grad_forward_records_nothing():
    m = ember.nn.GRU(3, 4, num_layers=2)
    with ember.no_grad():
        out, h = m(ember.randn(5, 2, 3))
    assert out.grad_fn is None and not out.requires_grad and h.grad_fn is None


# ---- errors (torch's types and messages) ----------------------------------------------------------------------------
ERRORS = [
    (lambda fw: fw.nn.LSTM(10, 20)(fw.randn(3, 2, 5)), RuntimeError,
     "input.size(-1) must be equal to input_size. Expected 10, got 5"),
    (lambda fw: fw.nn.RNN(10, 20, 2)(fw.randn(3, 2, 10), fw.randn(1, 2, 20)), RuntimeError,
     "Expected hidden size (2, 2, 20), got [1, 2, 20]"),
    (lambda fw: fw.nn.GRU(10, 20, 2)(fw.randn(3, 2, 10), fw.randn(1, 2, 20)), RuntimeError,
     "Expected hidden size (2, 2, 20), got [1, 2, 20]"),
    (lambda fw: fw.nn.LSTM(10, 20, 2)(fw.randn(3, 2, 10), (fw.randn(1, 2, 20), fw.randn(2, 2, 20))), RuntimeError,
     "Expected hidden[0] size (2, 2, 20), got [1, 2, 20]"),
    (lambda fw: fw.nn.LSTM(10, 20, proj_size=5)(fw.randn(3, 2, 10), (fw.randn(1, 2, 20), fw.randn(1, 2, 20))),
     RuntimeError, "Expected hidden[0] size (1, 2, 5), got [1, 2, 20]"),
    (lambda fw: fw.nn.LSTM(10, 20)(fw.randn(3, 2, 10), (fw.randn(1, 2, 20), fw.randn(1, 2, 5))), RuntimeError,
     "Expected hidden[1] size (1, 2, 20), got [1, 2, 5]"),
    (lambda fw: fw.nn.RNN(10, 20)(fw.randn(3, 2, 10), fw.randn(2, 20)), RuntimeError,
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    (lambda fw: fw.nn.GRU(10, 20)(fw.randn(3, 10), fw.randn(1, 2, 20)), RuntimeError,
     "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
    (lambda fw: fw.nn.LSTM(10, 20)(fw.randn(3, 2, 10), (fw.randn(2, 20), fw.randn(2, 20))), RuntimeError,
     "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 2-D) tensors"),
    (lambda fw: fw.nn.LSTM(10, 20)(fw.randn(3, 2, 1, 10)), ValueError,
     "LSTM: Expected input to be 2D or 3D, got 4D instead"),
    (lambda fw: fw.nn.RNN(10, 20)(fw.randn(10)), ValueError,
     "RNN: Expected input to be 2D or 3D, got 1D tensor instead"),
    (lambda fw: fw.nn.GRU(10, 20)(fw.randn(3, 2, 10).double()), ValueError,
     "RNN input dtype"),
    (lambda fw: fw.nn.GRU(10, 20, proj_size=5), ValueError,
     "proj_size argument is only supported for LSTM, not RNN or GRU"),
    (lambda fw: fw.nn.RNN(10, 20, nonlinearity="sigmoid"), ValueError,
     "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."),
    (lambda fw: fw.nn.LSTM(10, 20, proj_size=20), ValueError, "proj_size has to be smaller than hidden_size"),
    (lambda fw: fw.nn.LSTM(10, 20, dropout=1.5), ValueError, "dropout should be a number in range [0, 1]"),
    (lambda fw: fw.nn.LSTM(10, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda fw: fw.nn.LSTM(10, 20, num_layers=0), ValueError, "num_layers must be greater than zero"),
    (lambda fw: fw.nn.LSTM(10.0, 20), TypeError, "input_size should be of type int, got: float"),
    (lambda fw: fw.nn.LSTMCell(4, 3)(fw.randn(2, 5)), RuntimeError,
     "input has inconsistent input_size: got 5 expected 4"),
    (lambda fw: fw.nn.LSTMCell(4, 3)(fw.randn(2, 4), (fw.randn(3, 3), fw.randn(3, 3))), RuntimeError,
     "Input batch size 2 doesn't match hidden0 batch size 3"),
    (lambda fw: fw.nn.GRUCell(4, 3)(fw.randn(2, 4), fw.randn(2, 4)), RuntimeError,
     "hidden0 has inconsistent hidden_size: got 4, expected 3"),
    (lambda fw: fw.nn.LSTMCell(4, 3)(fw.randn(2, 4), (fw.randn(2, 3), fw.randn(2, 4))), RuntimeError,
     "hidden1 has inconsistent hidden_size: got 4, expected 3"),
    (lambda fw: fw.nn.RNNCell(4, 3)(fw.randn(2, 2, 4)), ValueError,
     "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
    (lambda fw: fw.nn.LSTMCell(4, 3)(fw.randn(4), (fw.randn(1, 1, 3), fw.randn(3))), ValueError,
     "LSTMCell: Expected hx[0] to be 1D or 2D, got 3D instead"),
    (lambda fw: fw.nn.LSTMCell(4, 3)(fw.randn(2, 4).double()), RuntimeError,
     "mat1 and mat2 must have the same dtype, but got Double and Float"),
]


@pytest.mark.parametrize("make,exc,msg", ERRORS)
def test_errors(make, exc, msg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as info:
            make(ember)
        assert msg in str(info.value)
        if torch is not None:  # the same type and message as torch
            with pytest.raises(exc) as tinfo:
                make(torch)
            assert msg.replace("ember", "torch") in str(tinfo.value)
