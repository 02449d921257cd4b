"""Losses: every functional loss and nn.*Loss module against torch (values, input gradients, double backward),
float64 gradcheck/gradgradcheck, numerical stability, torch's errors, module reprs and state_dict keys."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from helpers import check_values, ember_gradcheck, requires_torch, torch
from nn_helpers import check_module

REDUCTIONS = ("none", "mean", "sum")
DTYPES = (np.float32, np.float64)


@pytest.fixture(autouse=True)
def _quiet_deprecations():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warning, size mismatch warnings: tested explicitly below
        yield


# ---- the case table: name -> builder(rng, dtype) -> (arrays, grad flags, kwargs with numpy values) -------------------
def _probs(rng, shape, dt, axis=1):
    p = rng.uniform(0.1, 1.0, shape)
    return (p / p.sum(axis=axis, keepdims=True)).astype(dt)


def _sign(rng, shape, dt):
    return np.where(rng.standard_normal(shape) > 0, 1.0, -1.0).astype(dt)


def _ignored(rng, shape, C):
    t = rng.integers(0, C, shape)
    t.reshape(-1)[::3] = -100
    return t


CASES = {
    "ce": lambda r, d: ([r.standard_normal((6, 5)).astype(d), r.integers(0, 5, 6)], True, {}),
    "ce_weight_ignore": lambda r, d: ([r.standard_normal((6, 5)).astype(d), _ignored(r, 6, 5)], True,
                                      {"weight": r.uniform(0.2, 2, 5).astype(d)}),
    "ce_ignore_index": lambda r, d: ([r.standard_normal((6, 5)).astype(d), r.integers(0, 5, 6)], True,
                                     {"ignore_index": 2}),
    "ce_smoothing": lambda r, d: ([r.standard_normal((6, 5)).astype(d), _ignored(r, 6, 5)], True,
                                  {"label_smoothing": 0.25}),
    "ce_smoothing_weight": lambda r, d: ([r.standard_normal((6, 5)).astype(d), _ignored(r, 6, 5)], True,
                                         {"label_smoothing": 0.1, "weight": r.uniform(0.2, 2, 5).astype(d)}),
    "ce_3d": lambda r, d: ([r.standard_normal((3, 4, 5)).astype(d), r.integers(0, 4, (3, 5))], True, {}),
    "ce_4d_weight_smooth": lambda r, d: ([r.standard_normal((2, 4, 3, 3)).astype(d), _ignored(r, (2, 3, 3), 4)], True,
                                         {"weight": r.uniform(0.2, 2, 4).astype(d), "label_smoothing": 0.3}),
    "ce_5d": lambda r, d: ([r.standard_normal((2, 3, 2, 2, 3)).astype(d), r.integers(0, 3, (2, 2, 2, 3))], True, {}),
    "ce_unbatched": lambda r, d: ([r.standard_normal(5).astype(d), np.array(3)], True, {}),
    "ce_big_logits": lambda r, d: ([(r.standard_normal((4, 6)) * 80).astype(d), r.integers(0, 6, 4)], True, {}),
    "ce_probs": lambda r, d: ([r.standard_normal((6, 5)).astype(d), _probs(r, (6, 5), d)], True, {}),
    "ce_probs_weight_smooth": lambda r, d: ([r.standard_normal((4, 5)).astype(d), _probs(r, (4, 5), d)], True,
                                            {"weight": r.uniform(0.2, 2, 5).astype(d), "label_smoothing": 0.2}),
    "ce_probs_kdim": lambda r, d: ([r.standard_normal((2, 3, 4)).astype(d), _probs(r, (2, 3, 4), d)], True, {}),
    "ce_probs_unbatched": lambda r, d: ([r.standard_normal(4).astype(d), _probs(r, (4,), d, 0)], True, {}),
    "nll": lambda r, d: ([np.log(_probs(r, (6, 5), d)), r.integers(0, 5, 6)], True, {}),
    "nll_weight_ignore": lambda r, d: ([r.standard_normal((6, 5)).astype(d), _ignored(r, 6, 5)], True,
                                       {"weight": r.uniform(0.2, 2, 5).astype(d)}),
    "nll_kdim": lambda r, d: ([r.standard_normal((2, 4, 3, 2)).astype(d), _ignored(r, (2, 3, 2), 4)], True,
                              {"weight": r.uniform(0.2, 2, 4).astype(d)}),
    "nll_unbatched": lambda r, d: ([r.standard_normal(4).astype(d), np.array(1)], True, {}),
    "bce": lambda r, d: ([r.uniform(0.02, 0.98, (4, 3)).astype(d), r.uniform(0, 1, (4, 3)).astype(d)], True, {}),
    "bce_weight": lambda r, d: ([r.uniform(0.02, 0.98, (4, 3)).astype(d), r.uniform(0, 1, (4, 3)).astype(d)], True,
                                {"weight": r.uniform(0, 2, 3).astype(d)}),
    "bce_logits": lambda r, d: ([(r.standard_normal((4, 3)) * 3).astype(d), r.uniform(0, 1, (4, 3)).astype(d)], True,
                                {}),
    "bce_logits_weights": lambda r, d: ([(r.standard_normal((4, 3)) * 3).astype(d), r.uniform(0, 1, (4, 3)).astype(d)],
                                        True, {"weight": r.uniform(0, 2, (4, 1)).astype(d),
                                               "pos_weight": r.uniform(0, 3, 3).astype(d)}),
    "l1": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True, {}),
    "l1_weight": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True,
                               {"weight": r.uniform(0, 2, (4, 5)).astype(d)}),
    "mse": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True, {}),
    "mse_broadcast": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal(5).astype(d)], True, {}),
    "mse_weight": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True,
                                {"weight": r.uniform(0, 2, (4, 5)).astype(d)}),
    "huber": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True, {}),
    "huber_delta": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True,
                                 {"delta": 0.4}),
    "huber_weight": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True,
                                  {"delta": 0.7, "weight": r.uniform(0, 2, (4, 5)).astype(d)}),
    "smooth_l1": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True, {}),
    "smooth_l1_beta": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True,
                                    {"beta": 0.3}),
    "smooth_l1_beta0": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d)], True,
                                     {"beta": 0.0}),
    "kl_div": lambda r, d: ([np.log(_probs(r, (3, 4), d)), _probs(r, (3, 4), d)], True, {}),
    "kl_div_log_target": lambda r, d: ([np.log(_probs(r, (3, 4), d)), np.log(_probs(r, (3, 4), d))], True,
                                       {"log_target": True}),
    "soft_margin": lambda r, d: ([r.standard_normal((4, 5)).astype(d), _sign(r, (4, 5), d)], (True, False), {}),
    "multilabel_soft_margin": lambda r, d: ([r.standard_normal((4, 5)).astype(d),
                                             (r.uniform(size=(4, 5)) > 0.5).astype(d)], True,
                                            {"weight": r.uniform(0.2, 2, 5).astype(d)}),
    "multi_margin": lambda r, d: ([r.standard_normal((5, 4)).astype(d), r.integers(0, 4, 5)], True, {}),
    "multi_margin_p2_weight": lambda r, d: ([r.standard_normal((5, 4)).astype(d), r.integers(0, 4, 5)], True,
                                            {"p": 2, "margin": 0.6, "weight": r.uniform(0.2, 2, 4).astype(d)}),
    "multi_margin_unbatched": lambda r, d: ([r.standard_normal(4).astype(d), np.array(2)], True, {}),
    "margin_ranking": lambda r, d: ([r.standard_normal(6).astype(d), r.standard_normal(6).astype(d),
                                     _sign(r, 6, d)], True, {"margin": 0.3}),
    "hinge_embedding": lambda r, d: ([r.standard_normal((4, 5)).astype(d), _sign(r, (4, 5), d)], True,
                                     {"margin": 0.7}),
    "cosine_embedding": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d),
                                       _sign(r, 4, d)], True, {"margin": 0.1}),
    "cosine_embedding_unbatched": lambda r, d: ([r.standard_normal(5).astype(d), r.standard_normal(5).astype(d),
                                                 np.array(-1.0, d)], True, {"margin": -0.5}),
    "triplet": lambda r, d: ([r.standard_normal((4, 5)).astype(d) for _ in range(3)], True, {}),
    "triplet_p1_swap": lambda r, d: ([r.standard_normal((4, 5)).astype(d) for _ in range(3)], True,
                                     {"p": 1, "swap": True, "margin": 2.0}),
    "triplet_p3_unbatched": lambda r, d: ([r.standard_normal(5).astype(d) for _ in range(3)], True,
                                          {"p": 3, "eps": 1e-3, "margin": 3.0}),
    "poisson_nll": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.uniform(0, 4, (4, 5)).astype(d)], True, {}),
    "poisson_nll_full": lambda r, d: ([r.uniform(0.1, 3, (4, 5)).astype(d), r.uniform(0, 4, (4, 5)).astype(d)], True,
                                      {"log_input": False, "full": True}),
    "gaussian_nll": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d),
                                   r.uniform(0.1, 2, (4, 5)).astype(d)], True, {}),
    "gaussian_nll_homosc_full": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d),
                                               r.uniform(0.1, 2, 4).astype(d)], True, {"full": True}),
    "gaussian_nll_bcast_eps": lambda r, d: ([r.standard_normal((4, 5)).astype(d), r.standard_normal((4, 5)).astype(d),
                                             r.uniform(0.0, 0.2, (4, 1)).astype(d)], True, {"eps": 0.05}),
}
FN = {"ce": "cross_entropy", "nll": "nll_loss", "bce_logits": "binary_cross_entropy_with_logits",
      "bce": "binary_cross_entropy", "l1": "l1_loss", "mse": "mse_loss", "huber": "huber_loss",
      "smooth_l1": "smooth_l1_loss", "kl_div": "kl_div", "soft_margin": "soft_margin_loss",
      "multilabel_soft_margin": "multilabel_soft_margin_loss", "multi_margin": "multi_margin_loss",
      "margin_ranking": "margin_ranking_loss", "hinge_embedding": "hinge_embedding_loss",
      "cosine_embedding": "cosine_embedding_loss", "triplet": "triplet_margin_loss", "poisson_nll": "poisson_nll_loss",
      "gaussian_nll": "gaussian_nll_loss"}


def fn_name(case: str) -> str:
    """The functional name of a case id (longest matching prefix)."""
    return FN[max((k for k in FN if case == k or case.startswith(k + "_")), key=len)]


def _framework_fn(m, name, kw, reduction):
    f = getattr(m.nn.functional, name)
    kk = {k: (m.tensor(v.copy()) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    if reduction is not None:
        kk["reduction"] = reduction
    return lambda *a: f(*a, **kk)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", list(CASES))
def test_functional_matches_torch(case, reduction, dtype):
    rng = np.random.default_rng(abs(hash(case)) % 1000)
    arrays, grads, kw = CASES[case](rng, dtype)
    name = fn_name(case)  # (torch's own nll_loss2d backward rejects non-contiguous inputs: nll_kdim stays contiguous)
    check_values(_framework_fn(torch, name, kw, reduction), _framework_fn(ember, name, kw, reduction), arrays,
                 grad=grads, noncontig=case != "nll_kdim", atol=1e-5 if dtype == np.float32 else None,
                 grad_atol=1e-4 if dtype == np.float32 else None)


@requires_torch
@pytest.mark.parametrize("case", ["kl_div", "kl_div_log_target"])
def test_kl_div_batchmean_matches_torch(case):
    arrays, grads, kw = CASES[case](np.random.default_rng(3), np.float64)
    check_values(_framework_fn(torch, "kl_div", kw, "batchmean"), _framework_fn(ember, "kl_div", kw, "batchmean"),
                 arrays, grad=grads)


@requires_torch
@pytest.mark.parametrize("case", ["ce_weight_ignore", "ce_smoothing_weight", "ce_4d_weight_smooth", "ce_probs",
                                  "nll_kdim", "bce", "bce_logits_weights", "mse", "huber_delta", "smooth_l1_beta"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_double_backward_matches_torch(case, reduction):
    """Gradients computed with create_graph=True, differentiated again, agree with torch's."""
    arrays, grads, kw = CASES[case](np.random.default_rng(7), np.float64)
    name = fn_name(case)
    res = []
    for m in (torch, ember):
        ts = [m.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
        diff = [t for t in ts if t.requires_grad]
        out = _framework_fn(m, name, kw, reduction)(*ts)
        w = m.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        gs = m.autograd.grad((out * w).sum(), diff, create_graph=True)
        z = sum((g * m.tensor(np.cos(np.arange(g.numel())).reshape(tuple(g.shape)))).sum() for g in gs)
        ggs = m.autograd.grad(z, diff, allow_unused=True) if z.requires_grad else [None] * len(diff)
        res.append(([g.detach().numpy() for g in gs], [None if g is None else g.detach().numpy() for g in ggs]))
    for a, b in zip(res[0][0], res[1][0]):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-10)
    for a, b in zip(res[0][1], res[1][1]):
        if b is None:
            assert a is None or not a.any()
        else:
            np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-10)


