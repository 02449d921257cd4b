"""ember.optim against torch.optim: 20-step training trajectories, state_dict layout and cross-loading."""
import copy
import inspect
import warnings

import numpy as np
import pytest

import ember
from helpers import requires_torch, torch

SHAPES = [(8, 5), (8,), (3, 8), (3,), (4,)]  # the last parameter is never used: its grad stays None


def init_arrays(dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.5, 0.5, s).astype(dtype) for s in SHAPES]


def batches(n, dtype=np.float32, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((6, 5)).astype(dtype), rng.standard_normal((6, 3)).astype(dtype)) for _ in range(n)]


def make_params(fw, arrays):
    return [fw.nn.Parameter(fw.tensor(a.copy())) for a in arrays]


def loss_fn(fw, params, x, y):
    w1, b1, w2, b2, _ = params
    h = fw.tanh(fw.tensor(x) @ w1.t() + b1)
    out = h @ w2.t() + b2
    return ((out - fw.tensor(y)) ** 2).mean()


def train(fw, params, opt, data, closure_steps=False):
    for x, y in data:
        def closure():
            opt.zero_grad()
            loss = loss_fn(fw, params, x, y)
            loss.backward()
            return loss
        if closure_steps:
            opt.step(closure)
        else:
            closure()
            opt.step()
    return [p.detach().numpy().copy() for p in params]


def to_ember(obj):
    """A torch object tree (state dicts) with every tensor converted to an ember tensor."""
    if isinstance(obj, torch.Tensor):
        return ember.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        out = copy.copy(obj)
        for k, v in obj.items():
            out[k] = to_ember(v)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_ember(v) for v in obj)
    return obj


def to_torch(obj):
    if isinstance(obj, ember.Tensor):
        return torch.from_numpy(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        out = copy.copy(obj)
        for k, v in obj.items():
            out[k] = to_torch(v)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_torch(v) for v in obj)
    return obj


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True, eps=1e-6)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.5))),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, alpha=0.9, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-4, 0.05), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=5, lambd=0.01, weight_decay=0.1)),
]


def _ids(cases):
    return [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for n, kw in cases]


@requires_torch
@pytest.mark.parametrize("name,kwargs", CASES, ids=_ids(CASES))
def test_trajectory_matches_torch(name, kwargs):
    arrays, data = init_arrays(), batches(20)
    tp, ep = make_params(torch, arrays), make_params(ember, arrays)
    t_final = train(torch, tp, getattr(torch.optim, name)(tp, **kwargs), data)
    e_final = train(ember, ep, getattr(ember.optim, name)(ep, **kwargs), data)
    for i, (e, t) in enumerate(zip(e_final, t_final)):
        np.testing.assert_allclose(e, t, atol=1e-5, rtol=1e-5, err_msg=f"{name} parameter {i}")
    np.testing.assert_array_equal(e_final[-1], arrays[-1])  # grad None: skipped, untouched
    assert e_final[0].dtype == np.float32


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(), dict(line_search_fn="strong_wolfe", history_size=5)])
def test_lbfgs_matches_torch(kwargs):
    arrays, data = init_arrays(np.float64), batches(3, np.float64)
    tp, ep = make_params(torch, arrays), make_params(ember, arrays)
    t_final = train(torch, tp, torch.optim.LBFGS(tp, lr=0.5, max_iter=6, **kwargs), data, closure_steps=True)
    e_final = train(ember, ep, ember.optim.LBFGS(ep, lr=0.5, max_iter=6, **kwargs), data, closure_steps=True)
    for e, t in zip(e_final, t_final):
        np.testing.assert_allclose(e, t, atol=1e-7, rtol=1e-6)


@requires_torch
def test_lbfgs_resumes_from_torch_state():
    arrays, data = init_arrays(np.float64), batches(4, np.float64)
    tp = make_params(torch, arrays)
    t_opt = torch.optim.LBFGS(tp, lr=0.5, max_iter=4, line_search_fn="strong_wolfe")
    train(torch, tp, t_opt, data[:2], closure_steps=True)
    ep = make_params(ember, [p.detach().numpy() for p in tp])
    e_opt = ember.optim.LBFGS(ep, lr=0.5, max_iter=4, line_search_fn="strong_wolfe")
    e_opt.load_state_dict(to_ember(t_opt.state_dict()))
    t_final = train(torch, tp, t_opt, data[2:], closure_steps=True)
    e_final = train(ember, ep, e_opt, data[2:], closure_steps=True)
    for e, t in zip(e_final, t_final):
        np.testing.assert_allclose(e, t, atol=1e-9, rtol=1e-8)
    assert sorted(e_opt.state_dict()["state"][0]) == sorted(t_opt.state_dict()["state"][0])


