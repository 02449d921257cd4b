"""Autograd engine semantics: backward, accumulation, retain_graph, hooks, grad modes,
autograd.grad, higher-order gradients, in-place/version checks, grad_fn names, custom
Functions, deep graphs and graph freeing."""
import gc
import warnings
import weakref

import numpy as np
import pytest

import ember
from helpers import assert_close, ember_gradcheck, requires_torch, torch


def _grad(t):
    """.grad of a non-leaf without torch's UserWarning noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t.grad


# ----------------------------------------------------------------------------- backward basics


def test_backward_scalar():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    assert y.shape == () and y.requires_grad
    assert y.backward() is None
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    assert x.grad.dtype == ember.float32 and x.grad.shape == x.shape
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_backward_with_gradient_argument():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.backward(gradient=ember.tensor([1.0, 0.5, -1.0]))
    assert x.grad.tolist() == [2.0, 1.0, -2.0]
    x2 = ember.ones(2, 2, requires_grad=True)
    (x2 * 3).backward(ember.ones(2, 2))          # positional form
    assert x2.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_backward_non_scalar_without_gradient_raises():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    # torch only asks for one element: a shape-(1,) output backpropagates implicitly
    (x.sum() * ember.ones(1)).backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.ones(3).sum().backward()


def test_gradient_accumulates_across_backward_calls():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [3.0 + 2.0, 3.0 + 4.0]
    x.grad.zero_()
    (x * 5).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_shared_subexpression_and_reused_leaf():
    x = ember.tensor(3.0, requires_grad=True)
    a = x * x           # used twice below
    y = a * a + a + x   # y = x^4 + x^2 + x
    y.backward()
    assert x.grad.item() == pytest.approx(4 * 27 + 2 * 3 + 1)


def test_retain_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    x2 = ember.tensor([1.0, 2.0], requires_grad=True)
    y2 = (x2 * x2).sum()
    y2.backward(retain_graph=True)
    y2.backward()
    assert x2.grad.tolist() == [4.0, 8.0]      # accumulated twice


def test_retain_grad_on_non_leaf():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert _grad(y) is None
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    z = (y * y).sum()
    z.backward()
    assert y.grad.tolist() == [4.0, 8.0]
    assert x.grad.tolist() == [8.0, 16.0]
    w = x * 3
    (w * 1).sum().backward()
    assert _grad(w) is None          # non-leaf without retain_grad gets no .grad


# ----------------------------------------------------------------------------- hooks


def test_register_hook_on_leaf():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))           # observing hook (returns None)
    h = x.register_hook(lambda g: g * 2)                          # modifying hook
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [6.0, 6.0]
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and len(seen) == 2


def test_register_hook_on_non_leaf():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.register_hook(lambda g: g * 10)
    (y * ember.tensor([1.0, -1.0])).sum().backward()
    assert seen == [[1.0, -1.0]]
    assert x.grad.tolist() == [20.0, -20.0]


def test_hook_handle_remove_before_backward():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    h = y.register_hook(lambda g: g * 100)
    h.remove()
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_register_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError):
        ember.ones(2).register_hook(lambda g: g)


# ----------------------------------------------------------------------------- grad modes


def test_no_grad_context_and_decorator():
    x = ember.ones(2, requires_grad=True)
    assert ember.is_grad_enabled()
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        y = x * 2
        assert not y.requires_grad and y.grad_fn is None
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def f(t):
        assert not ember.is_grad_enabled()
        return t * 2
    assert not f(x).requires_grad and ember.is_grad_enabled()

    @ember.no_grad
    def g(t):
        return t * 2
    assert not g(x).requires_grad and ember.is_grad_enabled()


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with ember.no_grad():
            raise ValueError("boom")
    assert ember.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        with ember.enable_grad():
            assert ember.is_grad_enabled()
            assert (x * 2).requires_grad
        assert not ember.is_grad_enabled()

        @ember.enable_grad()
        def f(t):
            return t * 2
        assert f(x).requires_grad


def test_set_grad_enabled():
    x = ember.ones(2, requires_grad=True)
    with ember.set_grad_enabled(False):
        assert not ember.is_grad_enabled() and not (x * 2).requires_grad
    assert ember.is_grad_enabled()
    with ember.set_grad_enabled(True):
        assert (x * 2).requires_grad
    try:
        ember.set_grad_enabled(False)                  # plain function call form
        assert not ember.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        ember.set_grad_enabled(True)
    assert ember.is_grad_enabled()

    @ember.set_grad_enabled(False)
    def f(t):
        return t * 2
    assert not f(x).requires_grad and ember.is_grad_enabled()


def test_inference_mode():
    x = ember.ones(2, requires_grad=True)
    with ember.inference_mode():
        assert not ember.is_grad_enabled()
        y = x * 2
        assert not y.requires_grad
    assert ember.is_grad_enabled()

    @ember.inference_mode()
    def f(t):
        return t * 2
    assert not f(x).requires_grad

    with ember.inference_mode(False):
        assert ember.is_grad_enabled() and (x * 2).requires_grad


def test_requires_grad_propagation():
    a = ember.tensor([1.0, -2.0], requires_grad=True)
    b = ember.tensor([3.0, 4.0])
    assert (a + b).requires_grad and (b * a).requires_grad
    assert not (b * 2).requires_grad
    assert not (a > 0).requires_grad and (a > 0).dtype == ember.bool
    assert not a.argmax().requires_grad
    assert not a.long().requires_grad
    assert not (a.detach() + b).requires_grad
    assert ember.where(a > 0, a, b).requires_grad
    assert ember.cat([b, a]).requires_grad and ember.stack([b, b]).requires_grad is False
    assert isinstance(a.sum().item(), float)
    # in-place op that writes a requires-grad value into a plain tensor makes it part of the graph
    c = ember.zeros(2)
    c.add_(a)
    assert c.requires_grad and not c.is_leaf and c.grad_fn is not None
    (c * 3).sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_detach_stops_gradient():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.detach() * x           # only the second factor is differentiated
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    assert not y.detach().requires_grad


# ----------------------------------------------------------------------------- autograd.grad


def test_autograd_grad_basic():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 2).sum()
    g = ember.autograd.grad(y, x)
    assert isinstance(g, tuple) and len(g) == 1
    assert g[0].tolist() == [2.0, 4.0]
    assert x.grad is None                     # autograd.grad does not touch .grad
    assert not g[0].requires_grad


def test_autograd_grad_outputs_and_lists():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    w = ember.tensor([3.0, 5.0], requires_grad=True)
    y = x * w
    gx, gw = ember.autograd.grad(y, [x, w], grad_outputs=ember.tensor([1.0, 2.0]))
    assert gx.tolist() == [3.0, 10.0] and gw.tolist() == [1.0, 4.0]
    y1, y2 = (x * 2).sum(), (x * x).sum()
    (g,) = ember.autograd.grad([y1, y2], [x])
    assert g.tolist() == [4.0, 6.0]
    (g,) = ember.autograd.grad([x * 2], [x], grad_outputs=[ember.ones(2)])
    assert g.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        ember.autograd.grad(x * 2, x)


def test_autograd_grad_retain_graph():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    g1 = ember.autograd.grad(y, x, retain_graph=True)[0]
    g2 = ember.autograd.grad(y, x)[0]
    assert g1.tolist() == g2.tolist()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        ember.autograd.grad(y, x)


def test_autograd_grad_allow_unused():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3, requires_grad=True)
    y = (a * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        ember.autograd.grad(y, [a, b], retain_graph=True)
    ga, gb = ember.autograd.grad(y, [a, b], allow_unused=True)
    assert ga.tolist() == [2.0, 2.0, 2.0] and gb is None


def test_autograd_grad_errors():
    a = ember.ones(2)
    b = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.autograd.grad((b * 2).sum(), a)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.autograd.grad(a.sum(), b)


def test_backward_inputs_argument():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = ember.tensor([3.0, 4.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [3.0, 4.0] and b.grad is None
    (a * b).sum().backward(inputs=[b])
    assert b.grad.tolist() == [1.0, 2.0] and a.grad.tolist() == [3.0, 4.0]
    c = a * 2
    (c * b).sum().backward(inputs=[c])       # a non-leaf input gets a .grad
    assert c.grad.tolist() == [3.0, 4.0]
    assert a.grad.tolist() == [3.0, 4.0]


def test_autograd_backward_function():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    ember.autograd.backward([(x * 2).sum(), x * x], [None, ember.ones(2)])
    assert x.grad.tolist() == [4.0, 6.0]


# ----------------------------------------------------------------------------- higher order


def _nth_grad(f, x, n):
    y = f(x)
    for _ in range(n):
        (y,) = ember.autograd.grad(y.sum(), x, create_graph=True)
    return y


@pytest.mark.parametrize("name,f,derivs", [
    ("cube", lambda x: x ** 3, [lambda x: 3 * x ** 2, lambda x: 6 * x, lambda x: 6 + 0 * x]),
    ("sin", lambda x: x.sin(), [np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)]),
    ("tanh", lambda x: x.tanh(),
     [lambda x: 1 - np.tanh(x) ** 2, lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)]),
    ("exp", lambda x: x.exp(), [np.exp, np.exp]),
    ("sigmoid", lambda x: x.sigmoid(),
     [lambda x: 1 / (1 + np.exp(-x)) * (1 - 1 / (1 + np.exp(-x))),
      lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s)]),
    ("x_times_log", lambda x: x * x.log(), [lambda x: np.log(x) + 1, lambda x: 1 / x]),
])
def test_higher_order_derivatives(name, f, derivs):
    xs = np.array([0.3, 0.7, 1.1, 2.0])
    for order, d in enumerate(derivs, start=1):
        x = ember.tensor(xs, requires_grad=True)
        g = _nth_grad(f, x, order)
        assert g.requires_grad                   # create_graph keeps the result differentiable
        np.testing.assert_allclose(g.detach().numpy(), d(xs), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name} derivative of order {order}")


def test_backward_create_graph_then_double_backward():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.tolist() == [3.0, 12.0]
    x.grad = None
    g.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]


def test_hessian_vector_product():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    xs, vs = rng.standard_normal(4), rng.standard_normal(4)
    x = ember.tensor(xs, requires_grad=True)
    v = ember.tensor(vs)
    f = (x ** 3).sum() + x @ (ember.tensor(A) @ x)
    (g,) = ember.autograd.grad(f, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * xs ** 2 + (A + A.T) @ xs, rtol=1e-10)
    (hv,) = ember.autograd.grad(g, x, grad_outputs=v)
    H = np.diag(6 * xs) + A + A.T
    np.testing.assert_allclose(hv.numpy(), H @ vs, rtol=1e-10, atol=1e-12)
    x2 = ember.tensor(xs, requires_grad=True)
    f2 = (x2 ** 3).sum() + x2 @ (ember.tensor(A) @ x2)
    (g2,) = ember.autograd.grad(f2, x2, create_graph=True)
    (hv2,) = ember.autograd.grad(g2 @ v, x2)
    np.testing.assert_allclose(hv2.numpy(), H @ vs, rtol=1e-10, atol=1e-12)


def _mlp_gradient_penalty(T, params, xs):
    W1, b1, W2, b2 = (T.tensor(p, requires_grad=True) for p in params)
    x = T.tensor(xs, requires_grad=True)
    out = T.tanh(x @ W1.t() + b1).sigmoid() @ W2.t() + b2
    (g,) = T.autograd.grad(out.sum(), x, create_graph=True)
    gnorm = (g * g).sum(1).sqrt()
    loss = ((gnorm - 1) ** 2).mean() + out.mean()
    loss.backward()
    return [loss.detach()] + [p.grad for p in (W1, b1, W2, b2)] + [x.grad]


@requires_torch
def test_mlp_gradient_penalty_vs_torch():
    rng = np.random.default_rng(1)
    params = [rng.standard_normal((6, 3)), rng.standard_normal(6), rng.standard_normal((2, 6)),
              rng.standard_normal(2)]
    xs = rng.standard_normal((5, 3))
    got = _mlp_gradient_penalty(ember, params, xs)
    want = _mlp_gradient_penalty(torch, params, xs)
    for name, e, t in zip(["loss", "W1", "b1", "W2", "b2", "x"], got, want):
        assert_close(e, t, atol=1e-10, rtol=1e-9, check_dtype=True, msg=name)


def test_mlp_gradient_penalty_gradcheck():
    rng = np.random.default_rng(2)
    W = ember.tensor(rng.standard_normal((3, 2)))

    def penalty(x):
        out = (x @ W).tanh().sum()
        (g,) = ember.autograd.grad(out, x, create_graph=True)
        return (g * g).sum()
    ember_gradcheck(penalty, [(4, 3)], gradgrad=False)


# ----------------------------------------------------------------------------- in-place / versions


def test_inplace_on_saved_output_raises():
    x = ember.randn(3, 4, requires_grad=True)
    y = x.sigmoid()           # sigmoid saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_saved_input_raises():
    x = ember.randn(3, requires_grad=True)
    a = x * 1
    b = a * a                 # mul saves both inputs
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_inplace_through_view_of_saved_tensor_raises():
    x = ember.randn(3, 4, requires_grad=True)
    a = x * 1
    b = a.exp()               # exp saves its output b
    b[0].zero_()              # in-place on a view of b bumps b's version
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_inplace_allowed_when_nothing_saved():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 1
    b = a + 1                 # add saves nothing
    a.mul_(2)
    b.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_inplace_ops_are_differentiable():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 2
    a.add_(1)
    a.mul_(3)
    a.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0, 6.0]
    x.grad = None
    b = x * 2
    b[0] = 0.0
    b.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 2.0]
    x.grad = None
    c = x * 1
    c += x                    # __iadd__ with a requires-grad operand
    c *= 2
    (c * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0, 12.0]


@pytest.mark.parametrize("op", [
    lambda x: x.add_(1), lambda x: x.mul_(2), lambda x: x.zero_(), lambda x: x.fill_(3.0),
    lambda x: x.__setitem__(0, 1.0), lambda x: x.__iadd__(1), lambda x: x.clamp_(0, 1),
    lambda x: x.copy_(ember.zeros(3)),
], ids=["add_", "mul_", "zero_", "fill_", "setitem", "iadd", "clamp_", "copy_"])
def test_inplace_on_leaf_requiring_grad_raises(op):
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad is being used in an in-place operation"):
        op(x)
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_inplace_on_leaf_allowed_under_no_grad_and_via_data():
    x = ember.ones(3, requires_grad=True)
    with ember.no_grad():
        x.add_(1)
        x[0] = 5.0
        x *= 2
    assert x.tolist() == [10.0, 4.0, 4.0]
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    x.data.mul_(0.5)
    x.data[1] = 0.0
    assert x.tolist() == [5.0, 0.0, 2.0]
    assert x.requires_grad and x.is_leaf
    (x * x).sum().backward()          # the graph is built on the new values
    assert x.grad.tolist() == [10.0, 0.0, 4.0]


def test_sgd_style_update_loop():
    w = ember.tensor([1.0, -1.0], requires_grad=True)
    for _ in range(3):
        loss = ((w - 3) ** 2).sum()
        loss.backward()
        with ember.no_grad():
            w -= 0.25 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(w.detach().numpy(), [3 - 2 * 0.5 ** 3, 3 - 4 * 0.5 ** 3], rtol=1e-6)
    assert w.is_leaf and w.requires_grad


# ----------------------------------------------------------------------------- grad_fn names

GRAD_FN_CORE = {
    "add": (lambda x: x + 1, "AddBackward0"),
    "mul": (lambda x: x * 2, "MulBackward0"),
    "sum": (lambda x: x.sum(), "SumBackward0"),
    "mean": (lambda x: x.mean(), "MeanBackward0"),
    "relu": (lambda x: x.relu(), "ReluBackward0"),
    "mm": (lambda x: x @ x.t(), "MmBackward0"),
    "view": (lambda x: x.view(12), "ViewBackward0"),
}


@pytest.mark.parametrize("name", list(GRAD_FN_CORE))
def test_grad_fn_names_core(name):
    f, expected = GRAD_FN_CORE[name]
    x = ember.randn(3, 4, requires_grad=True)
    assert f(x).grad_fn.__class__.__name__ == expected
    assert type(f(x).grad_fn).__name__ == expected


GRAD_FN_MORE = {
    "x+x": lambda x, v: x + x, "x-1": lambda x, v: x - 1, "1-x": lambda x, v: 1 - x,
    "x/2": lambda x, v: x / 2, "neg": lambda x, v: -x, "x**2": lambda x, v: x ** 2,
    "2**x": lambda x, v: 2 ** x, "x**x": lambda x, v: x ** x, "pow": lambda x, v: x.pow(3),
    "exp": lambda x, v: x.exp(), "log": lambda x, v: x.log(), "sin": lambda x, v: x.sin(),
    "tanh": lambda x, v: x.tanh(), "sigmoid": lambda x, v: x.sigmoid(), "abs": lambda x, v: x.abs(),
    "sqrt": lambda x, v: x.sqrt(), "sum_dim": lambda x, v: x.sum(0), "mean_dim": lambda x, v: x.mean(1),
    "max": lambda x, v: x.max(), "max_dim": lambda x, v: x.max(0)[0], "amax": lambda x, v: x.amax(0),
    "mv": lambda x, v: x @ v, "dot": lambda x, v: v @ v, "reshape": lambda x, v: x.reshape(12),
    "flatten": lambda x, v: x.flatten(), "t": lambda x, v: x.t(), "T": lambda x, v: x.T,
    "transpose": lambda x, v: x.transpose(0, 1), "permute": lambda x, v: x.permute(1, 0),
    "unsqueeze": lambda x, v: x.unsqueeze(0), "squeeze": lambda x, v: x.unsqueeze(0).squeeze(0),
    "expand": lambda x, v: v.expand(3, 4), "select": lambda x, v: x[0], "slice": lambda x, v: x[1:],
    "index": lambda x, v: x[[0, 1]], "cat": lambda x, v: _cat(x),
    "clone": lambda x, v: x.clone(), "double": lambda x, v: x.double(),
    "softmax": lambda x, v: x.softmax(-1), "log_softmax": lambda x, v: x.log_softmax(-1),
    "clamp": lambda x, v: x.clamp(0, 1), "masked_fill": lambda x, v: x.masked_fill(x > 0, 0.0),
    "gather": lambda x, v: x.gather(1, _idx(x)),
}


def _mod(t):
    return torch if (torch is not None and isinstance(t, torch.Tensor)) else ember


def _cat(x):
    return _mod(x).cat([x, x])


def _idx(x):
    return _mod(x).tensor([[0], [1], [2]])


@requires_torch
@pytest.mark.parametrize("name", list(GRAD_FN_MORE))
def test_grad_fn_names_match_torch(name):
    f = GRAD_FN_MORE[name]
    rng = np.random.default_rng(0)
    xs, vs = rng.uniform(0.5, 1.5, (3, 4)), rng.uniform(0.5, 1.5, 4)
    t = f(torch.tensor(xs, requires_grad=True), torch.tensor(vs, requires_grad=True))
    e = f(ember.tensor(xs, requires_grad=True), ember.tensor(vs, requires_grad=True))
    assert type(e.grad_fn).__name__ == type(t.grad_fn).__name__


def test_grad_fn_absent_without_grad():
    assert (ember.ones(2) + 1).grad_fn is None
    with ember.no_grad():
        assert (ember.ones(2, requires_grad=True) + 1).grad_fn is None


# ----------------------------------------------------------------------------- custom Function


def make_functions(T):
    class Cube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    class MulAdd(T.autograd.Function):
        seen = []

        @staticmethod
        def forward(ctx, a, b, alpha):
            ctx.save_for_backward(a, b)
            ctx.alpha = alpha
            MulAdd.seen.append(tuple(ctx.needs_input_grad))
            return a * b + alpha * a

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ga = gb = None
            if ctx.needs_input_grad[0]:
                ga = g * (b + ctx.alpha)
            if ctx.needs_input_grad[1]:
                gb = g * a
            return ga, gb, None

    class SortWithIdx(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, gv, gi):
            (idx,) = ctx.saved_tensors
            return T.zeros_like(gv).scatter(0, idx, gv)

    class TwoOut(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            e = x.exp()
            ctx.save_for_backward(e)
            return x * 2, e

        @staticmethod
        def backward(ctx, g1, g2):
            (e,) = ctx.saved_tensors
            return g1 * 2 + g2 * e

    return Cube, MulAdd, SortWithIdx, TwoOut


def _run_custom(T, xs, bs):
    Cube, MulAdd, SortWithIdx, TwoOut = make_functions(T)
    x = T.tensor(xs, requires_grad=True)
    b = T.tensor(bs)                         # does not require grad
    c = Cube.apply(x)
    m = MulAdd.apply(x, b, 0.5)
    v, i = SortWithIdx.apply(x)
    p, q = TwoOut.apply(x)
    flags = (c.requires_grad, m.requires_grad, v.requires_grad, i.requires_grad, p.requires_grad,
             q.requires_grad, type(c.grad_fn).__name__)
    w = T.tensor(np.linspace(-1, 1, len(xs)))
    loss = (c * w).sum() + (m * w).sum() + (v * w).sum() + (p * w).sum() + (q * w ** 2).sum()
    loss.backward()
    return [c, m, v, i, p, q, x.grad], flags, MulAdd.seen


@requires_torch
def test_custom_function_vs_torch():
    xs, bs = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    got, gflags, gseen = _run_custom(ember, xs, bs)
    want, tflags, tseen = _run_custom(torch, xs, bs)
    for e, t in zip(got, want):
        assert_close(e, t, check_dtype=True)
    assert gflags == tflags and gseen == tseen == [(True, False, False)]


def test_custom_function_semantics():
    Cube, MulAdd, SortWithIdx, TwoOut = make_functions(ember)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    assert y.tolist() == [1.0, 8.0] and y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    # needs_input_grad reflects which inputs require grad; non-tensors are False
    MulAdd.seen.clear()
    a = ember.tensor([1.0, 2.0])
    b = ember.tensor([3.0, 4.0], requires_grad=True)
    out = MulAdd.apply(a, b, 2.0)
    assert MulAdd.seen == [(False, True, False)]
    out.sum().backward()
    assert b.grad.tolist() == [1.0, 2.0] and a.grad is None
    # non-differentiable outputs
    v, i = SortWithIdx.apply(ember.tensor([3.0, 1.0, 2.0], requires_grad=True))
    assert v.requires_grad and not i.requires_grad and i.tolist() == [1, 2, 0]
    # no input requires grad -> outputs do not either
    z = Cube.apply(ember.tensor([1.0]))
    assert not z.requires_grad and z.grad_fn is None
    # forward runs with grad recording off, as in torch
    class Probe(ember.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            Probe.enabled = ember.is_grad_enabled()
            return t * 1

        @staticmethod
        def backward(ctx, g):
            return g
    Probe.apply(ember.ones(1, requires_grad=True))
    assert Probe.enabled is False


def test_custom_function_two_outputs_partial_use():
    _, _, _, TwoOut = make_functions(ember)
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    p, q = TwoOut.apply(x)
    p.sum().backward()                      # q unused: its incoming grad is zeros (or None-safe)
    assert x.grad.tolist() == [2.0, 2.0]


def test_custom_function_gradcheck():
    Cube, MulAdd, _, TwoOut = make_functions(ember)
    ember_gradcheck(lambda x: Cube.apply(x), [(4,)])
    ember_gradcheck(lambda a, b: MulAdd.apply(a, b, 0.3), [(3,), (3,)])
    ember_gradcheck(lambda x: TwoOut.apply(x), [(2, 3)])


def test_gradcheck_detects_wrong_backward():
    class Wrong(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x          # should be 2x

    x = ember.tensor([0.5, 1.5], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError):
        ember.autograd.gradcheck(Wrong.apply, (x,))


# ----------------------------------------------------------------------------- deep graphs & freeing


def test_long_chain_no_recursion_error():
    n = 100_000
    x = ember.tensor(1.0, dtype=ember.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0001
    y.backward()
    expected = 1.0001 ** n
    assert y.item() == pytest.approx(expected, rel=1e-9)
    assert x.grad.item() == pytest.approx(expected, rel=1e-9)


def test_long_mixed_chain():
    n = 20_000
    x = ember.tensor([0.5, -0.25], dtype=ember.float64, requires_grad=True)
    y = x
    for i in range(n):
        y = (y + 1.0) - 1.0 if i % 2 else y * 1.0001
    y = y.tanh().sum()
    y.backward()
    k = 1.0001 ** (n // 2)
    expected = k * (1 - np.tanh(k * np.array([0.5, -0.25])) ** 2)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-8)


def test_backward_frees_saved_tensors():
    x = ember.ones(1000, requires_grad=True)
    a = x.exp()                  # saved by exp (output) and by the mul below
    ref = weakref.ref(a)
    b = (a * a).sum()
    del a
    b.backward()
    gc.collect()
    assert ref() is None, "backward() kept a saved intermediate alive"
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2.0), rtol=1e-6)


def test_graph_released_when_output_dropped():
    x = ember.ones(10, requires_grad=True)
    a = x * 2
    ref = weakref.ref(a)
    b = (a * a).sum()
    del a, b
    gc.collect()
    assert ref() is None
