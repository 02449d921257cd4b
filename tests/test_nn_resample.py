"""Resampling and padding: interpolate/Upsample, PixelShuffle, ChannelShuffle, F.pad and the padding layers.

Run: python -m pytest -q tests/test_nn_resample.py
"""
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from helpers import check_op, dual, ember_gradcheck, requires_torch, torch
from nn_helpers import check_module

tnn = torch.nn if torch is not None else None

# ---- interpolate ------------------------------------------------------------------------------------------------
INTERP = [("nearest", 1, None), ("nearest", 2, None), ("nearest", 3, None), ("nearest-exact", 2, None),
          ("linear", 1, False), ("linear", 1, True), ("bilinear", 2, False), ("bilinear", 2, True),
          ("bicubic", 2, False), ("bicubic", 2, True), ("trilinear", 3, False), ("trilinear", 3, True),
          ("area", 2, None)]
SIZES = [dict(scale_factor=2), dict(scale_factor=1.7), dict(scale_factor=0.6), dict(size=(9, 3, 6)),
         dict(scale_factor=(2.3, 0.5, 1.5), recompute_scale_factor=True), dict(scale_factor=1 / 3)]


@requires_torch
@pytest.mark.parametrize("mode,nd,ac", INTERP, ids=lambda v: str(v))
def test_interpolate_matches_torch(mode, nd, ac):
    shape = (2, 3) + (5, 7, 4)[:nd]
    for kw in SIZES:
        kw = dict(kw)
        for key in ("size", "scale_factor"):
            if isinstance(kw.get(key), tuple):
                kw[key] = kw[key][:nd]
        if mode == "area" and kw.get("recompute_scale_factor"):
            continue
        check_op(*dual(lambda m, x: m.nn.functional.interpolate(x, mode=mode, align_corners=ac, **kw)),
                 shapes=[shape], noncontig=False, atol={"float32": 2e-5, "float64": 1e-10})


@requires_torch
def test_interpolate_large_axes_and_grad_fn():
    check_op(*dual(lambda m, x: m.nn.functional.interpolate(x, scale_factor=1.5, mode="bilinear")),
             shapes=[(1, 2, 70, 90)], noncontig=False, dtypes=("float64",))
    check_op(*dual(lambda m, x: m.nn.functional.interpolate(x, size=(33, 150), mode="bicubic", align_corners=True)),
             shapes=[(1, 2, 70, 90)], noncontig=False, dtypes=("float64",))
    x = ember.randn(1, 2, 4, 4, requires_grad=True)
    for mode, name in [("nearest", "UpsampleNearest2DBackward0"), ("bilinear", "UpsampleBilinear2DBackward0"),
                       ("bicubic", "UpsampleBicubic2DBackward0"), ("nearest-exact", "UpsampleNearestExact2DBackward0")]:
        assert F.interpolate(x, scale_factor=2, mode=mode).grad_fn.name() == name


