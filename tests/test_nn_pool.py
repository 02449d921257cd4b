"""Pooling layers (max/avg/adaptive/LP, unpooling) and the seed LeNet: differential tests, gradchecks, errors.

Run: python -m pytest -q tests/test_nn_pool.py
"""
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from helpers import ember_gradcheck, requires_torch, torch
from nn_helpers import check_module

tnn = torch.nn if torch is not None else None


# ---- max pooling --------------------------------------------------------------------------------------------------
MAXPOOL2D = [  # kernel, stride, padding, dilation, ceil_mode, input hw
    (2, None, 0, 1, False, (8, 9)),
    (3, 2, 1, 1, True, (11, 10)),
    ((3, 2), (2, 1), (1, 0), (2, 1), False, (9, 7)),
    (3, 3, 1, 2, True, (13, 12)),
    (2, 1, 0, 1, False, (5, 5)),  # overlapping windows: gradients accumulate
    (3, 2, 0, 1, True, (8, 8)),  # ceil mode window hanging off the edge
]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg", MAXPOOL2D, ids=str)
def test_maxpool2d_grid(cfg, dtype):
    k, s, p, d, ceil, hw = cfg
    check_module(nn.MaxPool2d(k, s, p, d, ceil_mode=ceil), tnn.MaxPool2d(k, s, p, d, ceil_mode=ceil),
                 [(2, 3) + hw], dtype=dtype)


@requires_torch
def test_maxpool_return_indices_1d_3d_unbatched():
    for e, t, shape in [(nn.MaxPool2d(3, 2, 1, return_indices=True), tnn.MaxPool2d(3, 2, 1, return_indices=True),
                         (2, 3, 7, 8)),
                        (nn.MaxPool1d(3, 2, 1, 2, True, True), tnn.MaxPool1d(3, 2, 1, 2, True, True), (2, 3, 11)),
                        (nn.MaxPool3d((2, 3, 2), (1, 2, 2), (1, 1, 0), return_indices=True),
                         tnn.MaxPool3d((2, 3, 2), (1, 2, 2), (1, 1, 0), return_indices=True), (2, 2, 5, 7, 6)),
                        (nn.MaxPool2d(2), tnn.MaxPool2d(2), (3, 6, 7)),
                        (nn.MaxPool1d(2), tnn.MaxPool1d(2), (3, 7))]:
        eo, to = check_module(e, t, [shape])
        assert len(eo) == len(to)
        if len(eo) == 2:
            assert eo[1].dtype == ember.int64
            np.testing.assert_array_equal(eo[1].numpy(), to[1].numpy())


def test_maxpool_values_ties_and_nan():
    x = ember.tensor([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 5.0, 5.0]]]], requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), [[[[3.0, 5.0]]]])
    np.testing.assert_array_equal(idx.numpy(), [[[[1, 6]]]])  # first maximum in window order
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 1, 0, 0], [0, 0, 1, 0]]]])
    z = ember.tensor([[[1.0, float("nan"), 2.0, 0.0]]])
    np.testing.assert_array_equal(np.isnan(F.max_pool1d(z, 2).numpy()), [[[True, False]]])
    assert y.grad_fn.name() == "MaxPool2DWithIndicesBackward0"


def test_maxpool_integer_input():
    x = ember.arange(16).reshape(1, 1, 4, 4)
    y = F.max_pool2d(x, 2)
    assert y.dtype == ember.int64
    np.testing.assert_array_equal(y.numpy(), [[[[5, 7], [13, 15]]]])


# ---- average pooling ----------------------------------------------------------------------------------------------
AVGPOOL2D = [  # kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, hw
    (2, None, 0, False, True, None, (8, 9)),
    (3, 2, 1, True, False, None, (10, 9)),
    (3, 2, 1, True, True, None, (10, 9)),
    ((3, 2), (2, 3), (1, 1), False, True, 5, (9, 11)),
    (4, 3, 2, True, False, None, (7, 7)),
]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg", AVGPOOL2D, ids=str)
def test_avgpool2d_grid(cfg, dtype):
    k, s, p, ceil, cip, div, hw = cfg
    check_module(nn.AvgPool2d(k, s, p, ceil, cip, div), tnn.AvgPool2d(k, s, p, ceil, cip, div), [(2, 3) + hw],
                 dtype=dtype)


