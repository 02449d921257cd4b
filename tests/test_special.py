"""ember.special (torch.special) and the lgamma/digamma/polygamma/erfinv tensor ops: values against torch over wide
ranges (float64 to ~1e-13 relative), gradients, float64 gradcheck/gradgradcheck, special values and aliases."""
import math

import numpy as np
import pytest

import ember
from helpers import check_op, check_values, ember_gradcheck, requires_torch, torch

INF, NAN = math.inf, math.nan


def _wide(seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.uniform(-20, 20, 400), rng.uniform(0, 3, 400), 10 ** rng.uniform(-8, 6, 200),
                           -(10 ** rng.uniform(-8, 2, 100)), [0.0, -0.0, 1.0, 2.0, -1.0, -2.0, 0.5, -0.5, INF, -INF,
                                                              NAN, 1e300]])


def close64(name, x, rtol=1e-13, atol=0.0, *args, **kw):
    """ember.special.<name> vs torch.special.<name> on float64 values (same non-finite positions)."""
    e = getattr(ember.special, name)(*args, ember.tensor(x), **kw).numpy()
    t = getattr(torch.special, name)(*args, torch.from_numpy(x), **kw).numpy()
    np.testing.assert_array_equal(np.isnan(e), np.isnan(t), err_msg=name)
    fin = np.isfinite(t)
    np.testing.assert_array_equal(e[~fin & ~np.isnan(t)], t[~fin & ~np.isnan(t)], err_msg=name)
    np.testing.assert_allclose(e[fin], t[fin], rtol=rtol, atol=atol, err_msg=name)


@requires_torch
def test_gamma_family_float64():
    x = _wide()
    close64("gammaln", x, rtol=1e-12, atol=1e-13)  # absolute near the zeros at 1 and 2 (and negative ones)
    close64("digamma", x, rtol=1e-11, atol=1e-12)
    y = x[np.isfinite(x) & (np.abs(x) < 30) & (x != np.round(x))]
    close64("polygamma", y, 1e-8, 0.0, 1)  # torch's own trigamma is accurate to ~5e-10 only
    for n in (2, 3, 5):
        close64("polygamma", y, 1e-11, 0.0, n)
    pos = np.abs(y) + 0.5
    close64("multigammaln", pos + 2, rtol=1e-12, p=3)


@requires_torch
def test_error_and_normal_functions_float64():
    rng = np.random.default_rng(1)
    y = np.concatenate([rng.uniform(-1, 1, 500), 1 - 10 ** rng.uniform(-16, 0, 100),
                        -1 + 10 ** rng.uniform(-16, 0, 100), [1.0, -1.0, 0.0, 2.0, -2.0, NAN]])
    close64("erfinv", y, rtol=1e-13)
    x = _wide()
    close64("erfc", x[np.abs(x) < 26], rtol=1e-12)  # tail-accurate (relative) erfc
    close64("erfcx", x[np.abs(x) < 1e4], rtol=1e-12)
    close64("ndtr", x, rtol=1e-12, atol=1e-16)  # torch's ndtr is only absolutely accurate in the lower tail
    close64("log_ndtr", x[np.abs(x) < 1e5], rtol=1e-12)
    p = np.concatenate([rng.uniform(0, 1, 500), 10 ** rng.uniform(-300, 0, 100), 1 - 10 ** rng.uniform(-15, 0, 50),
                        [0.0, 1.0, 0.5, -1.0, 2.0, NAN]])
    close64("ndtri", p, rtol=1e-12)


@requires_torch
def test_incomplete_gamma():
    rng = np.random.default_rng(2)
    a = np.concatenate([10 ** rng.uniform(-3, 3, 600), [0.0, 1.0, 1.0, -1.0, 2.0, NAN]])
    x = np.concatenate([10 ** rng.uniform(-3, 3.3, 600), [1.0, 0.0, INF, 1.0, -1.0, 1.0]])
    for f in ("gammainc", "gammaincc"):  # torch's own igamma is accurate to ~3e-10 absolute
        e = getattr(ember.special, f)(ember.tensor(a), ember.tensor(x)).numpy()
        t = getattr(torch.special, f)(torch.from_numpy(a), torch.from_numpy(x)).numpy()
        np.testing.assert_array_equal(np.isnan(e), np.isnan(t))
        np.testing.assert_allclose(e, t, atol=1e-9, rtol=1e-8)
    check_op(lambda a, x: torch.special.gammainc(a.detach(), x), lambda a, x: ember.special.gammainc(a.detach(), x),
             shapes=[(3, 1), (4,)], low=0.2, high=4, atol={"float32": 1e-5, "float64": 1e-9},
             rtol={"float32": 1e-5, "float64": 1e-8}, grad=[False, True])
    check_op(lambda a, x: torch.special.gammaincc(a, x), lambda a, x: ember.special.gammaincc(a, x),
             shapes=[(3, 4), (3, 4)], low=0.2, high=4, atol={"float32": 1e-5, "float64": 1e-9},
             rtol={"float32": 1e-5, "float64": 1e-8}, grad=[False, True])
    with pytest.raises(NotImplementedError, match="is not implemented"):
        a = ember.ones(2, requires_grad=True)
        ember.special.gammainc(a, ember.ones(2)).sum().backward()


