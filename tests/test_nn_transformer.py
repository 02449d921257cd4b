"""scaled_dot_product_attention, MultiheadAttention and the Transformer family against torch."""
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from helpers import check_op, ember_gradcheck, requires_torch, torch
from nn_helpers import check_module

E, H = 8, 2


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _fw(m):
    return torch if type(m).__module__.startswith("torch") else ember


# ---- scaled_dot_product_attention -------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal", "scale"])
def test_sdpa_vs_torch(kind):
    mask = np.tril(np.ones((4, 5), bool))
    mask[:, 0] = True
    fmask = _rand(4, 5, seed=3)

    def f(m, q, k, v):
        kw = {}
        if kind == "bool":
            kw["attn_mask"] = m.tensor(mask)
        elif kind == "float":
            kw["attn_mask"] = m.tensor(fmask)
        elif kind == "causal":
            kw["is_causal"] = True
        elif kind == "scale":
            kw["scale"] = 0.3
        return m.nn.functional.scaled_dot_product_attention(q, k, v, **kw)
    shapes = [(2, 3, 4, 6), (2, 3, 5, 6), (2, 3, 5, 7)] if kind != "causal" else [(2, 3, 4, 6)] * 3
    check_op(lambda *a: f(torch, *a), lambda *a: f(ember, *a), shapes=shapes, noncontig=False)


def test_sdpa_gradcheck():
    ember_gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), [(1, 3, 2), (1, 3, 2),
                                                                                              (1, 3, 2)])


@requires_torch
def test_sdpa_gqa():
    q, k, v = _rand(1, 4, 3, 2), _rand(1, 2, 3, 2, seed=1), _rand(1, 2, 3, 2, seed=2)
    t = torch.nn.functional.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v),
                                                         enable_gqa=True)
    e = F.scaled_dot_product_attention(ember.tensor(q), ember.tensor(k), ember.tensor(v), enable_gqa=True)
    np.testing.assert_allclose(e.numpy(), t.numpy(), atol=1e-6)


