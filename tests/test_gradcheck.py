"""Numerical gradient checks (first and second order, float64) for every differentiable op.

These tests use only ember (``ember.autograd.gradcheck`` / ``gradgradcheck``), so
they run on machines without torch. Inputs are tiny and drawn away from kinks
and ties (continuous uniform values), so finite differences are reliable.
"""
import numpy as np
import pytest

import ember
from helpers import ember_gradcheck, make_inputs

E = ember


def _idx(data):
    return E.tensor(np.asarray(data, dtype=np.int64))


def _mask(data):
    return E.tensor(np.asarray(data, dtype=bool))


# name -> (fn, shapes, options for ember_gradcheck)
POS = {"positive": True}
ELEMENTWISE = {
    "add": (lambda a, b: a + b, [(2, 3), (3,)], {}),
    "add_alpha": (lambda a, b: E.add(a, b, alpha=2.5), [(2, 3), (2, 3)], {}),
    "sub": (lambda a, b: a - b, [(2, 1), (1, 3)], {}),
    "rsub_scalar": (lambda a: 2 - a, [(2, 3)], {}),
    "mul": (lambda a, b: a * b, [(2, 3), (2, 3)], {}),
    "div": (lambda a, b: a / b, [(2, 3), (3,)], POS),
    "rdiv_scalar": (lambda a: 2 / a, [(2, 3)], POS),
    "true_divide": (lambda a, b: E.true_divide(a, b), [(2, 3), (2, 3)], POS),
    "pow_scalar": (lambda a: a ** 3, [(2, 3)], {}),
    "pow_frac": (lambda a: a ** 1.5, [(2, 3)], POS),
    "rpow": (lambda a: 2.0 ** a, [(2, 3)], {}),
    "pow_tensor": (lambda a, b: a ** b, [(2, 3), (2, 3)], POS),
    "neg": (lambda a: -a, [(2, 3)], {}),
    "abs": (lambda a: a.abs(), [(2, 3)], {}),
    "sign": (lambda a: a.sign() * a, [(2, 3)], {}),
    "exp": (lambda a: a.exp(), [(2, 3)], {}),
    "expm1": (lambda a: a.expm1(), [(2, 3)], {}),
    "log": (lambda a: a.log(), [(2, 3)], POS),
    "log1p": (lambda a: a.log1p(), [(2, 3)], POS),
    "log2": (lambda a: E.log2(a), [(2, 3)], POS),
    "log10": (lambda a: E.log10(a), [(2, 3)], POS),
    "sqrt": (lambda a: a.sqrt(), [(2, 3)], POS),
    "rsqrt": (lambda a: a.rsqrt(), [(2, 3)], POS),
    "sin": (lambda a: a.sin(), [(2, 3)], {}),
    "cos": (lambda a: a.cos(), [(2, 3)], {}),
    "tan": (lambda a: a.tan(), [(2, 3)], {"low": -1.2, "high": 1.2}),
    "tanh": (lambda a: a.tanh(), [(2, 3)], {}),
    "sigmoid": (lambda a: a.sigmoid(), [(2, 3)], {}),
    "relu": (lambda a: a.relu(), [(2, 3)], {}),
    "erf": (lambda a: E.erf(a), [(2, 3)], {}),
    "reciprocal": (lambda a: a.reciprocal(), [(2, 3)], POS),
    "floor": (lambda a: a.floor() + a, [(2, 3)], {}),
    "ceil": (lambda a: a.ceil() * a, [(2, 3)], {}),
    "round": (lambda a: a.round() + a, [(2, 3)], {}),
    "trunc": (lambda a: a.trunc() + a, [(2, 3)], {}),
    "frac": (lambda a: a.frac(), [(2, 3)], {}),
    "square": (lambda a: a.square(), [(2, 3)], {}),
    "clamp": (lambda a: a.clamp(-0.5, 0.7), [(3, 4)], {}),
    "clamp_min": (lambda a: E.clamp(a, min=0.1), [(2, 3)], {}),
    "clamp_max": (lambda a: E.clip(a, max=0.1), [(2, 3)], {}),
    "clamp_tensor": (lambda a, lo, hi: a.clamp(lo - 1.0, hi + 1.0), [(2, 3), (3,), (2, 1)], {}),
    "minimum": (lambda a, b: E.minimum(a, b), [(2, 3), (3,)], {}),
    "maximum": (lambda a, b: E.maximum(a, b), [(2, 3), (2, 3)], {}),
    "lerp_scalar": (lambda a, b: E.lerp(a, b, 0.3), [(2, 3), (2, 3)], {}),
    "lerp_tensor": (lambda a, b, w: a.lerp(b, w), [(2, 3), (2, 3), (3,)], {}),
    "where": (lambda a, b: E.where(_mask([[True, False, True], [False, True, False]]), a, b),
              [(2, 3), (2, 3)], {}),
    "where_bcast": (lambda a, b: E.where(_mask([True, False, True]), a, b), [(2, 3), (1,)], {}),
    "atan2": (lambda a, b: E.atan2(a, b), [(2, 3), (2, 3)], {}),
    "remainder": (lambda a: a.remainder(0.7) * a, [(2, 3)], {}),
    "fmod": (lambda a, b: E.fmod(a, b), [(2, 3), (2, 3)], {"low": 0.5, "high": 3.0}),
}

