"""ember.distributions against torch.distributions: log_prob / entropy / mean / variance / cdf / KL values and their
gradients for random (batched) parameters in float32 and float64; shapes, validation errors, and seeded statistical
checks of samples and of the reparameterised (implicit) gradients."""
import math

import numpy as np
import pytest

import ember
from helpers import requires_torch, torch

D = ember.distributions
TOL = {"float32": (2e-5, 2e-5), "float64": (1e-10, 1e-9)}
GTOL = {"float32": (1e-4, 1e-4), "float64": (1e-9, 1e-8)}


def _pair(arr, grad=True):
    """The same values as a torch and an ember tensor (both leaves requiring grad for floating arrays)."""
    t = torch.tensor(arr, requires_grad=grad and arr.dtype.kind == "f")
    e = ember.tensor(arr, requires_grad=grad and arr.dtype.kind == "f")
    return t, e


def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, "cpu") else x.detach().numpy()


def _same(t, e, dtype, where, tol=TOL):
    atol, rtol = tol[dtype]
    assert tuple(e.shape) == tuple(t.shape), f"{where}: shape {tuple(e.shape)} vs {tuple(t.shape)}"
    np.testing.assert_allclose(_np(e), _np(t), atol=atol, rtol=rtol, err_msg=where)


def compare(build, params, values=None, dtype="float64", methods=("log_prob", "entropy", "mean", "variance",
                                                                  "stddev"), extra=()):
    """Build the distribution in both frameworks from numpy `params` and compare `methods` (+ grads of each)."""
    tp, ep = zip(*[_pair(p.astype(dtype)) for p in params])
    td, ed = build(torch.distributions, *tp), build(D, *ep)
    assert tuple(td.batch_shape) == tuple(ed.batch_shape) and tuple(td.event_shape) == tuple(ed.event_shape)
    for name in tuple(methods) + tuple(extra):
        if name in ("log_prob", "cdf", "icdf"):
            v = values.astype(dtype) if values.dtype.kind == "f" else values
            t_out, e_out = getattr(td, name)(torch.tensor(v)), getattr(ed, name)(ember.tensor(v))
        elif name == "entropy":
            t_out, e_out = td.entropy(), ed.entropy()
        else:
            t_out, e_out = getattr(td, name), getattr(ed, name)
        where = f"{type(ed).__name__}.{name} {dtype}"
        _same(t_out, e_out, dtype, where)
        if t_out.requires_grad:
            w = np.random.default_rng(5).uniform(-1, 1, tuple(t_out.shape)).astype(dtype)
            tg = torch.autograd.grad((t_out * torch.tensor(w)).sum(), tp, allow_unused=True, retain_graph=True)
            eg = ember.autograd.grad((e_out * ember.tensor(w)).sum(), ep, allow_unused=True, retain_graph=True)
            for k, (a, b) in enumerate(zip(tg, eg)):
                if a is None:
                    assert b is None or not np.any(_np(b)), f"{where}: grad {k}"
                    continue
                _same(a, b, dtype, f"{where} grad of param {k}", GTOL)
    return td, ed


RNG = np.random.default_rng(0)


def U(lo, hi, *shape):
    return RNG.uniform(lo, hi, shape)


