"""Activation functions and layers: functional forms vs torch, gradients (incl. double backward), in-place
semantics, module reprs and error cases."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF
from helpers import check_op, check_raises, dual, ember_gradcheck, requires_torch, torch
from nn_helpers import check_module

SHAPES = [(7,), (3, 5), (2, 3, 4)]

# name -> f(module_namespace_F, x); every entry is compared with torch and gradchecked
ACTS = {
    "relu": lambda F, x: F.relu(x),
    "relu6": lambda F, x: F.relu6(x * 4),
    "leaky_relu": lambda F, x: F.leaky_relu(x),
    "leaky_relu_0.2": lambda F, x: F.leaky_relu(x, 0.2),
    "elu": lambda F, x: F.elu(x),
    "elu_0.5": lambda F, x: F.elu(x, 0.5),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x, 0.7),
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x),
    "mish": lambda F, x: F.mish(x),
    "hardtanh": lambda F, x: F.hardtanh(x),
    "hardtanh_range": lambda F, x: F.hardtanh(x, -0.5, 1.5),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x * 3),
    "hardswish": lambda F, x: F.hardswish(x * 3),
    "softplus": lambda F, x: F.softplus(x),
    "softplus_beta": lambda F, x: F.softplus(x, beta=2.0, threshold=3.0),
    "softsign": lambda F, x: F.softsign(x),
    "softshrink": lambda F, x: F.softshrink(x),
    "hardshrink": lambda F, x: F.hardshrink(x, 0.7),
    "tanhshrink": lambda F, x: F.tanhshrink(x),
    "threshold": lambda F, x: F.threshold(x, 0.3, -2.0),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "sigmoid": lambda F, x: F.sigmoid(x),
    "tanh": lambda F, x: F.tanh(x),
    "softmax": lambda F, x: F.softmax(x, dim=-1),
    "log_softmax": lambda F, x: F.log_softmax(x, dim=0),
    "softmin": lambda F, x: F.softmin(x, dim=-1),
}
# torch's grad_fn names for the fused ops
GRAD_FN = {"relu": "ReluBackward0", "relu6": "HardtanhBackward0", "leaky_relu": "LeakyReluBackward0",
           "elu": "EluBackward0", "selu": "EluBackward0", "celu": "CeluBackward0", "gelu": "GeluBackward0",
           "gelu_tanh": "GeluBackward0", "silu": "SiluBackward0", "mish": "MishBackward0",
           "hardtanh": "HardtanhBackward0", "hardsigmoid": "HardsigmoidBackward0",
           "hardswish": "HardswishBackward0", "softplus": "SoftplusBackward0", "softshrink": "SoftshrinkBackward0",
           "hardshrink": "HardshrinkBackward0", "threshold": "ThresholdBackward0",
           "logsigmoid": "LogSigmoidBackward0", "softmax": "SoftmaxBackward0", "log_softmax": "LogSoftmaxBackward0"}


def _F(m):
    return m.nn.functional


@requires_torch
@pytest.mark.parametrize("name", sorted(ACTS))
@pytest.mark.parametrize("shape", SHAPES)
def test_functional_matches_torch(name, shape):
    f = ACTS[name]
    check_op(*dual(lambda m, x: f(_F(m), x)), shapes=[shape], low=-4, high=4)


@requires_torch
@pytest.mark.parametrize("name", sorted(GRAD_FN))
def test_grad_fn_names(name):
    x = ember.randn(3, 4, requires_grad=True)
    y = ACTS[name](EF, x)
    assert y.grad_fn.name() == GRAD_FN[name]
    ty = ACTS[name](torch.nn.functional, torch.randn(3, 4, requires_grad=True))
    assert ty.grad_fn.name() == GRAD_FN[name]


# kinks and tails are avoided so finite differences are valid
SMOOTH_OR_AWAY_FROM_KINKS = sorted(ACTS)


@pytest.mark.parametrize("name", SMOOTH_OR_AWAY_FROM_KINKS)
def test_gradcheck_and_gradgradcheck(name):
    f = ACTS[name]
    rng = np.random.default_rng(1)
    x = rng.uniform(-2.5, 2.5, (3, 4))
    # keep clear of the kinks at 0, +-0.5, +-0.7, 0.3, +-1, +-3 (x*3, x*4 for the scaled ones)
    kinks = np.array([0, 0.3, 0.5, 0.7, 1, 1.5, 3, 6]) / np.array([[1], [3], [4]])
    for k in np.unique(kinks):
        for s in (1, -1):
            x = np.where(np.abs(x - s * k) < 0.05, x + 0.11, x)
    ember_gradcheck(lambda t: f(EF, t), None, inputs=[x])


@requires_torch
def test_gelu_accuracy_float64_and_float32():
    x64 = np.concatenate([np.linspace(-12, 12, 20001), [-40.0, 40.0, 0.0, 1e-8, -1e-8]])
    for dt, tol in ((np.float64, 1e-12), (np.float32, 2e-7)):
        x = x64.astype(dt)
        e = EF.gelu(ember.tensor(x)).numpy().astype(np.float64)
        t = torch.nn.functional.gelu(torch.tensor(x, dtype=torch.float64)).numpy()  # exact reference
        err = np.abs(e - t) / np.maximum(1, np.abs(x64))
        assert err.max() < tol, (dt, err.max(), x64[err.argmax()])
        tt = torch.nn.functional.gelu(torch.tensor(x)).numpy()
        np.testing.assert_allclose(e, tt, atol=1e-6 if dt == np.float32 else 1e-12, rtol=1e-6)


def test_gelu_special_values():
    y = EF.gelu(ember.tensor([float("inf"), 0.0, -0.0, 50.0])).numpy()
    assert y[0] == math.inf and y[1] == 0 and y[3] == 50.0
    assert math.isnan(EF.gelu(ember.tensor([float("nan")])).item())


def test_softplus_logsigmoid_are_stable():
    x = ember.tensor([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=ember.float64, requires_grad=True)
    y = EF.logsigmoid(x)
    np.testing.assert_allclose(y.detach().numpy(), [-1e4, -100.0, -math.log(2), -math.exp(-100), 0.0], rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0, 0.5, math.exp(-100), 0.0], rtol=1e-12)
    z = EF.softplus(ember.tensor([-1e4, 1e4], dtype=ember.float64), beta=1.0, threshold=1e9)
    np.testing.assert_allclose(z.numpy(), [0.0, 1e4])
    m = EF.mish(ember.tensor([-1e4, 1e4]))
    assert np.isfinite(m.numpy()).all()


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_glu_prelu(dtype):
    check_op(*dual(lambda m, x: _F(m).glu(x)), shapes=[(3, 6)], dtypes=(dtype,))
    check_op(*dual(lambda m, x: _F(m).glu(x, 0)), shapes=[(4, 3, 2)], dtypes=(dtype,))
    check_op(*dual(lambda m, x, w: _F(m).prelu(x, w)), shapes=[(2, 3, 4), (3,)], dtypes=(dtype,))
    check_op(*dual(lambda m, x, w: _F(m).prelu(x, w)), shapes=[(2, 3), (1,)], dtypes=(dtype,))
    check_op(*dual(lambda m, x, w: _F(m).prelu(x, w)), shapes=[(5,), (1,)], dtypes=(dtype,))


def test_glu_prelu_gradgradcheck():
    ember_gradcheck(lambda x: EF.glu(x, 1), [(2, 4)])
    ember_gradcheck(lambda x, w: EF.prelu(x, w), None,
                    inputs=[np.array([[0.5, -1.2, 2.0], [-0.3, 0.8, -2.2]]), np.array([0.25, -0.5, 1.5])])


@pytest.mark.parametrize("name,kw", [("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}),
                                     ("elu", {}), ("selu", {}), ("celu", {}), ("silu", {}), ("mish", {}),
                                     ("hardtanh", {}), ("hardsigmoid", {}), ("hardswish", {})])
def test_inplace_writes_into_input(name, kw):
    base = ember.tensor([[-2.0, -0.5, 0.0, 0.5, 2.0, 7.0]])
    ref = getattr(EF, name)(base.clone(), **kw)
    x = base.clone()
    v0 = x._version
    out = getattr(EF, name)(x, inplace=True, **kw)
    assert out is x and x._version > v0
    np.testing.assert_allclose(x.numpy(), ref.numpy())


@requires_torch
@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "hardtanh", "silu", "threshold"])
def test_inplace_gradients_match_torch(name):
    def f(m, a):
        F = _F(m)
        h = a * 1.5  # non-leaf, so the in-place op is legal
        if name == "threshold":
            return F.threshold(h, 0.2, -1.0, inplace=True) * 2
        return getattr(F, name)(h, inplace=True) * 2
    check_op(*dual(f), shapes=[(4, 5)], noncontig=False)


def test_inplace_on_leaf_requiring_grad_raises():
    x = ember.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        EF.relu(x, inplace=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        EF.leaky_relu(x, inplace=True)


def test_relu_inplace_module_seed_example():
    # seed 001: relu = nn.ReLU(inplace=True); output = relu(input) overwrites input
    inp = ember.randn(2, 3)
    before = inp.clone()
    out = enn.ReLU(inplace=True)(inp)
    assert out is inp
    np.testing.assert_array_equal(inp.numpy(), np.maximum(before.numpy(), 0))


@requires_torch
def test_softmax_implicit_dim_warns_like_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        e = EF.softmax(ember.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.functional.softmax(torch.tensor(x))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    with pytest.warns(UserWarning, match="softmin"):
        EF.softmin(ember.tensor(x))


@requires_torch
def test_softmax_dtype_argument():
    check_op(*dual(lambda m, x: _F(m).softmax(x, 1, dtype=m.float64)), shapes=[(3, 4)], dtypes=("float32",))
    check_op(*dual(lambda m, x: _F(m).log_softmax(x, -1, dtype=m.float64)), shapes=[(3, 4)], dtypes=("float32",))
    check_op(*dual(lambda m, x: _F(m).softmin(x, 0, dtype=m.float64)), shapes=[(3, 4)], dtypes=("float32",))


# ---- modules ----------------------------------------------------------------------------------------------------
MODULES = [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (0.1,), {}), ("ELU", (0.8,), {}), ("SELU", (), {}),
    ("CELU", (1.3,), {}), ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}),
    ("Mish", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}), ("Hardtanh", (-2.0, 2.0), {}), ("Hardsigmoid", (), {}),
    ("Hardswish", (), {}), ("Softplus", (), {"beta": 1.5, "threshold": 4.0}), ("Softsign", (), {}),
    ("Softshrink", (0.3,), {}), ("Hardshrink", (0.4,), {}), ("Tanhshrink", (), {}), ("Threshold", (0.1, 3.0), {}),
    ("LogSigmoid", (), {}), ("GLU", (), {}), ("GLU", (1,), {}), ("Softmax", (1,), {}), ("LogSoftmax", (-1,), {}),
    ("Softmin", (0,), {}), ("PReLU", (), {}), ("PReLU", (4,), {"init": 0.1}), ("Softmax2d", (), {}),
]


@requires_torch
@pytest.mark.parametrize("name,args,kw", MODULES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_module_matches_torch(name, args, kw, dtype):
    for shape in [(3, 4, 2, 2), (2, 4, 6)]:
        if name == "Softmax2d" and len(shape) != 4:
            continue
        check_module(getattr(enn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw), [shape], dtype=dtype,
                     low=-4, high=4)


@requires_torch
@pytest.mark.parametrize("name,args,kw", MODULES + [("ReLU", (True,), {}), ("ELU", (), {"inplace": True}),
                                                      ("Hardtanh", (), {"inplace": True}),
                                                      ("LeakyReLU", (0.01, True), {}), ("SiLU", (True,), {}),
                                                      ("Threshold", (0.1, 20), {"inplace": True}),
                                                      ("Softmax", (), {}), ("ReLU6", (True,), {})])
def test_module_repr_matches_torch(name, args, kw):
    assert repr(getattr(enn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))


@requires_torch
def test_prelu_state_dict_and_init():
    e, t = enn.PReLU(3), torch.nn.PReLU(3)
    assert list(e.state_dict()) == list(t.state_dict()) == ["weight"]
    np.testing.assert_array_equal(e.weight.detach().numpy(), np.full(3, 0.25, np.float32))


def test_seed_softmax_examples():
    # seed 000 "nn.Softmax" examples 1 and 2
    logits = ember.tensor([2.0, 1.0, 0.1])
    p = enn.Softmax(dim=0)(logits)
    np.testing.assert_allclose(p.numpy(), [0.6590, 0.2424, 0.0986], atol=1e-4)
    assert abs(p.sum().item() - 1) < 1e-6
    row = ember.tensor([[2.0, 1.0, 0.1]])
    np.testing.assert_array_equal(enn.Softmax(0)(row).numpy(), [[1.0, 1.0, 1.0]])
    np.testing.assert_allclose(enn.Softmax(1)(row).numpy(), [[0.6590, 0.2424, 0.0986]], atol=1e-4)
    assert str(enn.Softmax(1)(row)) == "tensor([[0.6590, 0.2424, 0.0986]])"
    # examples 3 and 4: every slice along dim sums to one; dim=-1 is the last dim
    x = ember.randn(2, 2, 3)
    for d in (0, 1, 2, -1):
        np.testing.assert_allclose(enn.Softmax(dim=d)(x).sum(d).numpy(), 1.0, rtol=1e-6)
    # seed 004: p = F.softmax(a, dim=0) on a 3-vector
    a = ember.rand(3)
    np.testing.assert_allclose(EF.softmax(a, dim=0).sum().item(), 1.0, rtol=1e-6)


def test_seed_tanh_example():
    x = ember.randn(5, 5)
    out = enn.Tanh()(x)
    assert out.shape == (5, 5) and (out.abs() < 1).all()
    np.testing.assert_allclose(out.numpy(), np.tanh(x.numpy()), rtol=1e-6)


# ---- errors ---------------------------------------------------------------------------------------------------
@requires_torch
def test_errors_match_torch():
    x = np.zeros((2, 3), np.float32)
    for fn in [lambda F, t: F.softmax(t, 2), lambda F, t: F.glu(t), lambda F, t: F.gelu(t, approximate="fast"),
               lambda F, t: F.celu(t, 0.0), lambda F, t: F.softshrink(t, -1.0),
               lambda F, t: F.prelu(t, t.new_ones(4)), lambda F, t: F.hardtanh(t, 2.0, 1.0),
               lambda F, t: F.log_softmax(t, -3)]:
        check_raises(lambda t, fn=fn: fn(torch.nn.functional, t), lambda t, fn=fn: fn(EF, t), [x])


def test_error_messages():
    x = ember.zeros(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"):
        enn.Softmax(dim=5)(x)
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        EF.glu(x)
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh."):
        EF.gelu(x, approximate="x")
    with pytest.raises(RuntimeError, match="Found parameter numbers = 4 and channel size = 3."):
        EF.prelu(x, ember.ones(4))
    with pytest.raises(AssertionError, match=r"max_val \(1.0\) must be greater than min_val \(2.0\)"):
        enn.Hardtanh(2.0, 1.0)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        EF.hardtanh(x, 2.0, 1.0)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        enn.Softmax2d()(x)
