"""ember.linalg (torch.linalg) and the top-level decompositions: differential tests against torch (values and
gradients, float32/float64, batched, non-contiguous), float64 gradcheck/gradgradcheck, and torch's errors."""
import math

import numpy as np
import pytest

import ember
from helpers import check_op, check_raises, ember_gradcheck, requires_torch, torch

TOL = dict(atol={"float32": 1e-4, "float64": 1e-9}, rtol={"float32": 1e-4, "float64": 1e-8},
           grad_atol={"float32": 2e-3, "float64": 1e-8}, grad_rtol={"float32": 2e-3, "float64": 1e-7})
SQUARE = [(3, 3), (2, 4, 4), (2, 1, 3, 3)]
RECT = [(3, 3), (5, 3), (3, 5), (2, 4, 2), (2, 2, 4)]


def ck(f, shapes, **kw):
    """check_op for ``f(T, *tensors)`` written once for T = torch or ember."""
    kw = {**TOL, **kw}
    check_op(lambda *a: f(torch, *a), lambda *a: f(ember, *a), shapes=shapes, **kw)


def well(T, a):
    """A well-conditioned square matrix built from a (diagonally dominant)."""
    n = a.shape[-1]
    return a + 3 * n * T.eye(n, dtype=a.dtype)


def spd(T, a):
    n = a.shape[-1]
    return a @ a.mT + n * T.eye(n, dtype=a.dtype)


def sym(T, a):
    return a + a.mT


def canon(T, u, axis):
    """Fix the sign gauge of singular/eigen vectors: the largest-|.| entry of each vector is positive."""
    idx = u.abs().argmax(axis, keepdim=True)
    return u * u.gather(axis, idx).sign()


# ---- values and gradients against torch -----------------------------------------------------------------------------
@requires_torch
@pytest.mark.parametrize("shape", SQUARE)
def test_inv_det_slogdet(shape):
    ck(lambda T, a: T.linalg.inv(well(T, a)), [shape])
    ck(lambda T, a: T.linalg.det(a), [shape])
    ck(lambda T, a: T.linalg.slogdet(a), [shape])
    ck(lambda T, a: T.logdet(well(T, a)), [shape])
    ck(lambda T, a: (T.inverse(well(T, a)), T.det(a), T.slogdet(a).logabsdet), [shape])
    ck(lambda T, a: a.inverse() + a.det()[..., None, None] + a.logdet()[..., None, None], [shape], low=0.5)