@requires_torch
def test_bessel_and_misc_float64():
    x = _wide()
    small = x[np.abs(x) < 700]
    for name in ("i0", "i1"):
        close64(name, small, rtol=1e-13)
    for name in ("i0e", "i1e"):
        close64(name, x, rtol=1e-13)
    close64("sinc", x[np.abs(x) < 1e5], rtol=1e-10, atol=1e-15)
    close64("entr", x, rtol=1e-13)
    close64("logit", np.linspace(-0.5, 1.5, 41), rtol=1e-13)
    close64("logit", np.linspace(-0.5, 1.5, 41), rtol=1e-13, eps=1e-3)
    close64("expit", x, rtol=1e-13)


@requires_torch
@pytest.mark.parametrize("name, low, high", [
    ("gammaln", 0.1, 6.0), ("digamma", 0.1, 6.0), ("erfinv", -0.95, 0.95), ("erfc", -3.0, 3.0), ("erfcx", -2.0, 4.0),
    ("ndtr", -4.0, 4.0), ("ndtri", 0.02, 0.98), ("log_ndtr", -6.0, 4.0), ("i0", -5.0, 5.0), ("i1", -5.0, 5.0),
    ("i0e", -5.0, 5.0), ("i1e", -5.0, 5.0), ("sinc", -3.0, 3.0), ("entr", 0.05, 3.0), ("logit", 0.05, 0.95),
    ("expit", -5.0, 5.0), ("erf", -3.0, 3.0), ("exp2", -3.0, 3.0), ("expm1", -2.0, 2.0), ("log1p", -0.5, 2.0),
])
def test_unary_values_and_grads(name, low, high):
    check_op(lambda a: getattr(torch.special, name)(a), lambda a: getattr(ember.special, name)(a),
             shapes=[(3, 5), (2, 3, 4)][:1], low=low, high=high, grad_atol={"float32": 1e-4, "float64": 1e-9},
             grad_rtol={"float32": 1e-4, "float64": 1e-8})


@requires_torch
def test_tensor_ops_and_methods():
    check_op(lambda a: torch.lgamma(a), lambda a: ember.lgamma(a), shapes=[(2, 3, 4)], low=0.2, high=5)
    check_op(lambda a: a.lgamma() + a.digamma() + a.erfinv(), shapes=[(4, 3)], low=0.05, high=0.9)
    check_op(lambda a: torch.polygamma(2, a) + a.polygamma(1), lambda a: ember.polygamma(2, a) + a.polygamma(1),
             shapes=[(3, 4)], low=0.3, high=4, rtol={"float32": 1e-5, "float64": 1e-8},
             grad_rtol={"float32": 1e-4, "float64": 1e-7})
    check_op(lambda a: torch.mvlgamma(a, 2) + a.mvlgamma(3), lambda a: ember.mvlgamma(a, 2) + a.mvlgamma(3),
             shapes=[(5,)], low=1.5, high=5)
    check_op(lambda a: a.i0() + a.sinc() + torch.i0(a), lambda a: a.i0() + a.sinc() + ember.i0(a), shapes=[(3, 4)])
    check_op(lambda a: a.logit() + torch.logit(a, 0.1), lambda a: a.logit() + ember.logit(a, 0.1), shapes=[(3, 4)],
             low=0.05, high=0.95)
    x = ember.tensor([0.5, 2.0])
    x.lgamma_()
    assert np.allclose(x.numpy(), [math.lgamma(0.5), 0.0])