# ---- float64 gradcheck / gradgradcheck (no torch needed) -------------------------------------------------------------
GRADCHECK = {
    "cross_entropy": (lambda x: F.cross_entropy(x, ember.tensor([1, 0, 2])), [(3, 4)]),
    "cross_entropy_full": (lambda x: F.cross_entropy(x, ember.tensor([[1, -100], [3, 0]]), reduction="none",
                                                     weight=ember.tensor([0.5, 1.0, 2.0, 1.5], dtype=ember.float64),
                                                     label_smoothing=0.2), [(2, 4, 2)]),
    "cross_entropy_probs": (lambda x, p: F.cross_entropy(x, p.softmax(1), label_smoothing=0.1), [(3, 4), (3, 4)]),
    "nll_loss": (lambda x: F.nll_loss(x, ember.tensor([1, -100, 2]), ignore_index=-100), [(3, 4)]),
    "binary_cross_entropy": (lambda x, t: F.binary_cross_entropy(x.sigmoid(), t.sigmoid()), [(2, 3), (2, 3)]),
    "binary_cross_entropy_with_logits": (lambda x, t: F.binary_cross_entropy_with_logits(
        x, t.sigmoid(), weight=ember.tensor([[0.3], [1.2]], dtype=ember.float64),
        pos_weight=ember.tensor([0.5, 2.0, 1.5], dtype=ember.float64)), [(2, 3), (2, 3)]),
    "l1_loss": (lambda x, t: F.l1_loss(x, t), [(2, 3), (2, 3)]),
    "mse_loss": (lambda x, t: F.mse_loss(x, t, reduction="sum"), [(2, 3), (2, 3)]),
    "huber_loss": (lambda x, t: F.huber_loss(x, t, delta=0.8), [(2, 3), (2, 3)]),
    "smooth_l1_loss": (lambda x, t: F.smooth_l1_loss(x, t, beta=0.5, reduction="none"), [(2, 3), (2, 3)]),
    "kl_div": (lambda x, t: F.kl_div(x.log_softmax(1), t.softmax(1), reduction="batchmean"), [(2, 3), (2, 3)]),
    "kl_div_log_target": (lambda x, t: F.kl_div(x, t.log_softmax(1), log_target=True), [(2, 3), (2, 3)]),
    "soft_margin_loss": (lambda x: F.soft_margin_loss(x, ember.tensor([1.0, -1.0, 1.0], dtype=ember.float64)),
                         [(3,)]),
    "multilabel_soft_margin_loss": (lambda x, t: F.multilabel_soft_margin_loss(x, t.sigmoid()), [(2, 3), (2, 3)]),
    "multi_margin_loss": (lambda x: F.multi_margin_loss(x, ember.tensor([0, 2]), p=2, margin=3.0), [(2, 3)]),
    "margin_ranking_loss": (lambda a, b: F.margin_ranking_loss(a, b, ember.tensor([1.0, -1.0, 1.0],
                                                                                   dtype=ember.float64), margin=5.0),
                            [(3,), (3,)]),
    "hinge_embedding_loss": (lambda x: F.hinge_embedding_loss(x, ember.tensor([1.0, -1.0, -1.0],
                                                                              dtype=ember.float64), margin=5.0),
                             [(3,)]),
    "cosine_embedding_loss": (lambda a, b: F.cosine_embedding_loss(a, b, ember.tensor([1.0, -1.0], dtype=ember.float64),
                                                                   margin=-2.0), [(2, 3), (2, 3)]),
    "triplet_margin_loss": (lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=20.0, swap=True),
                            [(2, 3), (2, 3), (2, 3)]),
    "poisson_nll_loss": (lambda x, t: F.poisson_nll_loss(x, t.exp(), full=True), [(2, 3), (2, 3)]),
    "gaussian_nll_loss": (lambda x, t, v: F.gaussian_nll_loss(x, t, v.exp(), full=True), [(2, 3), (2, 3), (2, 3)]),
}


