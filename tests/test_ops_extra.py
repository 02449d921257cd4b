"""Less common torch ops: meshgrid, repeat_interleave, diff, cross, cdist, dist, hypot, logaddexp, nan_to_num,
finfo/iinfo and the top-level functional aliases."""
import numpy as np
import pytest

import ember
from helpers import check_op, ember_gradcheck, requires_torch, torch

@requires_torch
@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    check_op(lambda a, b, c: (torch if isinstance(a, torch.Tensor) else ember).meshgrid(a, b, c, indexing=indexing),
             shapes=[(3,), (2,), (4,)], noncontig=False)


@requires_torch
def test_repeat_interleave():
    check_op(lambda a: a.repeat_interleave(2, dim=1), shapes=[(2, 3)])
    check_op(lambda a: a.repeat_interleave(3), shapes=[(2, 3)])
    for fw in (torch, ember):
        r = fw.tensor([1, 0, 2]).repeat_interleave(fw.tensor([2, 1, 3]))
        assert r.tolist() == [1, 1, 0, 2, 2, 2]
        assert fw.repeat_interleave(fw.tensor([2, 1])).tolist() == [0, 0, 1]


@requires_torch
def test_diff_cross_cdist_dist():
    check_op(lambda a: a.diff(), shapes=[(3, 5)])
    check_op(lambda a: a.diff(n=2, dim=0), shapes=[(4, 3)])
    check_op(lambda a, b: a.cross(b, dim=1), shapes=[(4, 3), (4, 3)], noncontig=False)
    check_op(lambda a, b: (torch if isinstance(a, torch.Tensor) else ember).cdist(a, b), shapes=[(4, 3), (5, 3)],
             noncontig=False, atol=1e-5, grad_atol=1e-4)
    check_op(lambda a, b: (torch if isinstance(a, torch.Tensor) else ember).dist(a, b, 3), shapes=[(4, 3), (4, 3)])


@requires_torch
def test_hypot_logaddexp_nan_to_num():
    check_op(lambda a, b: a.hypot(b), shapes=[(3, 4), (3, 4)])
    check_op(lambda a, b: a.logaddexp(b), shapes=[(3, 4), (1, 4)])
    big = ember.tensor([1000.0, -1000.0])
    assert np.allclose(big.logaddexp(big).numpy(), torch.tensor([1000.0, -1000.0]).logaddexp(
        torch.tensor([1000.0, -1000.0])).numpy())
    x = np.array([np.nan, np.inf, -np.inf, 1.5], np.float32)
    for kw in ({}, {"nan": 2.0, "posinf": 9.0, "neginf": -9.0}):
        assert ember.tensor(x).nan_to_num(**kw).tolist() == torch.tensor(x).nan_to_num(**kw).tolist()


def test_gradchecks():
    ember_gradcheck(lambda a, b: a.hypot(b), [(2, 3), (2, 3)])
    ember_gradcheck(lambda a, b: a.logaddexp(b), [(2, 3), (2, 3)])
    ember_gradcheck(lambda a, b: a.cross(b, dim=1), [(2, 3), (2, 3)])
    ember_gradcheck(lambda a: a.repeat_interleave(2, dim=0), [(2, 3)])


@requires_torch
def test_finfo_iinfo():
    for d in ("float16", "float32", "float64"):
        e, t = ember.finfo(getattr(ember, d)), torch.finfo(getattr(torch, d))
        assert (e.eps, e.max, e.min, e.tiny, e.bits, e.resolution) == (t.eps, t.max, t.min, t.tiny, t.bits,
                                                                       t.resolution)
    for d in ("uint8", "int8", "int16", "int32", "int64"):
        e, t = ember.iinfo(getattr(ember, d)), torch.iinfo(getattr(torch, d))
        assert (e.max, e.min, e.bits) == (t.max, t.min, t.bits)
    with pytest.raises(TypeError):
        ember.finfo(ember.int32)


def test_top_level_functional_aliases():
    x = ember.randn(1, 2, 5, 5)
    w = ember.randn(3, 2, 3, 3)
    assert ember.conv2d(x, w, None, 1, 1).shape == (1, 3, 5, 5)
    assert ember.max_pool2d(x, 2).shape == (1, 2, 2, 2)
    assert ember.typename(x) == "ember.FloatTensor"