@requires_torch
def test_xlogy_xlog1py():
    for f in ("xlogy", "xlog1py"):
        check_op(lambda a, b: getattr(torch.special, f)(a, b), lambda a, b: getattr(ember.special, f)(a, b),
                 shapes=[(3, 4), (4,)], low=0.1, high=3)
    x = np.array([0.0, 0.0, 1.0, 2.0, 0.0])
    y = np.array([0.0, NAN, 0.0, -1.0, 3.0])
    check_values(lambda a, b: torch.special.xlogy(a, b), lambda a, b: ember.special.xlogy(a, b), [x, y])
    check_values(lambda a, b: torch.xlogy(a, b), lambda a, b: ember.xlogy(a, b), [x, y + 1.5], grad=True)
    check_values(lambda a: torch.special.xlogy(a, 2.0), lambda a: ember.special.xlogy(a, 2.0), [x], grad=True)
    check_values(lambda b: torch.special.xlog1py(2, b), lambda b: ember.special.xlog1py(2, b), [y + 0.5])


@requires_torch
def test_reductions_and_aliases():
    check_op(lambda a: torch.special.logsumexp(a, 1), lambda a: ember.special.logsumexp(a, 1), shapes=[(3, 4)])
    check_op(lambda a: torch.special.softmax(a, 0), lambda a: ember.special.softmax(a, 0), shapes=[(3, 4)])
    check_op(lambda a: torch.special.log_softmax(a, -1, dtype=torch.float64),
             lambda a: ember.special.log_softmax(a, -1, dtype=ember.float64), shapes=[(3, 4)])
    check_op(lambda a: torch.special.round(a * 3), lambda a: ember.special.round(a * 3), shapes=[(3, 4)])
    for alias, name in (("gammaln", "lgamma"), ("psi", "digamma"), ("expit", "sigmoid"), ("multigammaln", "mvlgamma")):
        x = ember.tensor(np.array([1.5, 2.5]))
        args = (x, 2) if alias == "multigammaln" else (x,)
        assert np.array_equal(getattr(ember.special, alias)(*args).numpy(), getattr(ember, name)(*args).numpy())
    e = ember.special.lgamma(ember.tensor([1, 2, 5]))  # integers promote to the default dtype
    assert e.dtype is ember.float32 and np.allclose(e.numpy(), [0.0, 0.0, math.log(24)])


@pytest.mark.parametrize("fn, low, high", [
    (lambda a: ember.lgamma(a), 0.2, 5.0), (lambda a: ember.digamma(a), 0.2, 5.0),
    (lambda a: ember.polygamma(2, a), 0.5, 4.0), (lambda a: ember.erfinv(a), -0.9, 0.9),
    (lambda a: ember.special.ndtri(a), 0.05, 0.95), (lambda a: ember.special.i0(a), -3.0, 3.0),
    (lambda a: ember.special.i1e(a), -3.0, 3.0), (lambda a: ember.special.log_ndtr(a), -5.0, 3.0),
    (lambda a: ember.special.erfcx(a), -2.0, 3.0), (lambda a: ember.special.entr(a), 0.1, 3.0),
], ids=["lgamma", "digamma", "polygamma2", "erfinv", "ndtri", "i0", "i1e", "log_ndtr", "erfcx", "entr"])
def test_gradcheck(fn, low, high):
    ember_gradcheck(fn, [(2, 3)], low=low, high=high, atol=1e-6, rtol=1e-4)


def test_errors():
    with pytest.raises(RuntimeError, match="negative n"):
        ember.polygamma(-1, ember.ones(2))
    with pytest.raises(RuntimeError, match=r"All elements must be greater than \(p-1\)/2"):
        ember.mvlgamma(ember.ones(2), 3)


def test_special_values_without_torch():
    v = ember.special.gammaln(ember.tensor(np.array([0.5, 1.0, 10.0, 171.5]))).numpy()
    np.testing.assert_allclose(v, [math.lgamma(0.5), 0.0, math.lgamma(10.0), math.lgamma(171.5)], rtol=1e-14)
    d = ember.digamma(ember.tensor(np.array([1.0, 0.0, -0.0, -1.0]))).numpy()
    assert abs(d[0] + 0.5772156649015329) < 1e-15 and d[1] == -INF and d[2] == INF and np.isnan(d[3])
    assert ember.erfinv(ember.tensor([1.0, -1.0])).tolist() == [INF, -INF]
    z = ember.special.ndtri(ember.tensor(np.array([1e-300, 0.975]))).numpy()
    np.testing.assert_allclose(z, [-37.0470962993612, 1.959963984540054], rtol=1e-13)