@requires_torch
def test_avgpool_1d_3d_and_large():
    check_module(nn.AvgPool1d(3, 2, 1, True, False), tnn.AvgPool1d(3, 2, 1, True, False), [(2, 3, 11)])
    check_module(nn.AvgPool3d(2, 2, 1, True, False), tnn.AvgPool3d(2, 2, 1, True, False), [(2, 2, 5, 6, 7)])
    check_module(nn.AvgPool3d((1, 2, 3), divisor_override=2), tnn.AvgPool3d((1, 2, 3), divisor_override=2),
                 [(1, 2, 3, 4, 6)])
    check_module(nn.AvgPool2d(3, 2, 1), tnn.AvgPool2d(3, 2, 1), [(2, 2, 70, 81)])  # long axes: gather path
    check_module(nn.AvgPool2d(2), tnn.AvgPool2d(2), [(2, 4, 6)])  # unbatched (C, H, W)


def test_seed_avgpool2d():
    """The seed example: AvgPool2d(2, 2) halves an image by averaging 2x2 blocks."""
    x = ember.arange(16, dtype=ember.float32).reshape(1, 1, 4, 4)
    out = nn.AvgPool2d(2, 2)(x)
    assert tuple(out.shape) == (1, 1, 2, 2)
    np.testing.assert_allclose(out.numpy(), [[[[2.5, 4.5], [10.5, 12.5]]]])
    assert nn.AvgPool2d(2, 2)(ember.rand(1, 1, 13, 10)).shape == (1, 1, 6, 5)
    assert len(list(nn.AvgPool2d(2, 2).parameters())) == 0


def test_avgpool_inf_stays_local():
    x = ember.zeros(1, 1, 4, 4)
    x[0, 0, 0, 0] = float("inf")
    y = F.avg_pool2d(x, 2).numpy()
    assert np.isinf(y[0, 0, 0, 0]) and np.isfinite(y[0, 0].ravel()[1:]).all()


# ---- adaptive pooling -------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adaptive_pools(dtype):
    cases = [(nn.AdaptiveAvgPool2d((3, 4)), tnn.AdaptiveAvgPool2d((3, 4)), (2, 3, 10, 9)),
             (nn.AdaptiveAvgPool2d((None, 2)), tnn.AdaptiveAvgPool2d((None, 2)), (2, 3, 5, 7)),
             (nn.AdaptiveAvgPool2d(1), tnn.AdaptiveAvgPool2d(1), (2, 3, 5, 7)),
             (nn.AdaptiveAvgPool1d(4), tnn.AdaptiveAvgPool1d(4), (2, 3, 10)),
             (nn.AdaptiveAvgPool3d((2, 3, 2)), tnn.AdaptiveAvgPool3d((2, 3, 2)), (2, 2, 5, 7, 4)),
             (nn.AdaptiveMaxPool2d((3, 4), True), tnn.AdaptiveMaxPool2d((3, 4), True), (2, 3, 10, 9)),
             (nn.AdaptiveMaxPool2d(5), tnn.AdaptiveMaxPool2d(5), (2, 3, 4, 3)),  # output larger than input
             (nn.AdaptiveMaxPool1d(4, True), tnn.AdaptiveMaxPool1d(4, True), (2, 3, 10)),
             (nn.AdaptiveMaxPool3d(2), tnn.AdaptiveMaxPool3d(2), (2, 2, 5, 7, 4)),
             (nn.AdaptiveAvgPool2d(2), tnn.AdaptiveAvgPool2d(2), (3, 5, 5))]
    for e, t, shape in cases:
        eo, to = check_module(e, t, [shape], dtype=dtype)
        if len(eo) == 2:
            np.testing.assert_array_equal(eo[1].numpy(), to[1].numpy())
    assert F.adaptive_avg_pool2d(ember.ones(2, 3, 4, 4, requires_grad=True), 1).grad_fn.name() == "MeanBackward1"


