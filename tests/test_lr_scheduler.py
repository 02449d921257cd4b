"""ember.optim.lr_scheduler against torch: lr (and momentum) sequences over 100 steps, state_dict keys and resume."""
import math
import warnings

import numpy as np
import pytest

import ember
from helpers import requires_torch, torch

def _sched(name, *args, **kwargs):
    return lambda fw, opt: getattr(fw.optim.lr_scheduler, name)(opt, *args, **kwargs)


def _warmup_then_exp(fw, opt):
    s = fw.optim.lr_scheduler
    return s.SequentialLR(opt, [s.LinearLR(opt, start_factor=0.1, total_iters=10), s.ExponentialLR(opt, gamma=0.95)],
                          milestones=[10])


def _three_stage(fw, opt):
    s = fw.optim.lr_scheduler
    return s.SequentialLR(opt, [s.ConstantLR(opt, factor=0.5, total_iters=5), s.CosineAnnealingLR(opt, T_max=20),
                                s.StepLR(opt, step_size=9, gamma=0.5)], milestones=[15, 50])


def _chained(fw, opt):
    s = fw.optim.lr_scheduler
    return s.ChainedScheduler([s.ConstantLR(opt, factor=0.3, total_iters=8), s.ExponentialLR(opt, gamma=0.97),
                               s.MultiStepLR(opt, milestones=[20, 40], gamma=0.5)])


def _exp_decay(epoch):
    return 0.95 ** epoch


CASES = {
    "LambdaLR": _sched("LambdaLR", _exp_decay),
    "LambdaLR-per-group": _sched("LambdaLR", [_exp_decay, lambda e: 1.0 / (1 + e)]),
    "MultiplicativeLR": _sched("MultiplicativeLR", lambda e: 0.97),
    "StepLR": _sched("StepLR", step_size=7, gamma=0.5),
    "MultiStepLR": _sched("MultiStepLR", milestones=[10, 30, 30, 60], gamma=0.5),
    "ConstantLR": _sched("ConstantLR", factor=0.5, total_iters=10),
    "LinearLR": _sched("LinearLR", start_factor=0.1, end_factor=0.9, total_iters=20),
    "ExponentialLR": _sched("ExponentialLR", gamma=0.97),
    "PolynomialLR": _sched("PolynomialLR", total_iters=40, power=2.0),
    "CosineAnnealingLR": _sched("CosineAnnealingLR", T_max=15, eta_min=0.001),
    "CosineAnnealingWarmRestarts": _sched("CosineAnnealingWarmRestarts", T_0=10, T_mult=2, eta_min=1e-4),
    "CyclicLR-triangular2": _sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=7, mode="triangular2"),
    "CyclicLR-exp_range": _sched("CyclicLR", base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=5, step_size_down=9,
                                 mode="exp_range", gamma=0.99),
    "CyclicLR-scale_fn": _sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=6, scale_fn=lambda x: 0.9 ** x,
                                scale_mode="iterations", cycle_momentum=False),
    "OneCycleLR": _sched("OneCycleLR", max_lr=0.1, total_steps=100),
    "OneCycleLR-three_phase-linear": _sched("OneCycleLR", max_lr=[0.1, 0.2], epochs=10, steps_per_epoch=10,
                                            pct_start=0.25, anneal_strategy="linear", three_phase=True),
    "SequentialLR": _warmup_then_exp,
    "SequentialLR-3": _three_stage,
    "ChainedScheduler": _chained,
}


def _opt(fw, adam=False):
    ps = [fw.nn.Parameter(fw.zeros(2)), fw.nn.Parameter(fw.zeros(3))]
    groups = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}]
    return fw.optim.Adam(groups, lr=0.1) if adam else fw.optim.SGD(groups, lr=0.1, momentum=0.9)


def _record(opt, sched):
    key = "betas" if "betas" in opt.defaults else "momentum"
    return (list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], [g[key] for g in opt.param_groups])


def _run(fw, make, steps=100, adam=False, metrics=None, epochs=None):
    opt = _opt(fw, adam)
    sched = make(fw, opt)
    out = [_record(opt, sched)]
    for i in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        elif epochs is not None:
            sched.step(epochs[i])
        else:
            sched.step()
        out.append(_record(opt, sched))
    return out


def _assert_same(e_seq, t_seq):
    assert len(e_seq) == len(t_seq)
    for i, (e, t) in enumerate(zip(e_seq, t_seq)):
        for ev, tv in zip(e, t):
            assert np.allclose(np.asarray(ev, float), np.asarray(tv, float), rtol=1e-12, atol=0), \
                f"step {i}: ember {e} vs torch {t}"


@requires_torch
@pytest.mark.parametrize("case", list(CASES))
def test_lr_sequence_matches_torch(case):
    _assert_same(_run(ember, CASES[case]), _run(torch, CASES[case]))


