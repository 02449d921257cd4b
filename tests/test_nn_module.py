"""nn.Module, Parameter and containers: torch's registration, traversal, state_dict, hooks and repr contracts."""
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from helpers import requires_torch, torch


def build(fw):
    """The same little model in either framework: custom modules, a shared child, a buffer, a None param."""
    class Leaf(fw.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.weight = fw.nn.Parameter(fw.ones(n, n))
            self.register_parameter("bias", None)
            self.register_buffer("running", fw.zeros(n))
            self.register_buffer("scratch", fw.zeros(1), persistent=False)

        def forward(self, x):
            return x @ self.weight

        def extra_repr(self):
            return f"n={self.weight.shape[0]}"

    class Net(fw.nn.Module):
        def __init__(self):
            super().__init__()
            shared = Leaf(3)
            self.a = shared
            self.seq = fw.nn.Sequential(Leaf(3), shared, fw.nn.Sequential(Leaf(3)))
            self.lst = fw.nn.ModuleList([Leaf(2), Leaf(2)])
            self.dct = fw.nn.ModuleDict({"x": Leaf(1)})
            self.scale = fw.nn.Parameter(fw.tensor(2.0))

        def forward(self, x):
            return self.seq(self.a(x)) * self.scale
    return Net()


def names(it):
    return [n for n, _ in it]


@requires_torch
def test_traversal_and_state_dict_match_torch():
    e, t = build(ember), build(torch)
    assert names(e.named_parameters()) == names(t.named_parameters())
    assert names(e.named_parameters(remove_duplicate=False)) == names(t.named_parameters(remove_duplicate=False))
    assert names(e.named_buffers()) == names(t.named_buffers())
    assert names(e.named_modules()) == names(t.named_modules())
    assert names(e.named_modules(remove_duplicate=False)) == names(t.named_modules(remove_duplicate=False))
    assert names(e.named_children()) == names(t.named_children())
    assert len(list(e.parameters())) == len(list(t.parameters()))
    esd, tsd = e.state_dict(), t.state_dict()
    assert list(esd) == list(tsd)
    assert dict(esd._metadata) == {k: dict(v) for k, v in tsd._metadata.items()}
    assert list(e.state_dict(prefix="p.")) == list(t.state_dict(prefix="p."))
    assert [type(v).__name__ for v in e.state_dict(keep_vars=True).values()][0] == "Parameter"


@requires_torch
def test_repr_matches_torch():
    assert repr(build(ember)) == repr(build(torch))


def test_setattr_routing():
    m = nn.Module()
    m.p = nn.Parameter(ember.zeros(2))
    m.c = nn.Module()
    m.register_buffer("b", ember.ones(1))
    m.plain = 3
    assert "p" in m._parameters and "c" in m._modules and "b" in m._buffers and m.plain == 3
    m.p = None  # keeps the slot
    assert "p" in m._parameters and m.p is None
    with pytest.raises(TypeError):
        m.p = ember.zeros(2)  # a plain tensor can't replace a parameter
    m.b = ember.zeros(3)  # a tensor assigned to a buffer name stays a buffer
    assert m._buffers["b"].shape == (3,)
    with pytest.raises(TypeError):
        m.c = 5
    del m.c
    assert "c" not in m._modules
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        m.missing
    with pytest.raises(KeyError):
        m.register_buffer("plain", ember.zeros(1))


def test_parameter_basics():
    p = nn.Parameter(ember.randn(2, 3))
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert str(p) == repr(p)
    assert not nn.Parameter(ember.zeros(2), requires_grad=False).requires_grad
    y = (p * 2).sum()
    assert type(y) is ember.Tensor
    y.backward()
    assert p.grad.shape == (2, 3)
    with pytest.raises(ValueError, match="non-leaf"):
        nn.Module().register_parameter("w", _nonleaf_param())


def _nonleaf_param():
    p = nn.Parameter(ember.zeros(2))
    p._grad_fn = (ember.zeros(2, requires_grad=True) * 1).grad_fn
    return p


@requires_torch
def test_load_state_dict_errors_and_result():
    e = build(ember)
    sd = e.state_dict()
    res = e.load_state_dict(sd)
    assert res.missing_keys == [] and res.unexpected_keys == [] and repr(res) == "<All keys matched successfully>"
    bad = OrderedDict(sd)
    bad["a.weight"] = ember.zeros(4, 4)
    with pytest.raises(RuntimeError, match=r"size mismatch for a.weight: copying a param with shape"):
        e.load_state_dict(bad)
    missing = OrderedDict((k, v) for k, v in sd.items() if k != "scale")
    missing["extra.key"] = ember.zeros(1)
    with pytest.raises(RuntimeError) as ei:
        e.load_state_dict(missing)
    t = build(torch)
    tsd = OrderedDict((k, v) for k, v in t.state_dict().items() if k != "scale")
    tsd["extra.key"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as ti:
        t.load_state_dict(tsd)
    assert str(ei.value).replace("ember", "torch") == str(ti.value)
    r = e.load_state_dict(missing, strict=False)
    r2 = t.load_state_dict(tsd, strict=False)
    assert (r.missing_keys, r.unexpected_keys) == (r2.missing_keys, r2.unexpected_keys)


def test_load_state_dict_copies_in_place_and_assign():
    m = build(ember)
    w = m.a.weight
    sd = {k: v.clone() + 1 for k, v in m.state_dict().items()}
    m.load_state_dict(sd)
    assert m.a.weight is w and float(w.sum()) == 18.0  # same Parameter object, new values
    m.load_state_dict({k: v * 0 for k, v in sd.items()}, assign=True)
    assert m.a.weight is not w and isinstance(m.a.weight, nn.Parameter) and float(m.a.weight.sum()) == 0


def test_train_eval_apply_zero_grad_requires_grad():
    m = build(ember)
    assert all(x.training for x in m.modules())
    m.eval()
    assert not any(x.training for x in m.modules())
    m.train()
    visited = []
    m.apply(lambda mod: visited.append(type(mod).__name__))
    assert visited[-1] == "Net" and visited[0] == "Leaf"
    out = m(ember.ones(1, 3)).sum()
    out.backward()
    assert m.a.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert float(m.a.weight.grad.abs().sum()) == 0
    m.zero_grad()
    assert m.a.weight.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_double_float_keeps_parameter_identity():
    m = build(ember)
    w = m.a.weight
    m.double()
    assert m.a.weight is w and w.dtype is ember.float64 and m.a.running.dtype is ember.float64
    m.to(ember.float32)
    assert w.dtype is ember.float32
    with pytest.raises(TypeError):
        m.to(ember.int64)


def test_hooks_and_handles():
    m = build(ember)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    x = ember.ones(1, 3)
    y = m(x)
    h1.remove()
    h2.remove()
    y2 = m(x)
    assert calls == [(1, 3)]
    assert np.allclose(y.detach().numpy(), y2.detach().numpy() * 2 + 1)


def test_sequential_api():
    a, b, c = nn.Module(), nn.Module(), nn.Module()
    s = nn.Sequential(a, b)
    assert len(s) == 2 and s[0] is a and s[-1] is b
    assert isinstance(s[0:1], nn.Sequential) and len(s[0:1]) == 1
    s.append(c)
    assert list(s) == [a, b, c]
    s.insert(0, c)
    assert [k for k in s._modules] == ["0", "1", "2", "3"] and s[0] is c
    del s[0]
    assert list(s) == [a, b, c]
    assert s.pop(1) is b and list(s) == [a, c]
    s.extend([b])
    assert list(s) == [a, c, b]
    named = nn.Sequential(OrderedDict([("first", a), ("second", b)]))
    assert named.first is a and list(named._modules) == ["first", "second"]
    with pytest.raises(IndexError):
        s[10]


def test_module_list_dict_param_containers():
    ml = nn.ModuleList([nn.Module(), nn.Module()])
    ml.append(nn.Module())
    ml.extend([nn.Module()])
    ml.insert(1, nn.Module())
    assert len(ml) == 5 and list(ml._modules) == ["0", "1", "2", "3", "4"]
    with pytest.raises(TypeError):
        ml.append(3)
    md = nn.ModuleDict({"a": nn.Module()})
    md["b"] = nn.Module()
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    pl = nn.ParameterList([ember.zeros(2), nn.Parameter(ember.ones(3))])
    assert isinstance(pl[0], nn.Parameter) and len(list(pl.parameters())) == 2
    pd = nn.ParameterDict({"w": ember.zeros(2)})
    pd["v"] = ember.ones(1)
    assert isinstance(pd["w"], nn.Parameter) and sorted(n for n, _ in pd.named_parameters()) == ["v", "w"]


@requires_torch
def test_container_reprs_match_torch():
    def make(fw):
        return fw.nn.Sequential(fw.nn.ModuleList([fw.nn.Identity(), fw.nn.Identity(), fw.nn.Identity()]),
                                fw.nn.ParameterList([fw.nn.Parameter(fw.zeros(2, 3))]),
                                fw.nn.ParameterDict({"w": fw.nn.Parameter(fw.zeros(4))}))
    assert repr(make(ember)).replace("ember.", "torch.") == repr(make(torch))


def test_get_submodule_and_parameter():
    m = build(ember)
    assert m.get_submodule("seq.2.0") is m.seq[2][0]
    assert m.get_parameter("seq.0.weight") is m.seq[0].weight
    with pytest.raises(AttributeError):
        m.get_submodule("seq.9")


def test_state_dict_moves_between_frameworks():
    pytest.importorskip("torch")
    t = build(torch)
    for p in t.parameters():
        with torch.no_grad():
            p.uniform_()
    e = build(ember)
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5)