# ---- LP pooling and unpooling ---------------------------------------------------------------------------------------
@requires_torch
def test_lppool():
    check_module(nn.LPPool2d(2, 3, 2), tnn.LPPool2d(2, 3, 2), [(2, 3, 9, 8)], low=0.1)
    check_module(nn.LPPool2d(1.5, (2, 3)), tnn.LPPool2d(1.5, (2, 3)), [(2, 3, 6, 9)], low=0.1)
    check_module(nn.LPPool1d(3, 2, ceil_mode=True), tnn.LPPool1d(3, 2, ceil_mode=True), [(2, 3, 9)], low=0.1)


@requires_torch
def test_max_unpool_matches_torch():
    rng = np.random.default_rng(0)
    for nd, k, s, shape, out_size in [(2, 2, 2, (2, 3, 8, 8), None), (2, 3, 2, (2, 3, 9, 9), (9, 9)),
                                      (1, 2, 2, (2, 3, 9), (9,)), (3, 2, 2, (1, 2, 4, 6, 4), None)]:
        x = rng.standard_normal(shape)
        tp = getattr(tnn, f"MaxPool{nd}d")(k, s, return_indices=True)
        tv, ti = tp(torch.tensor(x))
        ev, ei = getattr(nn, f"MaxPool{nd}d")(k, s, return_indices=True)(ember.tensor(x))
        np.testing.assert_array_equal(ei.numpy(), ti.numpy())
        tu, eu = getattr(tnn, f"MaxUnpool{nd}d")(k, s), getattr(nn, f"MaxUnpool{nd}d")(k, s)
        assert repr(tu) == repr(eu)
        check_module(eu, tu, inputs=[tv.numpy(), ti.numpy()], dtype="float64",
                     call=lambda m, v, i: m(v, i, output_size=out_size))


def test_max_unpool_values_and_errors():
    x = ember.tensor([[[1.0, 2, 3, 4, 5, 6, 7, 8]]])
    out, idx = F.max_pool1d(x, 2, return_indices=True)
    np.testing.assert_array_equal(F.max_unpool1d(out, idx, 2).numpy(), [[[0, 2, 0, 4, 0, 6, 0, 8]]])
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool1d(out, idx, 2, output_size=(12,))
    with pytest.raises(RuntimeError, match="Found an invalid max index"):
        F.max_unpool1d(out, idx * 3, 2)


# ---- gradcheck ------------------------------------------------------------------------------------------------------
def test_gradcheck_pools():
    rng = np.random.default_rng(5)
    distinct = rng.permutation(60).reshape(1, 2, 5, 6) / 7.0  # no ties: max pooling is differentiable there
    ember_gradcheck(lambda t: F.max_pool2d(t, 3, 2, 1, ceil_mode=True), None, inputs=[distinct])
    ember_gradcheck(lambda t: F.max_pool2d(t, 2, 1), None, inputs=[distinct])
    ember_gradcheck(lambda t: F.adaptive_max_pool2d(t, (2, 4)), None, inputs=[distinct])
    ember_gradcheck(lambda t: F.avg_pool2d(t, 3, 2, 1, True, False), [(1, 2, 5, 6)])
    ember_gradcheck(lambda t: F.avg_pool3d(t, 2, 1, divisor_override=3), [(1, 1, 3, 3, 4)])
    ember_gradcheck(lambda t: F.adaptive_avg_pool2d(t, (3, 2)), [(1, 2, 5, 7)])
    ember_gradcheck(lambda t: F.lp_pool2d(t, 2, 2), [(1, 2, 4, 4)], low=0.5)