# ---- values and gradients against torch -----------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal(dtype):
    compare(lambda M, l, s: M.Normal(l, s), [U(-2, 2, 3, 4), U(0.3, 2, 4)], U(-3, 3, 2, 3, 4), dtype,
            extra=("cdf", "mode"))
    compare(lambda M, l, s: M.Normal(l, s), [U(-2, 2, 3), U(0.3, 2, 3)], U(0.05, 0.95, 3), dtype,
            methods=("icdf",))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform(dtype):
    compare(lambda M, lo, w: M.Uniform(lo, lo + w), [U(-2, -1, 5), U(2.5, 3.5, 5)], U(-0.4, 0.4, 2, 5), dtype,
            extra=("cdf",))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_beta(dtype):
    compare(lambda M, a, r: M.Gamma(a, r), [U(0.2, 5, 2, 3), U(0.5, 3, 3)], U(0.1, 4, 2, 3), dtype, extra=("mode",))
    with torch.no_grad():  # cdf: torch differentiates gammainc in x only, so compare values here
        a, r, v = U(0.2, 5, 2, 3), U(0.5, 3, 3), U(0.1, 4, 2, 3)
        t = torch.distributions.Gamma(torch.tensor(a), torch.tensor(r)).cdf(torch.tensor(v))
        e = D.Gamma(ember.tensor(a), ember.tensor(r)).cdf(ember.tensor(v))
        _same(t, e, "float64", "Gamma.cdf", {"float64": (1e-9, 1e-8)})
    compare(lambda M, a, b: M.Beta(a, b), [U(0.3, 4, 2, 3), U(0.3, 4, 2, 3)], U(0.05, 0.95, 2, 3), dtype,
            extra=("mode",))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dirichlet(dtype):
    v = RNG.dirichlet(np.ones(4), size=(2, 3))
    compare(lambda M, c: M.Dirichlet(c), [U(0.3, 4, 3, 4)], v, dtype)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bernoulli(dtype):
    v = RNG.integers(0, 2, (2, 5)).astype(np.float64)
    compare(lambda M, p: M.Bernoulli(probs=p), [U(0.05, 0.95, 5)], v, dtype, extra=("logits",))
    compare(lambda M, lg: M.Bernoulli(logits=lg), [U(-3, 3, 2, 5)], v, dtype, extra=("probs",))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_categorical_and_one_hot(dtype):
    idx = RNG.integers(0, 4, (5, 3))
    compare(lambda M, p: M.Categorical(probs=p), [U(0.1, 1, 3, 4)], idx, dtype,
            methods=("log_prob", "entropy", "probs", "logits"))
    compare(lambda M, lg: M.Categorical(logits=lg), [U(-2, 2, 3, 4)], idx, dtype,
            methods=("log_prob", "entropy", "probs", "logits"))
    onehot = np.eye(4)[idx]
    compare(lambda M, lg: M.OneHotCategorical(logits=lg), [U(-2, 2, 3, 4)], onehot, dtype)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multivariate_normal(dtype):
    A = U(-1, 1, 2, 3, 3)
    cov = A @ np.swapaxes(A, -1, -2) + 3 * np.eye(3)
    v = U(-2, 2, 4, 2, 3)
    compare(lambda M, l, c: M.MultivariateNormal(l, covariance_matrix=c), [U(-1, 1, 3), cov], v, dtype,
            extra=("covariance_matrix", "precision_matrix", "scale_tril"))
    compare(lambda M, l, c: M.MultivariateNormal(l, precision_matrix=c), [U(-1, 1, 2, 3), cov], v, dtype,
            extra=("covariance_matrix",))
    L = np.linalg.cholesky(cov)
    compare(lambda M, l, s: M.MultivariateNormal(l, scale_tril=s), [U(-1, 1, 2, 3), L], v, dtype)


@requires_torch
def test_independent():
    compare(lambda M, l, s: M.Independent(M.Normal(l, s), 1), [U(-1, 1, 2, 3), U(0.5, 2, 2, 3)], U(-1, 1, 4, 2, 3))
    compare(lambda M, a, b: M.Independent(M.Beta(a, b), 2), [U(0.5, 2, 2, 3), U(0.5, 2, 2, 3)],
            U(0.1, 0.9, 2, 3), methods=("log_prob", "entropy", "mean"))


