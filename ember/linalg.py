"""torch.linalg: norms, solvers, inverses, determinants and factorisations (real dtypes; batched; differentiable)."""
from __future__ import annotations

import math

import numpy as np

from ._ops import linalg as _la
from ._ops.decomp import (LinAlgError, check_matrix, cholesky, cholesky_ex, det, eigh, eigvalsh, inv, inv_ex, lstsq,
                          matrix_power, pinv, qr, slogdet, solve, solve_ex, svd, svdvals)
from ._ops.reduce import norm as _norm
from ._tensor import Tensor, _wrap_dim

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "det", "slogdet", "inv", "inv_ex", "solve",
           "solve_ex", "solve_triangular", "lstsq", "pinv", "cholesky", "cholesky_ex", "qr", "eigh", "eigvalsh", "svd",
           "svdvals", "matrix_rank", "cond", "cross", "matrix_power", "multi_dot", "vecdot", "diagonal", "matmul"]

matmul = _la.matmul


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """The ord-norm of x seen as a vector over `dim` (all dims when None)."""
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a number as ord, got '{ord}'")
    if x._data.dtype.kind != "f" and dtype is None:
        return _norm(x, ord, dim, keepdim)  # raises torch's message for integer inputs
    return _norm(x, ord, dim, keepdim, dtype)


def _matrix_dims(A: Tensor, dim, fn: str):
    if A._data.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    if len(dim) != 2:
        raise RuntimeError(f"{fn}: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    d0, d1 = (_wrap_dim(d, A._data.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{fn}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Frobenius, nuclear, 1/-1 (max/min column sum), inf/-inf (row sum) and 2/-2 (spectral) matrix norms."""
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = _matrix_dims(A, tuple(dim), "linalg.matrix_norm")
    if A._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.name}")
    if ord == "fro":
        return _norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        if s.shape[-1] == 0:  # empty matrices have norm 0
            r = s.sum(-1)
        else:
            r = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return r
    if ord in (1, -1, math.inf, -math.inf):
        summed, other = (d0, d1) if abs(ord) == 1 else (d1, d0)
        s = A.abs().sum(summed, keepdim=True)
        r = s.amax(other, keepdim=True) if ord > 0 else s.amin(other, keepdim=True)
        return r if keepdim else r.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, out=None, dtype=None) -> Tensor:
    """Vector or matrix norm, depending on `dim` (and on A's rank when dim is None and ord is given)."""
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if dim is not None and len(dim) not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A._data.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A._data.ndim}D.")
        dim = tuple(range(A._data.ndim))
    if len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """Cross product of 3-vectors along `dim` (default the last one); batch dims broadcast."""
    if input._data.ndim != other._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._data.shape[d]} and {other._data.shape[d]}")
    return _la.cross(input, other, d)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """Dot product of vectors along `dim` (broadcasting the rest)."""
    return (x * y).sum(dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    return A.diagonal(offset, dim1, dim2)


def multi_dot(tensors, *, out=None) -> Tensor:
    """A chain of matrix products; the first/last operand may be a vector. Multiplies in the cheapest order."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, n - 1) else (2,)
        if t._data.ndim not in allowed:
            where = "first" if i == 0 else "last" if i == n - 1 else None
            raise RuntimeError(f"multi_dot(): the {where} tensor must be 1D or 2D but got {t._data.ndim}D"
                               if where else f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    first_vec, last_vec = tensors[0]._data.ndim == 1, tensors[-1]._data.ndim == 1
    mats = [t.unsqueeze(0) if i == 0 and first_vec else t.unsqueeze(-1) if i == n - 1 and last_vec else t
            for i, t in enumerate(tensors)]
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {tuple(tensors[i].shape)} and "
                               f"{tuple(tensors[i + 1].shape)} cannot be multiplied")
    dims = [m_.shape[0] for m_ in mats] + [mats[-1].shape[1]]
    # classic matrix-chain ordering (dynamic programming over the split points)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def chain(i, j):
        return mats[i] if i == j else _la.mm(chain(i, split[i][j]), chain(split[i][j] + 1, j))

    r = chain(0, n - 1)
    if first_vec:
        r = r.squeeze(0)
    if last_vec:
        r = r.squeeze(-1)
    return r


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out=None) -> Tensor:
    """Solve with the upper or lower triangle of A (unit diagonal if unitriangular); only that triangle is read."""
    check_matrix(A, "linalg.solve_triangular")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    T = A.triu() if upper else A.tril()
    if unitriangular:
        T = (A.triu(1) if upper else A.tril(-1)) + _eye(A)
    return solve(T, B, left=left)


def _eye(A: Tensor) -> Tensor:
    from ._ops.creation import eye
    return eye(A.shape[-1], dtype=A.dtype)


def _rank_tolerance(A: Tensor, smax, atol, rtol):
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else float(np.finfo(A._data.dtype).eps) * max(A.shape[-2:])
    return (smax * rtol).clamp_min(0.0 if atol is None else atol)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """Number of singular values above max(atol, rtol * largest)."""
    check_matrix(A, "linalg.matrix_rank", square=hermitian)
    s = eigvalsh(A).abs() if hermitian else svdvals(A)
    if s.shape[-1] == 0:
        return (s.sum(-1) * 0).long()
    tol = _rank_tolerance(A, s.amax(-1), atol, rtol)
    return (s > tol.unsqueeze(-1)).sum(-1)


def cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """Condition number ||A|| ||A^-1|| in the given norm (2-norm from the singular values by default)."""
    check_matrix(A, "linalg.cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(A)
        return s.amax(-1) / s.amin(-1) if p in (None, 2) else s.amin(-1) / s.amax(-1)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)
