"""Random streams bit-compatible with torch's CPU generator: after the same manual_seed every sampler, nn.init
function, default layer init, dropout mask and a short training run give torch's numbers."""
import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.nn import init as einit

torch = pytest.importorskip("torch")

SEEDS = (0, 7, 123456789)
SIZES = (1, 7, 15, 16, 17, 100, 1000)
DTYPES = ("float32", "float64")


def _same(e, t, exact=False):
    e = e.detach().numpy() if hasattr(e, "detach") else np.asarray(e)
    t = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
    assert e.shape == t.shape and e.dtype == t.dtype, (e.shape, t.shape, e.dtype, t.dtype)
    if exact or e.dtype.kind in "iub":
        np.testing.assert_array_equal(e, t)
    else:
        np.testing.assert_allclose(e, t, rtol=1e-6, atol=0)


def _both(seed, fe, ft):
    ember.manual_seed(seed)
    torch.manual_seed(seed)
    return fe(ember), ft(torch)


# ---- samplers ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", DTYPES)
def test_rand_randn_normal_uniform(seed, n, dt):
    for call in (lambda m: m.rand(n, dtype=getattr(m, dt)),
                 lambda m: m.randn(n, dtype=getattr(m, dt)),
                 lambda m: m.randn(2, n, dtype=getattr(m, dt)).t(),
                 lambda m: m.empty(n, dtype=getattr(m, dt)).normal_(0.5, 3.0),
                 lambda m: m.empty(n, dtype=getattr(m, dt)).uniform_(-1.7, 2.3),
                 lambda m: m.normal(1.5, 0.25, (n,), dtype=getattr(m, dt)),
                 lambda m: m.empty(n, dtype=getattr(m, dt)).exponential_(2.0),
                 lambda m: m.empty(n, dtype=getattr(m, dt)).log_normal_(0.1, 0.5),
                 lambda m: m.empty(n, dtype=getattr(m, dt)).cauchy_(1.0, 2.0),
                 lambda m: m.empty(n, dtype=getattr(m, dt)).geometric_(0.3)):
        _same(*_both(seed, call, call))


def test_float32_normal_fill_is_bit_exact():
    # torch's AVX2 Box-Muller (vector log/sincos, fused multiply-adds) reproduced to the bit
    e, t = _both(99, lambda m: m.randn(100003), lambda m: m.randn(100003))
    _same(e, t, exact=True)
    e, t = _both(98, lambda m: m.empty(4096).normal_(0.3, 2.5), lambda m: m.empty(4096).normal_(0.3, 2.5))
    _same(e, t, exact=True)


def test_normal_on_non_contiguous_uses_scalar_sampler():
    def f(m):
        x = m.zeros(6, 5).t()
        x.normal_()
        return x.contiguous(), m.randn(3)
    e, t = _both(3, f, f)
    _same(e[0], t[0])
    _same(e[1], t[1])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_integer_samplers(seed, n):
    for call in (lambda m: m.randint(0, 10, (n,)),
                 lambda m: m.randint(-5, 2 ** 40, (n,)),
                 lambda m: m.randint(3, (n, 2), dtype=m.int32),
                 lambda m: m.randperm(n),
                 lambda m: m.empty(n, dtype=m.int64).random_(),
                 lambda m: m.empty(n, dtype=m.int32).random_(),
                 lambda m: m.empty(n, dtype=m.float32).random_(),
                 lambda m: m.empty(n, dtype=m.int64).random_(4, 9)):
        _same(*_both(seed, call, call))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", DTYPES)
def test_bernoulli(seed, n, dt):
    p = np.random.default_rng(n).random(n).astype(dt)
    for call in (lambda m: m.empty(n, dtype=getattr(m, dt)).bernoulli_(0.3),
                 lambda m: m.bernoulli(m.tensor(p)),
                 lambda m: m.bernoulli(m.tensor(p), 0.8),
                 lambda m: m.zeros(n, dtype=m.int64).bernoulli_(m.tensor(p))):
        _same(*_both(seed, call, call))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dt", DTYPES)
def test_multinomial(seed, dt):
    w = np.random.default_rng(seed).random((3, 12)).astype(dt)
    w[1, 4] = 0
    for call in (lambda m: m.multinomial(m.tensor(w), 5),
                 lambda m: m.multinomial(m.tensor(w), 1),
                 lambda m: m.multinomial(m.tensor(w), 1, replacement=True),
                 lambda m: m.multinomial(m.tensor(w), 40, replacement=True),
                 lambda m: m.multinomial(m.tensor(w[0]), 7),
                 lambda m: m.tensor(w[2]).multinomial(9, True)):
        _same(*_both(seed, call, call))


def test_normal_with_tensor_arguments():
    mean = np.linspace(-2, 2, 20).astype(np.float32)
    std = np.linspace(0.1, 3, 20).astype(np.float32)
    for call in (lambda m: m.normal(m.tensor(mean), m.tensor(std)),
                 lambda m: m.normal(m.tensor(mean), 2.0),
                 lambda m: m.normal(0.5, m.tensor(std[:7]))):
        _same(*_both(11, call, call))


