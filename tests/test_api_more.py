"""Issue 12 API names real programs use (found by tools/api_usage.py): trapezoid/histogram/expand_copy & co,
torch.utils._pytree, torch.func, torch._dynamo, torch.fx.wrap, autocast dtype queries, torchvision.utils /
.ops / .models, and the usage scanner itself."""
import collections
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from helpers import check_op, check_raises, check_values, dual, requires_torch, torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- trapezoid / cumulative_trapezoid / histogram / expand_copy ------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("shape,dim", [((5,), -1), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -2)])
def test_trapezoid_matches_torch(shape, dim):
    check_op(*dual(lambda m, y: m.trapezoid(y, dim=dim)), shapes=[shape])
    check_op(*dual(lambda m, y: m.trapezoid(y, dx=0.3, dim=dim)), shapes=[shape])
    check_op(*dual(lambda m, y: m.trapz(y, dim=dim)), shapes=[shape])
    check_op(*dual(lambda m, y: m.cumulative_trapezoid(y, dim=dim)), shapes=[shape])
    check_op(*dual(lambda m, y, x: m.trapezoid(y, x, dim=dim)), shapes=[shape, shape])
    check_op(*dual(lambda m, y, x: m.cumulative_trapezoid(y, x, dim=dim)), shapes=[shape, shape])
    n = shape[dim]
    check_op(*dual(lambda m, y, x: m.trapezoid(y, x, dim=dim)), shapes=[shape, (n,)])


@requires_torch
def test_trapezoid_edge_cases():
    check_values(*dual(lambda m, y: m.trapezoid(y)), arrays=[np.zeros((3, 0), np.float32)])
    check_values(*dual(lambda m, y: m.trapezoid(y, dim=0)), arrays=[np.ones((1, 2), np.float32)])
    check_raises(*dual(lambda m, y: m.trapezoid(y, m.ones(4))), arrays=[np.ones(3, np.float32)])


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [dict(bins=5), dict(bins=4, range=(-1.0, 1.0)), dict(bins=3, density=True),
                                dict(bins=1)])
