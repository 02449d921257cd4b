"""Matrix decompositions and solvers (inv, det, slogdet, cholesky, solve, qr, eigh, svd, pinv) with batched backward.

Forwards call the backend's LAPACK wrappers (numpy.linalg); backward formulas are ember ops (double backward works
through them). Factorisations with several outputs are one node whose outputs route gradients through `_Select`.
"""
from __future__ import annotations

from ..autograd import graph
from ..autograd.engine import _Select
from ..autograd.grad_mode import grad_enabled
from ._base import Node, Tensor, _make, np, xp
from .reduce import _LEGACY, _return_type, return_types

__all__: list = []  # public names live in ember.linalg and the top-level aliases below

_new = object.__new__
for _name, _fields in (("linalg_slogdet", "sign logabsdet"), ("slogdet", "sign logabsdet"), ("linalg_qr", "Q R"),
                       ("qr", "Q R"), ("linalg_eigh", "eigenvalues eigenvectors"), ("linalg_svd", "U S Vh"),
                       ("svd", "U S V"), ("linalg_inv_ex", "inverse info"), ("linalg_cholesky_ex", "L info"),
                       ("linalg_solve_ex", "result info"),
                       ("linalg_lstsq", "solution residuals rank singular_values")):
    setattr(return_types, _name, _return_type(_name, _fields.split()))


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (singular or not positive-definite)."""


LinAlgError.__module__ = "ember.linalg"


def check_matrix(A: Tensor, fn: str, square: bool = True):
    """torch's input checks: a tensor of >= 2 dims, floating, optionally batches of square matrices."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{fn}(): argument 'A' (position 1) must be Tensor, not {type(A).__name__}")
    if A._data.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.kind != "f":
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{_LEGACY.get(A.dtype.name, A.dtype.name)}")
    if square and A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError(f"{fn}: A must be batches of square matrices, but they are {A._data.shape[-2]} by "
                           f"{A._data.shape[-1]} matrices")


def _raise_batched(fn: str, info, message):
    """Raise LinAlgError for the first failing batch element; `message(code)` words the failure."""
    info = np.asarray(info)
    flat = info.reshape(-1)
    k = int(np.flatnonzero(flat)[0])
    prefix = f"(Batch element {k}): " if info.ndim else ""
    raise LinAlgError(f"{fn}: {prefix}{message(int(flat[k]))}")


def lu_info(a) -> np.ndarray:
    """LAPACK getrf's info per matrix: the 1-based index of the first exactly-zero pivot of LU with partial
    pivoting (0 when none); a loop over columns, vectorised over the batch."""
    u = np.array(a, dtype=np.float64, copy=True).reshape((-1,) + a.shape[-2:])
    n = u.shape[-1]
    info = np.zeros(u.shape[0], np.int32)
    rows = np.arange(u.shape[0])
    for k in range(n):
        p = k + np.abs(u[:, k:, k]).argmax(axis=1)
        u[rows, k], u[rows, p] = u[rows, p].copy(), u[rows, k].copy()
        piv = u[:, k, k]
        zero = piv == 0
        info = np.where((info == 0) & zero, k + 1, info)
        f = u[:, k + 1:, k] / np.where(zero, 1.0, piv)[:, None]
        u[:, k + 1:, k:] -= f[:, :, None] * u[:, k, None, k:]
    return info.reshape(a.shape[:-2])


def cholesky_info(a) -> np.ndarray:
    """LAPACK potrf's info per matrix: the order of the first leading minor that is not positive-definite."""
    l = np.array(a, dtype=np.float64, copy=True).reshape((-1,) + a.shape[-2:])
    n = l.shape[-1]
    info = np.zeros(l.shape[0], np.int32)
    for k in range(n):
        d = l[:, k, k] - (l[:, k, :k] ** 2).sum(-1)
        bad = ~(d > 0)
        info = np.where((info == 0) & bad, k + 1, info)
        s = np.sqrt(np.where(bad, 1.0, d))
        l[:, k, k] = s
        l[:, k + 1:, k] = (l[:, k + 1:, k] - (l[:, k + 1:, :k] * l[:, None, k, :k]).sum(-1)) / s[:, None]
    return info.reshape(a.shape[:-2])