@pytest.mark.parametrize("name", list(GRADCHECK))
def test_gradcheck_gradgradcheck(name):
    fn, shapes = GRADCHECK[name]
    ember_gradcheck(fn, shapes, seed=1)


def test_ctc_gradcheck():
    lengths = dict(input_lengths=ember.tensor([5, 4]), target_lengths=ember.tensor([2, 1]))
    ember_gradcheck(lambda x: F.ctc_loss(x.log_softmax(2), ember.tensor([[1, 2], [2, 0]]), **lengths), [(5, 2, 3)],
                    gradgrad=False)


# ---- analytic values and numerical stability (no torch needed) ------------------------------------------------------
def test_cross_entropy_analytic():
    x = ember.zeros(4, 7, requires_grad=True)
    loss = F.cross_entropy(x, ember.tensor([0, 1, 2, 6]))
    assert abs(loss.item() - math.log(7)) < 1e-6
    loss.backward()
    expected = np.full((4, 7), 1 / 7 / 4, np.float32)
    expected[np.arange(4), [0, 1, 2, 6]] -= 1 / 4
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-7)
    assert loss.grad_fn.name() == "NllLossBackward0"


def test_weighted_mean_divides_by_target_weights():
    logp = ember.tensor([[-1.0, -2.0], [-3.0, -4.0], [-5.0, -6.0]])
    w = ember.tensor([2.0, 10.0])
    # targets 0, 1, ignored: (2*1 + 10*4) / (2 + 10)
    out = F.nll_loss(logp, ember.tensor([0, 1, -100]), weight=w)
    assert abs(out.item() - 42 / 12) < 1e-6
    assert F.nll_loss(logp, ember.tensor([0, 1, -100]), weight=w, reduction="sum").item() == 42
    assert F.nll_loss(logp, ember.tensor([0, 1, -100]), reduction="none").tolist() == [1.0, 4.0, 0.0]