def test_interpolate_values():
    x = ember.tensor([[[1.0, 2.0, 4.0]]])
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=2).numpy(), [[[1, 1, 2, 2, 4, 4]]])
    np.testing.assert_allclose(F.interpolate(x, size=5, mode="linear", align_corners=True).numpy(),
                               [[[1, 1.5, 2, 3, 4]]])
    np.testing.assert_allclose(F.interpolate(x, scale_factor=2, mode="linear").numpy(),
                               [[[1, 1.25, 1.75, 2.5, 3.5, 4]]])
    img = ember.arange(4.0).reshape(1, 1, 2, 2)
    up = F.interpolate(img, scale_factor=2, mode="bilinear", align_corners=True)
    np.testing.assert_allclose(up.numpy()[0, 0, 0], [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(F.interpolate(img, size=1, mode="area").numpy(), [[[[1.5]]]])


def test_gradcheck_interpolate():
    ember_gradcheck(lambda t: F.interpolate(t, scale_factor=1.5, mode="bilinear"), [(1, 2, 3, 4)])
    ember_gradcheck(lambda t: F.interpolate(t, size=(5, 2), mode="bicubic", align_corners=True), [(1, 1, 3, 4)])
    ember_gradcheck(lambda t: F.interpolate(t, scale_factor=2.5), [(1, 2, 3)])
    ember_gradcheck(lambda t: F.interpolate(t, size=(3, 2, 4), mode="trilinear"), [(1, 1, 2, 3, 2)])


@requires_torch
def test_upsample_modules():
    cases = [(nn.Upsample(scale_factor=2), tnn.Upsample(scale_factor=2), (2, 3, 4, 5)),
             (nn.Upsample(size=(5, 7), mode="bilinear"), tnn.Upsample(size=(5, 7), mode="bilinear"), (2, 3, 4, 5)),
             (nn.Upsample(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True),
              tnn.Upsample(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True), (1, 2, 4, 5)),
             (nn.Upsample(scale_factor=3, mode="linear"), tnn.Upsample(scale_factor=3, mode="linear"), (2, 3, 4)),
             (nn.UpsamplingNearest2d(scale_factor=2), tnn.UpsamplingNearest2d(scale_factor=2), (2, 3, 4, 5)),
             (nn.UpsamplingBilinear2d(size=7), tnn.UpsamplingBilinear2d(size=7), (2, 3, 4, 5))]
    for e, t, shape in cases:
        assert repr(e) == repr(t)
        check_module(e, t, [shape], atol=2e-5)


def test_interpolate_errors():
    x = ember.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D input"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(NotImplementedError, match="Got 4D input, but trilinear mode needs 5D input"):
        F.interpolate(x, scale_factor=2, mode="trilinear")
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, scale_factor=(2, 2, 2))
    with pytest.raises(NotImplementedError, match="got foo"):
        F.interpolate(x, scale_factor=2, mode="foo")
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x, size=3, recompute_scale_factor=True)


# ---- pixel / channel shuffle ------------------------------------------------------------------------------------
@requires_torch
def test_pixel_shuffle_and_channel_shuffle():
    for e, t, shape in [(nn.PixelShuffle(2), tnn.PixelShuffle(2), (2, 8, 3, 4)),
                        (nn.PixelShuffle(3), tnn.PixelShuffle(3), (9, 2, 3)),
                        (nn.PixelUnshuffle(2), tnn.PixelUnshuffle(2), (2, 3, 4, 6)),
                        (nn.PixelUnshuffle(2), tnn.PixelUnshuffle(2), (2, 1, 3, 4, 6)),
                        (nn.ChannelShuffle(3), tnn.ChannelShuffle(3), (2, 6, 4, 3))]:
        assert repr(e) == repr(t)
        check_module(e, t, [shape])


def test_pixel_shuffle_roundtrip_and_errors():
    x = ember.randn(2, 12, 3, 5, requires_grad=True)
    y = F.pixel_shuffle(x, 2)
    assert tuple(y.shape) == (2, 3, 6, 10) and y.grad_fn.name() == "PixelShuffleBackward0"
    np.testing.assert_array_equal(F.pixel_unshuffle(y, 2).detach().numpy(), x.detach().numpy())
    np.testing.assert_array_equal(F.pixel_shuffle(ember.arange(4.0).reshape(1, 4, 1, 1), 2).numpy(),
                                  [[[[0, 1], [2, 3]]]])
    ember_gradcheck(lambda t: F.pixel_shuffle(t, 2), [(1, 4, 2, 3)])
    ember_gradcheck(lambda t: F.channel_shuffle(t, 2), [(1, 4, 2)])
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(ember.randn(2, 3, 2, 2), 2)
    with pytest.raises(RuntimeError, match="height to be divisible by downscale_factor"):
        F.pixel_unshuffle(ember.randn(2, 3, 3, 2), 2)
    with pytest.raises(RuntimeError, match="Number of channels must be divisible by groups"):
        F.channel_shuffle(ember.randn(2, 3, 3, 2), 2)