REDUCE = {
    "sum": (lambda a: a.sum(), [(2, 3)], {}),
    "sum_dim": (lambda a: a.sum(dim=(0, 2), keepdim=True), [(2, 3, 2)], {}),
    "mean": (lambda a: a.mean(1), [(2, 3)], {}),
    "mean_all": (lambda a: E.mean(a), [(2, 3)], {}),
    "prod": (lambda a: a.prod(), [(2, 3)], {}),
    "prod_dim": (lambda a: a.prod(dim=1, keepdim=True), [(2, 3)], {}),
    "max": (lambda a: a.max(), [(2, 3)], {}),
    "max_dim": (lambda a: a.max(dim=1).values, [(2, 3)], {}),
    "min_dim": (lambda a: a.min(0)[0], [(2, 3)], {}),
    "amax": (lambda a: a.amax(dim=(0, 1)), [(2, 3)], {}),
    "amin": (lambda a: a.amin(1, keepdim=True), [(2, 3)], {}),
    "var": (lambda a: a.var(), [(2, 3)], {}),
    "var_dim": (lambda a: a.var(dim=1, correction=0), [(2, 3)], {}),
    "std": (lambda a: a.std(dim=0), [(3, 2)], {}),
    "std_unbiased": (lambda a: E.std(a, unbiased=False), [(2, 3)], {}),
    "norm": (lambda a: a.norm(), [(2, 3)], {}),
    "norm_p1": (lambda a: a.norm(p=1, dim=1), [(2, 3)], {}),
    "norm_inf": (lambda a: a.norm(p=float("inf")), [(2, 3)], {}),
    "norm_fro": (lambda a: E.norm(a, p="fro"), [(2, 3)], {}),
    "norm_p3": (lambda a: a.norm(p=3, dim=0), [(2, 3)], {}),
    "logsumexp": (lambda a: a.logsumexp(1), [(2, 3)], {}),
    "logsumexp_tuple": (lambda a: E.logsumexp(a, (0, 1), keepdim=True), [(2, 3)], {}),
    "cumsum": (lambda a: a.cumsum(1), [(2, 3)], {}),
    "cumsum_neg": (lambda a: E.cumsum(a, dim=-2), [(2, 3)], {}),
    "cumprod": (lambda a: a.cumprod(1), [(2, 3)], {}),
    "cumprod_0": (lambda a: E.cumprod(a, 0), [(3, 2)], {}),
}

