"""Matrix products and einsum: differential tests against torch (values, dtypes, gradients),
torch-free checks against NumPy, and torch's error types/messages."""
import numpy as np
import pytest

import ember
from helpers import check_op, requires_torch, torch


def ck(f, shapes, **kw):
    """check_op for a function written once as ``f(T, *tensors)``, T = torch or ember."""
    check_op(lambda *a: f(torch, *a), lambda *a: f(ember, *a), shapes=shapes, **kw)


# loose-ish float32 tolerances: BLAS summation order differs between numpy and torch
TOL = dict(atol={"float32": 1e-4, "float64": 1e-10}, rtol={"float32": 1e-4, "float64": 1e-9},
           grad_atol={"float32": 1e-4, "float64": 1e-9}, grad_rtol={"float32": 1e-4, "float64": 1e-8})

MATMUL = [
    ("1d_1d", [(4,), (4,)]),
    ("2d_1d", [(3, 4), (4,)]),
    ("1d_2d", [(4,), (4, 5)]),
    ("2d_2d", [(3, 4), (4, 5)]),
    ("3d_3d", [(2, 3, 4), (2, 4, 5)]),
    ("3d_2d", [(2, 3, 4), (4, 5)]),
    ("2d_3d", [(3, 4), (2, 4, 5)]),
    ("3d_1d", [(2, 3, 4), (4,)]),
    ("1d_3d", [(4,), (2, 4, 5)]),
    ("bcast_4d_3d", [(2, 1, 3, 4), (5, 4, 2)]),
    ("bcast_both", [(2, 1, 3, 4), (1, 6, 4, 2)]),
    ("empty_inner", [(3, 0), (0, 2)]),
    ("empty_outer", [(0, 4), (4, 2)]),
    ("empty_batch", [(0, 3, 4), (4, 2)]),
    ("1x1", [(1, 1), (1, 1)]),
]


@requires_torch
@pytest.mark.parametrize("shapes", [c[1] for c in MATMUL], ids=[c[0] for c in MATMUL])
def test_matmul_vs_torch(shapes):
    ck(lambda T, a, b: a @ b, shapes, **TOL)
    ck(lambda T, a, b: T.matmul(a, b), shapes, noncontig=False, **TOL)
    check_op(lambda a, b: a.matmul(b), shapes=shapes, noncontig=False, **TOL)


@requires_torch
def test_matmul_transposed_inputs_vs_torch():
    ck(lambda T, a, b: a.t() @ b, [(4, 3), (4, 5)], **TOL)
    ck(lambda T, a, b: a @ b.t(), [(3, 4), (5, 4)], **TOL)
    ck(lambda T, a, b: a.mT @ b.mT, [(2, 4, 3), (2, 5, 4)], **TOL)
    ck(lambda T, a, b: a[:, ::2] @ b[::2], [(3, 8), (8, 2)], **TOL)
    ck(lambda T, a, b: a.transpose(0, 1) @ b, [(3, 2, 4), (4, 5)], **TOL)


@requires_torch
def test_matmul_integer_vs_torch():
    ck(lambda T, a, b: a @ b, [(3, 4), (4, 2)], dtypes=("int64",), grad=False)
    ck(lambda T, a, b: a @ b, [(2, 3, 4), (4,)], dtypes=("int32",), grad=False)
    ck(lambda T, a, b: T.mm(a, b), [(3, 4), (4, 2)], dtypes=("int64",), grad=False)


@requires_torch
def test_matmul_one_side_requires_grad_vs_torch():
    ck(lambda T, a, b: a @ b, [(3, 4), (4, 5)], grad=[True, False], **TOL)
    ck(lambda T, a, b: a @ b, [(3, 4), (4, 5)], grad=[False, True], **TOL)


