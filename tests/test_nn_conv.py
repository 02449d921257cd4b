"""Convolution layers, F.conv*/conv_transpose*, fold/unfold: differential tests against torch, gradchecks, errors.

Run: python -m pytest -q tests/test_nn_conv.py
"""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from helpers import ember_gradcheck, requires_torch, torch
from nn_helpers import check_module

tnn = torch.nn if torch is not None else None


# ---- differential: modules over a grid of settings ----------------------------------------------------------------
CONV2D = [  # (in, out, kernel, stride, padding, dilation, groups, bias, padding_mode, input hw)
    (3, 4, 3, 1, 0, 1, 1, True, "zeros", (7, 9)),
    (4, 6, (3, 2), (2, 1), (1, 0), (1, 2), 2, True, "zeros", (9, 8)),
    (6, 6, 3, 2, 1, 1, 6, False, "zeros", (11, 10)),  # depthwise
    (2, 4, 5, 3, 2, 2, 1, True, "zeros", (13, 12)),
    (3, 5, 3, 1, "same", 2, 1, True, "zeros", (7, 6)),
    (3, 5, (4, 2), 1, "same", 1, 1, True, "zeros", (7, 6)),  # asymmetric 'same'
    (3, 5, 3, 1, "valid", 1, 1, True, "zeros", (7, 6)),
    (3, 4, 3, 1, 1, 1, 1, True, "reflect", (6, 7)),
    (3, 4, 3, 2, (2, 1), 1, 1, True, "replicate", (6, 7)),
    (2, 4, 3, 1, 1, 1, 2, True, "circular", (5, 6)),
    (40, 36, 3, 1, 1, 1, 1, True, "zeros", (6, 7)),  # many channels: per-tap GEMM path
    (64, 64, 3, 2, 1, 1, 2, True, "zeros", (9, 7)),  # many channels, strided, grouped
    (8, 8, 1, 1, 0, 1, 1, True, "zeros", (5, 5)),  # 1x1
]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg", CONV2D, ids=lambda c: "-".join(map(str, c[2:9])))
def test_conv2d_module_grid(cfg, dtype):
    cin, cout, k, s, p, d, g, b, mode, hw = cfg
    kw = dict(stride=s, padding=p, dilation=d, groups=g, bias=b, padding_mode=mode)
    check_module(nn.Conv2d(cin, cout, k, **kw), tnn.Conv2d(cin, cout, k, **kw), [(2, cin) + hw], dtype=dtype)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg", [(3, 4, 3, 1, 1, 1, 1), (4, 6, 5, 2, 2, 2, 2), (4, 4, 2, 3, 0, 1, 4),
                                 (36, 40, 3, 1, "same", 3, 1)])
def test_conv1d_module(cfg, dtype):
    cin, cout, k, s, p, d, g = cfg
    check_module(nn.Conv1d(cin, cout, k, s, p, d, g), tnn.Conv1d(cin, cout, k, s, p, d, g), [(3, cin, 17)],
                 dtype=dtype)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg", [(2, 3, 3, 1, 1, 1, 1), (4, 4, (2, 3, 2), (1, 2, 1), (1, 0, 1), (1, 1, 2), 2)])
def test_conv3d_module(cfg, dtype):
    cin, cout, k, s, p, d, g = cfg
    check_module(nn.Conv3d(cin, cout, k, s, p, d, g), tnn.Conv3d(cin, cout, k, s, p, d, g), [(2, cin, 5, 6, 4)],
                 dtype=dtype)


@requires_torch
def test_conv2d_float64_and_padding_modes():
    for mode in ("zeros", "reflect", "replicate", "circular"):
        check_module(nn.Conv2d(3, 4, 3, padding=2, padding_mode=mode, stride=2),
                     tnn.Conv2d(3, 4, 3, padding=2, padding_mode=mode, stride=2), [(2, 3, 7, 8)], dtype="float64")


CONVT = [  # (in, out, kernel, stride, padding, output_padding, groups, dilation, input hw)
    (3, 4, 3, 1, 0, 0, 1, 1, (5, 6)),
    (4, 6, 3, 2, 1, 1, 2, 1, (4, 5)),
    (2, 4, (3, 2), (2, 3), (1, 0), (1, 2), 1, 1, (4, 3)),
    (4, 4, 3, 2, 1, 1, 4, 2, (5, 4)),
    (36, 40, 3, 2, 1, 0, 1, 1, (4, 4)),  # many channels
]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cfg", CONVT, ids=lambda c: "-".join(map(str, c[2:8])))
def test_conv_transpose2d_module(cfg, dtype):
    cin, cout, k, s, p, op, g, d, hw = cfg
    args = (cin, cout, k, s, p, op, g, True, d)
    check_module(nn.ConvTranspose2d(*args), tnn.ConvTranspose2d(*args), [(2, cin) + hw], dtype=dtype)