@requires_torch
@pytest.mark.parametrize("case", ["CyclicLR-triangular2", "OneCycleLR"])
def test_beta1_cycling_with_adam(case):
    _assert_same(_run(ember, CASES[case], adam=True), _run(torch, CASES[case], adam=True))


PLATEAU = {
    "min-rel": dict(patience=3),
    "max-abs-cooldown": dict(mode="max", threshold_mode="abs", threshold=0.05, patience=2, cooldown=3, factor=0.5),
    "min_lr-list": dict(patience=1, factor=0.3, min_lr=[0.001, 0.004], eps=1e-5),
}


@requires_torch
@pytest.mark.parametrize("case", list(PLATEAU))
def test_reduce_lr_on_plateau_matches_torch(case):
    rng = np.random.default_rng(0)
    metrics = list(np.repeat(rng.uniform(0, 1, 25), 4))  # plateaus of 4 epochs
    make = _sched("ReduceLROnPlateau", **PLATEAU[case])
    _assert_same(_run(ember, make, metrics=metrics), _run(torch, make, metrics=metrics))


@requires_torch
@pytest.mark.parametrize("name,kwargs", [("StepLR", dict(step_size=5)), ("MultiStepLR", dict(milestones=[3, 7])),
                                         ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=6)),
                                         ("LinearLR", dict(total_iters=8)), ("PolynomialLR", dict(total_iters=9)),
                                         ("ConstantLR", dict(total_iters=4))])
def test_closed_form_with_epoch_argument(name, kwargs):
    epochs = [3, 1, 8, 8, 12, 0, 20]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same(_run(ember, _sched(name, **kwargs), 7, epochs=epochs),
                     _run(torch, _sched(name, **kwargs), 7, epochs=epochs))


@requires_torch
def test_warm_restarts_fractional_epochs():
    make = _sched("CosineAnnealingWarmRestarts", T_0=4, T_mult=2)
    epochs = [e + i / 5 for e in range(12) for i in range(5)]
    _assert_same(_run(ember, make, len(epochs), epochs=epochs), _run(torch, make, len(epochs), epochs=epochs))


def _to_ember(obj):
    if isinstance(obj, torch.Tensor):
        return ember.tensor(obj.numpy())
    if isinstance(obj, dict):
        return type(obj)({k: _to_ember(v) for k, v in obj.items()}) if type(obj) is dict else obj
    if isinstance(obj, list):
        return [_to_ember(v) for v in obj]
    return obj


@requires_torch
@pytest.mark.parametrize("case", ["StepLR", "MultiStepLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
                                  "CyclicLR-exp_range", "OneCycleLR", "SequentialLR-3", "ChainedScheduler",
                                  "LambdaLR", "PolynomialLR"])
def test_state_dict_keys_and_resume_from_torch(case):
    make = CASES[case]
    t_opt = _opt(torch)
    t_sched = make(torch, t_opt)
    for _ in range(37):
        t_opt.step()
        t_sched.step()
    t_sd, t_opt_sd = t_sched.state_dict(), t_opt.state_dict()
    e_opt = _opt(ember)
    e_sched = make(ember, e_opt)
    assert set(e_sched.state_dict()) == set(t_sd)
    e_sched.load_state_dict(_to_ember(t_sd))
    e_opt.load_state_dict(_to_ember(t_opt_sd))
    t_seq, e_seq = [], []
    for opt, sched, seq in ((t_opt, t_sched, t_seq), (e_opt, e_sched, e_seq)):
        for _ in range(40):
            opt.step()
            sched.step()
            seq.append(_record(opt, sched))
    _assert_same(e_seq, t_seq)


@requires_torch
def test_plateau_state_dict_keys():
    sds = []
    for fw in (ember, torch):
        opt = _opt(fw)
        s = fw.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1)
        for m in (1.0, 1.0, 1.0):
            s.step(m)
        sds.append(s.state_dict())
    assert sds[0] == sds[1]


def test_warnings_and_errors():
    opt = _opt(ember)
    s = ember.optim.lr_scheduler.StepLR(opt, 3)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        s.get_lr()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        ember.optim.lr_scheduler.StepLR(object(), 3)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ember.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="You must define either total_steps"):
        ember.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 3"):
        ember.optim.lr_scheduler.LambdaLR(opt, [_exp_decay] * 3)
    with pytest.raises(KeyError, match="initial_lr"):
        ember.optim.lr_scheduler.StepLR(_opt(ember), 3, last_epoch=5)
    one = ember.optim.lr_scheduler.OneCycleLR(_opt(ember), max_lr=0.1, total_steps=2)
    one.optimizer.step()
    one.step()
    one.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        one.step()


def test_closed_form_cosine_value():
    opt = _opt(ember)
    s = ember.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.0)
    for _ in range(5):
        opt.step()
        s.step()
    assert s.get_last_lr()[0] == pytest.approx(0.1 * (1 + math.cos(math.pi * 5 / 10)) / 2, rel=1e-12)