def test_all_ignored_mean_is_nan_and_zero_grad():
    x = ember.randn(3, 4, requires_grad=True)
    t = ember.tensor([-100, -100, -100])
    loss = F.cross_entropy(x, t)
    assert math.isnan(loss.item())
    loss.backward()
    assert not x.grad.numpy().any()
    assert F.cross_entropy(x, t, reduction="sum").item() == 0.0
    assert math.isnan(F.cross_entropy(x, t, label_smoothing=0.1).item())


def test_cross_entropy_stable_at_huge_logits():
    x = ember.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]], requires_grad=True)
    loss = F.cross_entropy(x, ember.tensor([1, 1]), reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [2e4, 0.0], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)
    xs = ember.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    smooth = F.cross_entropy(xs, ember.tensor([0]), label_smoothing=0.3)
    smooth.backward()
    assert math.isfinite(smooth.item()) and abs(smooth.item() - 0.1 * (0 + 2e4 + 1e4)) < 1e-2
    assert np.isfinite(xs.grad.numpy()).all()


def test_bce_with_logits_stable_at_huge_logits():
    x = ember.tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    t = ember.tensor([0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=ember.tensor([2.0]))
    np.testing.assert_allclose(loss.detach().numpy(), [1e4, 2e4, 0.0, 0.0], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -2.0, 0.0, 0.0], atol=1e-6)