@requires_torch
def test_conv_transpose_1d_3d_and_output_size():
    check_module(nn.ConvTranspose1d(3, 5, 4, 3, 1, 2), tnn.ConvTranspose1d(3, 5, 4, 3, 1, 2), [(2, 3, 7)])
    check_module(nn.ConvTranspose3d(2, 4, 3, 2, 1, 1, bias=False), tnn.ConvTranspose3d(2, 4, 3, 2, 1, 1, bias=False),
                 [(2, 2, 3, 4, 3)])
    e, t = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), tnn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    for size in [(9, 9), (10, 10), [2, 2, 10, 9]]:
        eo, to = check_module(e, t, [(2, 3, 5, 5)], call=lambda m, x: m(x, output_size=size))
        assert tuple(eo[0].shape[-2:]) == tuple(size[-2:])
    with pytest.raises(ValueError, match="requested an output size"):
        e(ember.zeros(2, 3, 5, 5), output_size=(12, 12))


@requires_torch
def test_unbatched_input():
    check_module(nn.Conv2d(3, 4, 3, padding=1), tnn.Conv2d(3, 4, 3, padding=1), [(3, 6, 5)])
    check_module(nn.Conv1d(3, 4, 3), tnn.Conv1d(3, 4, 3), [(3, 8)])
    check_module(nn.ConvTranspose2d(3, 4, 3, stride=2), tnn.ConvTranspose2d(3, 4, 3, stride=2), [(3, 4, 4)])


# ---- functional form, double backward -----------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("transposed", [False, True])
def test_double_backward_matches_torch(transposed):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 6, 5))
    w = rng.standard_normal((4, 2, 3, 3))  # groups=2 either way
    b = rng.standard_normal(4 if not transposed else 4)
    kw = dict(stride=2, padding=1, groups=2) if not transposed else dict(stride=2, padding=1, output_padding=1,
                                                                          groups=2)
    outs = []
    for fw in (torch, ember):
        fn = fw.nn.functional.conv_transpose2d if transposed else fw.nn.functional.conv2d
        xs = [fw.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = fn(*xs, **kw)
        gy = fw.tensor(np.linspace(-1, 1, int(np.prod(tuple(y.shape)))).reshape(tuple(y.shape)))
        grads = fw.autograd.grad(y, xs, gy, create_graph=True)
        loss = sum((g * g).sum() for g in grads)
        outs.append([y] + list(grads) + list(fw.autograd.grad(loss, xs[:2])))
    for t, e in zip(*outs):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-9, atol=1e-9)
    assert outs[1][0].grad_fn.name() == "ConvolutionBackward0"
    assert outs[1][1].grad_fn.name() == "ConvolutionBackwardBackward0"


def test_gradcheck_conv():
    ember_gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=(1, 2), groups=2),
                    [(1, 4, 5, 6), (4, 2, 3, 2), (4,)])
    ember_gradcheck(lambda x, w: F.conv1d(x, w, padding="same"), [(2, 2, 6), (3, 2, 4)])
    ember_gradcheck(lambda x, w: F.conv3d(x, w, stride=(1, 2, 1)), [(1, 2, 3, 4, 3), (2, 2, 2, 2, 2)])
    ember_gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
                    [(1, 3, 3, 3), (3, 2, 3, 3), (2,)])


def test_gradcheck_conv_many_channels():  # the per-tap GEMM paths
    ember_gradcheck(lambda x, w: F.conv2d(x, w, stride=2, padding=1), [(1, 32, 4, 4), (32, 32, 2, 2)],
                    gradgrad=False)
    ember_gradcheck(lambda x, w: F.conv_transpose1d(x, w, stride=2), [(1, 32, 3), (32, 2, 3)], gradgrad=False)


# ---- values without torch -------------------------------------------------------------------------------------------
def _corr2d(x, w):
    """Naive valid cross-correlation reference: x (H, W), w (kh, kw)."""
    kh, kw = w.shape
    H, W = x.shape
    return np.array([[(x[i:i + kh, j:j + kw] * w).sum() for j in range(W - kw + 1)] for i in range(H - kh + 1)])