def _singular_inv(k):
    return (f"The diagonal element {k} is zero, the inversion could not be completed because the input matrix is "
            "singular.")


def _not_pd(k):
    return (f"The factorization could not be completed because the input is not positive-definite (the leading "
            f"minor of order {k} is not positive-definite).")


def _eye_like(n, like: Tensor) -> Tensor:
    return _make(xp(like._data).eye(n, dtype=like._data.dtype))


# ---- single-output nodes ------------------------------------------------------------------------------------------
class LinalgInvExBackward0(Node):
    save_out = True

    @staticmethod
    def forward(ctx, a):
        m = xp(a)
        try:
            return m.linalg.inv(a)
        except m.linalg.LinAlgError:
            _raise_batched("linalg.inv", lu_info(a), _singular_inv)

    def backward(self, g):
        xt = self.saved_output().mT
        return -(xt @ g @ xt)


def inv(A: Tensor) -> Tensor:
    check_matrix(A, "linalg.inv")
    return LinalgInvExBackward0.apply(A)


class LinalgDetBackward0(Node):
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, a):
        return xp(a).linalg.det(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        det = self.saved_output()
        if bool((det._data != 0).all()):
            return (g * det)[..., None, None] * inv(a).mT
        return g[..., None, None] * _make(_cofactor(a._data))  # singular: the cofactor matrix (first order only)


def _cofactor(a):
    """cof(A) = det(U) det(V) U diag(prod_{j != i} s_j) V^T, valid for singular A too."""
    m = xp(a)
    u, s, vh = m.linalg.svd(a)
    n = s.shape[-1]
    others = m.stack([m.prod(m.delete(s, i, axis=-1), axis=-1) for i in range(n)], -1) if n else s
    sign = m.linalg.det(u) * m.linalg.det(vh)
    return sign[..., None, None] * (u * others[..., None, :]) @ vh


def det(A: Tensor) -> Tensor:
    check_matrix(A, "linalg.det")
    return LinalgDetBackward0.apply(A)


class LinalgSolveExBackward0(Node):
    """X = A^{-1} B for B of shape (..., n, k) (batch dims broadcast)."""
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, a, b):
        m = xp(a)
        ctx.shapes = (a.shape, b.shape)
        try:
            return m.linalg.solve(a, b)
        except m.linalg.LinAlgError:
            _raise_batched("torch.linalg.solve", lu_info(a),
                           lambda k: "The solver failed because the input matrix is singular.")

    def backward(self, g):
        (a,) = self.saved_tensors
        sa, sb = self.shapes
        gb = LinalgSolveExBackward0.apply(a.mT, g)
        ga = -(gb @ self.saved_output().mT) if self.next[0] is not None else None
        return (None if ga is None else ga.sum_to_size(sa)), gb.sum_to_size(sb)


def _dtype_name(t):
    return _LEGACY.get(t.dtype.name, t.dtype.name)


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """Solve A X = B (or X A = B with left=False); B may be a (batch of) vector(s)."""
    check_matrix(A, "linalg.solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): argument 'B' must be Tensor, not {type(B).__name__}")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_dtype_name(A)} and B of type {_dtype_name(B)} instead")
    vector = B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])
    Bm = B.unsqueeze(-1) if vector else B
    n = A._data.shape[-1]
    if Bm._data.shape[-2 if left else -1] != n or (vector and not left):
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{Bm._data.shape[-2]}x{Bm._data.shape[-1]})")
    if not left:
        Bm, A = Bm.mT, A.mT
    try:
        np.broadcast_shapes(A._data.shape[:-2], Bm._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: The size of tensor a must match the size of tensor b at non-singleton "
                           f"dimension: batch shapes {tuple(A._data.shape[:-2])} and {tuple(Bm._data.shape[:-2])}"
                           ) from None
    X = LinalgSolveExBackward0.apply(A, Bm)
    if not left:
        X = X.mT
    return X.squeeze(-1) if vector else X