KL_CASES = [
    ("normal", lambda M, a, b, c, d: (M.Normal(a, b + 0.3), M.Normal(c, d + 0.3))),
    ("gamma", lambda M, a, b, c, d: (M.Gamma(a + 0.2, b + 0.3), M.Gamma(c + 0.2, d + 0.3))),
    ("beta", lambda M, a, b, c, d: (M.Beta(a + 0.2, b + 0.3), M.Beta(c + 0.2, d + 0.3))),
    ("dirichlet", lambda M, a, b, c, d: (M.Dirichlet(a.unsqueeze(-1) * b + 0.2),
                                         M.Dirichlet(c.unsqueeze(-1) * d + 0.2))),
    ("bernoulli", lambda M, a, b, c, d: (M.Bernoulli(a / 3 + 0.1), M.Bernoulli(logits=c - d))),
    ("categorical", lambda M, a, b, c, d: (M.Categorical(logits=a.unsqueeze(-1) * b), M.Categorical(probs=c + d))),
    ("onehot", lambda M, a, b, c, d: (M.OneHotCategorical(a + b), M.OneHotCategorical(logits=c * d))),
    ("uniform", lambda M, a, b, c, d: (M.Uniform(a, a + b + 0.5), M.Uniform(a - c, a + b + d + 1))),
    ("uniform_normal", lambda M, a, b, c, d: (M.Uniform(a, a + b + 0.5), M.Normal(c, d + 0.3))),
    ("mvn", lambda M, a, b, c, d: (M.MultivariateNormal(a.unsqueeze(-1) * b, scale_tril=(b.diag_embed() + 0.5).tril()),
                                   M.MultivariateNormal(c, covariance_matrix=d.diag_embed() + 1))),
    ("independent", lambda M, a, b, c, d: (M.Independent(M.Normal(a, b + 0.3), 1),
                                           M.Independent(M.Normal(c, d + 0.3), 1))),
    ("expfamily_bregman", lambda M, a, b, c, d: (M.Normal(a, b + 0.3), M.Normal(c, d + 0.3))),
]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, build", KL_CASES, ids=[c[0] for c in KL_CASES])
def test_kl_divergence(name, build, dtype):
    params = [U(0.1, 1.5, 3), U(0.1, 1.5, 3), U(0.1, 1.5, 3), U(0.1, 1.5, 3)]
    tp, ep = zip(*[_pair(p.astype(dtype)) for p in params])
    tpq, epq = build(torch.distributions, *tp), build(D, *ep)
    if name == "expfamily_bregman":  # the generic Bregman-divergence KL of exponential families
        t_out = torch.distributions.kl._kl_expfamily_expfamily(*tpq)
        e_out = D.kl._kl_expfamily_expfamily(*epq)
    else:
        t_out, e_out = torch.distributions.kl_divergence(*tpq), D.kl_divergence(*epq)
    _same(t_out, e_out, dtype, f"kl {name}")
    tg = torch.autograd.grad(t_out.sum(), tp, allow_unused=True)
    eg = ember.autograd.grad(e_out.sum(), ep, allow_unused=True)
    for a, b in zip(tg, eg):
        if a is not None:
            _same(a, b, dtype, f"kl {name} grad", GTOL)


def test_kl_registry_dispatch_and_errors():
    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
    assert np.isclose(D.kl_divergence(p, q).item(), math.log(2) + 2 / 8 - 0.5)

    @D.register_kl(MyNormal, D.Normal)
    def _kl(p, q):
        return ember.tensor(42.0)
    assert D.kl_divergence(p, q).item() == 42.0
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Categorical(logits=ember.zeros(3)), D.Normal(0.0, 1.0))
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)
    inf = D.kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.5, 1.0))
    assert inf.item() == math.inf


# ---- shapes, validation, repr ---------------------------------------------------------------------------------------
def test_shapes_and_expand():
    n = D.Normal(ember.zeros(2, 3), ember.ones(3))
    assert n.batch_shape == (2, 3) and n.event_shape == ()
    assert n.sample().shape == (2, 3) and n.rsample((4, 5)).shape == (4, 5, 2, 3)
    e = n.expand((7, 2, 3))
    assert e.batch_shape == (7, 2, 3) and e.log_prob(ember.zeros(2, 3)).shape == (7, 2, 3)
    d = D.Dirichlet(ember.ones(2, 4))
    assert d.sample((3,)).shape == (3, 2, 4) and d.event_shape == (4,)
    m = D.MultivariateNormal(ember.zeros(3), ember.eye(3).expand(5, 3, 3))
    assert m.batch_shape == (5,) and m.sample((2,)).shape == (2, 5, 3) and m.expand((4, 5)).batch_shape == (4, 5)
    i = D.Independent(D.Normal(ember.zeros(2, 3), 1.0), 1)
    assert i.batch_shape == (2,) and i.event_shape == (3,) and i.log_prob(ember.zeros(2, 3)).shape == (2,)
    c = D.OneHotCategorical(ember.ones(2, 4))
    s = c.sample((5,))
    assert s.shape == (5, 2, 4) and np.all(s.sum(-1).numpy() == 1)
    assert D.Categorical(ember.ones(2, 4)).enumerate_support().shape == (4, 2)
    assert D.Beta(2.0, 3.0).sample((6,)).shape == (6,) and D.Gamma(2.0, 3.0).batch_shape == ()
    assert D.Bernoulli(0.3).sample((4,)).shape == (4,)