def test_histogram_matches_torch(dtype, kw):
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(dtype)
    w = np.random.default_rng(1).random((4, 6)).astype(dtype)
    for weight in (None, w):
        t = torch.histogram(torch.from_numpy(x), weight=None if weight is None else torch.from_numpy(weight), **kw)
        e = ember.histogram(ember.tensor(x), weight=None if weight is None else ember.tensor(weight), **kw)
        assert type(e).__name__ == "histogram" and e._fields == ("hist", "bin_edges")
        np.testing.assert_allclose(e.hist.numpy(), t.hist.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(e.bin_edges.numpy(), t.bin_edges.numpy(), rtol=1e-6)
        assert e.hist.dtype == ember.tensor(x).dtype
    for arr in (np.zeros(0, dtype), np.ones(3, dtype)):  # empty input, one-valued input
        t, e = torch.histogram(torch.from_numpy(arr), 3), ember.histogram(ember.tensor(arr), 3)
        np.testing.assert_allclose(e.bin_edges.numpy(), t.bin_edges.numpy(), rtol=1e-6)
        np.testing.assert_array_equal(e.hist.numpy(), t.hist.numpy())
    edges = np.array([-2.0, -0.5, 0.0, 3.0], dtype)
    t = torch.histogram(torch.from_numpy(x), torch.from_numpy(edges))
    e = ember.histogram(ember.tensor(x), ember.tensor(edges))
    np.testing.assert_array_equal(e.hist.numpy(), t.hist.numpy())
    check_raises(*dual(lambda m, a: m.histogram(a, 3)), arrays=[np.arange(4)])
    check_raises(*dual(lambda m, a: m.histogram(a, -1)), arrays=[x])


@requires_torch
def test_expand_copy_and_complex_queries():
    check_op(*dual(lambda m, a: m.expand_copy(a, (2, 3, 4))), shapes=[(3, 1)])
    e = ember.expand_copy(ember.ones(3, 1), (3, 4))
    assert e.is_contiguous() and e.stride() == (4, 1)
    x = ember.randn(3)
    assert ember.real(x) is x and torch.real(torch.randn(3)) is not None
    assert ember.is_complex(x) is False and ember.is_conj(x) is False
    assert ember.resolve_conj(x) is x and ember.resolve_neg(x) is x
    check_raises(*dual(lambda m, a: m.view_as_real(a)), arrays=[np.ones(3, np.float32)])
    with pytest.raises(TypeError):
        ember.is_complex([1.0])


@requires_torch
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_autocast_dtype_queries_match_torch():
    with pytest.warns(DeprecationWarning, match="get_autocast_dtype"):
        ember.get_autocast_cpu_dtype()
    assert str(ember.get_autocast_dtype("cpu")) == str(torch.get_autocast_dtype("cpu")).replace("torch", "ember")
    assert str(ember.get_autocast_cpu_dtype()).split(".")[-1] == str(torch.get_autocast_cpu_dtype()).split(".")[-1]
    assert str(ember.get_autocast_gpu_dtype()).split(".")[-1] == str(torch.get_autocast_gpu_dtype()).split(".")[-1]
    assert ember.is_autocast_cpu_enabled() is torch.is_autocast_cpu_enabled() is False


# ---- torch.utils._pytree -----------------------------------------------------------------------------------------------
P = collections.namedtuple("P", "a b")


def _tree(mod):
    return {"b": [1, (2, None)], "a": P(3, {"z": 4}), "o": collections.OrderedDict(q=5),
            "d": collections.deque([6, 7], maxlen=3), "dd": collections.defaultdict(list, k=8)}


@requires_torch
def test_pytree_matches_torch():
    import torch.utils._pytree as tp
    import ember.utils._pytree as ep
    tl, ts = tp.tree_flatten(_tree(torch))
    el, es = ep.tree_flatten(_tree(ember))
    assert el == tl == [1, 2, None, 3, 4, 5, 6, 7, 8]
    assert es.num_leaves == ts.num_leaves
    back = ep.tree_unflatten([x * 10 if x else x for x in el], es)
    assert back == tp.tree_unflatten([x * 10 if x else x for x in tl], ts)
    assert type(back["a"]) is P and back["d"].maxlen == 3 and back["dd"].default_factory is list
    f = lambda x: None if x is None else x + 1  # noqa: E731
    assert ep.tree_map(f, _tree(ember)) == tp.tree_map(f, _tree(torch))
    assert ep.tree_map(lambda a, b: a + b, {"x": 1, "y": [2]}, {"y": [10], "x": 5}) == {"x": 6, "y": [12]}
    assert ep.tree_leaves([1, [2]], is_leaf=lambda x: isinstance(x, list) and len(x) == 1) == [1, [2]]
    assert ep.tree_structure((1, 2)) == ep.tree_structure((3, 4)) != ep.tree_structure([3, 4])
    assert ep.tree_map_only(int, lambda x: -x, [1, "s", 2.5]) == [-1, "s", 2.5]
    with pytest.raises(ValueError):
        ep.tree_unflatten([1], es)
    with pytest.raises(ValueError):
        ep.tree_map(lambda a, b: a, [1, 2], [1])


# ---- torch.func -------------------------------------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_func_grad_and_value_match_torch(dtype):
    x = np.random.default_rng(0).standard_normal(5).astype(dtype)
    fn = lambda m, a, b: ((a.sin() * b).sum(), a * 2)  # noqa: E731
    tg, (tv, ta) = torch.func.grad_and_value(lambda a, b: fn(torch, a, b), argnums=0, has_aux=True)(
        torch.from_numpy(x), torch.from_numpy(x[::-1].copy()))
    eg, (ev, ea) = ember.func.grad_and_value(lambda a, b: fn(ember, a, b), argnums=0, has_aux=True)(
        ember.tensor(x), ember.tensor(x[::-1].copy()))
    np.testing.assert_allclose(eg.numpy(), tg.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ev.item(), tv.item(), rtol=1e-6)
    assert not eg.requires_grad and not ev.requires_grad
    tgs = torch.func.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(torch.from_numpy(x), torch.ones(5, dtype=tg.dtype))
    egs = ember.func.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(ember.tensor(x), ember.ones(5, dtype=eg.dtype))
    for e, t in zip(egs, tgs):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    # the gradient stays differentiable w.r.t. tensors the function closes over
    w = ember.tensor(2.0, requires_grad=True)
    ember.func.grad(lambda a: (a * a * w).sum())(ember.tensor(x)).sum().backward()
    np.testing.assert_allclose(w.grad.item(), 2 * x.sum(), rtol=1e-5)
    with pytest.raises(RuntimeError):
        ember.func.grad(lambda a: a * 2)(ember.tensor(x))


@requires_torch
def test_func_vmap_matches_torch():
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal(3).astype(np.float32)
    for mod, X, Y in ((torch, torch.from_numpy(x), torch.from_numpy(y)), (ember, ember.tensor(x), ember.tensor(y))):
        out = mod.func.vmap(lambda a, b: (a * b).sum(), in_dims=(0, None))(X, Y)
        out2 = mod.func.vmap(lambda a: {"s": a.sum(), "m": a * 2}, in_dims=1)(X)
        out3 = mod.func.vmap(mod.func.grad_and_value(lambda t: t ** 3))(X[:, 0])
        if mod is torch:
            ref = (out.numpy(), out2["s"].numpy(), out2["m"].numpy(), out3[0].numpy(), out3[1].numpy())
    for e, t in zip((out.numpy(), out2["s"].numpy(), out2["m"].numpy(), out3[0].numpy(), out3[1].numpy()), ref):
        np.testing.assert_allclose(e, t, rtol=1e-6)
    with pytest.raises(ValueError):
        ember.func.vmap(lambda a, b: a + b)(ember.ones(2), ember.ones(3))
    with pytest.raises(ValueError):
        ember.func.vmap(lambda a, b: a)(ember.ones(2), 1.0)


@requires_torch
def test_func_functional_call_and_vjp_match_torch():
    tm, em = torch.nn.Linear(3, 2), ember.nn.Linear(3, 2)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    tp = {k: v * 2 for k, v in tm.named_parameters()}
    ep = {k: v * 2 for k, v in em.named_parameters()}
    t = torch.func.functional_call(tm, tp, (torch.from_numpy(x),))
    e = ember.func.functional_call(em, ep, (ember.tensor(x),))
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5)
    e.sum().backward()  # gradients reach the substituted tensors' sources, the module keeps its own parameters
    assert em.weight.grad is not None and em.weight is dict(em.named_parameters())["weight"]
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(), tm(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5)
    with pytest.raises(RuntimeError):
        ember.func.functional_call(em, {"weight": ep["weight"]}, (ember.tensor(x),), strict=True)
    tv, tfn = torch.func.vjp(lambda a: a.sin() * 2, torch.from_numpy(x))
    ev, efn = ember.func.vjp(lambda a: a.sin() * 2, ember.tensor(x))
    np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-6)
    np.testing.assert_allclose(efn(ember.ones(4, 3))[0].numpy(), tfn(torch.ones(4, 3))[0].numpy(), rtol=1e-6)