def test_det_singular_gradient_is_the_cofactor_matrix():
    # det is a polynomial: its gradient at a rank-(n-1) matrix is the (nonzero) cofactor matrix. torch 2.x returns
    # zeros here; ember returns the exact derivative.
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, -1.0]])
    x = ember.tensor(a, requires_grad=True)
    ember.linalg.det(x).backward()
    cof = np.array([[-10.0, 5.0, 0.0], [5.0, -2.5, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(x.grad.numpy(), cof, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("shapes", [[(3, 3), (3, 2)], [(3, 3), (3,)], [(2, 4, 4), (2, 4, 1)], [(2, 3, 3), (3, 2)],
                                    [(2, 3, 3), (2, 3)], [(4, 4), (2, 4, 3)]])
def test_solve(shapes):
    ck(lambda T, a, b: T.linalg.solve(well(T, a), b), shapes)
    ck(lambda T, a, b: T.linalg.solve_ex(well(T, a), b).result, shapes)


@requires_torch
@pytest.mark.parametrize("shapes", [[(3, 3), (2, 3)], [(2, 4, 4), (2, 1, 4)], [(2, 3, 3), (5, 3)]])
def test_solve_left_false(shapes):
    ck(lambda T, a, b: T.linalg.solve(well(T, a), b, left=False), shapes)


@requires_torch
@pytest.mark.parametrize("upper", [True, False])
def test_solve_triangular(upper):
    for unit in (False, True):
        ck(lambda T, a, b: T.linalg.solve_triangular(well(T, a), b, upper=upper, unitriangular=unit),
           [(2, 3, 3), (2, 3, 2)])
    ck(lambda T, a, b: T.linalg.solve_triangular(well(T, a), b, upper=upper, left=False), [(3, 3), (2, 3)])


@requires_torch
@pytest.mark.parametrize("shape", SQUARE)
def test_cholesky(shape):
    ck(lambda T, a: T.linalg.cholesky(spd(T, a)), [shape])
    ck(lambda T, a: T.linalg.cholesky(spd(T, a), upper=True), [shape])
    ck(lambda T, a: T.cholesky(spd(T, a)), [shape])
    ck(lambda T, a: T.linalg.cholesky_ex(spd(T, a)), [shape], grad=False)


@requires_torch
@pytest.mark.parametrize("shape", RECT)
def test_qr(shape):
    ck(lambda T, a: T.linalg.qr(a), [shape])
    ck(lambda T, a: T.qr(a), [shape])
    ck(lambda T, a: T.linalg.qr(a).R, [shape])
    ck(lambda T, a: T.linalg.qr(a, mode="r").R, [shape], grad=False)
    if shape[-2] <= shape[-1]:
        ck(lambda T, a: T.linalg.qr(a, mode="complete"), [shape])
    else:
        ck(lambda T, a: T.linalg.qr(a, mode="complete"), [shape], grad=False)


@requires_torch
@pytest.mark.parametrize("shape", SQUARE)
def test_eigh(shape):
    ck(lambda T, a: T.linalg.eigvalsh(sym(T, a)), [shape])
    ck(lambda T, a: T.linalg.eigvalsh(a, UPLO="U"), [shape], grad=False)

    def f(T, a):
        w, v = T.linalg.eigh(sym(T, a))
        return w, canon(T, v, -2)
    ck(f, [shape])
    ck(lambda T, a: T.linalg.eigh(a)[0], [shape])  # reads the lower triangle only; gradients are symmetric
    ck(lambda T, a: canon(T, T.linalg.eigh(a, UPLO="U")[1], -2), [shape])


@requires_torch
@pytest.mark.parametrize("shape", RECT)
def test_svd(shape):
    def f(T, a):
        u, s, vh = T.linalg.svd(a, full_matrices=False)
        return canon(T, u, -2) * canon(T, u, -2).sum(), s, canon(T, vh, -1)
    ck(f, [shape])
    ck(lambda T, a: T.linalg.svdvals(a), [shape])
    ck(lambda T, a: T.linalg.svd(a)[1], [shape])
    ck(lambda T, a: [x.shape for x in T.linalg.svd(a)], [shape], grad=False)

    def g(T, a):
        u, s, v = T.svd(a)
        return canon(T, u, -2), s, canon(T, v, -2)
    ck(g, [shape])
    ck(lambda T, a: [x.shape for x in T.svd(a, some=False)] + [T.svd(a, compute_uv=False).U.abs().sum()],
       [shape], grad=False)


@requires_torch
@pytest.mark.parametrize("shape", RECT)
def test_pinv_lstsq(shape):
    ck(lambda T, a: T.linalg.pinv(a), [shape])
    ck(lambda T, a: T.pinverse(a), [shape])
    ck(lambda T, a: T.linalg.pinv(sym(T, a), hermitian=True), [shape[:-1] + (shape[-2],)])
    if shape[-2] >= shape[-1]:
        ck(lambda T, a, b: T.linalg.lstsq(a, b), [shape, shape[:-1] + (2,)])
        ck(lambda T, a, b: T.linalg.lstsq(a, b, driver="gelsd"), [shape, shape[:-1] + (2,)])


@requires_torch
def test_pinv_rank_deficient_and_rank():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    from helpers import check_values
    check_values(lambda A: torch.linalg.pinv(A), lambda A: ember.linalg.pinv(A), [a], atol=1e-12)
    check_values(lambda A: torch.linalg.matrix_rank(A), lambda A: ember.linalg.matrix_rank(A), [a])
    ck(lambda T, a: T.linalg.matrix_rank(a), [(2, 4, 3)], grad=False)
    ck(lambda T, a: T.linalg.matrix_rank(sym(T, a), hermitian=True, atol=0.5), [(2, 4, 4)], grad=False)


@requires_torch
@pytest.mark.parametrize("ord_", [None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_norms(ord_):
    ck(lambda T, a: T.linalg.matrix_norm(a, ord_ or "fro"), [(2, 3, 4)])
    ck(lambda T, a: T.linalg.matrix_norm(a, ord_ or "fro", dim=(0, 2), keepdim=True), [(3, 2, 4)])
    ck(lambda T, a: T.linalg.norm(a, ord_), [(3, 4)])
    if not isinstance(ord_, str):
        ck(lambda T, a: T.linalg.norm(a, ord_), [(5,)])
        ck(lambda T, a: T.linalg.vector_norm(a, ord_ or 2, dim=(0, 2)), [(2, 3, 4)])
    ck(lambda T, a: T.linalg.norm(a, dim=(1, 2)), [(2, 3, 4)])
    ck(lambda T, a: T.linalg.norm(a), [(2, 3, 4)])
    ck(lambda T, a: T.linalg.vector_norm(a, 3.5, dim=-1, keepdim=True), [(2, 3, 4)])


@requires_torch
def test_cross_vecdot_diagonal_matmul():
    ck(lambda T, a, b: T.linalg.cross(a, b), [(4, 3), (4, 3)])
    ck(lambda T, a, b: T.linalg.cross(a, b), [(3, 3), (1, 3)])
    ck(lambda T, a, b: T.linalg.cross(a, b, dim=0), [(3, 4), (3, 4)])
    ck(lambda T, a, b: T.linalg.vecdot(a, b), [(2, 5), (5,)])
    ck(lambda T, a, b: T.linalg.vecdot(a, b, dim=0), [(4, 2), (4, 2)])
    ck(lambda T, a: T.linalg.diagonal(a, offset=1), [(2, 3, 4)])
    ck(lambda T, a, b: T.linalg.matmul(a, b), [(2, 3, 4), (4, 2)])


@requires_torch
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -3])
def test_matrix_power(n):
    ck(lambda T, a: T.linalg.matrix_power(well(T, a) / 6, n), [(2, 3, 3)])
    ck(lambda T, a: T.matrix_power(well(T, a) / 6, n), [(3, 3)])
    ck(lambda T, a: (well(T, a) / 6).matrix_power(n), [(3, 3)])


@requires_torch
def test_multi_dot_and_cond():
    ck(lambda T, a, b, c: T.linalg.multi_dot([a, b, c]), [(2, 3), (3, 5), (5, 4)])
    ck(lambda T, a, b, c, d: T.linalg.multi_dot([a, b, c, d]), [(3,), (3, 5), (5, 2), (2,)])
    ck(lambda T, a, b: T.linalg.multi_dot([a, b]), [(4,), (4, 2)])
    ck(lambda T, a: T.linalg.cond(a), [(2, 3, 3)])
    ck(lambda T, a: T.linalg.cond(well(T, a), "fro"), [(3, 3)], grad=False)  # torch's own backward fails here


@requires_torch
def test_inv_ex_cholesky_ex_info():
    sing = np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]])
    for A in (sing, np.stack([np.eye(3), -np.eye(3), np.diag([1.0, 1.0, -1.0])])):
        t = torch.linalg.inv_ex(torch.from_numpy(A)).info
        e = ember.linalg.inv_ex(ember.tensor(A)).info
        assert e.dtype is ember.int32 and e.tolist() == t.tolist()
        t = torch.linalg.cholesky_ex(torch.from_numpy(A)).info
        e = ember.linalg.cholesky_ex(ember.tensor(A)).info
        assert e.tolist() == t.tolist()


# ---- gradcheck / gradgradcheck in float64 ---------------------------------------------------------------------------
def _w(a):
    n = a.shape[-1]
    return a + 3 * n * ember.eye(n, dtype=a.dtype)


@pytest.mark.parametrize("fn, shapes", [
    (lambda a: ember.linalg.inv(_w(a)), [(2, 3, 3)]),
    (lambda a: ember.linalg.det(a), [(2, 3, 3)]),
    (lambda a: ember.linalg.slogdet(_w(a)).logabsdet, [(3, 3)]),
    (lambda a, b: ember.linalg.solve(_w(a), b), [(2, 3, 3), (3, 2)]),
    (lambda a: ember.linalg.cholesky(a @ a.mT + 3 * ember.eye(3, dtype=a.dtype)), [(2, 3, 3)]),
    (lambda a: ember.linalg.qr(a), [(4, 3)]),
    (lambda a: ember.linalg.qr(a), [(2, 4)]),
    (lambda a: ember.linalg.eigh(a + a.mT), [(3, 3)]),
    (lambda a: ember.linalg.svd(a, full_matrices=False), [(4, 3)]),
    (lambda a: ember.linalg.svd(a, full_matrices=False), [(2, 3)]),
    (lambda a: ember.linalg.pinv(a), [(4, 3)]),
    (lambda a: ember.linalg.matrix_norm(a, "nuc"), [(3, 4)]),
], ids=["inv", "det", "slogdet", "solve", "cholesky", "qr_tall", "qr_wide", "eigh", "svd_tall", "svd_wide", "pinv",
        "nuc"])
def test_gradcheck(fn, shapes):
    ember_gradcheck(fn, shapes, seed=3, atol=1e-6, rtol=1e-4)


# ---- errors -------------------------------------------------------------------------------------------------------
def test_linalg_error_type():
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    with pytest.raises(ember.linalg.LinAlgError, match=r"linalg.inv: The diagonal element 2 is zero"):
        ember.linalg.inv(ember.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(ember.linalg.LinAlgError, match=r"\(Batch element 1\): The diagonal element 2 is zero"):
        ember.linalg.inv(ember.stack([ember.eye(2), ember.ones(2, 2)]))
    with pytest.raises(ember.linalg.LinAlgError, match=r"leading minor of order 2 is not positive-definite"):
        ember.linalg.cholesky(ember.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ember.linalg.LinAlgError, match=r"\(Batch element 1\).*leading minor of order 1"):
        ember.linalg.cholesky(ember.stack([ember.eye(2), -ember.eye(2)]))
    with pytest.raises(ember.linalg.LinAlgError, match=r"The solver failed because the input matrix is singular"):
        ember.linalg.solve(ember.ones(2, 2), ember.ones(2))


@requires_torch
@pytest.mark.parametrize("f, shapes", [
    (lambda T, a: T.linalg.inv(a), [(2, 3)]),
    (lambda T, a: T.linalg.inv(a), [(3,)]),
    (lambda T, a: T.linalg.det(a), [(2, 2, 3)]),
    (lambda T, a: T.linalg.cholesky(a), [(3, 2)]),
    (lambda T, a: T.linalg.eigh(a), [(2, 3)]),
    (lambda T, a: T.linalg.svd(a), [(3,)]),
    (lambda T, a: T.linalg.qr(a, mode="x"), [(3, 3)]),
    (lambda T, a: T.linalg.matrix_power(a, 2), [(2, 3)]),
    (lambda T, a, b: T.linalg.solve(a, b), [(2, 2), (3,)]),
    (lambda T, a, b: T.linalg.cross(a, b), [(2, 2), (2, 2)]),
    (lambda T, a: T.linalg.multi_dot([a]), [(2, 2)]),
    (lambda T, a: T.linalg.norm(a, 2), [(2, 2, 2)]),
    (lambda T, a: T.linalg.matrix_norm(a, 3), [(2, 2)]),
])
def test_errors_match_torch(f, shapes):
    arrays = [np.ones(s) for s in shapes]
    check_raises(lambda *a: f(torch, *a), lambda *a: f(ember, *a), arrays)


@requires_torch
def test_integer_input_and_qr_r_backward_errors():
    check_raises(lambda a: torch.linalg.inv(a), lambda a: ember.linalg.inv(a), [np.ones((2, 2), np.int64)])
    a = ember.randn(3, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        ember.linalg.qr(a, mode="r").R.sum().backward()


def test_factorisation_outputs_are_freed_and_version_checked():
    a = ember.randn(3, 3, requires_grad=True)
    q, r = ember.linalg.qr(a)
    (q.sum() + r.sum()).backward()
    with pytest.raises(RuntimeError, match="second time"):
        q.sum().backward()
    u, s, vh = ember.linalg.svd(a, full_matrices=False)
    u.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.sum().backward()
    b = ember.randn(3, 3, requires_grad=True)
    w, v = ember.linalg.eigh(b + b.mT)
    loss = w.sum() + v.abs().sum()
    loss.backward(retain_graph=True)
    g1 = b.grad.clone()
    loss.backward()
    np.testing.assert_allclose(b.grad.numpy(), 2 * g1.numpy(), rtol=1e-5)


def test_namespaces_are_public_modules():
    assert ember.linalg.__name__ == "ember.linalg" and ember.special.__name__ == "ember.special"
    for name in ember.linalg.__all__:
        assert callable(getattr(ember.linalg, name)), name