class LinalgPinvBackward0(Node):
    """Moore-Penrose inverse from the SVD; the backward is the constant-rank formula of Golub & Pereyra."""
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        m = xp(a)
        if a.size == 0:
            return m.zeros(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype)
        if hermitian:
            w, v = m.linalg.eigh(a)
            tol = _tolerance(m, m.abs(w).max(-1), atol, rtol)
            winv = m.where(m.abs(w) > tol[..., None], 1 / m.where(w == 0, 1, w), 0)
            return (v * winv[..., None, :]) @ m.swapaxes(v, -1, -2)
        u, s, vh = m.linalg.svd(a, full_matrices=False)
        tol = _tolerance(m, s[..., 0], atol, rtol)
        sinv = m.where(s > tol[..., None], 1 / m.where(s == 0, 1, s), 0)
        return (m.swapaxes(vh, -1, -2) * sinv[..., None, :]) @ m.swapaxes(u, -1, -2)

    def backward(self, g):
        (a,) = self.saved_tensors
        p = self.saved_output()
        pt, gt = p.mT, g.mT
        res = -(pt @ g @ pt)
        res = res + (gt - a @ (p @ gt)) @ (p @ pt)
        return res + (pt @ p) @ (gt - (gt @ p) @ a)


def _tolerance(m, smax, atol, rtol):
    return m.maximum(0 if atol is None else atol, (0 if rtol is None else rtol) * smax)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """Pseudo-inverse; singular values below max(atol, rtol * largest) count as zero."""
    check_matrix(A, "linalg.pinv", square=False)
    if isinstance(atol, Tensor) or isinstance(rtol, Tensor):
        raise TypeError("ember.linalg.pinv: tensor atol/rtol are not supported; pass floats")
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else \
            float(np.finfo(A._data.dtype).eps) * max(A._data.shape[-2:])
    return LinalgPinvBackward0.apply(A, atol, rtol, hermitian)


# ---- multi-output nodes ------------------------------------------------------------------------------------------
class _MultiNode(Node):
    """A node with several outputs; `diff` lists the differentiable ones. backward gets one slot per output."""

    diff: tuple = ()

    @classmethod
    def run(cls, *args, **kw):
        rec = grad_enabled() and any(isinstance(a, Tensor) and a._rg for a in args)
        ctx = _new(cls) if rec else graph._Stash()
        with np.errstate(all="ignore"):
            outs = cls.forward(ctx, *[a._data if isinstance(a, Tensor) else a for a in args], **kw)
        outs = tuple(np.asarray(o) if isinstance(o, np.generic) else o for o in outs)
        if not rec:
            return tuple(_make(o) for o in outs)
        ctx.next = tuple((a._grad_fn or a) if isinstance(a, Tensor) and a._rg else None for a in args)
        ctx.n_out = len(outs)
        ctx.saved = tuple(args[i] for i in cls.save)
        ctx.vers = tuple(a._vc[0] if isinstance(a, Tensor) else 0 for a in ctx.saved)
        if hasattr(graph, "_seq"):  # creation order (the engine runs newest first): before the selectors' own
            ctx.seq = graph._seq()
        ctx.sel = tuple(_Select(ctx, i) for i in range(len(outs)))
        res = tuple(_make(o, ctx.sel[i]) if i in cls.diff else _make(o) for i, o in enumerate(outs))
        ctx.out = (outs, tuple(r._vc for r in res))  # freed by the engine after backward (unless retain_graph)
        return res

    def output(self, i: int) -> Tensor:
        """Output i as a tensor connected to this node (for backward formulas that use it), version-checked."""
        out = self.__dict__.get("out")
        if out is None:
            raise RuntimeError(graph.FREED_MSG)
        arrs, vcs = out
        if vcs[i][0] != 0:
            raise RuntimeError(f"one of the variables needed for gradient computation has been modified by an "
                               f"inplace operation: output {i} of {self.name()} is at version {vcs[i][0]}; expected "
                               f"version 0 instead.")
        return _make(arrs[i], self.sel[i])


class LinalgSlogdetBackward0(_MultiNode):
    save = (0,)
    diff = (0, 1)  # sign requires grad in torch too (its gradient is zero)

    @staticmethod
    def forward(ctx, a):
        sign, logabs = xp(a).linalg.slogdet(a)
        return sign, logabs

    def backward(self, grads):
        g = grads[1]
        if g is None:
            return (None,)
        (a,) = self.saved_tensors
        try:
            return (g[..., None, None] * inv(a).mT,)
        except LinAlgError:
            return (g[..., None, None] * pinv(a).mT,)