@requires_torch
def test_validation_errors_match_torch():
    cases = [
        lambda M: M.Normal(0.0, -1.0),
        lambda M: M.Gamma(-1.0, 1.0),
        lambda M: M.Beta(1.0, 0.0),
        lambda M: M.Uniform(1.0, 0.0),
        lambda M: M.Bernoulli(1.5),
        lambda M: M.Categorical(),
        lambda M: M.Dirichlet(M.Normal(0.0, 1.0).mean),
        lambda M: M.MultivariateNormal(M.Normal(0.0, 1.0).mean.expand(2), M.Normal(0.0, 1.0).mean.expand(2, 2)),
        lambda M: M.Normal(0.0, 1.0).log_prob(M.Normal(0.0, 1.0).mean * float("nan")),
        lambda M: M.Gamma(1.0, 1.0).log_prob(M.Normal(0.0, 1.0).mean - 1),
        lambda M: M.Bernoulli(0.5).log_prob(M.Normal(0.0, 1.0).mean + 0.5),
        lambda M: M.Dirichlet(M.Normal(M.Normal(0.0, 1.0).mean.expand(3), 1.0).stddev).log_prob(
            M.Normal(M.Normal(0.0, 1.0).mean.expand(2), 1.0).stddev),
    ]
    for k, case in enumerate(cases):
        with pytest.raises(Exception) as t_exc:
            case(_Torchish())
        with pytest.raises(Exception) as e_exc:
            case(_Emberish())
        assert type(e_exc.value) is type(t_exc.value), (k, t_exc.value, e_exc.value)
        e_msg = str(e_exc.value).replace("ember.", "torch.")
        assert e_msg.split("(")[0] == str(t_exc.value).split("(")[0], (k, t_exc.value, e_exc.value)
    D.Normal(0.0, -1.0, validate_args=False)  # no check when turned off


class _Torchish:
    def __getattr__(self, name):
        return getattr(torch.distributions, name)


class _Emberish:
    def __getattr__(self, name):
        return getattr(D, name)


def test_constraints():
    c = D.constraints
    assert repr(c.positive) == "GreaterThan(lower_bound=0.0)" and repr(c.real) == "Real()"
    assert repr(c.interval(0, 1)) == "Interval(lower_bound=0, upper_bound=1)"
    assert repr(c.independent(c.real, 1)) == "IndependentConstraint(Real(), 1)"
    assert c.simplex.check(ember.tensor([0.2, 0.8])).item() and not c.simplex.check(ember.tensor([0.5, 0.8])).item()
    assert c.is_dependent(D.Uniform.support) and c.lower_cholesky.check(ember.eye(2)).item()
    assert c.positive_definite.check(ember.eye(2)).item() and not c.positive_definite.check(-ember.eye(2)).item()
    assert D.Normal(0.0, 1.0).support is c.real and D.Uniform(0.0, 2.0).support.check(ember.tensor(1.0)).item()


# ---- sampling: moments and reparameterised gradients (seeded, loose tolerances) --------------------------------------
def _moments(dist, n=20000):
    s = dist.sample((n,)).double()
    return s.mean(0).numpy(), s.var(0).numpy()


@pytest.mark.parametrize("make", [
    lambda: D.Normal(ember.tensor([0.0, 2.0]), ember.tensor([1.0, 0.5])),
    lambda: D.Uniform(ember.tensor([0.0, -1.0]), ember.tensor([1.0, 3.0])),
    lambda: D.Gamma(ember.tensor([0.3, 4.0]), ember.tensor([1.0, 2.0])),
    lambda: D.Beta(ember.tensor([0.5, 3.0]), ember.tensor([2.0, 1.5])),
    lambda: D.Dirichlet(ember.tensor([0.5, 1.0, 3.0])),
    lambda: D.Bernoulli(ember.tensor([0.2, 0.7])),
    lambda: D.Categorical(ember.tensor([0.1, 0.2, 0.7])),
    lambda: D.OneHotCategorical(ember.tensor([0.1, 0.2, 0.7])),
    lambda: D.MultivariateNormal(ember.tensor([1.0, -1.0]), ember.tensor([[2.0, 0.5], [0.5, 1.0]])),
], ids=["normal", "uniform", "gamma", "beta", "dirichlet", "bernoulli", "categorical", "onehot", "mvn"])
def test_sample_moments(make):
    ember.manual_seed(0)
    dist = make()
    mean, var = _moments(dist)
    if isinstance(dist, D.Categorical):
        p = dist.probs.numpy()
        k = np.arange(3)
        exp_mean, exp_var = (p * k).sum(), (p * k * k).sum() - (p * k).sum() ** 2
    else:
        exp_mean, exp_var = dist.mean.double().numpy(), dist.variance.double().numpy()
    sd = np.sqrt(exp_var)
    np.testing.assert_allclose(mean, exp_mean, atol=float(np.max(5 * sd / math.sqrt(20000))) + 1e-12)
    np.testing.assert_allclose(var, exp_var, rtol=0.1, atol=1e-3)
    if isinstance(dist, D.MultivariateNormal):
        s = dist.sample((20000,)).double().numpy()
        np.testing.assert_allclose(np.cov(s.T), dist.covariance_matrix.numpy(), atol=0.08)