# ---- the seed LeNet ------------------------------------------------------------------------------------------------
def _lenet(mod):
    N, F_ = mod.nn, mod.nn.functional

    class Net(N.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = N.Conv2d(1, 6, 5)
            self.conv2 = N.Conv2d(6, 16, 5)
            self.fc1 = N.Linear(16 * 5 * 5, 120)
            self.fc2 = N.Linear(120, 84)
            self.fc3 = N.Linear(84, 10)

        def forward(self, x):
            x = F_.max_pool2d(F_.relu(self.conv1(x)), (2, 2))
            x = F_.max_pool2d(F_.relu(self.conv2(x)), 2)
            x = x.view(-1, self.num_flat_features(x))
            x = F_.relu(self.fc1(x))
            x = F_.relu(self.fc2(x))
            return self.fc3(x)

        def num_flat_features(self, x):
            size = x.size()[1:]
            num_features = 1
            for s in size:
                num_features *= s
            return num_features
    return Net()


def test_seed_lenet_shapes():
    net = _lenet(ember)
    assert repr(net) == ("Net(\n  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n"
                         "  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))\n"
                         "  (fc1): Linear(in_features=400, out_features=120, bias=True)\n"
                         "  (fc2): Linear(in_features=120, out_features=84, bias=True)\n"
                         "  (fc3): Linear(in_features=84, out_features=10, bias=True)\n)")
    params = list(net.parameters())
    assert len(params) == 10 and tuple(params[0].size()) == (6, 1, 5, 5)
    out = net(ember.randn(1, 1, 32, 32))
    assert tuple(out.shape) == (1, 10) and out.grad_fn is not None
    net.zero_grad()
    out.backward(ember.randn(1, 10))
    assert all(p.grad is not None and tuple(p.grad.shape) == tuple(p.shape) for p in net.parameters())
    assert net.num_flat_features(ember.zeros(4, 16, 5, 5)) == 400


@requires_torch
def test_seed_lenet_matches_torch():
    check_module(_lenet(ember), _lenet(torch), [(4, 1, 32, 32)], atol=1e-4, rtol=1e-4)


# ---- reprs and errors --------------------------------------------------------------------------------------------
@requires_torch
def test_reprs_match_torch():
    for args in [("MaxPool2d", 2), ("MaxPool1d", 3, 2, 1, 2, True, True), ("MaxPool3d", (1, 2, 3)),
                 ("AvgPool2d", 2), ("AvgPool1d", 3), ("AvgPool3d", 2, 1, 0, True, False, 3),
                 ("AdaptiveAvgPool2d", (None, 3)), ("AdaptiveMaxPool2d", 3, True), ("AdaptiveAvgPool1d", 3),
                 ("AdaptiveMaxPool3d", (2, 3, 4)), ("LPPool2d", 2, 3), ("LPPool1d", 1.5, 2, 1, True),
                 ("MaxUnpool2d", 2), ("MaxUnpool3d", 2, 1, 1)]:
        name, *a = args
        assert repr(getattr(nn, name)(*a)) == repr(getattr(tnn, name)(*a)), name


def test_errors():
    x = ember.randn(2, 3, 5, 5)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(x, 7)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.avg_pool2d(x, 7)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.avg_pool2d(x, 3, padding=2)
    with pytest.raises(RuntimeError, match="stride should not be zero"):
        F.max_pool2d(x, 2, stride=0)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(RuntimeError, match="3D or 4D"):
        F.max_pool2d(ember.randn(5, 5), 2)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D tensor"):
        F.adaptive_avg_pool2d(ember.randn(5, 5), 2)
    with pytest.raises(RuntimeError, match="non-zero size for non-batch dimensions"):
        F.adaptive_avg_pool2d(ember.randn(2, 3, 0, 4), 2)
    with pytest.raises(RuntimeError, match="kernel_size must either be a single int|kernel_size"):
        F.max_pool2d(x, (2, 2, 2))


@requires_torch
def test_integer_pooling_matches_torch():
    x = np.arange(-30, 19).reshape(1, 1, 7, 7)
    for args in [(3, 1, 1), (3, 2, 1, True, False), (2, 2, 0, True), (3, 1, 1, False, True, 4)]:
        e = F.avg_pool2d(ember.tensor(x), *args)
        t = torch.nn.functional.avg_pool2d(torch.tensor(x), *args)
        assert e.dtype == ember.int64
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    np.testing.assert_array_equal(F.max_pool2d(ember.tensor(x), 3, 2, 1).numpy(),
                                  torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1).numpy())
    for f in (lambda m, t: m.nn.functional.interpolate(t, scale_factor=2),
              lambda m, t: m.nn.functional.adaptive_avg_pool2d(t, 2)):
        with pytest.raises(NotImplementedError):
            f(torch, torch.tensor(x))
        with pytest.raises(NotImplementedError):
            f(ember, ember.tensor(x))