@requires_torch
@pytest.mark.parametrize("name", ["Adam", "SGD"])
def test_float64_and_param_groups(name):
    arrays, data = init_arrays(np.float64), batches(10, np.float64)
    finals = []
    for fw in (torch, ember):
        ps = make_params(fw, arrays)
        groups = [{"params": ps[:2], "lr": 0.05}, {"params": ps[2:], "weight_decay": 0.01}]
        opt = getattr(fw.optim, name)(groups, lr=0.01, **({"momentum": 0.9} if name == "SGD" else {}))
        finals.append(train(fw, ps, opt, data))
    for t, e in zip(*finals):
        assert e.dtype == np.float64
        np.testing.assert_allclose(e, t, atol=1e-10, rtol=1e-9)


STATE_CASES = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
               ("AdamW", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
               ("Adagrad", dict(lr=0.1)), ("Adadelta", dict()), ("Adamax", dict()), ("NAdam", dict()),
               ("RAdam", dict()), ("Rprop", dict()), ("ASGD", dict(t0=3))]


@requires_torch
@pytest.mark.parametrize("name,kwargs", STATE_CASES, ids=[c[0] for c in STATE_CASES])
def test_state_dict_layout_matches_torch(name, kwargs):
    arrays, data = init_arrays(), batches(2)
    sds = []
    for fw in (torch, ember):
        ps = make_params(fw, arrays)
        opt = getattr(fw.optim, name)(ps, **kwargs)
        train(fw, ps, opt, data)
        sds.append(opt.state_dict())
    t_sd, e_sd = sds
    assert e_sd["param_groups"] == t_sd["param_groups"]
    assert list(e_sd["state"]) == list(t_sd["state"])
    for k, t_state in t_sd["state"].items():
        e_state = e_sd["state"][k]
        assert list(e_state) == list(t_state)
        for key, tv in t_state.items():
            ev = e_state[key]
            assert isinstance(ev, ember.Tensor) == isinstance(tv, torch.Tensor), key
            if isinstance(tv, torch.Tensor):
                assert tuple(ev.shape) == tuple(tv.shape) and str(ev.dtype)[6:] == str(tv.dtype)[6:], key
                np.testing.assert_allclose(ev.numpy(), tv.numpy(), atol=1e-6, rtol=1e-5, err_msg=key)


@requires_torch
def test_step_state_follows_default_dtype():
    steps = []
    for fw in (torch, ember):
        old = fw.get_default_dtype()
        fw.set_default_dtype(fw.float64)
        try:
            p = fw.nn.Parameter(fw.ones(2))
            opt = fw.optim.NAdam([p])
            p.grad = fw.ones(2)
            opt.step()
            st = opt.state_dict()["state"][0]
            steps.append((str(st["step"].dtype)[6:], str(st["mu_product"].dtype)[6:], float(st["mu_product"])))
        finally:
            fw.set_default_dtype(old)
    assert steps[0] == steps[1] and steps[1][0] == "float64"