def slogdet(A: Tensor):
    """(sign, log|det|) of square matrices."""
    check_matrix(A, "linalg.slogdet")
    return return_types.linalg_slogdet(*LinalgSlogdetBackward0.run(A))


class LinalgCholeskyExBackward0(Node):
    """Lower Cholesky factor; backward: A_bar = sym(L^{-T} Phi(L^T L_bar) L^{-1}), Phi = tril with half diagonal."""
    save_out = True

    @staticmethod
    def forward(ctx, a, check):
        m = xp(a)
        try:
            return m.linalg.cholesky(a)
        except m.linalg.LinAlgError:
            if check:
                _raise_batched("linalg.cholesky", cholesky_info(a), _not_pd)
            return m.full(a.shape, m.nan, a.dtype)

    def backward(self, g):
        L = self.saved_output()
        phi = (L.mT @ g).tril()
        phi = phi - 0.5 * phi.diagonal(0, -2, -1).diag_embed()
        s = solve(L.mT, solve(L.mT, phi).mT).mT  # L^{-T} phi L^{-1}
        return 0.5 * (s + s.mT), None


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    check_matrix(A, "linalg.cholesky")
    L = LinalgCholeskyExBackward0.apply(A, True)
    return L.mT if upper else L


class LinalgQrBackward0(_MultiNode):
    save = ()
    diff = (0, 1)

    @staticmethod
    def forward(ctx, a, mode):
        ctx.mode = mode
        m = xp(a)
        if mode == "r":
            return m.zeros((0,), a.dtype), m.linalg.qr(a, mode="r")
        q, r = m.linalg.qr(a, mode=mode)
        return q, r

    def backward(self, grads):
        gq, gr = grads
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        q, r = self.output(0), self.output(1)
        M, N = q.shape[-2], r.shape[-1]
        if self.mode == "complete" and M > N:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        gq = gq if gq is not None else q * 0
        gr = gr if gr is not None else r * 0
        if M >= N:
            return (_qr_backward_tall(q, r, gq, gr),)
        # wide: A = Q [R1 R2] with A = [X Y]; R1 is square
        r1, gr1, gr2 = r[..., :M], gr[..., :M], gr[..., M:]
        a = self.output(0) @ r  # the input's value (Y = Q R2)
        y = a[..., M:]
        gx = _qr_backward_tall(q, r1, gq + y @ gr2.mT, gr1)
        from .shape import cat
        return (cat([gx, q @ gr2], -1),)


def _qr_backward_tall(q, r, gq, gr):
    """A_bar = (G_Q + Q copyltu(M)) R^{-T} with M = R G_R^T - G_Q^T Q (for M >= N, reduced)."""
    mm = r @ gr.mT - gq.mT @ q
    low = mm.tril(-1)
    copyltu = low + low.mT + mm.diagonal(0, -2, -1).diag_embed()
    rhs = gq + q @ copyltu
    return solve(r, rhs.mT).mT  # rhs R^{-T}


