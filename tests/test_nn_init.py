"""Initialisation: every layer's default distribution (statistically, over large layers) and the nn.init functions
(gain table, fans, each distribution, generator reproducibility, no-grad semantics, errors)."""
import math

import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.nn import init
from helpers import requires_torch, torch


def _np(t):
    return t.detach().numpy().astype(np.float64).ravel()


def _check_uniform(x, a, b):
    """Samples of U(a, b): inside the bounds, reaching close to them, with the right mean and std."""
    n = x.size
    span = b - a
    assert x.min() >= a and x.max() <= b
    assert x.min() < a + span * 20 / n and x.max() > b - span * 20 / n
    assert abs(x.mean() - (a + b) / 2) < 5 * span / math.sqrt(12 * n)
    assert abs(x.std() - span / math.sqrt(12)) < 0.02 * span / math.sqrt(12)


def _check_normal(x, mean, std):
    n = x.size
    assert abs(x.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(x.std() - std) < 0.02 * std
    # normal, not uniform: ~4.55% of the mass beyond 2 std
    assert abs((np.abs(x - mean) > 2 * std).mean() - 0.0455) < 0.01


# ---- default layer initialisation --------------------------------------------------------------------------------
def test_linear_default_init_is_uniform_one_over_sqrt_fan_in():
    m = enn.Linear(400, 300)
    b = 1 / math.sqrt(400)
    _check_uniform(_np(m.weight), -b, b)
    bias = _np(m.bias)
    assert bias.min() >= -b and bias.max() <= b and abs(bias.mean()) < 0.2 * b
    big_bias = enn.Linear(100, 100000)
    _check_uniform(_np(big_bias.bias), -0.1, 0.1)


def test_bilinear_embedding_and_norm_defaults():
    m = enn.Bilinear(16, 50, 200)
    _check_uniform(_np(m.weight), -0.25, 0.25)
    _check_normal(_np(enn.Embedding(1000, 100).weight), 0.0, 1.0)
    _check_normal(_np(enn.EmbeddingBag(1000, 100).weight), 0.0, 1.0)
    for ln in (enn.LayerNorm(7), enn.GroupNorm(2, 6), enn.RMSNorm([2, 3])):
        assert (_np(ln.weight) == 1).all()
    assert (_np(enn.LayerNorm(7).bias) == 0).all() and (_np(enn.GroupNorm(2, 6).bias) == 0).all()
    assert (_np(enn.PReLU(5, init=0.1).weight) == np.float32(0.1)).all()


@requires_torch
@pytest.mark.parametrize("build", [lambda nn: nn.Linear(300, 200), lambda nn: nn.Bilinear(20, 30, 300),
                                   lambda nn: nn.Embedding(500, 60), lambda nn: nn.Linear(7, 20000)])
def test_default_init_distribution_matches_torch(build):
    """Quantiles of every parameter agree with torch's (same distribution, different streams)."""
    torch.manual_seed(0)
    e, t = build(enn), build(torch.nn)
    for (name, pe), (tname, pt) in zip(e.named_parameters(), t.named_parameters()):
        assert name == tname and tuple(pe.shape) == tuple(pt.shape) and pe.dtype == ember.float32
        qs = np.linspace(0.01, 0.99, 25)
        a, b = np.quantile(_np(pe), qs), np.quantile(pt.detach().numpy().ravel(), qs)
        scale = b[-1] - b[0]
        n = pe.numel()
        assert np.abs(a - b).max() < 6 * scale / math.sqrt(n) + 1e-3 * scale, name


def test_padding_row_starts_at_zero_and_init_is_seeded():
    ember.manual_seed(123)
    a = enn.Linear(5, 4).weight.detach().numpy().copy()
    ember.manual_seed(123)
    b = enn.Linear(5, 4).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not (a == enn.Linear(5, 4).weight.detach().numpy()).all()
    e = enn.Embedding(10, 4, padding_idx=-3)
    assert e.padding_idx == 7 and not _np(e.weight).reshape(10, 4)[7].any()


def test_reset_parameters_redraws():
    m = enn.Linear(50, 40)
    w = m.weight.detach().numpy().copy()
    m.reset_parameters()
    assert not np.array_equal(w, m.weight.detach().numpy())
    assert m.weight.grad_fn is None and m.weight.requires_grad


def test_seed_init_via_apply():
    # seed 002: net.apply(init_normal) with nn.init.normal_(m.weight, mean=0, std=0.01); zeros_(m.bias)
    def init_normal(m):
        if type(m) == enn.Linear:
            init.normal_(m.weight, mean=0, std=0.01)
            init.zeros_(m.bias)
    net = enn.Sequential(enn.Linear(4, 8), enn.ReLU(), enn.Linear(8, 1))
    net.apply(init_normal)
    assert abs(_np(net[0].weight)).max() < 0.06 and not _np(net[0].bias).any()

    def init_constant(m):
        if type(m) == enn.Linear:
            init.constant_(m.weight, 1)
            init.zeros_(m.bias)
    net.apply(init_constant)
    assert (_np(net[0].weight) == 1).all()

    def xavier(m):
        if type(m) == enn.Linear:
            init.xavier_uniform_(m.weight)
    net[0].apply(xavier)
    bound = math.sqrt(6 / (4 + 8))
    assert abs(_np(net[0].weight)).max() <= bound
    net[2].apply(lambda m: init.constant_(m.weight, 42) if type(m) == enn.Linear else None)
    assert (_np(net[2].weight) == 42).all()


# ---- nn.init functions ---------------------------------------------------------------------------------------------
@requires_torch
def test_calculate_gain_table_matches_torch():
    names = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
             "sigmoid", "tanh", "relu", "leaky_relu", "selu"]
    for n in names:
        assert init.calculate_gain(n) == torch.nn.init.calculate_gain(n), n
    for slope in (0.0, 0.2, 1, 3.5):
        assert init.calculate_gain("leaky_relu", slope) == torch.nn.init.calculate_gain("leaky_relu", slope)
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", True)