def test_seed_sharpening_kernel():
    """The seed example: a 3x3 sharpening kernel through Conv2d(1, 1, (3, 3), 1, bias=False) on a 1-channel image."""
    rng = np.random.default_rng(0)
    img = rng.random((1, 1, 12, 10)).astype(np.float32)
    kernel = ember.ones(3, 3) / -9
    kernel[1][1] = 1
    conv = nn.Conv2d(1, 1, (3, 3), 1, bias=False)
    conv.weight.data = kernel.view(1, 1, 3, 3)
    out = conv(ember.tensor(img))
    assert tuple(out.shape) == (1, 1, 10, 8)
    k = np.full((3, 3), -1 / 9, np.float32)
    k[1, 1] = 1
    np.testing.assert_allclose(out.detach().numpy()[0, 0], _corr2d(img[0, 0], k), rtol=1e-5, atol=1e-6)
    flat = ember.ones(1, 1, 5, 5)  # a flat image sharpens to 1 - 8/9
    np.testing.assert_allclose(conv(flat).detach().numpy(), np.full((1, 1, 3, 3), 1 / 9), rtol=1e-5)
    assert out.grad_fn.name() == "ConvolutionBackward0"


def test_conv_values_and_groups_reference():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((6, 2, 3, 2))
    b = rng.standard_normal(6)
    y = F.conv2d(ember.tensor(x), ember.tensor(w), ember.tensor(b), groups=2).numpy()
    for n in range(2):
        for o in range(6):
            gi = o // 3
            ref = sum(_corr2d(x[n, gi * 2 + c], w[o, c]) for c in range(2)) + b[o]
            np.testing.assert_allclose(y[n, o], ref, rtol=1e-10, atol=1e-10)


def test_conv_transpose_is_adjoint_of_conv():
    rng = np.random.default_rng(2)
    x = ember.tensor(rng.standard_normal((2, 3, 9, 8)))
    w = ember.tensor(rng.standard_normal((5, 3, 3, 3)))
    y = F.conv2d(x, w, stride=2, padding=1, dilation=2)
    v = ember.tensor(rng.standard_normal(tuple(y.shape)))
    xt = F.conv_transpose2d(v, w, stride=2, padding=1, dilation=2, output_padding=(0, 1))
    assert tuple(xt.shape) == (2, 3, 9, 8)
    assert math.isclose((y * v).sum().item(), (x * xt).sum().item(), rel_tol=1e-10)


def test_conv_dtype_and_grad_fn():
    x = ember.randn(2, 3, 5, 5)
    conv = nn.Conv2d(3, 4, 3)
    y = conv(x)
    assert y.dtype == ember.float32 and tuple(y.shape) == (2, 4, 3, 3)
    assert conv.double()(x.double()).dtype == ember.float64
    with ember.no_grad():
        assert conv(x.double()).grad_fn is None
    assert tuple(F.conv2d(ember.zeros(0, 3, 5, 5), ember.zeros(4, 3, 3, 3)).shape) == (0, 4, 3, 3)


# ---- parameters, init, repr, state_dict -----------------------------------------------------------------------------
@requires_torch
def test_parameter_names_shapes_and_repr():
    pairs = [(nn.Conv2d(3, 6, (3, 5), stride=2, padding=(1, 2), groups=3, bias=False),
              tnn.Conv2d(3, 6, (3, 5), stride=2, padding=(1, 2), groups=3, bias=False)),
             (nn.Conv1d(2, 4, 3, dilation=2, padding_mode="circular", padding=2),
              tnn.Conv1d(2, 4, 3, dilation=2, padding_mode="circular", padding=2)),
             (nn.Conv3d(2, 2, 1), tnn.Conv3d(2, 2, 1)),
             (nn.Conv2d(3, 4, 3, padding="same", padding_mode="reflect"),
              tnn.Conv2d(3, 4, 3, padding="same", padding_mode="reflect")),
             (nn.ConvTranspose2d(4, 6, 3, 2, 1, 1, groups=2, dilation=2),
              tnn.ConvTranspose2d(4, 6, 3, 2, 1, 1, groups=2, dilation=2))]
    for e, t in pairs:
        assert repr(e) == repr(t)
        assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
        assert e._reversed_padding_repeated_twice == list(t._reversed_padding_repeated_twice) or \
            tuple(e._reversed_padding_repeated_twice) == tuple(t._reversed_padding_repeated_twice)


def test_default_init_bounds():
    ember.manual_seed(0)
    conv = nn.Conv2d(8, 16, 3)
    bound = 1 / math.sqrt(8 * 9)  # kaiming_uniform(a=sqrt(5)) on fan_in = C_in * kH * kW
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound and abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    ct = nn.ConvTranspose2d(8, 4, 3, groups=2)  # weight (8, 2, 3, 3): fan_in = 2 * 9
    assert tuple(ct.weight.shape) == (8, 2, 3, 3)
    assert np.abs(ct.weight.detach().numpy()).max() <= 1 / math.sqrt(18)