SHAPE = {
    "view": (lambda a: a.view(3, 2) * a.view(3, 2), [(2, 3)], {}),
    "view_infer": (lambda a: a.view(-1), [(2, 3)], {}),
    "reshape": (lambda a: a.reshape(3, 2).exp(), [(2, 3)], {}),
    "reshape_t": (lambda a: a.t().reshape(-1), [(2, 3)], {}),
    "permute": (lambda a: a.permute(2, 0, 1), [(2, 3, 2)], {}),
    "transpose": (lambda a: a.transpose(0, 1) * 2, [(2, 3)], {}),
    "t": (lambda a: a.t(), [(2, 3)], {}),
    "mT": (lambda a: a.mT, [(2, 2, 3)], {}),
    "squeeze": (lambda a: a.squeeze(), [(2, 1, 3)], {}),
    "squeeze_dim": (lambda a: a.squeeze(1), [(2, 1, 3)], {}),
    "unsqueeze": (lambda a: a.unsqueeze(-1), [(2, 3)], {}),
    "flatten": (lambda a: a.flatten(), [(2, 3, 2)], {}),
    "flatten_range": (lambda a: E.flatten(a, 1), [(2, 3, 2)], {}),
    "expand": (lambda a: a.expand(2, 3, 3), [(3, 1)], {}),
    "expand_as": (lambda a, b: a.expand_as(b) * b, [(1, 3), (2, 3)], {}),
    "repeat": (lambda a: a.repeat(2, 1, 2), [(2, 3)], {}),
    "tile": (lambda a: E.tile(a, (2,)), [(2, 3)], {}),
    "flip": (lambda a: a.flip(0, 1), [(2, 3)], {}),
    "roll": (lambda a: a.roll(1, 1), [(2, 3)], {}),
    "roll_flat": (lambda a: E.roll(a, -2), [(2, 3)], {}),
    "narrow": (lambda a: a.narrow(1, 1, 2), [(2, 3)], {}),
    "split": (lambda a: a.split(2, dim=1), [(2, 3)], {}),
    "split_sizes": (lambda a: E.split(a, [1, 2], 1), [(2, 3)], {}),
    "chunk": (lambda a: a.chunk(2, 0), [(4, 3)], {}),
    "unbind": (lambda a: a.unbind(1), [(2, 3)], {}),
    "cat": (lambda a, b: E.cat([a, b], dim=1), [(2, 3), (2, 1)], {}),
    "cat_0": (lambda a, b: E.cat((a, b)), [(2, 3), (1, 3)], {}),
    "stack": (lambda a, b: E.stack([a, b], dim=1), [(2, 3), (2, 3)], {}),
    "tril": (lambda a: a.tril(), [(3, 3)], {}),
    "triu": (lambda a: E.triu(a, 1), [(3, 4)], {}),
    "diag_vec": (lambda a: E.diag(a), [(3,)], {}),
    "diag_mat": (lambda a: a.diag(), [(3, 3)], {}),
    "getitem_basic": (lambda a: a[1:, ::2], [(3, 4)], {}),
    "getitem_int": (lambda a: a[1, :, None], [(3, 4)], {}),
    "getitem_neg": (lambda a: a[-1, ...], [(3, 4)], {}),
    "getitem_list": (lambda a: a[[0, 2, 0]], [(3, 4)], {}),
    "getitem_adv2": (lambda a: a[_idx([[0, 1], [2, 0]]), _idx([3, 1])], [(3, 4)], {}),
    "getitem_mask": (lambda a: a[_mask([True, False, True])], [(3, 4)], {}),
    "getitem_mixed": (lambda a: a[:, _idx([2, 0, 2])], [(3, 4)], {}),
    "index_select": (lambda a: a.index_select(1, _idx([2, 0, 2])), [(3, 4)], {}),
    "gather": (lambda a: a.gather(1, _idx([[0, 0, 2], [1, 3, 1]])), [(2, 4)], {}),
    "scatter": (lambda a, s: a.scatter(1, _idx([[2, 0], [1, 3]]), s), [(2, 4), (2, 2)], {}),
    "scatter_add": (lambda a, s: E.scatter_add(a, 1, _idx([[2, 2], [1, 3]]), s),
                    [(2, 4), (2, 2)], {}),
    "masked_fill": (lambda a: a.masked_fill(_mask([[True, False, True]]), 0.5), [(2, 3)], {}),
    "masked_select": (lambda a: E.masked_select(a, _mask([[True, False, True],
                                                            [False, True, True]])),
                      [(2, 3)], {}),
    "sort": (lambda a: a.sort(dim=1).values, [(2, 3)], {}),
    "sort_desc": (lambda a: E.sort(a, 0, descending=True)[0], [(3, 2)], {}),
    "topk": (lambda a: a.topk(2).values, [(2, 4)], {}),
    "topk_dim0": (lambda a: E.topk(a, 1, dim=0, largest=False)[0], [(3, 2)], {}),
}