def test_reparameterised_gradients_statistically():
    """d/dtheta E[f(x)] from rsample matches the closed form (implicit gradients for Gamma/Beta/Dirichlet)."""
    ember.manual_seed(1)
    n = 40000
    a = ember.tensor([0.4, 2.0, 7.0], dtype=ember.float64, requires_grad=True)
    D.Gamma(a, 1.0).rsample((n,)).mean(0).sum().backward()  # E[x] = a
    np.testing.assert_allclose(a.grad.numpy(), 1.0, atol=0.06)
    a = ember.tensor([0.5, 2.0], dtype=ember.float64, requires_grad=True)
    b = ember.tensor([1.5, 3.0], dtype=ember.float64, requires_grad=True)
    D.Beta(a, b).rsample((n,)).mean(0).sum().backward()  # E[x] = a / (a + b)
    an, bn = a.detach().numpy(), b.detach().numpy()
    np.testing.assert_allclose(a.grad.numpy(), bn / (an + bn) ** 2, rtol=0.08)
    np.testing.assert_allclose(b.grad.numpy(), -an / (an + bn) ** 2, rtol=0.08)
    c = ember.tensor([0.7, 1.0, 2.5], dtype=ember.float64, requires_grad=True)
    (D.Dirichlet(c).rsample((n,))[:, 0].mean()).backward()  # E[x0] = c0 / sum(c)
    cn = c.detach().numpy()
    expected = -cn[0] / cn.sum() ** 2 * np.ones(3) + np.array([1 / cn.sum(), 0, 0])
    np.testing.assert_allclose(c.grad.numpy(), expected, atol=0.01)
    loc = ember.tensor([0.5], requires_grad=True)
    scale = ember.tensor([2.0], requires_grad=True)
    (D.Normal(loc, scale).rsample((n,)) ** 2).mean().backward()  # E[x^2] = loc^2 + scale^2
    np.testing.assert_allclose([loc.grad.item(), scale.grad.item()], [1.0, 4.0], rtol=0.06, atol=0.06)


@requires_torch
def test_standard_gamma_grad_matches_torch():
    from ember._ops.special import _standard_gamma_grad_array
    for a in (0.05, 0.5, 1.0, 3.0, 40.0, 900.0, 3e4):
        alpha = torch.full((500,), a, dtype=torch.float64)
        x = torch._standard_gamma(alpha)
        want = torch._standard_gamma_grad(alpha, x).numpy()
        got = _standard_gamma_grad_array(alpha.numpy(), x.numpy())
        np.testing.assert_allclose(got, want, rtol=2e-3)  # torch's own formula is an approximation (~5e-4)


@requires_torch
@pytest.mark.parametrize("make", [
    lambda M: M.distributions.Normal(M.zeros(3), M.ones(3)).sample((2,)),
    lambda M: M.distributions.Normal(M.zeros(3), M.ones(3)).rsample((2,)),
    lambda M: M.distributions.Uniform(M.zeros(3), M.ones(3)).sample((2,)),
    lambda M: M.distributions.Bernoulli(M.full((5,), 0.3)).sample((2,)),
    lambda M: M.distributions.Categorical(M.ones(4)).sample((6,)),
    lambda M: M.distributions.MultivariateNormal(M.zeros(2), M.eye(2)).rsample((2,)),
], ids=["normal", "normal_rsample", "uniform", "bernoulli", "categorical", "mvn"])
def test_seeded_samples_match_torch(make):
    """The samplers make torch's calls on ember's generator, so a common seed gives torch's draws."""
    torch.manual_seed(3)
    ember.manual_seed(3)
    np.testing.assert_allclose(make(ember).numpy(), make(torch).numpy(), rtol=1e-6)