def _resume(fw_first, fw_second, name, kwargs, sched=None):
    """Train 10 steps in fw_first, save optimizer (+ scheduler) state, load it into fw_second, train 10 more;
    the second framework's trajectory must equal an uninterrupted run in fw_first."""
    arrays, data = init_arrays(), batches(20)
    conv = to_ember if fw_second is ember else to_torch
    ps = make_params(fw_first, arrays)
    opt = getattr(fw_first.optim, name)(ps, **kwargs)
    sch = sched(fw_first, opt) if sched else None
    for x, y in data[:10]:
        opt.zero_grad()
        loss_fn(fw_first, ps, x, y).backward()
        opt.step()
        if sch:
            sch.step()
    mid = [p.detach().numpy().copy() for p in ps]
    opt_sd, sch_sd = conv(opt.state_dict()), conv(sch.state_dict()) if sch else None
    for x, y in data[10:]:  # the uninterrupted reference
        opt.zero_grad()
        loss_fn(fw_first, ps, x, y).backward()
        opt.step()
        if sch:
            sch.step()
    ref = [p.detach().numpy() for p in ps]

    qs = make_params(fw_second, mid)
    opt2 = getattr(fw_second.optim, name)(qs, **kwargs)
    sch2 = sched(fw_second, opt2) if sched else None
    if sch2:
        sch2.load_state_dict(sch_sd)
    opt2.load_state_dict(opt_sd)
    lrs = []
    for x, y in data[10:]:
        opt2.zero_grad()
        loss_fn(fw_second, qs, x, y).backward()
        opt2.step()
        if sch2:
            sch2.step()
            lrs.append(sch2.get_last_lr()[0])
    for r, q in zip(ref, qs):
        np.testing.assert_allclose(q.detach().numpy(), r, atol=1e-5, rtol=1e-5)
    if sch:
        assert lrs[-1] == pytest.approx(sch.get_last_lr()[0], rel=1e-12)


def _cosine(fw, opt):
    return fw.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=7, eta_min=1e-4)


def _onecycle(fw, opt):
    return fw.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=25)


RESUME = [("Adam", dict(lr=0.01), _cosine), ("SGD", dict(lr=0.1, momentum=0.9), _onecycle),
          ("RMSprop", dict(lr=0.01, momentum=0.5), None), ("NAdam", dict(), None), ("Adagrad", dict(), None),
          ("ASGD", dict(t0=5), None), ("Rprop", dict(), None)]


@requires_torch
@pytest.mark.parametrize("name,kwargs,sched", RESUME, ids=[c[0] for c in RESUME])
def test_resume_from_torch_state(name, kwargs, sched):
    _resume(torch, ember, name, kwargs, sched)


@requires_torch
@pytest.mark.parametrize("name,kwargs,sched", RESUME, ids=[c[0] for c in RESUME])
def test_torch_resumes_from_ember_state(name, kwargs, sched):
    _resume(ember, torch, name, kwargs, sched)


OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD",
              "LBFGS"]


@requires_torch
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_signature_and_repr_match_torch(name):
    e_cls, t_cls = getattr(ember.optim, name), getattr(torch.optim, name)
    e_sig, t_sig = inspect.signature(e_cls.__init__), inspect.signature(t_cls.__init__)
    assert [(p.name, p.kind, p.default) for p in e_sig.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in t_sig.parameters.values()]
    ep, tp = make_params(ember, init_arrays()[:2]), make_params(torch, init_arrays()[:2])
    assert repr(e_cls(ep)) == repr(t_cls(tp))


# ------------------------------------------------------------------ base-class contract (no torch needed)

def _param(*shape, value=1.0):
    return ember.nn.Parameter(ember.full(shape, value))


def test_zero_grad_and_skip_params_without_grad():
    a, b = _param(3), _param(2)
    opt = ember.optim.SGD([a, b], lr=0.5, momentum=0.9)
    a.grad = ember.ones(3)
    before = b._data.copy()
    version = a._version
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), 0.5)
    np.testing.assert_array_equal(b.detach().numpy(), before)
    assert b not in opt.state and a._version > version
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), 0)
    opt.zero_grad()
    assert a.grad is None


def test_updates_in_place_same_objects():
    p = _param(4, 4)
    data = p._data
    opt = ember.optim.Adam([p], lr=0.1)
    p.grad = ember.ones(4, 4)
    opt.step()
    assert p._data is data and opt.param_groups[0]["params"][0] is p
    np.testing.assert_allclose(p.detach().numpy(), 0.9, rtol=1e-6)


def test_blocked_update_equals_whole_array_update():
    from ember.optim import optimizer as base
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(base._BLOCK * 3 + 17).astype(np.float32)
    g = rng.standard_normal(p0.size).astype(np.float32)
    results = []
    for block in (base._BLOCK, 1 << 40):  # blocked, then one whole-array pass
        old, base._BLOCK = base._BLOCK, block
        try:
            p = ember.nn.Parameter(ember.tensor(p0.copy()))
            opt = ember.optim.Adam([p], lr=0.1, amsgrad=True, weight_decay=0.1)
            for _ in range(3):
                p.grad = ember.tensor(g)
                opt.step()
            results.append(p.detach().numpy().copy())
        finally:
            base._BLOCK = old
    np.testing.assert_array_equal(results[0], results[1])