@requires_torch
@pytest.mark.parametrize("fn,shapes", [
    (lambda T, a, b: T.mm(a, b), [(3, 4), (4, 5)]),
    (lambda T, a, b: a.mm(b), [(1, 4), (4, 1)]),
    (lambda T, a, b: T.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    (lambda T, a, b: a.bmm(b), [(3, 1, 2), (3, 2, 2)]),
    (lambda T, a, b: T.mv(a, b), [(3, 4), (4,)]),
    (lambda T, a, b: a.mv(b), [(1, 4), (4,)]),
    (lambda T, a, b: T.dot(a, b), [(5,), (5,)]),
    (lambda T, a, b: a.dot(b), [(1,), (1,)]),
    (lambda T, a, b: T.vdot(a, b), [(5,), (5,)]),
    (lambda T, a, b: T.inner(a, b), [(3, 4), (2, 4)]),
    (lambda T, a, b: T.outer(a, b), [(3,), (4,)]),
    (lambda T, a, b: a.outer(b), [(1,), (2,)]),
    (lambda T, a, b: T.ger(a, b), [(3,), (2,)]),
    (lambda T, a, b: T.tensordot(a, b, dims=([1], [0])), [(3, 4), (4, 2)]),
    (lambda T, a, b: T.tensordot(a, b, dims=2), [(2, 3, 4), (3, 4, 5)]),
    (lambda T, a, b: T.kron(a, b), [(2, 2), (2, 3)]),
    (lambda T, a: a.t(), [(3, 4)]),
    (lambda T, a: T.t(a), [(4,)]),
    (lambda T, a: a.t() @ a, [(3, 4)]),
], ids=["mm", "mm_method", "bmm", "bmm_method", "mv", "mv_method", "dot", "dot_method", "vdot", "inner",
        "outer", "outer_method", "ger", "tensordot_list", "tensordot_int", "kron", "t", "t_1d", "gram"])
def test_products_vs_torch(fn, shapes):
    ck(fn, shapes, **TOL)


@requires_torch
@pytest.mark.parametrize("fn,shapes", [
    (lambda T, m, a, b: T.addmm(m, a, b), [(3, 5), (3, 4), (4, 5)]),
    (lambda T, m, a, b: T.addmm(m, a, b, beta=0.5, alpha=2.0), [(3, 5), (3, 4), (4, 5)]),
    (lambda T, m, a, b: m.addmm(a, b, alpha=-1.5), [(3, 5), (3, 4), (4, 5)]),
    (lambda T, m, a, b: T.addmm(m, a, b, beta=2), [(5,), (3, 4), (4, 5)]),          # bias broadcast
    (lambda T, m, a, b: T.addmm(m, a, b), [(1, 5), (3, 4), (4, 5)]),
    (lambda T, m, a, b: T.addmm(m, a, b, beta=0.0), [(3, 5), (3, 4), (4, 5)]),
    (lambda T, m, a, b: T.addmv(m, a, b, beta=0.5, alpha=3.0), [(3,), (3, 4), (4,)]),
    (lambda T, m, a, b: T.baddbmm(m, a, b, beta=0.5, alpha=2.0), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    (lambda T, m, a, b: T.addr(m, a, b), [(3, 4), (3,), (4,)]),
], ids=["addmm", "addmm_beta_alpha", "addmm_method", "addmm_bias_1d", "addmm_bias_row",
        "addmm_beta0", "addmv", "baddbmm", "addr"])
def test_addmm_family_vs_torch(fn, shapes):
    ck(fn, shapes, **TOL)


@requires_torch
def test_addmm_beta0_ignores_nan_like_torch():
    # torch: with beta=0 the input is ignored, so NaN/inf in it do not propagate
    for T in (torch, ember):
        m = T.full((2, 2), float("nan"))
        out = T.addmm(m, T.ones(2, 3), T.ones(3, 2), beta=0)
        assert out.tolist() == [[3.0, 3.0], [3.0, 3.0]], T.__name__


EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("...ij,...jk", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("b...,b->...", [(3, 2, 2), (3,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("i j , j k -> i k", [(3, 4), (4, 2)]),
]


@requires_torch
@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum_vs_torch(eq, shapes):
    ck(lambda T, *xs: T.einsum(eq, *xs), shapes, **TOL)


@requires_torch
def test_einsum_operand_list_form_vs_torch():
    ck(lambda T, a, b: T.einsum("ij,jk->ik", [a, b]), [(3, 4), (4, 2)], **TOL)


# ----------------------------------------------------------------------------- torch-free


def test_matmul_against_numpy():
    rng = np.random.default_rng(0)
    cases = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)),
             ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (4,))]
    for sa, sb in cases:
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
        out = ember.tensor(a) @ ember.tensor(b)
        ref = a @ b
        assert tuple(out.shape) == ref.shape
        assert out.dtype == ember.float64
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-12)
    out = ember.tensor([1.0, 2.0]) @ ember.tensor([3.0, 4.0])
    assert out.shape == () and out.item() == 11.0 and out.dtype == ember.float32