def test_bce_clamps_log_at_minus_100():
    x = ember.tensor([0.0, 1.0, 0.0], requires_grad=True)
    loss = F.binary_cross_entropy(x, ember.tensor([1.0, 0.0, 0.0]), reduction="none")
    assert loss.tolist() == [100.0, 100.0, 0.0]
    loss.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_grad_fn_names():
    x = ember.randn(3, 4, requires_grad=True)
    y = ember.rand(3, 4)
    assert F.mse_loss(x, y).grad_fn.name() == "MseLossBackward0"
    assert F.huber_loss(x, y).grad_fn.name() == "HuberLossBackward0"
    assert F.smooth_l1_loss(x, y).grad_fn.name() == "SmoothL1LossBackward0"
    assert F.binary_cross_entropy(x.sigmoid(), y).grad_fn.name() == "BinaryCrossEntropyBackward0"
    assert F.binary_cross_entropy_with_logits(x, y).grad_fn.name() == "BinaryCrossEntropyWithLogitsBackward0"
    assert F.nll_loss(x, ember.tensor([0, 1, 2])).grad_fn.name() == "NllLossBackward0"


def test_legacy_size_average_reduce():
    x, y = ember.tensor([1.0, 2.0]), ember.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert F.mse_loss(x, y, size_average=False).item() == 5.0
    with pytest.warns(UserWarning):
        assert F.mse_loss(x, y, reduce=False).tolist() == [1.0, 4.0]
    with pytest.warns(UserWarning):
        assert nn.L1Loss(size_average=True, reduce=True).reduction == "mean"
    with pytest.warns(UserWarning):
        assert nn.CrossEntropyLoss(size_average=False).reduction == "sum"