def qr(A: Tensor, mode: str = "reduced", *, out=None):
    check_matrix(A, "linalg.qr", square=False)
    if mode not in ("reduced", "r", "complete"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    return return_types.linalg_qr(*LinalgQrBackward0.run(A, mode=mode))


class LinalgEighBackward0(_MultiNode):
    save = ()
    diff = (0, 1)

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = xp(a).linalg.eigh(a, UPLO=uplo)
        return w, v

    def backward(self, grads):
        gw, gv = grads
        w, v = self.output(0), self.output(1)
        inner = 0
        if gv is not None:
            e = w.unsqueeze(-2) - w.unsqueeze(-1)  # e_ij = w_j - w_i
            n = w.shape[-1]
            eye = _eye_like(n, w)
            vtgv = v.mT @ gv
            inner = 0.5 * (vtgv - vtgv.mT) / (e + eye) * (1 - eye)  # skew part: the gradient is symmetric
        if gw is not None:
            inner = inner + gw.diag_embed()
        return (v @ inner @ v.mT,)


def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    check_matrix(A, "linalg.eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return return_types.linalg_eigh(*LinalgEighBackward0.run(A, uplo=UPLO))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    check_matrix(A, "linalg.eigvalsh")
    return LinalgEighBackward0.run(A, uplo=UPLO)[0]


class LinalgSvdBackward0(_MultiNode):
    save = ()
    diff = (0, 1, 2)

    @staticmethod
    def forward(ctx, a, full):
        m = xp(a)
        ctx.full = full
        if not full:
            u, s, vh = m.linalg.svd(a, full_matrices=False)
            return u, s, vh
        u, s, vh = m.linalg.svd(a, full_matrices=True)
        return u, s, vh

    def backward(self, grads):
        gu, gs, gvh = grads
        u, s, vh = self.output(0), self.output(1), self.output(2)
        k = s.shape[-1]
        if self.full:  # only the first k singular vectors take part in A = U S Vh
            u, vh = u[..., :k], vh[..., :k, :]
            gu = None if gu is None else gu[..., :k]
            gvh = None if gvh is None else gvh[..., :k, :]
        return (svd_backward(u, s, vh, gu, gs, gvh),)


def svd_backward(u, s, vh, gu, gs, gvh):
    """Gradient of A = U diag(S) Vh (reduced, real); terms for unused outputs are skipped."""
    m_, n_, k = u.shape[-2], vh.shape[-1], s.shape[-1]
    v = vh.mT
    eye = _eye_like(k, s)
    inner = 0 if gs is None else gs.diag_embed()
    if gu is None and gvh is None:
        return u @ inner @ vh
    s2 = s * s
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1)  # e_ij = s_j^2 - s_i^2
    f = (1 - eye) / (e + eye)
    sinv = 1 / s
    extra = 0
    if gu is not None:
        utgu = u.mT @ gu
        inner = inner + (f * (utgu - utgu.mT)) * s.unsqueeze(-2)
        if m_ > k:
            extra = extra + ((gu - u @ utgu) * sinv.unsqueeze(-2)) @ vh
    if gvh is not None:
        gv = gvh.mT
        vtgv = v.mT @ gv
        inner = inner + s.unsqueeze(-1) * (f * (vtgv - vtgv.mT))
        if n_ > k:
            extra = extra + (u * sinv.unsqueeze(-2)) @ (gv - v @ vtgv).mT
    return u @ inner @ vh + extra


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    check_matrix(A, "linalg.svd", square=False)
    return return_types.linalg_svd(*LinalgSvdBackward0.run(A, full=bool(full_matrices)))


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    check_matrix(A, "linalg.svdvals", square=False)
    return LinalgSvdBackward0.run(A, full=False)[1]


def _getrf_info(a) -> np.ndarray:
    """Zero-pivot info per matrix; the column-by-column LU runs only when LAPACK reports a singular matrix."""
    m = xp(a)
    try:
        with np.errstate(all="ignore"):
            m.linalg.inv(a)
        return np.zeros(a.shape[:-2], np.int32)
    except m.linalg.LinAlgError:
        return lu_info(a)


def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """(inverse, info): info is getrf's zero-pivot index per matrix (0 on success)."""
    check_matrix(A, "linalg.inv_ex")
    info = _getrf_info(A._data)
    if bool(info.any()):
        if check_errors:
            _raise_batched("linalg.inv_ex", info, _singular_inv)
        with np.errstate(all="ignore"):
            bad = xp(A._data).full(A._data.shape, np.nan, A._data.dtype)
        return return_types.linalg_inv_ex(_make(bad), _make(np.asarray(info, np.int32)))
    return return_types.linalg_inv_ex(inv(A), _make(np.asarray(info, np.int32)))


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """(L, info): info is the order of the first leading minor that is not positive-definite (0 on success)."""
    check_matrix(A, "linalg.cholesky_ex")
    info = np.zeros(A._data.shape[:-2], np.int32)
    try:
        xp(A._data).linalg.cholesky(A._data)
    except xp(A._data).linalg.LinAlgError:
        info = cholesky_info(A._data)
        if check_errors:
            _raise_batched("linalg.cholesky_ex", info, _not_pd)
    L = LinalgCholeskyExBackward0.apply(A, False)
    return return_types.linalg_cholesky_ex(L.mT if upper else L, _make(np.asarray(info, np.int32)))


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    check_matrix(A, "linalg.solve_ex")
    info = _getrf_info(A._data)
    if bool(info.any()):
        if check_errors:
            _raise_batched("linalg.solve_ex", info, lambda k: "The solver failed because the input matrix is "
                                                             "singular.")
        res = solve(_eye_like(A.shape[-1], A).expand(A.shape), B, left=left) * float("nan")
        return return_types.linalg_solve_ex(res, _make(np.asarray(info, np.int32)))
    return return_types.linalg_solve_ex(solve(A, B, left=left), _make(np.asarray(info, np.int32)))


def logdet(input: Tensor) -> Tensor:
    """log(det(A)): nan for a negative determinant, -inf for a singular matrix."""
    from .elementwise import where
    sign, logabs = slogdet(input)
    return where(sign < 0, float("nan"), logabs)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n by repeated squaring (n < 0 inverts first; n == 0 gives identity matrices)."""
    check_matrix(A, "linalg.matrix_power")
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if n == 0:  # identity matrices that stay attached to A's graph (zero gradient), as in torch
        return _eye_like(A.shape[-1], A) + A * 0
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """Least-squares solution min ||A X - B|| (minimum-norm) via the pseudo-inverse; outputs follow `driver`."""
    check_matrix(A, "torch.linalg.lstsq", square=False)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {_dtype_name(A)} and other's dtype {_dtype_name(B)}")
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B._data.ndim == A._data.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    if Bm._data.shape[-2] != A._data.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m_, n_ = A._data.shape[-2:]
    if rcond is None:
        rcond = float(np.finfo(A._data.dtype).eps) * max(m_, n_)
    X = pinv(A, rtol=rcond) @ Bm
    a = A._data
    empty = A.reshape(-1)[:0]  # torch's empty outputs still carry A's autograd history
    s = xp(a).linalg.svd(a, compute_uv=False) if driver in ("gelsd", "gelss", None, "gelsy") else None
    rank = _make(xp(a).asarray((s > rcond * s[..., :1]).sum(-1), dtype=np.int64)) if s is not None and s.size else \
        _make(xp(a).zeros(a.shape[:-2], np.int64))
    res, sv = empty, _make(xp(a).zeros((0,), a.dtype))
    if driver in ("gelsd", "gelss"):
        sv = _make(s)  # not differentiable in torch either
    if driver not in (None, "gelsy") and m_ > n_ and bool((rank._data == n_).all()):
        res = ((A @ X - Bm) ** 2).sum(-2)
    if driver == "gels":
        rank = _make(xp(a).zeros((0,), np.int64))
    return return_types.linalg_lstsq(X.squeeze(-1) if vector else X, res, rank, sv)


# ---- torch.* (top-level) variants ------------------------------------------------------------------------------------
def _slogdet(input: Tensor):
    return return_types.slogdet(*slogdet(input))


def _cholesky(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    return cholesky(input, upper=upper)


def _svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """torch.svd: returns V (not Vh); reduced unless some=False; zero U/V when compute_uv=False."""
    check_matrix(input, "linalg.svd", square=False)
    if not compute_uv:
        m_, n_ = input._data.shape[-2:]
        z = xp(input._data).zeros
        batch, dt = input._data.shape[:-2], input._data.dtype
        return return_types.svd(_make(z(batch + (m_, m_), dt)), svdvals(input), _make(z(batch + (n_, n_), dt)))
    u, s, vh = svd(input, full_matrices=not some)
    return return_types.svd(u, s, vh.mT)


def _qr(input: Tensor, some: bool = True, *, out=None):
    return return_types.qr(*qr(input, "reduced" if some else "complete"))


def _pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    return pinv(input, rtol=rcond)


TOP_LEVEL = {"det": det, "logdet": logdet, "slogdet": _slogdet, "inverse": inv, "cholesky": _cholesky, "svd": _svd,
             "qr": _qr, "pinverse": _pinverse, "matrix_power": matrix_power}