# ---- F.pad and the padding layers -------------------------------------------------------------------------------
PADS = [("constant", (2, 3, 7), (1, 2)), ("constant", (2, 3, 5, 6), (1, -2, 0, 3)), ("constant", (3, 4), (1, 1, 2, 0)),
        ("constant", (2, 3, 4, 4, 5), (1, 2, 0, 1, 2, 2)), ("constant", (2, 3, 4, 5), (1, 1, 1, 1, 1, 1, 1, 1)),
        ("reflect", (2, 3, 7), (2, 3)), ("reflect", (3, 7), (2, 3)), ("reflect", (2, 3, 5, 6), (1, 2, 3, 4)),
        ("reflect", (2, 3, 5, 6), (-1, 2, 1, 1)), ("reflect", (2, 3, 4, 5, 6), (1, 2, 2, 1, 3, 0)),
        ("replicate", (2, 3, 7), (4, 1)), ("replicate", (2, 3, 5, 6), (3, 0, 2, 5)),
        ("replicate", (2, 4, 5, 6), (1, 2, 2, 1, 3, 0)), ("circular", (2, 3, 7), (3, 2)),
        ("circular", (2, 3, 5, 6), (1, 2, 5, 4)), ("circular", (2, 3, 4, 5, 6), (1, 2, 2, 1, 3, 0))]


@requires_torch
@pytest.mark.parametrize("mode,shape,pad", PADS, ids=str)
def test_pad_matches_torch(mode, shape, pad):
    check_op(*dual(lambda m, x: m.nn.functional.pad(x, pad, mode=mode)), shapes=[shape])


@requires_torch
def test_pad_value_and_grad_fn_names():
    check_op(*dual(lambda m, x: m.nn.functional.pad(x, (1, 2, 0, 1), value=3.5)), shapes=[(2, 3, 4)])
    x = ember.randn(2, 3, 4, 5, requires_grad=True)
    names = {"constant": "ConstantPadNdBackward0", "reflect": "ReflectionPad2DBackward0",
             "replicate": "ReplicationPad2DBackward0"}
    for mode, name in names.items():
        assert F.pad(x, (1, 1, 1, 1), mode=mode).grad_fn.name() == name
    assert F.pad(ember.arange(3), (1, 1), value=7).tolist() == [7, 0, 1, 2, 7]


def test_pad_gradcheck():
    ember_gradcheck(lambda t: F.pad(t, (2, 1, 1, 3), mode="reflect"), [(1, 2, 4, 5)])
    ember_gradcheck(lambda t: F.pad(t, (3, 1), mode="replicate"), [(1, 2, 4)])
    ember_gradcheck(lambda t: F.pad(t, (2, 1, 1, 2), mode="circular"), [(1, 1, 3, 3)])
    ember_gradcheck(lambda t: F.pad(t, (1, -1, 2, 0)), [(2, 3, 4)])


@requires_torch
def test_padding_modules():
    specs = [("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)),
             ("ZeroPad3d", (1,), (1, 2, 3, 4, 5)), ("ConstantPad1d", ((1, 2), 3.5), (2, 3, 5)),
             ("ConstantPad2d", (2, -1.0), (3, 4, 5)), ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 0.5), (1, 2, 3, 4, 5)),
             ("ReflectionPad1d", (2,), (2, 3, 5)), ("ReflectionPad2d", ((1, 2, 3, 1),), (2, 3, 4, 5)),
             ("ReflectionPad3d", (1,), (1, 2, 3, 4, 5)), ("ReplicationPad1d", ((3, 1),), (2, 3, 5)),
             ("ReplicationPad2d", (2,), (3, 4, 5)), ("ReplicationPad3d", ((1, 2, 0, 1, 2, 0),), (1, 2, 3, 4, 5)),
             ("CircularPad1d", (2,), (2, 3, 5)), ("CircularPad2d", ((1, 2, 3, 1),), (2, 3, 4, 5)),
             ("CircularPad3d", (1,), (1, 2, 3, 4, 5))]
    for name, args, shape in specs:
        e, t = getattr(nn, name)(*args), getattr(tnn, name)(*args)
        assert repr(e) == repr(t), name
        check_module(e, t, [shape])
    assert isinstance(nn.ZeroPad2d(1), nn.ConstantPad2d)


def test_pad_errors():
    x = ember.randn(2, 3, 5, 5)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times"):
        F.pad(x, (1,) * 10)
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(x, (5, 5, 1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        F.pad(x, (6, 6, 1, 1), mode="circular")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D input"):
        F.pad(x, (1, 1), mode="replicate")
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        F.pad(x, (1, 1, 1, 1), mode="foo")
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        nn.CircularPad2d(1)(ember.randn(5, 5))