# ---- torch._dynamo / torch.fx.wrap ------------------------------------------------------------------------------------
def test_dynamo_and_fx_wrap():
    import ember._dynamo as dynamo
    import ember.fx as fx
    dynamo.reset()
    f = dynamo.disable(lambda: 3)
    assert f() == 3 and dynamo.is_compiling() is False

    ns = {}
    exec(compile("import ember.fx as fx\ndef g(x):\n    return x\nr = fx.wrap(g)\ns = fx.wrap('g')\n", "<m>", "exec"),
         ns)
    assert ns["r"] is ns["g"] and ns["s"] == "g"

    def nested():
        fx.wrap(ns["g"])
    with pytest.raises(NotImplementedError, match="top level"):
        nested()
    with pytest.raises(RuntimeError):
        fx.wrap(3)


# ---- torchvision.utils / .ops / .models --------------------------------------------------------------------------------
def test_make_grid_layout_and_save_image(tmp_path):
    from ember.vision.utils import make_grid, save_image
    x = ember.arange(5 * 2 * 3, dtype=ember.float32).reshape(5, 1, 2, 3) / 30
    g = make_grid(x, nrow=2, padding=1, pad_value=0.5)
    assert g.shape == (3, 3 * 3 + 1, 2 * 4 + 1)
    np.testing.assert_array_equal(g[0, 1:3, 1:4].numpy(), x[0, 0].numpy())   # image 0: row 0, column 0
    np.testing.assert_array_equal(g[1, 4:6, 5:8].numpy(), x[3, 0].numpy())   # image 3: row 1, column 1
    np.testing.assert_array_equal(g[2, 7:9, 5:8].numpy(), np.full((2, 3), 0.5, np.float32))  # empty cell
    n = make_grid(x, normalize=True)
    assert float(n.min()) == 0.0 and abs(float(n.max()) - 1.0) < 1e-6
    assert make_grid(x[:1]).shape == (3, 2, 3)
    with pytest.raises(TypeError):
        make_grid("nope")
    pil = pytest.importorskip("PIL.Image")
    save_image(x, tmp_path / "g.png", nrow=5, padding=0)
    img = np.asarray(pil.open(tmp_path / "g.png"))
    assert img.shape == (2, 15, 3)
    np.testing.assert_array_equal(img[:, :3, 0], (x[0, 0].numpy() * 255 + 0.5).astype(np.uint8))


