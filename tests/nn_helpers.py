"""Differential helpers for nn modules: copy a torch twin's weights into ember and compare everything.

    check_module(ember.nn.Linear(3, 4), torch.nn.Linear(3, 4), [(2, 3)])

loads the torch module's state_dict into the ember module with the real `load_state_dict`, checks that the
state_dict keys/shapes/dtypes agree, runs both on identical inputs (train mode by default), and compares outputs,
input gradients and parameter gradients by name.
"""
import numpy as np

import ember
from helpers import torch

_TOL = {"float32": (1e-5, 1e-5), "float64": (1e-10, 1e-9)}
_GTOL = {"float32": (1e-4, 1e-4), "float64": (1e-9, 1e-8)}


def to_ember_state(sd):
    """A torch state_dict as ember tensors (same keys, values copied through numpy)."""
    return {k: ember.tensor(v.detach().cpu().numpy()) for k, v in sd.items()}


def copy_weights(ember_mod, torch_mod, strict=True):
    """Load torch_mod's weights into ember_mod via ember's load_state_dict; assert the key lists match."""
    tsd = torch_mod.state_dict()
    esd = ember_mod.state_dict()
    assert list(esd.keys()) == list(tsd.keys()), f"state_dict keys differ:\nember {list(esd)}\ntorch {list(tsd)}"
    for k in tsd:
        assert tuple(esd[k].shape) == tuple(tsd[k].shape), f"{k}: shape {tuple(esd[k].shape)} vs {tuple(tsd[k].shape)}"
        assert str(esd[k].dtype).split(".")[-1] == str(tsd[k].dtype).split(".")[-1], f"{k}: dtype differs"
    ember_mod.load_state_dict(to_ember_state(tsd), strict=strict)


def _flat(x):
    if isinstance(x, (tuple, list)):
        out = []
        for v in x:
            out += _flat(v)
        return out
    return [x]


def _np(t):
    return t.detach().cpu().numpy() if hasattr(t, "cpu") else np.asarray(t.detach().numpy())


def assert_same(e, t, atol, rtol, what):
    ea, ta = _np(e), _np(t)
    assert ea.shape == ta.shape, f"{what}: shape {ea.shape} vs torch {ta.shape}"
    assert ea.dtype == ta.dtype, f"{what}: dtype {ea.dtype} vs torch {ta.dtype}"
    np.testing.assert_allclose(ea, ta, atol=atol, rtol=rtol, err_msg=what)


def check_module(ember_mod, torch_mod, input_shapes=None, *, inputs=None, dtype="float32", train=True, grad=True,
                 call=None, atol=None, rtol=None, grad_atol=None, grad_rtol=None, seed=0, low=-2.0, high=2.0):
    """Compare an ember module with its torch twin (weights copied from torch).

    `inputs`: numpy arrays to use instead of random ones from `input_shapes` (integer arrays are passed through
    without gradients). `call(module, *inputs)` customises the forward call (default `module(*inputs)`).
    Returns (ember_outputs, torch_outputs).
    """
    if dtype == "float64":
        torch_mod.double()
        ember_mod.double()
    copy_weights(ember_mod, torch_mod)
    ember_mod.train(train)
    torch_mod.train(train)
    rng = np.random.default_rng(seed)
    if inputs is None:
        inputs = [rng.uniform(low, high, s).astype(dtype) for s in input_shapes]
    t_in, e_in = [], []
    for a in inputs:
        floating = np.asarray(a).dtype.kind == "f"
        t_in.append(torch.tensor(np.array(a), requires_grad=grad and floating))
        e_in.append(ember.tensor(np.array(a), requires_grad=grad and floating))
    call = call or (lambda m, *xs: m(*xs))
    t_out, e_out = _flat(call(torch_mod, *t_in)), _flat(call(ember_mod, *e_in))
    assert len(t_out) == len(e_out), f"{len(e_out)} outputs vs torch {len(t_out)}"
    a0, r0 = _TOL[dtype]
    for i, (e, t) in enumerate(zip(e_out, t_out)):
        assert_same(e, t, atol or a0, rtol or r0, f"output {i}")
    if not grad:
        return e_out, t_out
    weights = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in t_out]
    t_loss = sum((t * torch.tensor(w)).sum() for t, w in zip(t_out, weights) if t.requires_grad)
    e_loss = sum((e * ember.tensor(w)).sum() for e, w in zip(e_out, weights) if e.requires_grad)
    if not isinstance(t_loss, int):
        t_loss.backward()
        e_loss.backward()
    ga, gr = _GTOL[dtype]
    ga, gr = grad_atol or ga, grad_rtol or gr
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        if t.grad is not None:
            assert e.grad is not None, f"input {i}: ember has no gradient"
            assert_same(e.grad, t.grad, ga, gr, f"grad of input {i}")
    t_params = dict(torch_mod.named_parameters())
    for name, p in ember_mod.named_parameters():
        tp = t_params[name]
        if tp.grad is None:
            assert p.grad is None or not _np(p.grad).any(), f"param {name}: ember has a gradient, torch none"
            continue
        assert p.grad is not None, f"param {name}: ember has no gradient"
        assert_same(p.grad, tp.grad, ga, gr, f"grad of {name}")
    return e_out, t_out
