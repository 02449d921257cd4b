"""nn.utils: gradient clipping and parameter/vector conversion, against torch and on hand-computed values."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn.utils import (clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm,
                            parameters_to_vector, vector_to_parameters)
from helpers import requires_torch, torch

SHAPES = [(3, 4), (5,), (2, 2, 2), ()]


def _params(m, grads, with_none=True):
    """Parameters with the given gradient arrays (plus one without a gradient, which clipping must skip)."""
    ps = []
    for g in grads:
        p = m.nn.Parameter(m.tensor(np.zeros(g.shape, g.dtype)))
        p.grad = m.tensor(g.copy())
        ps.append(p)
    if with_none:
        ps.append(m.nn.Parameter(m.tensor(np.ones(2, np.float32))))
    return ps


def _grads(seed=0, scale=3.0, dtype=np.float32):
    r = np.random.default_rng(seed)
    return [(r.standard_normal(s) * scale).astype(dtype) for s in SHAPES]


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, 0.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.1, 2.0, 1e6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    grads = _grads(dtype=dtype)
    te, tt = _params(ember, grads), _params(torch, grads)
    ne = clip_grad_norm_(te, max_norm, norm_type=norm_type)
    nt = torch.nn.utils.clip_grad_norm_(tt, max_norm, norm_type=norm_type)
    assert ne.shape == () and str(ne.dtype).split(".")[-1] == str(nt.dtype).split(".")[-1]
    np.testing.assert_allclose(ne.item(), nt.item(), rtol=1e-5)
    for pe, pt in zip(te, tt):
        if pt.grad is None:
            assert pe.grad is None
            continue
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-7)
        assert pe.grad.grad_fn is None and not pe.grad.requires_grad


@requires_torch
def test_clip_grad_norm_single_tensor_and_generator_match_torch():
    g = _grads(1)[0]
    pe, pt = _params(ember, [g], False)[0], _params(torch, [g], False)[0]
    np.testing.assert_allclose(clip_grad_norm_(pe, 1.5).item(), torch.nn.utils.clip_grad_norm_(pt, 1.5).item(),
                               rtol=1e-6)
    np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-6)
    ge = (p for p in _params(ember, _grads(2)))
    gt = (p for p in _params(torch, _grads(2)))
    np.testing.assert_allclose(clip_grad_norm_(ge, 0.3).item(), torch.nn.utils.clip_grad_norm_(gt, 0.3).item(),
                               rtol=1e-6)


def test_clip_grad_norm_analytic():
    a, b = nn.Parameter(ember.zeros(2)), nn.Parameter(ember.zeros(1))
    a.grad, b.grad = ember.tensor([3.0, 0.0]), ember.tensor([4.0])
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert abs(total.item() - 5.0) < 1e-6
    np.testing.assert_allclose(a.grad.numpy(), [3 / (5 + 1e-6), 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), [4 / (5 + 1e-6)], rtol=1e-6)
    # below the threshold nothing changes (the coefficient clamps at 1)
    a.grad = ember.tensor([0.3, 0.4])
    assert abs(clip_grad_norm_(a, max_norm=10).item() - 0.5) < 1e-6
    np.testing.assert_allclose(a.grad.numpy(), [0.3, 0.4], rtol=1e-7)
    # inf norm: the largest magnitude
    a.grad, b.grad = ember.tensor([-7.0, 2.0]), ember.tensor([3.0])
    assert clip_grad_norm_([a, b], 3.5, norm_type=float("inf")).item() == 7.0
    np.testing.assert_allclose(a.grad.numpy(), [-7.0 * 3.5 / (7 + 1e-6), 2.0 * 3.5 / (7 + 1e-6)], rtol=1e-6)


def test_clip_grad_norm_keeps_grad_arrays_in_place():
    p = nn.Parameter(ember.zeros(3))
    p.grad = ember.tensor([10.0, 0.0, 0.0])
    g = p.grad
    clip_grad_norm_([p], 1.0)
    assert p.grad is g and abs(g[0].item() - 1.0) < 1e-5


def test_clip_grad_norm_empty():
    assert clip_grad_norm_([], 1.0).item() == 0.0
    assert get_total_norm([]).dtype == ember.float32
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)
    p = nn.Parameter(ember.ones(2))  # no grad at all
    assert clip_grad_norm_(p, 1.0).item() == 0.0 and p.grad is None


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_error_if_nonfinite(bad):
    p = nn.Parameter(ember.zeros(2))
    p.grad = ember.tensor([1.0, bad])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert p.grad[0].item() == 1.0  # untouched when it raises
    total = clip_grad_norm_([p], 1.0)  # without the flag: torch scales by the non-finite norm anyway
    assert not math.isfinite(total.item())


@requires_torch
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nonfinite_matches_torch(bad):
    grads = [np.array([1.0, bad], np.float32), np.array([2.0], np.float32)]
    te, tt = _params(ember, grads), _params(torch, grads)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(tt, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        clip_grad_norm_(te, 1.0, error_if_nonfinite=True)
    ne, nt = clip_grad_norm_(te, 1.0), torch.nn.utils.clip_grad_norm_(tt, 1.0)
    np.testing.assert_equal(ne.item(), nt.item())
    for pe, pt in zip(te[:2], tt[:2]):
        np.testing.assert_equal(pe.grad.numpy(), pt.grad.numpy())


@requires_torch
@pytest.mark.parametrize("foreach", [True, False])
def test_foreach_flag_accepted_like_torch(foreach):
    grads = _grads(6)
    te, tt = _params(ember, grads), _params(torch, grads)
    ne = clip_grad_norm_(te, 1.0, foreach=foreach)
    nt = torch.nn.utils.clip_grad_norm_(tt, 1.0, foreach=foreach)
    np.testing.assert_allclose(ne.item(), nt.item(), rtol=1e-6)
    clip_grad_value_(te, 0.1, foreach=foreach)
    torch.nn.utils.clip_grad_value_(tt, 0.1, foreach=foreach)
    np.testing.assert_allclose(te[0].grad.numpy(), tt[0].grad.numpy(), rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("clip", [0.5, 2, 100.0])
def test_clip_grad_value_matches_torch(clip):
    grads = _grads(3)
    te, tt = _params(ember, grads), _params(torch, grads)
    assert clip_grad_value_(te, clip) is None
    torch.nn.utils.clip_grad_value_(tt, clip)
    for pe, pt in zip(te, tt):
        if pt.grad is not None:
            np.testing.assert_array_equal(pe.grad.numpy(), pt.grad.numpy())


def test_clip_grad_value_analytic():
    p = nn.Parameter(ember.zeros(4))
    p.grad = ember.tensor([-3.0, -0.5, 0.25, 9.0])
    clip_grad_value_(p, 1)
    assert p.grad.tolist() == [-1.0, -0.5, 0.25, 1.0]


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_get_total_norm_and_clip_grads_with_norm_match_torch(norm_type):
    grads = _grads(4)
    ne = get_total_norm([ember.tensor(g) for g in grads], norm_type)
    nt = torch.nn.utils.get_total_norm([torch.tensor(g) for g in grads], norm_type)
    np.testing.assert_allclose(ne.item(), nt.item(), rtol=1e-6)
    te, tt = _params(ember, grads), _params(torch, grads)
    clip_grads_with_norm_(te, 1.0, ne)
    torch.nn.utils.clip_grads_with_norm_(tt, 1.0, nt)
    for pe, pt in zip(te[:-1], tt[:-1]):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-6)


def test_seed_clip_per_parameter_loop():
    """The seed's pattern: `for p in model.parameters(): clip_grad_norm_(p, 10)` after backward."""
    w = nn.Parameter(ember.ones(3, 3))
    b = nn.Parameter(ember.ones(3))
    loss = ((ember.ones(2, 3) @ w + b) * 100).sum()
    loss.backward()
    for p in (w, b):
        n = clip_grad_norm_(p, 10)
        assert n.item() > 10
        assert abs(p.grad.norm().item() - 10) < 1e-3