def test_mixed_sequence_stays_aligned():
    def f(m):
        return [m.randn(3), m.rand(5), m.randn(1), m.randn(17, dtype=m.float64), m.randint(0, 10, (4,)),
                m.randperm(9), m.empty(20).normal_(), m.randn(1), m.empty(30).bernoulli_(0.5),
                m.multinomial(m.ones(6), 3), m.randn(2, dtype=m.float64), m.randn(5), m.rand(3, dtype=m.float64)]
    for e, t in zip(*_both(5, f, f)):
        _same(e, t)


# ---- generators and state -------------------------------------------------------------------------------------------
def test_generator_objects():
    ge, gt = ember.Generator().manual_seed(99), torch.Generator().manual_seed(99)
    ember.manual_seed(1)
    torch.manual_seed(1)
    _same(ember.randn(40, generator=ge), torch.randn(40, generator=gt))
    _same(ember.randperm(10, generator=ge), torch.randperm(10, generator=gt))
    _same(ember.rand(4), torch.rand(4))  # the default stream did not move
    assert ge.initial_seed() == gt.initial_seed() == 99
    assert ember.Generator().initial_seed() == torch.Generator().initial_seed()
    s = ge.seed()
    assert isinstance(s, int) and ge.initial_seed() == s
    state = ge.get_state()
    a = ember.rand(8, generator=ge)
    ge.set_state(state)
    _same(ember.rand(8, generator=ge), a, exact=True)
    ember.manual_seed(-1)
    torch.manual_seed(-1)
    assert ember.initial_seed() == torch.initial_seed()
    _same(ember.rand(3), torch.rand(3))
    with pytest.raises(ValueError):
        ember.manual_seed(2 ** 64)


@pytest.mark.parametrize("draws", [0, 3, 700, 1248])
def test_state_round_trips_with_torch(draws):
    ember.manual_seed(21)
    torch.manual_seed(21)
    ember.rand(draws)
    torch.rand(draws)
    ember.randn(3, dtype=ember.float64)  # leaves a cached Box-Muller value in the state
    torch.randn(3, dtype=torch.float64)
    se, st = ember.get_rng_state(), torch.get_rng_state()
    assert se.dtype == ember.uint8 and tuple(se.shape) == tuple(st.shape)
    np.testing.assert_array_equal(se.numpy(), st.numpy())  # byte for byte torch's layout
    torch.set_rng_state(torch.from_numpy(se.numpy()))
    ember.set_rng_state(ember.tensor(st.numpy()))
    _same(ember.randn(5, dtype=ember.float64), torch.randn(5, dtype=torch.float64))
    _same(ember.rand(700), torch.rand(700))
    with pytest.raises(RuntimeError, match="size"):
        ember.set_rng_state(ember.zeros(10, dtype=ember.uint8))
    with pytest.raises(TypeError):
        ember.set_rng_state(ember.zeros(5056))


def test_random_module_fork_rng():
    ember.manual_seed(4)
    with ember.random.fork_rng():
        a = ember.randn(10)
    _same(ember.randn(10), a, exact=True)
    assert ember.random.initial_seed() == 4
    assert ember.random.get_rng_state().shape == ember.get_rng_state().shape


# ---- nn.init and default layer initialisation ----------------------------------------------------------------------
def _init_calls(m, init):
    return [lambda w: init.uniform_(w, -0.3, 0.2), lambda w: init.normal_(w, 0.1, 0.7),
            lambda w: init.xavier_uniform_(w, gain=1.3), lambda w: init.xavier_normal_(w),
            lambda w: init.kaiming_uniform_(w, a=0.1), lambda w: init.kaiming_normal_(w, mode="fan_out"),
            lambda w: init.trunc_normal_(w, 0.2, 1.0, -1.5, 1.0),  # wide window: rejected normals redrawn
            lambda w: init.trunc_normal_(w, 0.0, 1.0, 0.5, 0.9),  # narrow window: uniform proposals
            lambda w: init.orthogonal_(w, gain=2.0), lambda w: init.sparse_(w, 0.4)]


@pytest.mark.parametrize("k", range(10))
@pytest.mark.parametrize("shape", [(3, 5), (30, 7), (6, 4, 3)])
def test_nn_init_functions(k, shape):
    if k == 9 and len(shape) != 2:
        return
    e, t = _both(8, lambda m: _init_calls(m, einit)[k](ember.empty(*shape)),
                 lambda m: _init_calls(m, torch.nn.init)[k](torch.empty(*shape)))
    if k == 8:  # orthogonal_: the QR factorisations differ in rounding
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-4, atol=1e-5)
    else:
        _same(e, t)