def test_warnings_like_torch():
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(ember.zeros(3), ember.zeros(3, 1))
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(ember.zeros(3), ember.ones(3))


# ---- errors ---------------------------------------------------------------------------------------------------------
ERRORS = [
    (lambda m, F: F.cross_entropy(m.randn(3, 5), m.tensor([1.0, 2.0, 3.0])), RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    (lambda m, F: m.nn.NLLLoss()(m.randn(3, 5), m.tensor([1.0, 2.0, 3.0])), RuntimeError, "Long or Byte"),
    (lambda m, F: m.nn.CrossEntropyLoss()(m.randn(3, 5), m.tensor([1, 2, 5])), IndexError,
     "Target 5 is out of bounds."),
    (lambda m, F: F.nll_loss(m.randn(2, 3, 4, 5), m.zeros(2, 4, 5, dtype=m.long).fill_(7)), IndexError,
     "Target 7 is out of bounds."),
    (lambda m, F: F.cross_entropy(m.randn(3, 5), m.tensor([1, 2])), ValueError,
     r"Expected input batch_size \(3\) to match target batch_size \(2\)\."),
    (lambda m, F: F.cross_entropy(m.randn(3, 5, 4), m.zeros(3, 3, dtype=m.long)), RuntimeError,
     r"Expected target size \[3, 4\], got \[3, 3\]"),
    (lambda m, F: F.cross_entropy(m.randn(3, 5), m.tensor([1, 2, 3]), weight=m.ones(4)), RuntimeError,
     "weight tensor should be defined either for all 5 classes"),
    (lambda m, F: F.cross_entropy(m.randn(3, 5), m.randint(0, 5, (3, 5))), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (lambda m, F: F.cross_entropy(m.randn(3, 5), m.rand(3, 5), ignore_index=1), RuntimeError,
     "ignore_index is not supported for floating point target"),
    (lambda m, F: F.cross_entropy(m.randn(3, 5), m.tensor([1, 2, 3]), label_smoothing=1.5), RuntimeError,
     "label_smoothing must be between 0.0 and 1.0"),
    (lambda m, F: F.cross_entropy(m.randn(3, 5), m.tensor([1, 2, 3]), reduction="avg"), ValueError,
     "avg is not a valid value for reduction"),
    (lambda m, F: F.nll_loss(m.tensor(1.0), m.tensor(0)), ValueError, r"Expected 1 or more dimensions \(got 0\)"),
    (lambda m, F: m.nn.BCELoss()(m.rand(3), m.rand(4)), ValueError, "Using a target size"),
    (lambda m, F: m.nn.BCELoss()(m.rand(3) + 1, m.rand(3)), RuntimeError,
     "all elements of input should be between 0 and 1"),
    (lambda m, F: m.nn.BCEWithLogitsLoss()(m.rand(3), m.rand(4)), ValueError, "must be the same as input size"),
    (lambda m, F: F.mse_loss(m.rand(3), m.rand(4)), RuntimeError, "The size of tensor a"),
    (lambda m, F: F.huber_loss(m.rand(3), m.rand(3), delta=0), RuntimeError, "non-positive values for delta"),
    (lambda m, F: F.smooth_l1_loss(m.rand(3), m.rand(3), beta=-1), RuntimeError, "negative values for beta"),
    (lambda m, F: F.multi_margin_loss(m.rand(3, 4), m.tensor([1, 2, 3]), p=3), ValueError,
     "only p == 1 and p == 2 supported"),
    (lambda m, F: F.multi_margin_loss(m.rand(3, 4), m.tensor([1, 2, 5])), RuntimeError, "target out of range"),
    (lambda m, F: F.margin_ranking_loss(m.rand(3), m.rand(3), m.rand(3, 1)), RuntimeError,
     "All input tensors should have same dimension"),
    (lambda m, F: F.cosine_embedding_loss(m.rand(3, 4), m.rand(3, 4), m.tensor(1)), RuntimeError,
     "0D target tensor expects 1D input tensors"),
    (lambda m, F: F.triplet_margin_loss(m.rand(3, 4), m.rand(3, 4), m.rand(4)), RuntimeError,
     "same number of dimensions"),
    (lambda m, F: F.triplet_margin_loss(m.rand(3, 4), m.rand(3, 4), m.rand(3, 4), margin=0), ValueError,
     "margin must be greater than 0"),
    (lambda m, F: F.gaussian_nll_loss(m.rand(3), m.rand(3), -m.rand(3) - 0.1), ValueError,
     "var has negative entry"),
    (lambda m, F: F.gaussian_nll_loss(m.rand(3, 2), m.rand(3, 2), m.rand(3, 3)), ValueError,
     "var is of incorrect size"),
    (lambda m, F: m.nn.TripletMarginLoss(margin=-1.0), ValueError, "expected margin to be greater than 0"),
    (lambda m, F: m.nn.MultiMarginLoss(p=3), ValueError, "only p == 1 and p == 2 supported"),
    (lambda m, F: m.nn.HuberLoss(delta="1"), TypeError, "delta must be a float or int"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    fn, exc, msg = ERRORS[i]
    with pytest.raises(exc, match=msg):
        fn(ember, F)


@requires_torch
@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_same_type_as_torch(i):
    fn, exc, _ = ERRORS[i]
    with pytest.raises(exc):
        fn(torch, torch.nn.functional)


# ---- modules ---------------------------------------------------------------------------------------------------------
def _w(m, n=4, seed=0):
    return m.tensor(np.random.default_rng(seed).uniform(0.2, 2.0, n).astype(np.float32))


MODULES = {  # name -> (builder(m), input arrays)
    "L1Loss": (lambda m: m.nn.L1Loss(reduction="sum"), ["x", "y"]),
    "MSELoss": (lambda m: m.nn.MSELoss(), ["x", "y"]),
    "CrossEntropyLoss": (lambda m: m.nn.CrossEntropyLoss(weight=_w(m), ignore_index=1, label_smoothing=0.1),
                         ["x", "cls"]),
    "CrossEntropyLoss_probs": (lambda m: m.nn.CrossEntropyLoss(reduction="none"), ["x", "probs"]),
    "NLLLoss": (lambda m: m.nn.NLLLoss(weight=_w(m), reduction="sum"), ["x", "cls"]),
    "BCELoss": (lambda m: m.nn.BCELoss(weight=_w(m)), ["p", "q"]),
    "BCEWithLogitsLoss": (lambda m: m.nn.BCEWithLogitsLoss(weight=_w(m), pos_weight=_w(m, seed=1)), ["x", "q"]),
    "KLDivLoss": (lambda m: m.nn.KLDivLoss(reduction="batchmean", log_target=True), ["x", "y"]),
    "HuberLoss": (lambda m: m.nn.HuberLoss(delta=0.5), ["x", "y"]),
    "SmoothL1Loss": (lambda m: m.nn.SmoothL1Loss(beta=0.5, reduction="none"), ["x", "y"]),
    "SoftMarginLoss": (lambda m: m.nn.SoftMarginLoss(), ["x", "isign"]),
    "MultiLabelSoftMarginLoss": (lambda m: m.nn.MultiLabelSoftMarginLoss(weight=_w(m)), ["x", "q"]),
    "MultiMarginLoss": (lambda m: m.nn.MultiMarginLoss(p=2, margin=0.5, weight=_w(m)), ["x", "cls"]),
    "MarginRankingLoss": (lambda m: m.nn.MarginRankingLoss(margin=0.2), ["v", "v2", "vsign"]),
    "HingeEmbeddingLoss": (lambda m: m.nn.HingeEmbeddingLoss(margin=0.5), ["x", "sign"]),
    "CosineEmbeddingLoss": (lambda m: m.nn.CosineEmbeddingLoss(margin=0.1), ["x", "y", "vsign"]),
    "TripletMarginLoss": (lambda m: m.nn.TripletMarginLoss(margin=1.5, p=1.0, swap=True), ["x", "y", "z"]),
    "PoissonNLLLoss": (lambda m: m.nn.PoissonNLLLoss(), ["x", "q"]),
    "GaussianNLLLoss": (lambda m: m.nn.GaussianNLLLoss(full=True), ["x", "y", "p"]),
}


def _inputs(keys):
    r = np.random.default_rng(5)
    pool = {"x": r.standard_normal((3, 4)), "y": r.standard_normal((3, 4)), "z": r.standard_normal((3, 4)),
            "p": r.uniform(0.05, 0.95, (3, 4)), "q": r.uniform(0, 1, (3, 4)),
            "probs": np.full((3, 4), 0.25), "sign": np.where(r.standard_normal((3, 4)) > 0, 1.0, -1.0),
            "v": r.standard_normal(3), "v2": r.standard_normal(3), "vsign": np.array([1.0, -1.0, 1.0]),
            "cls": np.array([0, 1, 3])}
    pool["isign"] = pool["sign"].astype(np.int64)  # torch's soft_margin_loss refuses a target requiring grad
    return [pool[k] if pool[k].dtype.kind == "i" else pool[k].astype(np.float32) for k in keys]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(MODULES))
def test_module_matches_torch(name, dtype):
    build, keys = MODULES[name]
    inputs = [a if a.dtype.kind == "i" else a.astype(dtype) for a in _inputs(keys)]
    check_module(build(ember), build(torch), inputs=inputs, dtype=dtype, grad_atol=1e-4 if dtype == "float32" else None)


@requires_torch
@pytest.mark.parametrize("name", [n for n in dir(torch.nn) if n.endswith("Loss") and hasattr(nn, n)]
                         if torch is not None else [])
def test_module_repr_and_state_dict_keys(name):
    e, t = getattr(nn, name)(), getattr(torch.nn, name)()
    assert repr(e) == repr(t) == f"{name}()"
    assert list(e.state_dict()) == list(t.state_dict())
    assert e.reduction == t.reduction


@requires_torch
@pytest.mark.parametrize("name, kwargs", [
    ("CrossEntropyLoss", {"weight": 5}), ("NLLLoss", {"weight": 5}), ("BCELoss", {"weight": 5}),
    ("MultiLabelSoftMarginLoss", {"weight": 5}), ("MultiMarginLoss", {"weight": 5}),
    ("BCEWithLogitsLoss", {"weight": 5, "pos_weight": 5}), ("BCEWithLogitsLoss", {"pos_weight": 5})])
def test_weighted_loss_state_dict_keys(name, kwargs):
    e = getattr(nn, name)(**{k: ember.ones(n) for k, n in kwargs.items()})
    t = getattr(torch.nn, name)(**{k: torch.ones(n) for k, n in kwargs.items()})
    assert list(e.state_dict()) == list(t.state_dict())
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert list(e.parameters()) == []
    e.load_state_dict({k: ember.tensor(v.numpy()) * 2 for k, v in t.state_dict().items()})
    assert e.weight is None or e.weight.tolist() == [2.0] * 5


def test_module_defaults_and_seed_usage():
    """The seed documents' usage: criterion = nn.CrossEntropyLoss(); loss = criterion(score, label)."""
    score = ember.randn(3, 2, requires_grad=True)
    label = ember.Tensor([1, 0, 1]).long()
    criterion = nn.CrossEntropyLoss()
    loss = criterion(score, label)
    assert loss.shape == () and loss.requires_grad
    loss.backward()
    assert score.grad.shape == (3, 2)
    assert repr(criterion) == "CrossEntropyLoss()" and criterion.weight is None
    mse = nn.MSELoss()(ember.ones(1), ember.tensor([3.0]))
    assert mse.item() == 4.0 and repr(nn.MSELoss()) == "MSELoss()"


# ---- CTC -------------------------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("layout", ["padded", "concat", "unbatched"])
def test_ctc_matches_torch(reduction, zero_infinity, layout):
    r = np.random.default_rng(2)
    T, N, C = 10, 4, 5
    logits = r.standard_normal((T, N, C))
    tg = r.integers(1, C, (N, 4))
    tg[1, 2] = tg[1, 1]  # a repeated label needs a blank between
    il, tl = np.array([10, 9, 3, 7]), np.array([4, 3, 4, 0])  # sample 2 cannot be aligned (T < needed)
    res = []
    for m in (torch, ember):
        x = m.tensor(logits, requires_grad=True)
        lp = x.log_softmax(2)
        if layout == "unbatched":
            loss = m.nn.CTCLoss(reduction=reduction, zero_infinity=zero_infinity)(lp[:, 0], m.tensor(tg[0]),
                                                                                   m.tensor(10), m.tensor(4))
        else:
            targets = m.tensor(tg if layout == "padded" else np.concatenate([tg[i, :tl[i]] for i in range(N)]))
            lengths = (m.tensor(il), m.tensor(tl)) if layout == "padded" else (tuple(map(int, il)), tuple(map(int, tl)))
            loss = m.nn.functional.ctc_loss(lp, targets, *lengths, reduction=reduction, zero_infinity=zero_infinity)
        loss = loss.masked_fill(loss.isinf(), 0) if not zero_infinity else loss  # inf * 0 would poison the grads
        (loss * m.tensor(np.arange(1.0, loss.numel() + 1).reshape(tuple(loss.shape)))).sum().backward()
        res.append((loss.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-9)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-8, atol=1e-12)