@requires_torch
def test_frozen_batchnorm_matches_batchnorm_eval():
    from ember.vision.ops import FrozenBatchNorm2d
    rng = np.random.default_rng(0)
    bn = torch.nn.BatchNorm2d(4).eval()
    with torch.no_grad():
        for p in (bn.weight, bn.bias, bn.running_mean):
            p.copy_(torch.from_numpy(rng.standard_normal(4).astype(np.float32)))
        bn.running_var.copy_(torch.from_numpy(rng.random(4).astype(np.float32) + 0.5))
    fb = FrozenBatchNorm2d(4)
    fb.load_state_dict({k: ember.tensor(v.numpy()) for k, v in bn.state_dict().items()})  # num_batches_tracked dropped
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(fb(ember.tensor(x)).numpy(), bn(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    assert repr(fb) == "FrozenBatchNorm2d(4, eps=1e-05)" and not list(fb.parameters())


def test_vision_models_match_torchvision_layout():
    from ember.vision import models
    ember.manual_seed(0)
    m = models.resnet18(num_classes=10)
    assert sum(p.numel() for p in m.parameters()) == 11689512 - 513 * 990  # torchvision's count with a 10-way fc
    assert "layer2.0.downsample.1.running_var" in m.state_dict() and "fc.weight" in m.state_dict()
    assert m(ember.randn(2, 3, 32, 32)).shape == (2, 10)
    blocks = sum(p.numel() for p in models.resnet.ResNet(models.resnet.Bottleneck, [3, 4, 6, 3], num_classes=1)
                 .parameters())
    assert blocks == 25557032 - 2049 * 999  # resnet50's count with a 1-way fc
    features = models.vgg.make_layers(models.vgg.cfgs["A"])
    assert sum(p.numel() for p in features.parameters()) == 9220480  # vgg11 minus its 123642856-parameter classifier
    assert "1.running_var" in models.vgg.make_layers([8, "M"], batch_norm=True).state_dict()
    assert repr(models.ResNet50_Weights.DEFAULT) == "ResNet50_Weights.IMAGENET1K_V2"
    assert models.VGG16_Weights.IMAGENET1K_V1.url.endswith("vgg16-397923af.pth")
    assert models.ResNet18_Weights.verify("ResNet18_Weights.IMAGENET1K_V1") is models.ResNet18_Weights.IMAGENET1K_V1
    with pytest.raises(TypeError):
        models.resnet18(weights=models.VGG16_Weights.IMAGENET1K_V1)
    with pytest.raises(ValueError):
        models.resnet.BasicBlock(4, 4, groups=2)


# ---- the usage scanner ------------------------------------------------------------------------------------------------
@requires_torch
def test_api_usage_scanner(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "ok.py").write_text("import torch\nimport torch.nn as nn\nfrom torch.nn import functional as F\n"
                                             "x = nn.Linear(2, 2)\ny = F.relu(torch.zeros(2)).sum()\n")
    (tmp_path / "repo" / "bad.py").write_text("import torch\ntry:\n    from torch import nope_optional\nexcept "
                                              "ImportError:\n    pass\ntorch.definitely_missing_name(1)\n"
                                              "torch._C._jit_set_profiling_mode(False)\n")
    (tmp_path / "repo" / "shadow.py").write_text("from torch import optim\noptim = optim.SGD([], lr=1)\noptim.step()\n")
    (tmp_path / "repo" / "plain.py").write_text("import os\n")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "api_usage.py"), str(tmp_path / "repo")],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "files scanned: 4 (unparsable 0), using torch: 3, fully resolving: 2 = 66.7%" in out.stdout
    assert "    1  torch._C._jit_set_profiling_mode" in out.stdout and "nope_optional" not in out.stdout
    assert "not counted): torch.definitely_missing_name" in out.stdout