# ---- errors ------------------------------------------------------------------------------------------------------------
def test_errors():
    x = ember.randn(2, 3, 5, 5)
    with pytest.raises(RuntimeError, match=r"expected input\[2, 3, 5, 5\] to have 2 channels, but got 3 channels"):
        F.conv2d(x, ember.randn(4, 2, 3, 3))
    with pytest.raises(RuntimeError, match="to have 4 channels, but got 3 channels"):
        nn.Conv2d(4, 2, 3)(x)
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        F.conv2d(x, ember.randn(4, 3, 7, 7))
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(5 x 5\)"):
        F.conv2d(x, ember.randn(4, 3, 3, 3), dilation=3)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 4, 3, padding_mode="foo")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(4, 4, 3, padding="same", stride=2)
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided convolutions"):
        F.conv2d(x, ember.randn(4, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"):
        F.conv2d(ember.randn(5, 5), ember.randn(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match="expected bias to be 1-dimensional with 4 elements"):
        F.conv2d(x, ember.randn(4, 3, 3, 3), ember.randn(3))
    with pytest.raises(RuntimeError, match="should be the same"):
        F.conv2d(x, ember.randn(4, 3, 3, 3).double())
    with pytest.raises(RuntimeError, match="non-positive stride"):
        F.conv2d(x, ember.randn(4, 3, 3, 3), stride=0)
    with pytest.raises(RuntimeError, match="negative padding"):
        F.conv2d(x, ember.randn(4, 3, 3, 3), padding=-1)
    with pytest.raises(RuntimeError, match="expected stride to be a single integer value or a list of 2 values"):
        F.conv2d(x, ember.randn(4, 3, 3, 3), stride=(1, 2, 3))
    with pytest.raises(RuntimeError, match="expected input\\[2, 3, 5, 5\\] to have 4 channels"):
        F.conv_transpose2d(x, ember.randn(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        F.conv_transpose2d(x, ember.randn(3, 3, 3, 3), output_padding=1)
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported'):
        nn.ConvTranspose2d(3, 3, 3, padding_mode="reflect")


@requires_torch
def test_errors_match_torch_types():
    for f in (lambda m, x: m.nn.functional.conv2d(x, m.ones(4, 2, 3, 3)),
              lambda m, x: m.nn.functional.conv2d(x, m.ones(4, 3, 7, 7)),
              lambda m, x: m.nn.functional.conv2d(x, m.ones(3, 2, 3, 3), groups=2),
              lambda m, x: m.nn.functional.conv1d(x, m.ones(4, 3, 3))):
        with pytest.raises(Exception) as te:
            f(torch, torch.ones(2, 3, 5, 5))
        with pytest.raises(type(te.value)):
            f(ember, ember.ones(2, 3, 5, 5))


# ---- fold / unfold ------------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("cfg", [(2, 1, 0, 1), ((2, 3), (1, 2), (1, 0), (2, 1)), (3, 1, 1, 2)])
def test_unfold_fold_match_torch(cfg):
    k, d, p, s = cfg
    check_module(nn.Unfold(k, d, p, s), tnn.Unfold(k, d, p, s), [(2, 3, 7, 8)], dtype="float64")
    blocks = tnn.Unfold(k, d, p, s)(torch.zeros(2, 3, 7, 8)).shape
    check_module(nn.Fold((7, 8), k, d, p, s), tnn.Fold((7, 8), k, d, p, s), [tuple(blocks)], dtype="float64")
    assert repr(nn.Fold((7, 8), k, d, p, s)) == repr(tnn.Fold((7, 8), k, d, p, s))
    assert repr(nn.Unfold(k, d, p, s)) == repr(tnn.Unfold(k, d, p, s))


def test_unfold_is_im2col_and_fold_sums_overlaps():
    x = ember.arange(2 * 16, dtype=ember.float64).reshape(1, 2, 4, 4)
    cols = F.unfold(x, 2)
    assert tuple(cols.shape) == (1, 8, 9)
    np.testing.assert_array_equal(cols.numpy()[0, :4, 0], [0, 1, 4, 5])
    ones = F.fold(ember.ones(1, 4, 9, dtype=ember.float64), (4, 4), 2)  # counts how many blocks cover each pixel
    np.testing.assert_array_equal(ones.numpy()[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
    assert cols.grad_fn is None and tuple(F.unfold(x[0], 2).shape) == (8, 9)
    ember_gradcheck(lambda t: F.unfold(t, 2, padding=1, stride=2), [(1, 2, 3, 4)])
    ember_gradcheck(lambda t: F.fold(t, (4, 5), 2, dilation=(1, 2)), [(1, 4, 9)])
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(ember.ones(1, 5, 9), (4, 4), 2)
    with pytest.raises(RuntimeError, match="calculated number of sliding blocks"):
        F.fold(ember.ones(1, 4, 8), (4, 4), 2)
    with pytest.raises(RuntimeError, match="Only 3D or 4D input"):
        F.unfold(ember.ones(4, 4), 2)