@requires_torch
@pytest.mark.parametrize("shape", [(3, 4), (5, 6, 3), (8, 2, 3, 3), (4, 2, 1, 2, 3), (7, 0)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(ember.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2 "
                                         "dimensions"):
        init._calculate_fan_in_and_fan_out(ember.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(3, 4), mode="fan_avg")


def test_uniform_normal_constant():
    t = ember.empty(300, 300)
    _check_uniform(_np(init.uniform_(t, -2.0, 3.0)), -2.0, 3.0)
    _check_normal(_np(init.normal_(t, 1.5, 0.3)), 1.5, 0.3)
    assert (_np(init.constant_(t, 0.7)) == np.float32(0.7)).all()
    assert (_np(init.ones_(t)) == 1).all() and not _np(init.zeros_(t)).any()


@requires_torch
def test_trunc_normal_matches_torch_distribution():
    e = _np(init.trunc_normal_(ember.empty(200000), mean=0.5, std=1.0, a=-1.0, b=2.0))
    t = torch.nn.init.trunc_normal_(torch.empty(200000), mean=0.5, std=1.0, a=-1.0, b=2.0).numpy()
    assert e.min() >= -1.0 and e.max() <= 2.0
    assert abs(e.mean() - t.mean()) < 0.01 and abs(e.std() - t.std()) < 0.01
    np.testing.assert_allclose(np.quantile(e, [0.1, 0.5, 0.9]), np.quantile(t, [0.1, 0.5, 0.9]), atol=0.02)


@requires_torch
def test_eye_and_dirac_match_torch_exactly():
    for shape in [(3, 5), (4, 2), (3, 3)]:
        np.testing.assert_array_equal(init.eye_(ember.empty(*shape)).numpy(),
                                      torch.nn.init.eye_(torch.empty(*shape)).numpy())
    for shape, groups in [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((4, 6, 3, 3, 3), 1), ((4, 2, 3, 5), 2)]:
        np.testing.assert_array_equal(init.dirac_(ember.empty(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(ember.empty(2, 2, 2))
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(ember.empty(2, 2))


def test_xavier_and_kaiming_distributions():
    t = ember.empty(400, 600)
    gain = init.calculate_gain("tanh")
    a = gain * math.sqrt(6 / 1000)
    _check_uniform(_np(init.xavier_uniform_(t, gain=gain)), -a, a)
    _check_normal(_np(init.xavier_normal_(t)), 0.0, math.sqrt(2 / 1000))
    b = math.sqrt(2) * math.sqrt(3 / 600)
    _check_uniform(_np(init.kaiming_uniform_(t, nonlinearity="relu")), -b, b)
    b = math.sqrt(2 / (1 + 5)) * math.sqrt(3 / 400)
    _check_uniform(_np(init.kaiming_uniform_(t, a=math.sqrt(5), mode="fan_out")), -b, b)
    _check_normal(_np(init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")), 0.0, math.sqrt(2 / 400))
    conv = ember.empty(64, 16, 3, 3)
    b = math.sqrt(2 / (1 + 0.01 ** 2)) * math.sqrt(3 / (16 * 9))
    _check_uniform(_np(init.kaiming_uniform_(conv)), -b, b)


def test_orthogonal_and_sparse():
    for shape in [(6, 10), (10, 6), (4, 3, 2)]:
        q = init.orthogonal_(ember.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        small = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(small.shape[0]), atol=1e-5)
    s = init.sparse_(ember.empty(40, 30), sparsity=0.25, std=0.5).numpy()
    assert ((s == 0).sum(0) >= 10).all()
    assert abs(s[s != 0].std() - 0.5) < 0.1
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(ember.empty(3, 3, 3), 0.1)


@pytest.mark.parametrize("fn", [lambda t, g: init.uniform_(t, generator=g), lambda t, g: init.normal_(t, generator=g),
                                lambda t, g: init.trunc_normal_(t, generator=g),
                                lambda t, g: init.xavier_uniform_(t, generator=g),
                                lambda t, g: init.xavier_normal_(t, generator=g),
                                lambda t, g: init.kaiming_uniform_(t, generator=g),
                                lambda t, g: init.kaiming_normal_(t, generator=g),
                                lambda t, g: init.orthogonal_(t, generator=g)])
def test_generator_reproducibility(fn):
    a = fn(ember.empty(20, 30), ember.Generator().manual_seed(5)).numpy().copy()
    b = fn(ember.empty(20, 30), ember.Generator().manual_seed(5)).numpy()
    c = fn(ember.empty(20, 30), ember.Generator().manual_seed(6)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    ember.manual_seed(9)
    before = ember.rand(3).numpy()
    ember.manual_seed(9)
    fn(ember.empty(4, 5), ember.Generator().manual_seed(1))  # a private generator leaves the global one alone
    np.testing.assert_array_equal(ember.rand(3).numpy(), before)


def test_sparse_generator_draws_values_only():
    # as torch: the normal values come from `generator`, the zero pattern from the global generator's randperm
    ember.manual_seed(3)
    a = init.sparse_(ember.empty(20, 30), 0.3, generator=ember.Generator().manual_seed(5)).numpy().copy()
    ember.manual_seed(3)
    b = init.sparse_(ember.empty(20, 30), 0.3, generator=ember.Generator().manual_seed(5)).numpy()
    np.testing.assert_array_equal(a, b)
    ember.manual_seed(4)
    c = init.sparse_(ember.empty(20, 30), 0.3, generator=ember.Generator().manual_seed(5)).numpy()
    assert not np.array_equal(a == 0, c == 0)


def test_init_on_parameters_is_no_grad_and_in_place():
    p = enn.Parameter(ember.empty(5, 4))
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_, init.ones_, init.zeros_,
               init.orthogonal_, init.eye_, lambda t: init.constant_(t, 3.0), init.trunc_normal_):
        v = p._version
        out = fn(p)
        assert out is p and p.requires_grad and p.grad_fn is None and p._version > v
    p.sum().backward()  # still a working leaf
    assert p.grad is not None


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match="nn.init.normal is now deprecated in favor of nn.init.normal_"):
        init.normal(ember.empty(2, 2))
    with pytest.warns(FutureWarning):
        init.xavier_uniform(ember.empty(2, 2))


def test_zero_element_kaiming_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))
