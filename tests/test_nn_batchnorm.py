"""BatchNorm1d/2d/3d and InstanceNorm1d/2d/3d: differential tests (outputs, grads, running stats), gradchecks, seeds.

Run: python -m pytest -q tests/test_nn_batchnorm.py
"""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from helpers import ember_gradcheck, requires_torch, torch
from nn_helpers import check_module

tnn = torch.nn if torch is not None else None


def _np(t):
    return t.detach().numpy()


def _buffers_equal(e, t, rtol=1e-6, atol=1e-7):
    eb, tb = dict(e.named_buffers()), dict(t.named_buffers())
    assert list(eb) == list(tb)
    for k in tb:
        assert eb[k].dtype.name == str(tb[k].dtype).split(".")[-1], k
        assert tuple(eb[k].shape) == tuple(tb[k].shape), k
        np.testing.assert_allclose(_np(eb[k]), tb[k].detach().numpy(), rtol=rtol, atol=atol, err_msg=k)


BN = [("BatchNorm1d", (6, 4)), ("BatchNorm1d", (5, 4, 7)), ("BatchNorm2d", (3, 4, 5, 6)),
      ("BatchNorm3d", (2, 4, 3, 4, 5))]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape", BN)
@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False},
                                {"bias": False, "eps": 1e-3, "momentum": 0.3}], ids=str)
def test_batchnorm_train_steps_then_eval(name, shape, kw, dtype):
    e, t = getattr(nn, name)(4, **kw), getattr(tnn, name)(4, **kw)
    for step in range(3):  # running statistics must follow torch step by step
        check_module(e, t, [shape], dtype=dtype, seed=step)
        _buffers_equal(e, t)
    check_module(e, t, [shape], dtype=dtype, train=False, seed=7)
    _buffers_equal(e, t)


@requires_torch
def test_batchnorm_state_dict_layout():
    e, t = nn.BatchNorm2d(3), tnn.BatchNorm2d(3)
    esd, tsd = e.state_dict(), t.state_dict()
    assert list(esd) == list(tsd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert esd._metadata[""] == {"version": 2} and nn.BatchNorm2d._version == 2
    nbt = e.num_batches_tracked
    assert nbt.dtype == ember.int64 and tuple(nbt.shape) == () and nbt.item() == 0
    assert repr(e) == repr(t)
    for kw in ({"momentum": None, "affine": False, "track_running_stats": False}, {"bias": False}):
        assert repr(nn.BatchNorm1d(5, **kw)) == repr(tnn.BatchNorm1d(5, **kw))
        assert list(nn.BatchNorm1d(5, **kw).state_dict()) == list(tnn.BatchNorm1d(5, **kw).state_dict())
    assert [n for n, _ in e.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in e.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]


def test_batchnorm_loads_version1_state_dict_without_num_batches_tracked():
    src = nn.BatchNorm1d(3)
    sd = src.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""] = {"version": 1}
    dst = nn.BatchNorm1d(3)
    dst.num_batches_tracked.fill_(5)
    dst.load_state_dict(sd)  # strict: the missing key is filled in for old checkpoints
    assert dst.num_batches_tracked.item() == 5
    sd2 = src.state_dict()
    del sd2["num_batches_tracked"]
    with pytest.raises(RuntimeError, match="Missing key"):
        nn.BatchNorm1d(3).load_state_dict(sd2)


def test_running_stats_formulas():
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((8, 3, 4, 4)).astype(np.float32) * (i + 1) for i in range(3)]
    bn = nn.BatchNorm2d(3, momentum=None)
    for x in xs:
        bn(ember.tensor(x))
    means = [x.mean((0, 2, 3)) for x in xs]
    vars_ = [x.var((0, 2, 3), ddof=1) for x in xs]  # torch keeps the unbiased variance
    np.testing.assert_allclose(_np(bn.running_mean), np.mean(means, 0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(_np(bn.running_var), np.mean(vars_, 0), rtol=1e-4)
    assert bn.num_batches_tracked.item() == 3
    bn2 = nn.BatchNorm2d(3, momentum=0.25)
    bn2(ember.tensor(xs[0]))
    np.testing.assert_allclose(_np(bn2.running_var), 0.75 + 0.25 * vars_[0], rtol=1e-5)
    bn.eval()
    y = _np(bn(ember.tensor(xs[0])))
    ref = (xs[0] - _np(bn.running_mean)[:, None, None]) / np.sqrt(_np(bn.running_var)[:, None, None] + 1e-5)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)
    assert bn.num_batches_tracked.item() == 3  # eval leaves the buffers alone


def test_batchnorm_version_counter_and_no_grad_buffers():
    bn = nn.BatchNorm1d(2)
    v = bn.running_mean._version
    out = bn(ember.randn(4, 2, requires_grad=True))
    assert bn.running_mean._version > v and not bn.running_mean.requires_grad
    assert out.grad_fn.name() == "NativeBatchNormBackward0"


def test_gradcheck_batch_norm():
    w, b = ember.tensor([1.5, -0.5, 2.0], dtype=ember.float64), ember.tensor([0.1, 0.2, 0.3], dtype=ember.float64)
    ember_gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), [(4, 3, 2, 2), (3,), (3,)])
    ember_gradcheck(lambda x: F.batch_norm(x, None, None, w, b, True, eps=1e-3), [(5, 3)])
    rm, rv = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64) * 2
    ember_gradcheck(lambda x, w: F.batch_norm(x, rm, rv, w, None, False), [(4, 3, 5), (3,)])
    ember_gradcheck(lambda x: F.instance_norm(x), [(2, 3, 5)])