# ---- parameters <-> vector -------------------------------------------------------------------------------------------
@requires_torch
def test_parameters_to_vector_matches_torch():
    r = np.random.default_rng(0)
    arrays = [r.standard_normal(s).astype(np.float32) for s in SHAPES]
    ve = parameters_to_vector([nn.Parameter(ember.tensor(a)) for a in arrays])
    vt = torch.nn.utils.parameters_to_vector([torch.nn.Parameter(torch.tensor(a)) for a in arrays])
    np.testing.assert_array_equal(ve.detach().numpy(), vt.detach().numpy())
    assert ve.requires_grad == vt.requires_grad and ve.shape == tuple(vt.shape)


@requires_torch
def test_vector_to_parameters_matches_torch():
    r = np.random.default_rng(1)
    vec = r.standard_normal(sum(int(np.prod(s)) for s in SHAPES)).astype(np.float32)
    pe = [nn.Parameter(ember.zeros(s)) for s in SHAPES]
    pt = [torch.nn.Parameter(torch.zeros(s)) for s in SHAPES]
    vector_to_parameters(ember.tensor(vec), pe)
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), pt)
    for a, b in zip(pe, pt):
        assert a.shape == tuple(b.shape) and isinstance(a, nn.Parameter)
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_vector_round_trip_and_gradient():
    ps = [nn.Parameter(ember.randn(2, 3)), nn.Parameter(ember.randn(4))]
    v = parameters_to_vector(ps)
    assert v.shape == (10,)
    (v * ember.arange(10.0)).sum().backward()
    np.testing.assert_array_equal(ps[0].grad.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(ps[1].grad.numpy(), np.arange(6.0, 10.0))
    vector_to_parameters(v.detach() * 2, ps)
    np.testing.assert_allclose(parameters_to_vector(ps).detach().numpy(), v.detach().numpy() * 2)


def test_vector_to_parameters_type_error():
    with pytest.raises(TypeError, match="expected torch.Tensor, but got"):
        vector_to_parameters([1.0, 2.0], [nn.Parameter(ember.zeros(2))])


def test_deprecated_clip_grad_norm_warns():
    import ember.nn.utils as U
    p = nn.Parameter(ember.zeros(1))
    p.grad = ember.tensor([2.0])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        assert U.clip_grad_norm(p, 1.0).item() == 2.0
    assert any(issubclass(w.category, FutureWarning) for w in rec)