def _layers(nn):
    return [nn.Linear(20, 30), nn.Conv2d(3, 8, 3), nn.Conv1d(4, 6, 5, groups=2), nn.ConvTranspose2d(4, 3, 2),
            nn.Embedding(50, 8), nn.LayerNorm(7), nn.BatchNorm1d(5), nn.LSTM(10, 12, num_layers=2),
            nn.GRU(6, 5, bidirectional=True), nn.RNN(4, 3), nn.Bilinear(3, 4, 5), nn.MultiheadAttention(8, 2),
            nn.Linear(5, 1, bias=False), nn.TransformerEncoderLayer(8, 2, 16), nn.LSTM(3, 4, proj_size=2),
            nn.GRUCell(3, 4), nn.Conv3d(2, 3, 2), nn.EmbeddingBag(10, 3)]


def test_default_layer_init_matches_torch():
    e, t = _both(2024, lambda m: _layers(enn), lambda m: _layers(torch.nn))
    for le, lt in zip(e, t):
        se, st = le.state_dict(), lt.state_dict()
        assert [k for k in se] == [k for k in st], type(lt)
        for k in st:
            _same(se[k], st[k])


# ---- dropout --------------------------------------------------------------------------------------------------------
def test_dropout_masks():
    def f(m):
        F = m.nn.functional
        x = m.ones(4, 6, 3, 3)
        return [F.dropout(x, 0.3), F.dropout(x[0, 0], 0.5, training=True), F.dropout2d(x, 0.25),
                F.alpha_dropout(x, 0.2, training=True), m.nn.Dropout(0.1)(m.ones(40)), F.dropout(x, 0.0),
                F.dropout(x, 0.3, training=False)]
    for e, t in zip(*_both(17, f, f)):
        _same(e, t)


def test_lstm_inter_layer_dropout():
    def f(m):
        lstm = m.nn.LSTM(3, 4, num_layers=3, dropout=0.4)
        x = m.randn(5, 2, 3)
        return lstm(x)[0]
    e, t = _both(6, f, f)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


# ---- data loading and a seeded training run -------------------------------------------------------------------------
def test_samplers_follow_torch_stream():
    from ember.utils.data import RandomSampler, SubsetRandomSampler, WeightedRandomSampler
    import torch.utils.data as tud
    e, t = _both(3, lambda m: list(RandomSampler(range(23))), lambda m: list(tud.RandomSampler(range(23))))
    assert e == t
    e = list(RandomSampler(range(40), True, 70, generator=ember.Generator().manual_seed(1)))
    assert e == list(tud.RandomSampler(range(40), True, 70, generator=torch.Generator().manual_seed(1)))
    e = list(SubsetRandomSampler([5, 9, 2, 7], generator=ember.Generator().manual_seed(2)))
    assert e == list(tud.SubsetRandomSampler([5, 9, 2, 7], generator=torch.Generator().manual_seed(2)))
    w = [0.1, 2.0, 0.5, 1.0]
    e = list(WeightedRandomSampler(w, 9, generator=ember.Generator().manual_seed(2)))
    assert e == list(tud.WeightedRandomSampler(w, 9, generator=torch.Generator().manual_seed(2)))
    e, t = _both(9, lambda m: [b.tolist() for b in m.utils.data.DataLoader(list(range(10)), 4, shuffle=True)],
                 lambda m: [b.tolist() for b in tud.DataLoader(list(range(10)), 4, shuffle=True)])
    assert e == t
    _same(ember.rand(3), torch.rand(3))  # both loaders consumed the same draws


def _train(m):
    m.manual_seed(0)
    net = m.nn.Sequential(m.nn.Linear(6, 16), m.nn.ReLU(), m.nn.Dropout(0.2), m.nn.Linear(16, 3))
    opt = m.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    x, y = m.randn(32, 6), m.randint(0, 3, (32,))
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = m.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_seeded_training_follows_torch_loss_curve():
    np.testing.assert_allclose(_train(ember), _train(torch), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("snippet", [
    "L.randn(-1)", "L.rand(2, -1)", "L.bernoulli(L.tensor([1.5]))", "L.bernoulli(L.tensor([float('nan')]))",
    "L.zeros(2).bernoulli_(L.tensor([1.5, 0.5]))", "L.empty(3).bernoulli_(1.5)", "L.empty(3).exponential_(-1)",
    "L.zeros(3, dtype=L.long).exponential_()", "L.empty(3).geometric_(2)", "L.empty(3).geometric_(0)",
    "L.empty(3).random_(5, 2)", "L.zeros(3).random_(-1)", "L.empty(3).log_normal_(1, -1)", "L.empty(3).cauchy_(0, 0)",
    "L.zeros(3, dtype=L.long).log_normal_()", "L.zeros(3, dtype=L.long).cauchy_()", "L.randint(0, 5, (-1,))",
    "L.randperm(-1)"])
def test_random_argument_errors_match_torch(snippet):
    """Bad arguments to random functions raise torch's exception type (never a silent sample)."""
    torch = pytest.importorskip("torch")

    def run(L):
        try:
            eval(snippet)
            return "ok"
        except Exception as e:  # noqa: BLE001 - compared by type
            return type(e).__name__

    assert run(ember) == run(torch) != "ok"