def test_noncontiguous_param_and_grad():
    p = ember.nn.Parameter(ember.ones(3, 4))
    p._data = np.asfortranarray(p._data)
    opt = ember.optim.RMSprop([p], lr=0.1, momentum=0.9, centered=True)
    p.grad = ember.ones(4, 3).t()
    opt.step()
    assert np.isfinite(p.detach().numpy()).all() and (p.detach().numpy() < 1).all()


def test_closure_and_hooks():
    p = _param(2)
    opt = ember.optim.SGD([p], lr=1.0)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        calls.append("closure")
        return loss

    with ember.no_grad():
        loss = opt.step(closure)  # the closure runs with grad enabled
    assert float(loss) == 2.0 and calls == ["pre", "closure", "post"]
    np.testing.assert_allclose(p.detach().numpy(), -1.0)
    h1.remove()
    opt.step(closure)
    assert calls[3:] == ["closure", "post"]


def test_add_param_group_and_errors():
    a, b = _param(2), _param(2)
    opt = ember.optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {_param(1)}})
    with pytest.raises(ValueError, match="empty parameter list"):
        ember.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        ember.optim.SGD(a, lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        ember.optim.SGD([a * 2], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        ember.optim.Adam([a], lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        ember.optim.Adam([a], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        ember.optim.SGD([a], lr=0.1, nesterov=True)
    with pytest.raises(RuntimeError, match="differentiable"):
        ember.optim.Adam([a], differentiable=True)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(ember.optim.Adam([a]).state_dict())


def test_named_params_and_duplicate_warning():
    a, b = _param(2), _param(3)
    opt = ember.optim.SGD([("a", a), ("b", b)], lr=0.1)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["param_names"] == ["a", "b"] and sd["param_groups"][0]["params"] == [0, 1]
    with pytest.warns(UserWarning, match="duplicate parameters"):
        ember.optim.SGD([a, a], lr=0.1)


def test_state_dict_roundtrip_ember():
    ps = make_params(ember, init_arrays())
    opt = ember.optim.Adam(ps, lr=0.01)
    train(ember, ps, opt, batches(3))
    sd = opt.state_dict()
    step = sd["state"][0]["step"]
    assert step.shape == () and step.dtype == ember.float32 and float(step) == 3.0
    opt2 = ember.optim.Adam(make_params(ember, init_arrays()), lr=0.5)
    opt2.load_state_dict(copy.deepcopy(sd))
    assert opt2.param_groups[0]["lr"] == 0.01 and float(opt2.state_dict()["state"][0]["step"]) == 3.0
    legacy = copy.deepcopy(sd)  # an old-style state with a float step is upgraded to a 0-d tensor
    legacy["state"][0]["step"] = 3
    opt2.load_state_dict(legacy)
    assert isinstance(opt2.state[opt2.param_groups[0]["params"][0]]["step"], ember.Tensor)


def test_optimizer_pickles():
    import pickle
    ps = make_params(ember, init_arrays())
    opt = ember.optim.SGD(ps, lr=0.1, momentum=0.9)
    train(ember, ps, opt, batches(2))
    opt2 = pickle.loads(pickle.dumps(opt))
    assert opt2.param_groups[0]["lr"] == 0.1 and len(opt2.state) == 4
    opt2.step()  # hooks dicts restored


def test_adam_converges_on_quadratic():
    target = np.array([1.0, -2.0, 3.0], np.float32)
    p = ember.nn.Parameter(ember.zeros(3))
    opt = ember.optim.Adam([p], lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        ((p - ember.tensor(target)) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.detach().numpy(), target, atol=1e-2)


def test_lbfgs_minimizes_rosenbrock():
    x = ember.nn.Parameter(ember.tensor([-1.5, 2.0], dtype=ember.float64))
    opt = ember.optim.LBFGS([x], lr=1, max_iter=100, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-5)
    with pytest.raises(ValueError, match="per-parameter options"):
        ember.optim.LBFGS([{"params": [x]}, {"params": [_param(1)]}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sd = opt.state_dict()
    assert sd["state"][0]["n_iter"] > 0 and isinstance(sd["state"][0]["d"], ember.Tensor)