LINALG = {
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 2)], {}),
    "matmul_vec": (lambda a, b: E.matmul(a, b), [(2, 3), (3,)], {}),
    "matmul_batched": (lambda a, b: a.matmul(b), [(2, 2, 3), (3, 2)], {}),
    "mm": (lambda a, b: E.mm(a, b), [(2, 3), (3, 2)], {}),
    "bmm": (lambda a, b: a.bmm(b), [(2, 2, 3), (2, 3, 2)], {}),
    "mv": (lambda a, b: E.mv(a, b), [(2, 3), (3,)], {}),
    "dot": (lambda a, b: a.dot(b), [(3,), (3,)], {}),
    "outer": (lambda a, b: E.outer(a, b), [(2,), (3,)], {}),
    "addmm": (lambda c, a, b: E.addmm(c, a, b, beta=0.5, alpha=2.0), [(2, 2), (2, 3), (3, 2)],
              {}),
    "einsum_mm": (lambda a, b: E.einsum("ij,jk->ik", a, b), [(2, 3), (3, 2)], {}),
    "einsum_batch": (lambda a, b: E.einsum("bij,bjk->bik", a, b), [(2, 2, 3), (2, 3, 2)], {}),
    "einsum_trace": (lambda a: E.einsum("ii->", a), [(3, 3)], {}),
    "einsum_outer": (lambda a, b: E.einsum("i,j->ij", a, b), [(2,), (3,)], {}),
    "einsum_sum": (lambda a: E.einsum("ij->j", a), [(2, 3)], {}),
}

ALL = {**ELEMENTWISE, **REDUCE, **SHAPE, **LINALG}


@pytest.mark.parametrize("name", list(ALL))
def test_gradcheck(name):
    fn, shapes, opts = ALL[name]
    ember_gradcheck(fn, shapes, **opts)


def test_composite_graph():
    # a small graph that reuses intermediates (fan-out) and mixes op kinds
    def f(x, w, b):
        h = (x @ w + b).tanh()
        return (h * h.sigmoid()).sum(1).logsumexp(0) + h.mean()
    ember_gradcheck(f, [(2, 3), (3, 4), (4,)])


def test_gradcheck_detects_wrong_gradient():
    # x.detach() * x has true derivative 2x but autograd only sees x: gradcheck must fail
    def f(x):
        return x.detach() * x
    x = E.tensor(make_inputs([(2, 3)], "float64", seed=1)[0], requires_grad=True)
    assert E.autograd.gradcheck(f, (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError):
        E.autograd.gradcheck(f, (x,))


def test_gradgradcheck_detects_wrong_second_derivative():
    # first derivative is right (2 * x.detach() == 2x numerically), second is lost
    def f(x):
        return x * x.detach() + (x - x.detach()) * x.detach()
    x = E.tensor(make_inputs([(2, 3)], "float64", seed=2)[0], requires_grad=True)
    assert E.autograd.gradcheck(f, (x,)) is True
    assert E.autograd.gradgradcheck(f, (x,), raise_exception=False) is False