@requires_torch
def test_batchnorm_double_backward_matches_torch():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((4, 3, 5)), rng.standard_normal(3), rng.standard_normal(3)
    res = []
    for fw in (torch, ember):
        xs = [fw.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = fw.nn.functional.batch_norm(xs[0], None, None, xs[1], xs[2], True)
        g = fw.autograd.grad((y ** 3).sum(), xs, create_graph=True)
        res.append(list(g) + list(fw.autograd.grad(sum((t * t).sum() for t in g), xs[:2])))
    for t, e in zip(*res):
        np.testing.assert_allclose(_np(e), t.detach().numpy(), rtol=1e-8, atol=1e-8)


# ---- instance norm ----------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (3, 4, 7)), ("InstanceNorm1d", (4, 7)),
                                        ("InstanceNorm2d", (3, 4, 5, 6)), ("InstanceNorm2d", (4, 5, 6)),
                                        ("InstanceNorm3d", (2, 4, 3, 4, 5))])
@pytest.mark.parametrize("kw", [{}, {"affine": True}, {"track_running_stats": True},
                                {"affine": True, "track_running_stats": True, "momentum": 0.2}], ids=str)
def test_instancenorm(name, shape, kw, dtype):
    e, t = getattr(nn, name)(4, **kw), getattr(tnn, name)(4, **kw)
    assert repr(e) == repr(t) and list(e.state_dict()) == list(t.state_dict())
    for step in range(2):
        check_module(e, t, [shape], dtype=dtype, seed=step)
        _buffers_equal(e, t, rtol=1e-5)
    check_module(e, t, [shape], dtype=dtype, train=False, seed=3)


def test_instancenorm_values_and_errors():
    x = ember.randn(2, 3, 4, 5) * 3 + 1
    y = _np(nn.InstanceNorm2d(3)(x))
    np.testing.assert_allclose(y.mean((2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var((2, 3)), 1, rtol=1e-3)
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        nn.InstanceNorm2d(3)(ember.randn(4, 4))
    with pytest.raises(ValueError, match="to match num_features"):
        nn.InstanceNorm2d(4, affine=True)(ember.randn(2, 3, 4, 4))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        nn.InstanceNorm2d(4)(ember.randn(2, 3, 4, 4))
    assert any("does not match num_features" in str(r.message) for r in rec)
    with pytest.raises(ValueError, match="Expected more than 1 spatial element"):
        nn.InstanceNorm1d(3)(ember.randn(2, 3, 1))


# ---- seeds -----------------------------------------------------------------------------------------------------------
def test_seed_batchnorm1d_scaled():
    """The seed example: BatchNorm1d(4) with weight 4 and bias 0 on a batch of two rows."""
    h = ember.rand(2, 3) @ ember.rand(3, 4)
    bn = nn.BatchNorm1d(4)
    bn.weight.data = ember.ones(4) * 4
    bn.bias.data = ember.zeros(4)
    out = bn(h)
    assert out.grad_fn.name() == "NativeBatchNormBackward0"
    o = _np(out)
    np.testing.assert_allclose(o[0], -o[1], rtol=1e-5)  # two samples normalise to +-1 (times 4)
    d = _np(h)[0] - _np(h)[1]
    var = (d / 2) ** 2
    np.testing.assert_allclose(np.abs(o[0]), 4 * np.sqrt(var / (var + 1e-5)), rtol=1e-4)
    assert abs(out.mean().item()) < 1e-5
    np.testing.assert_allclose(_np(out.var(0, unbiased=False)), 16 * var / (var + 1e-5), rtol=1e-4)


class _ReLU(nn.Module):
    def forward(self, x):
        return F.relu(x)

    def _get_name(self):
        return "ReLU"


def _relu(mod):
    return mod.nn.ReLU() if hasattr(mod.nn, "ReLU") else _ReLU()


def test_seed_sequential_conv_bn_relu():
    net = nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3), _relu(ember))
    assert repr(net) == ("Sequential(\n  (0): Conv2d(3, 3, kernel_size=(3, 3), stride=(1, 1))\n"
                         "  (1): BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                         "track_running_stats=True)\n  (2): ReLU()\n)")
    assert repr(net[2]) == "ReLU()"
    out = net(ember.randn(1, 3, 4, 4))
    assert tuple(out.shape) == (1, 3, 2, 2)
    o = _np(out)
    assert (o >= 0).all() and (o > 0).any()


@requires_torch
def test_seed_sequential_matches_torch():
    check_module(nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3), _relu(ember)),
                 tnn.Sequential(tnn.Conv2d(3, 3, 3), tnn.BatchNorm2d(3), tnn.ReLU()), [(2, 3, 6, 6)])


# ---- errors -----------------------------------------------------------------------------------------------------
def test_errors():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ember.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ember.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(ember.randn(1, 3))
    nn.BatchNorm1d(3).eval()(ember.randn(1, 3))  # fine in eval mode
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm2d(3)(ember.randn(2, 4, 4, 4))
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(ember.randn(2, 3), None, None, training=False)
    with pytest.raises(ValueError, match="eps must be positive"):
        F.batch_norm(ember.randn(2, 3), None, None, training=True, eps=0)
