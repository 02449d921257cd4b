"""Everyday layers vs torch: Linear/Bilinear/Identity/Flatten, Dropout family, Embedding/EmbeddingBag,
LayerNorm/GroupNorm/RMSNorm/LocalResponseNorm, and the functional helpers (one_hot, normalize, distances)."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF
from helpers import check_op, check_raises, dual, ember_gradcheck, requires_torch, torch
from nn_helpers import check_module

DTYPES = ["float32", "float64"]


def _F(m):
    return m.nn.functional


def _idx(shape, n, seed=0):
    return np.random.default_rng(seed).integers(0, n, shape)


# ---- Linear / Bilinear / Identity / Flatten -------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 4, 3), (2, 1, 2, 3)])
def test_linear_matches_torch(dtype, bias, shape):
    check_module(enn.Linear(3, 4, bias=bias), torch.nn.Linear(3, 4, bias=bias), [shape], dtype=dtype)


@requires_torch
def test_linear_state_dict_and_grad_fn():
    e, t = enn.Linear(3, 2), torch.nn.Linear(3, 2)
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight", "bias"]
    assert list(enn.Linear(3, 2, bias=False).state_dict()) == ["weight"]
    assert enn.Linear(3, 2, bias=False).bias is None
    assert e(ember.randn(4, 3)).grad_fn.name() == "AddmmBackward0"
    assert e(ember.randn(5, 4, 3)).grad_fn.name() == "ViewBackward0"
    assert enn.Linear(3, 2, bias=False)(ember.randn(4, 3)).grad_fn.name() == "MmBackward0"


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [[(4, 3), (4, 2)], [(2, 5, 3), (2, 5, 2)], [(3,), (2,)]])
def test_bilinear_matches_torch(dtype, shapes):
    for bias in (True, False):
        check_module(enn.Bilinear(3, 2, 5, bias=bias), torch.nn.Bilinear(3, 2, 5, bias=bias), shapes, dtype=dtype)


@requires_torch
def test_bilinear_errors_and_repr():
    e = enn.Bilinear(3, 2, 5)
    assert repr(e) == repr(torch.nn.Bilinear(3, 2, 5)) == "Bilinear(in1_features=3, in2_features=2, out_features=5, " \
                                                           "bias=True)"
    assert list(e.state_dict()) == ["weight", "bias"]
    with pytest.raises(RuntimeError, match="input2 size does not match weight size: got 4 but expected 2"):
        e(ember.randn(2, 3), ember.randn(2, 4))
    with pytest.raises(RuntimeError, match="input batch dimensions do not match at dim 0: got 2 and 3"):
        e(ember.randn(2, 3), ember.randn(3, 2))


def test_linear_wrong_feature_size_message():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        enn.Linear(4, 5)(ember.randn(2, 3))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(10x3 and 4x5\)"):
        enn.Linear(4, 5)(ember.randn(2, 5, 3))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(10x3 and 4x5\)"):
        enn.Linear(4, 5, bias=False)(ember.randn(2, 5, 3))
    with pytest.raises(RuntimeError, match=r"\(1x3 and 4x5\)"):
        enn.Linear(4, 5)(ember.randn(3))


@requires_torch
def test_linear_errors_same_type_as_torch():
    for args in [((2, 3), (5, 4), (5,)), ((2, 5, 3), (5, 4), (5,)), ((2, 3), (5, 3), (4,))]:
        check_raises(lambda x, w, b: torch.nn.functional.linear(x, w, b), lambda x, w, b: EF.linear(x, w, b),
                     [np.zeros(s, np.float32) for s in args])


@requires_torch
def test_identity_flatten_unflatten():
    x = ember.randn(2, 3, 4)
    assert enn.Identity(54, unused=0.1)(x) is x
    assert repr(enn.Identity()) == repr(torch.nn.Identity()) == "Identity()"
    for e, t, shape in [(enn.Flatten(), torch.nn.Flatten(), (2, 3, 4)),
                        (enn.Flatten(0, 1), torch.nn.Flatten(0, 1), (2, 3, 4)),
                        (enn.Flatten(-2), torch.nn.Flatten(-2), (2, 3, 4, 5)),
                        (enn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3)), (4, 6, 2)),
                        (enn.Unflatten(-1, [2, -1]), torch.nn.Unflatten(-1, [2, -1]), (3, 8))]:
        assert repr(e) == repr(t)
        check_module(e, t, [shape])
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints, but found element of type float"):
        enn.Unflatten(1, (2, 3.0))
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found type int"):
        enn.Unflatten(1, 6)


def test_seed_flatten_custom_module():
    # seed 004: a hand-written Flatten with input.view(input.size(0), -1) equals nn.Flatten()
    class MyFlatten(enn.Module):
        def forward(self, input):
            return input.view(input.size(0), -1)
    x = ember.randn(3, 2, 4)
    np.testing.assert_array_equal(MyFlatten()(x).numpy(), enn.Flatten()(x).numpy())
    assert MyFlatten()(x).shape == (3, 8)


@requires_torch
def test_lazy_linear():
    m = enn.LazyLinear(4)
    assert repr(m) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    y = m(ember.randn(2, 7))
    assert type(m) is enn.Linear and m.in_features == 7 and tuple(m.weight.shape) == (4, 7)
    assert y.shape == (2, 4) and repr(m) == "Linear(in_features=7, out_features=4, bias=True)"
    bound = 1 / np.sqrt(7)
    assert np.abs(m.weight.detach().numpy()).max() <= bound and np.abs(m.bias.detach().numpy()).max() <= bound
    nb = enn.LazyLinear(3, bias=False)
    nb(ember.randn(5))
    assert nb.bias is None and tuple(nb.weight.shape) == (3, 5)


def test_seed_linear_examples():
    # seed 000 (nn.Linear): repr and AddmmBackward0 in the printed output
    layer = enn.Linear(4, 3)
    assert str(layer) == "Linear(in_features=4, out_features=3, bias=True)"
    out = layer(ember.randn(2, 4))
    assert out.shape == (2, 3) and "grad_fn=<AddmmBackward0>" in str(out)
    # y = x W^T + b by hand
    x = ember.randn(2, 4)
    np.testing.assert_allclose(layer(x).detach().numpy(),
                               x.numpy() @ layer.weight.detach().numpy().T + layer.bias.detach().numpy(), rtol=1e-6)
    # seed 002: nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10)) on rand(2, 20)
    net = enn.Sequential(enn.Linear(20, 256), enn.ReLU(), enn.Linear(256, 10))
    y = net(ember.rand(2, 20))
    assert y.shape == (2, 10) and y.grad_fn.name() == "AddmmBackward0"
    # seed 004: net[0].weight.data.normal_(0, 0.01); net[0].bias.data.fill_(0)
    net = enn.Sequential(enn.Linear(2, 1))
    net[0].weight.data.normal_(0, 0.01)
    net[0].bias.data.fill_(0)
    assert net[0].bias.item() == 0 and abs(net[0].weight.detach().numpy()).max() < 0.1


# ---- dropout ----------------------------------------------------------------------------------------------------
def test_dropout_statistics_train_eval():
    ember.manual_seed(0)
    x = ember.ones(200, 500)
    for p in (0.2, 0.5, 0.8):
        m = enn.Dropout(p)
        y = m(x).numpy()
        zero = (y == 0).mean()
        assert abs(zero - p) < 0.01, (p, zero)
        np.testing.assert_allclose(np.unique(y), [0.0, 1 / (1 - p)], rtol=1e-6)
        assert abs(y.mean() - 1) < 0.02
        m.eval()
        assert m(x) is x
    assert EF.dropout(x, 0.0) is x and EF.dropout(x, 0.5, training=False) is x


def test_dropout_p1_and_grad():
    x = ember.randn(4, 5, requires_grad=True)
    y = EF.dropout(x, 1.0)
    assert not y.detach().numpy().any() and y.grad_fn.name() == "MulBackward0"
    ember.manual_seed(3)
    h = x * 1
    y = EF.dropout(h, 0.3)
    y.sum().backward()
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.7, rtol=1e-6)


def test_dropout_inplace_and_reproducible():
    ember.manual_seed(7)
    a = EF.dropout(ember.ones(50), 0.5).numpy()
    ember.manual_seed(7)
    x = ember.ones(50)
    out = EF.dropout(x, 0.5, inplace=True)
    assert out is x
    np.testing.assert_array_equal(x.numpy(), a)
    g = ember.Generator().manual_seed(1)
    del g  # dropout uses the global generator: a new one must not change it
    ember.manual_seed(7)
    np.testing.assert_array_equal(enn.Dropout(0.5, inplace=True)(ember.ones(50)).numpy(), a)


@pytest.mark.parametrize("cls,shape,batched", [(enn.Dropout1d, (8, 16, 30), True), (enn.Dropout1d, (16, 30), False),
                                               (enn.Dropout2d, (8, 16, 5, 6), True),
                                               (enn.Dropout3d, (4, 16, 2, 3, 4), True),
                                               (enn.Dropout3d, (16, 2, 3, 4), False)])
def test_feature_dropout_zeroes_whole_channels(cls, shape, batched):
    ember.manual_seed(1)
    y = cls(0.5)(ember.ones(*shape)).numpy()
    ch = y.reshape(shape[:2] + (-1,)) if batched else y.reshape(shape[:1] + (-1,))
    assert (ch.min(-1) == ch.max(-1)).all()  # constant per channel
    assert set(np.unique(ch)) == {0.0, 2.0}
    assert 0.3 < (ch[..., 0] == 0).mean() < 0.7
    m = cls(0.5).eval()
    x = ember.ones(*shape)
    assert m(x) is x


def test_feature_dropout_checks():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        EF.dropout1d(ember.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        EF.dropout2d(ember.ones(2, 3, 4))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        enn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        EF.dropout(ember.ones(3), -0.1)
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions in the input"):
        EF.feature_alpha_dropout(ember.ones(3), 0.5, True)


def test_alpha_dropout_keeps_moments():
    ember.manual_seed(0)
    x = ember.randn(400, 500)
    for p in (0.2, 0.5):
        y = EF.alpha_dropout(x, p, training=True).numpy()
        assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02, (p, y.mean(), y.std())
    assert EF.alpha_dropout(x, 0.5) is x  # training=False by default, like torch
    assert not EF.alpha_dropout(x, 1.0, True).numpy().any()
    m = enn.AlphaDropout(0.3)
    assert m.eval()(x) is x
    f = enn.FeatureAlphaDropout(0.5)(ember.ones(6, 40, 3)).numpy()
    assert (f.min(-1) == f.max(-1)).all() and len(np.unique(f)) == 2


@requires_torch
def test_alpha_dropout_dropped_value_matches_torch():
    # all-zero input: kept units become b = alpha*a*p, dropped ones -alpha*a*(1-p)
    torch.manual_seed(0)
    t = np.unique(torch.nn.functional.alpha_dropout(torch.zeros(1000), 0.3, True).numpy())
    e = np.unique(EF.alpha_dropout(ember.zeros(1000), 0.3, True).numpy())
    np.testing.assert_allclose(e, t, rtol=1e-6)
    t = np.unique(torch.nn.functional.alpha_dropout(torch.ones(1000), 0.3, True).numpy())
    e = np.unique(EF.alpha_dropout(ember.ones(1000), 0.3, True).numpy())
    np.testing.assert_allclose(e, t, rtol=1e-6)


@requires_torch
def test_dropout_reprs():
    for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
        assert repr(getattr(enn, name)()) == repr(getattr(torch.nn, name)())
        assert repr(getattr(enn, name)(0.2, True)) == repr(getattr(torch.nn, name)(0.2, True))
    assert repr(enn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"


@requires_torch
def test_dropout_eval_matches_torch_exactly():
    for e, t in [(enn.Dropout(), torch.nn.Dropout()), (enn.Dropout2d(), torch.nn.Dropout2d()),
                 (enn.AlphaDropout(), torch.nn.AlphaDropout())]:
        check_module(e, t, [(3, 4, 5, 5)], train=False)


# ---- embedding ----------------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
                                {"padding_idx": 0, "scale_grad_by_freq": True}])
def test_embedding_matches_torch(dtype, kw):
    for shape in [(6,), (3, 4), (2, 2, 5)]:
        idx = _idx(shape, 10)
        check_module(enn.Embedding(10, 3, **kw), torch.nn.Embedding(10, 3, **kw), inputs=[idx], dtype=dtype)
        check_module(enn.Embedding(10, 3, **kw), torch.nn.Embedding(10, 3, **kw), inputs=[idx.astype(np.int32)],
                     dtype=dtype)


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0])
def test_embedding_max_norm_renormalises_like_torch(norm_type):
    w = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32) * 2
    e = enn.Embedding.from_pretrained(ember.tensor(w), freeze=False, max_norm=1.5, norm_type=norm_type)
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, max_norm=1.5, norm_type=norm_type)
    idx = np.array([[1, 3, 3], [7, 1, 0]])
    v0 = e.weight._version
    eo, to = e(ember.tensor(idx)), t(torch.tensor(idx))
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert e.weight._version > v0  # weight rows really rewritten in place
    untouched = [2, 4, 5, 6, 8, 9]
    np.testing.assert_array_equal(e.weight.detach().numpy()[untouched], w[untouched])
    eo.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy())


@requires_torch
def test_embedding_padding_row_zero_and_no_grad():
    e, t = enn.Embedding(6, 3, padding_idx=4), torch.nn.Embedding(6, 3, padding_idx=4)
    assert not e.weight.detach().numpy()[4].any()
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight"]
    idx = ember.tensor([[4, 1, 4], [0, 4, 1]])
    e(idx).pow(2).sum().backward()
    assert not e.weight.grad.numpy()[4].any() and e.weight.grad.numpy()[1].any()
    assert e(idx).grad_fn.name() == "EmbeddingBackward0"


def test_embedding_from_pretrained():
    w = ember.tensor([[1, 2.3, 3], [4, 5.1, 6.3]])
    e = enn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad
    np.testing.assert_allclose(e(ember.LongTensor([1])).numpy(), [[4.0, 5.1, 6.3]], rtol=1e-6)
    assert enn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        enn.Embedding.from_pretrained(ember.ones(3))
    b = enn.EmbeddingBag.from_pretrained(w)
    np.testing.assert_allclose(b(ember.LongTensor([[1, 0]])).numpy(), [[2.5, 3.7, 4.65]], rtol=1e-6)
    assert not b.weight.requires_grad


def test_embedding_errors():
    e = enn.Embedding(3, 2)
    with pytest.raises(IndexError, match="index out of range in self"):
        e(ember.tensor([5]))
    with pytest.raises(IndexError, match="index out of range in self"):
        e(ember.tensor([-1]))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices' to have one of the following "
                                           "scalar types: Long, Int; but got ember.FloatTensor instead"):
        e(ember.tensor([[0.5]]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        enn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(NotImplementedError, match="sparse"):
        enn.Embedding(3, 2, sparse=True)
    with pytest.raises(RuntimeError, match="'weight' must be 2-D"):
        EF.embedding(ember.tensor([0]), ember.ones(3))


@requires_torch
def test_embedding_errors_same_type_as_torch():
    w = np.ones((3, 2), np.float32)
    for idx in (np.array([5]), np.array([-1]), np.array([1.0], np.float32)):
        check_raises(lambda i, w: torch.nn.functional.embedding(i, w), lambda i, w: EF.embedding(i, w), [idx, w])


@pytest.mark.parametrize("n,v,d,dist", [(1000, 50, 8, "uniform"), (20000, 300, 16, "zipf"), (5000, 5, 4, "uniform"),
                                        (3000, 100000, 2, "uniform"), (1, 3, 2, "uniform")])
def test_embedding_backward_scatter_add_is_exact(n, v, d, dist):
    rng = np.random.default_rng(0)
    idx = rng.integers(0, v, n) if dist == "uniform" else np.minimum(rng.zipf(1.3, n) - 1, v - 1)
    g = rng.standard_normal((n, d))
    w = ember.zeros(v, d, dtype=ember.float64, requires_grad=True)
    EF.embedding(ember.tensor(idx), w).backward(ember.tensor(g))
    ref = np.zeros((v, d))
    np.add.at(ref, idx, g)
    np.testing.assert_allclose(w.grad.numpy(), ref, rtol=1e-12, atol=1e-12)


def test_embedding_backward_million_indices():
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 1000, 10 ** 6)
    w = ember.zeros(1000, 4, requires_grad=True)
    EF.embedding(ember.tensor(idx), w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy()[:, 0], np.bincount(idx, minlength=1000), rtol=1e-6)


def test_embedding_double_backward():
    idx = ember.tensor(_idx((3, 4), 6))
    ember_gradcheck(lambda w: EF.embedding(idx, w) ** 2, [(6, 3)])


def test_seed_embedding_examples():
    # seed 000: vocab 5, dim 3, LongTensor([1, 2, 3, 0, 4]) -> (5, 3), rows of the weight matrix
    layer = enn.Embedding(5, 3)
    assert "Parameter containing" in str(layer.weight) and layer.weight.requires_grad
    ids = ember.LongTensor([1, 2, 3, 0, 4])
    out = layer(ids)
    assert out.shape == (5, 3) and out.grad_fn.name() == "EmbeddingBackward0"
    np.testing.assert_array_equal(out.detach().numpy(), layer.weight.detach().numpy()[[1, 2, 3, 0, 4]])
    # seed 004: Embedding(5, 20) on IntTensor([[0, 1, 2], [3, 4, 1]]) -> torch.Size([2, 3, 20])
    embeds = enn.Embedding(num_embeddings=5, embedding_dim=20)
    output = embeds(ember.IntTensor([[0, 1, 2], [3, 4, 1]]))
    assert str(output.shape) == "ember.Size([2, 3, 20])"
    # padding_idx=3: the padding vector is all zeros and never updated
    pad = enn.Embedding(10, 4, padding_idx=3)
    sent = ember.tensor([[2, 4, 5, 3, 3], [1, 2, 7, 8, 9]])
    o = pad(sent)
    assert not o.detach().numpy()[0, 3:].any()
    o.sum().backward()
    assert not pad.weight.grad.numpy()[3].any()
    # loading fixed vectors: embeds.weight = nn.Parameter(emb); embeds.weight.requires_grad = False
    emb = ember.randn(5, 20)
    embeds.weight = enn.Parameter(emb)
    embeds.weight.requires_grad = False
    np.testing.assert_array_equal(embeds(ember.tensor([4])).numpy()[0], emb.numpy()[4])
    assert not embeds(ember.tensor([4])).requires_grad


# ---- embedding bag ----------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"include_last_offset": True}])
def test_embedding_bag_matches_torch(dtype, mode, kw):
    flat = _idx(12, 10, 1)
    off = np.array([0, 3, 3, 7, 12] if kw.get("include_last_offset") else [0, 3, 3, 7])
    mk = lambda M: M.EmbeddingBag(10, 3, mode=mode, **kw)  # noqa: E731
    check_module(mk(enn), mk(torch.nn), inputs=[flat, off], dtype=dtype)
    if not kw.get("include_last_offset"):
        check_module(mk(enn), mk(torch.nn), inputs=[_idx((4, 5), 10, 2)], dtype=dtype)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_embedding_bag_per_sample_weights(dtype):
    flat = _idx(9, 8, 3)
    off = np.array([0, 4, 4])
    psw = np.random.default_rng(0).uniform(0.5, 2, 9).astype(dtype)
    for kw in ({}, {"padding_idx": int(flat[0])}):
        check_module(enn.EmbeddingBag(8, 3, mode="sum", **kw), torch.nn.EmbeddingBag(8, 3, mode="sum", **kw),
                     inputs=[flat, off, psw], dtype=dtype)
    check_op(*dual(lambda m, w, p: _F(m).embedding_bag(m.tensor(flat), w, m.tensor(off), mode="sum",
                                                       per_sample_weights=p)), shapes=[(8, 3), (9,)])


def test_embedding_bag_gradcheck():
    flat, off = ember.tensor(_idx(7, 6, 4)), ember.tensor([0, 2, 2, 5])
    for mode in ("sum", "mean", "max"):
        ember_gradcheck(lambda w: EF.embedding_bag(flat, w, off, mode=mode) ** 2, [(6, 3)])
    ember_gradcheck(lambda w, p: EF.embedding_bag(flat, w, off, mode="sum", per_sample_weights=p) ** 2,
                    [(6, 3), (7,)])


@requires_torch
def test_embedding_bag_errors_and_repr():
    assert repr(enn.EmbeddingBag(10, 3)) == repr(torch.nn.EmbeddingBag(10, 3)) == "EmbeddingBag(10, 3, mode='mean')"
    kw = dict(max_norm=2.0, norm_type=1.0, scale_grad_by_freq=True, mode="sum", padding_idx=1)
    assert repr(enn.EmbeddingBag(10, 3, **kw)) == repr(torch.nn.EmbeddingBag(10, 3, **kw))
    assert list(enn.EmbeddingBag(4, 2).state_dict()) == ["weight"]
    w = ember.ones(3, 2)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        EF.embedding_bag(ember.tensor([1, 2]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        EF.embedding_bag(ember.tensor([[1, 2]]), w, ember.tensor([0]))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        EF.embedding_bag(ember.tensor([[1, 2]]), w, mode="min")
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        EF.embedding_bag(ember.tensor([1, 2]), w, ember.tensor([0]), mode="max", per_sample_weights=ember.ones(2))


# ---- normalisation ------------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args,kw,shape", [((4,), {}, (3, 4)), ((4,), {}, (2, 3, 4)), (([3, 4],), {}, (2, 3, 4)),
                                           ((4,), {"elementwise_affine": False}, (5, 4)),
                                           ((4,), {"bias": False}, (2, 4)), ((4,), {"eps": 1e-2}, (4,))])
def test_layer_norm_matches_torch(dtype, args, kw, shape):
    e, t = enn.LayerNorm(*args, **kw), torch.nn.LayerNorm(*args, **kw)
    with torch.no_grad():  # non-trivial affine parameters
        for p in t.parameters():
            p.uniform_(0.5, 1.5)
    assert list(e.state_dict()) == list(t.state_dict())
    assert repr(e) == repr(t)
    check_module(e, t, [shape], dtype=dtype)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args,kw,shape", [((2, 4), {}, (3, 4)), ((2, 4), {}, (2, 4, 5)), ((3, 6), {}, (2, 6, 2, 3)),
                                           ((1, 4), {"affine": False}, (2, 4, 3)), ((4, 4), {"bias": False}, (2, 4, 3)),
                                           ((2, 4), {"eps": 0.1}, (2, 4, 2))])
def test_group_norm_matches_torch(dtype, args, kw, shape):
    e, t = enn.GroupNorm(*args, **kw), torch.nn.GroupNorm(*args, **kw)
    with torch.no_grad():
        for p in t.parameters():
            p.uniform_(0.5, 1.5)
    assert repr(e) == repr(t)
    check_module(e, t, [shape], dtype=dtype)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args,kw,shape", [((4,), {}, (3, 4)), (([3, 4],), {"eps": 1e-3}, (2, 3, 4)),
                                           ((4,), {"elementwise_affine": False}, (2, 5, 4))])
def test_rms_norm_matches_torch(dtype, args, kw, shape):
    e, t = enn.RMSNorm(*args, **kw), torch.nn.RMSNorm(*args, **kw)
    with torch.no_grad():
        for p in t.parameters():
            p.uniform_(0.5, 1.5)
    assert repr(e) == repr(t) and list(e.state_dict()) == list(t.state_dict())
    check_module(e, t, [shape], dtype=dtype)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args,shape", [((2,), (2, 5, 4)), ((3, 1e-2, 0.5, 2.0), (2, 6, 3, 3)),
                                        ((4,), (1, 3, 2, 2, 2))])
def test_local_response_norm_matches_torch(dtype, args, shape):
    e, t = enn.LocalResponseNorm(*args), torch.nn.LocalResponseNorm(*args)
    assert repr(e) == repr(t)
    check_module(e, t, [shape], dtype=dtype)


def test_norm_layers_gradgradcheck():
    ember_gradcheck(lambda x, w, b: EF.layer_norm(x, (4,), w, b), [(2, 3, 4), (4,), (4,)])
    ember_gradcheck(lambda x: EF.layer_norm(x, (3, 4)), [(2, 3, 4)])
    ember_gradcheck(lambda x, w, b: EF.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)])
    ember_gradcheck(lambda x, w: EF.rms_norm(x, (4,), w), [(2, 4), (4,)])
    ember_gradcheck(lambda x: EF.local_response_norm(x, 3, 0.1, 0.75, 1.0), [(2, 4, 3)])


def test_layer_norm_grad_fn_and_seed_example():
    # seed 000 (nn.LayerNorm): LayerNorm(3) on randn(4, 3) -> each row mean 0, var 1, NativeLayerNormBackward0
    ln = enn.LayerNorm(3)
    out = ln(ember.randn(4, 3))
    assert "grad_fn=<NativeLayerNormBackward0>" in str(out)
    np.testing.assert_allclose(out.detach().numpy().mean(1), 0, atol=1e-6)
    np.testing.assert_allclose(out.detach().numpy().var(1), 1, atol=1e-3)
    assert EF.group_norm(ember.randn(2, 4, 3, requires_grad=True), 2).grad_fn.name() == "NativeGroupNormBackward0"
    # normalized_shape must be the trailing dims: [3, 4] works on randn(3, 4), 3 does not
    assert enn.LayerNorm([3, 4])(ember.randn(3, 4)).shape == (3, 4)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3\], expected input with shape \[\*, 3\], but "
                                           r"got input of size\[3, 4\]"):
        enn.LayerNorm(3)(ember.randn(3, 4))


@requires_torch
def test_norm_errors_match_torch():
    x = np.zeros((2, 6, 4), np.float32)
    cases = [lambda F, t: F.layer_norm(t, (5,)), lambda F, t: F.layer_norm(t, (4,), t.new_ones(3)),
             lambda F, t: F.layer_norm(t, (4,), None, t.new_ones(3)), lambda F, t: F.group_norm(t, 4),
             lambda F, t: F.group_norm(t, 3, t.new_ones(5)), lambda F, t: F.group_norm(t[:1, :, :1], 6),
             lambda F, t: F.rms_norm(t, (5,)), lambda F, t: F.local_response_norm(t[0], 2)]
    for f in cases:
        check_raises(lambda t, f=f: f(torch.nn.functional, t), lambda t, f=f: f(EF, t), [x])
    with pytest.raises(RuntimeError, match=r"Expected number of channels in input to be divisible by num_groups, but "
                                           r"got input of shape \[2, 6, 4\] and num_groups=4"):
        EF.group_norm(ember.tensor(x), 4)
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        enn.GroupNorm(4, 6)


# ---- one_hot, normalize, distances ----------------------------------------------------------------------------------
@requires_torch
def test_one_hot():
    for a, n in [(np.array([0, 2, 1]), -1), (np.array([[0, 3], [1, 1]]), 5), (np.array(2), 4)]:
        e, t = EF.one_hot(ember.tensor(a), n), torch.nn.functional.one_hot(torch.tensor(a), n)
        assert e.dtype == ember.int64 and tuple(e.shape) == tuple(t.shape)
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    for a, n in [(np.array([1, 5]), 3), (np.array([1, -1]), 3), (np.array([1.0]), 3),
                 (np.array([1], np.int32), 3), (np.array([], np.int64), -1)]:
        check_raises(lambda t, n=n: torch.nn.functional.one_hot(t, n), lambda t, n=n: EF.one_hot(t, n), [a])
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        EF.one_hot(ember.tensor([1, 5]), 3)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_normalize_cosine_pairwise(dtype):
    d = (dtype,)
    check_op(*dual(lambda m, x: _F(m).normalize(x)), shapes=[(3, 4)], dtypes=d)
    check_op(*dual(lambda m, x: _F(m).normalize(x, p=1.0, dim=0)), shapes=[(3, 4)], dtypes=d)
    check_op(*dual(lambda m, x: _F(m).normalize(x, p=3.0, dim=(0, 2))), shapes=[(2, 3, 4)], dtypes=d)
    check_op(*dual(lambda m, x, y: _F(m).cosine_similarity(x, y)), shapes=[(3, 4), (3, 4)], dtypes=d)
    check_op(*dual(lambda m, x, y: _F(m).cosine_similarity(x, y, dim=-1)), shapes=[(2, 3, 4), (3, 4)], dtypes=d)
    check_op(*dual(lambda m, x, y: _F(m).cosine_similarity(x, y, 0)), shapes=[(5,), (5,)], dtypes=d)
    check_op(*dual(lambda m, x, y: _F(m).pairwise_distance(x, y)), shapes=[(3, 4), (3, 4)], dtypes=d)
    check_op(*dual(lambda m, x, y: _F(m).pairwise_distance(x, y, 1.0, 1e-3, True)), shapes=[(3, 4), (4,)], dtypes=d)
    check_op(*dual(lambda m, x, y: _F(m).pairwise_distance(x, y, 3.0)), shapes=[(2, 3, 4), (2, 3, 4)], dtypes=d)


@requires_torch
def test_cosine_similarity_zero_vector_and_errors():
    z = np.zeros((2, 3))
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    e = EF.cosine_similarity(ember.tensor(z), ember.tensor(x))
    t = torch.nn.functional.cosine_similarity(torch.tensor(z), torch.tensor(x))
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    check_raises(lambda a, b: torch.nn.functional.cosine_similarity(a, b),
                 lambda a, b: EF.cosine_similarity(a, b), [np.zeros((2, 3)), np.zeros((4, 3))])
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(4\)"):
        EF.cosine_similarity(ember.zeros(2, 3), ember.zeros(4, 3))


def test_distances_gradgradcheck():
    ember_gradcheck(lambda x: EF.normalize(x), [(3, 4)])
    ember_gradcheck(lambda x, y: EF.cosine_similarity(x, y), [(3, 4), (3, 4)])
    ember_gradcheck(lambda x, y: EF.pairwise_distance(x, y), [(3, 4), (3, 4)])
    ember_gradcheck(lambda x, w, b: EF.linear(x, w, b), [(2, 3, 4), (5, 4), (5,)])
    ember_gradcheck(lambda x, y, w, b: EF.bilinear(x, y, w, b), [(3, 4), (3, 2), (5, 4, 2), (5,)])


# ---- state_dict round trip through a model ----------------------------------------------------------------------
@requires_torch
def test_small_model_state_dict_roundtrip_with_torch():
    def build(nn):
        return nn.Sequential(nn.Embedding(20, 8, padding_idx=0), nn.LayerNorm(8), nn.Flatten(), nn.Linear(24, 16),
                             nn.GELU(), nn.Dropout(0.1), nn.Linear(16, 4), nn.LogSoftmax(-1))
    e, t = build(enn), build(torch.nn)
    assert list(e.state_dict()) == list(t.state_dict())
    assert repr(e) == repr(t)
    check_module(e, t, inputs=[_idx((5, 3), 20)], train=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in e.state_dict().items()})