# ---- MultiheadAttention -----------------------------------------------------------------------------------------
def test_mha_parameters_and_repr():
    m = nn.MultiheadAttention(E, H)
    assert [n for n, _ in m.named_parameters()] == ["in_proj_weight", "in_proj_bias", "out_proj.weight",
                                                    "out_proj.bias"]
    assert repr(m) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, "
                       "out_features=8, bias=True)\n)")
    m2 = nn.MultiheadAttention(E, H, kdim=3, vdim=5, add_bias_kv=True)
    assert [n for n, _ in m2.named_parameters()] == ["q_proj_weight", "k_proj_weight", "v_proj_weight",
                                                     "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                                                     "out_proj.bias"]
    assert float(m.in_proj_bias.abs().sum()) == 0.0
    with pytest.raises(AssertionError):
        nn.MultiheadAttention(7, 2)


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mask", ["none", "bool", "float", "padding", "both", "causal"])
def test_mha_self_attention_masks(batch_first, mask):
    L, N = 3, 4
    x = _rand(N, L, E) if batch_first else _rand(L, N, E)
    causal = np.triu(np.ones((L, L), bool), 1)
    fmask = _rand(L, L, seed=5)
    kpm = np.zeros((N, L), bool)
    kpm[0, -1] = kpm[2, 0] = True

    def call(m, x):
        fw = _fw(m)
        kw = {"average_attn_weights": mask != "float"}
        if mask in ("bool", "both"):
            kw["attn_mask"] = fw.tensor(causal)
        if mask == "float":
            kw["attn_mask"] = fw.tensor(fmask)
        if mask in ("padding", "both"):
            kw["key_padding_mask"] = fw.tensor(kpm)
        if mask == "causal":
            kw["attn_mask"], kw["is_causal"], kw["need_weights"] = fw.tensor(causal), True, False
            return m(x, x, x, **kw)[0]
        return m(x, x, x, **kw)
    check_module(nn.MultiheadAttention(E, H, batch_first=batch_first),
                 torch.nn.MultiheadAttention(E, H, batch_first=batch_first), inputs=[x], call=call, train=False)


@requires_torch
@pytest.mark.parametrize("opts", [dict(kdim=5, vdim=6), dict(add_bias_kv=True), dict(add_zero_attn=True),
                                  dict(bias=False), dict(kdim=5, vdim=6, add_bias_kv=True, add_zero_attn=True)])
def test_mha_cross_attention_options(opts):
    q, k, v = _rand(3, 2, E), _rand(4, 2, opts.get("kdim", E), seed=1), _rand(4, 2, opts.get("vdim", E), seed=2)
    check_module(nn.MultiheadAttention(E, H, **opts), torch.nn.MultiheadAttention(E, H, **opts), inputs=[q, k, v],
                 call=lambda m, q, k, v: m(q, k, v), train=False)


@requires_torch
def test_mha_unbatched_and_float64():
    x = _rand(3, E).astype(np.float64)
    check_module(nn.MultiheadAttention(E, H), torch.nn.MultiheadAttention(E, H), inputs=[x],
                 call=lambda m, x: m(x, x, x), dtype="float64", train=False)


def test_mha_dropout_only_in_training():
    m = nn.MultiheadAttention(E, H, dropout=0.9)
    x = ember.tensor(_rand(3, 2, E))
    m.eval()
    a, b = m(x, x, x)[0], m(x, x, x)[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    m.train()
    ember.manual_seed(0)
    c = m(x, x, x)[0]
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())


# ---- Transformer layers -------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer(norm_first, activation, batch_first):
    kw = dict(dim_feedforward=16, dropout=0.0, activation=activation, norm_first=norm_first, batch_first=batch_first)
    x = _rand(2, 5, E) if batch_first else _rand(5, 2, E)
    kpm = np.zeros((2, 5), bool)
    kpm[1, -1] = True

    def call(m, x):
        fw = _fw(m)
        mask = fw.nn.Transformer.generate_square_subsequent_mask(5)
        return m(x, src_mask=mask) if not batch_first else m(x, src_key_padding_mask=fw.tensor(kpm))
    check_module(nn.TransformerEncoderLayer(E, H, **kw), torch.nn.TransformerEncoderLayer(E, H, **kw), inputs=[x],
                 call=call)


@requires_torch
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(norm_first):
    kw = dict(dim_feedforward=16, dropout=0.0, norm_first=norm_first)
    tgt, mem = _rand(4, 2, E), _rand(5, 2, E, seed=1)

    def call(m, t, s):
        mask = _fw(m).nn.Transformer.generate_square_subsequent_mask(4)
        return m(t, s, tgt_mask=mask, tgt_is_causal=True)
    check_module(nn.TransformerDecoderLayer(E, H, **kw), torch.nn.TransformerDecoderLayer(E, H, **kw),
                 inputs=[tgt, mem], call=call)


@requires_torch
def test_full_transformer_with_masks():
    src, tgt = _rand(5, 2, E), _rand(4, 2, E, seed=1)
    kpm = np.array([[False] * 5, [False] * 4 + [True]])

    def call(m, s, g):
        fw = _fw(m)
        mask = m.generate_square_subsequent_mask(4)
        pad = fw.tensor(kpm)
        return m(s, g, tgt_mask=mask, src_key_padding_mask=pad, memory_key_padding_mask=pad)
    e = nn.Transformer(E, H, 2, 2, 16, dropout=0.0)
    t = torch.nn.Transformer(E, H, 2, 2, 16, dropout=0.0)
    assert list(e.state_dict()) == list(t.state_dict())
    check_module(e, t, inputs=[src, tgt], call=call)


def test_transformer_structure_and_mask():
    m = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=32)
    assert len(m.encoder.layers) == 2 and len(m.decoder.layers) == 1
    assert m.encoder.layers[0] is not m.encoder.layers[1]
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.tolist() == [[0.0, float("-inf"), float("-inf")], [0.0, 0.0, float("-inf")], [0.0, 0.0, 0.0]]
    out = m(ember.randn(5, 2, 16), ember.randn(3, 2, 16), tgt_mask=mask)
    assert out.shape == (3, 2, 16)
    with pytest.raises(RuntimeError, match="d_model"):
        m(ember.randn(5, 2, 8), ember.randn(3, 2, 8))