def test_matmul_backward_hardcoded():
    a = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = ember.tensor([[5.0], [6.0]], requires_grad=True)
    (a @ b).sum().backward()
    assert a.grad.tolist() == [[5.0, 6.0], [5.0, 6.0]]
    assert b.grad.tolist() == [[4.0], [6.0]]
    # broadcast batch: gradient of the broadcast operand is summed over the batch
    x = ember.ones(3, 2, 2, requires_grad=True)
    w = ember.ones(2, 2, requires_grad=True)
    (x @ w).sum().backward()
    assert w.grad.tolist() == [[6.0, 6.0], [6.0, 6.0]]
    assert tuple(x.grad.shape) == (3, 2, 2)
    # 1-d @ 1-d
    u = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = ember.tensor([4.0, 5.0, 6.0], requires_grad=True)
    (u @ v).backward()
    assert u.grad.tolist() == [4.0, 5.0, 6.0] and v.grad.tolist() == [1.0, 2.0, 3.0]


def test_addmm_and_einsum_hardcoded():
    m = ember.ones(2, 2)
    a = ember.tensor([[1.0, 0.0], [0.0, 1.0]])
    b = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert ember.addmm(m, a, b, beta=0.5, alpha=2.0).tolist() == [[2.5, 4.5], [6.5, 8.5]]
    assert ember.einsum("ii->i", b).tolist() == [1.0, 4.0]
    assert ember.einsum("ii", b).item() == 5.0
    assert ember.einsum("ij->", b).item() == 10.0
    assert ember.einsum("ij->ji", b).tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert ember.einsum("i,j->ij", ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])).tolist() == \
        [[3.0, 4.0], [6.0, 8.0]]
    assert ember.outer(ember.tensor([1, 2]), ember.tensor([3, 4])).tolist() == [[3, 4], [6, 8]]
    assert ember.dot(ember.tensor([1, 2]), ember.tensor([3, 4])).item() == 11
    assert ember.mv(b, ember.tensor([1.0, 1.0])).tolist() == [3.0, 7.0]
    assert ember.bmm(b[None], a[None]).tolist() == [b.tolist()]


# ----------------------------------------------------------------------------- errors


def test_matmul_shape_error_message():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        ember.randn(2, 3) @ ember.randn(4, 5)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        ember.mm(ember.randn(2, 3), ember.randn(4, 5))


@pytest.mark.parametrize("fn", [
    lambda: ember.bmm(ember.randn(2, 3, 4), ember.randn(3, 4, 5)),     # batch mismatch
    lambda: ember.bmm(ember.randn(2, 3, 4), ember.randn(2, 5, 5)),     # inner mismatch
    lambda: ember.bmm(ember.randn(3, 4), ember.randn(4, 5)),           # not 3-d
    lambda: ember.mm(ember.randn(3), ember.randn(3, 2)),               # not 2-d
    lambda: ember.mv(ember.randn(3, 4), ember.randn(5)),
    lambda: ember.dot(ember.randn(3), ember.randn(4)),
    lambda: ember.dot(ember.randn(3, 1), ember.randn(3, 1)),
    lambda: ember.randn(3) @ ember.randn(4),
    lambda: ember.randn(2, 3, 4) @ ember.randn(5, 4, 2),               # batch not broadcastable
    lambda: ember.tensor(2.0) @ ember.randn(3),                        # 0-d operand
    lambda: ember.randn(2, 3, dtype=ember.float64) @ ember.randn(3, 2),  # dtype mismatch
    lambda: ember.dot(ember.randn(3, dtype=ember.float64), ember.randn(3)),
    lambda: ember.einsum("ij,jk->ik", ember.randn(2, 3), ember.randn(4, 5)),
    lambda: ember.addmm(ember.randn(3, 3), ember.randn(2, 3), ember.randn(3, 3)),
], ids=["bmm_batch", "bmm_inner", "bmm_2d", "mm_1d", "mv", "dot_len", "dot_2d", "matmul_1d",
        "matmul_batch", "matmul_0d", "matmul_dtype", "dot_dtype", "einsum_size", "addmm_bias"])
def test_product_errors_are_runtime_errors(fn):
    with pytest.raises(RuntimeError):
        fn()
