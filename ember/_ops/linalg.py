"""Linear algebra: matmul family, addmm, outer, einsum."""
from __future__ import annotations

import builtins
import string

from ._base import Node, Tensor, binary_operands, check_device, np, xp


def _dims(a):
    return "x".join(str(s) for s in a.shape)


def _same_dtype(a: Tensor, b: Tensor, name: str):
    check_device(a, b)
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}"
                           if name == "mm" else f"{name}: expected both tensors to have the same dtype, but got "
                           f"{a.dtype.name} and {b.dtype.name}")


class MmBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return a @ b

    def backward(self, g):
        a, b = self.saved_tensors
        ga = g.mm(b.mT) if self.next[0] is not None else None
        gb = a.mT.mm(g) if self.next[1] is not None else None
        return ga, gb


def mm(input, mat2):
    """(n, m) @ (m, p) -> (n, p)."""
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError(f"{'self' if input._data.ndim != 2 else 'mat2'} must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(input)} and {_dims(mat2)})")
    _same_dtype(input, mat2, "mm")
    return MmBackward0.apply(input, mat2)


class BmmBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return xp(a).matmul(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        ga = g.bmm(b.mT) if self.next[0] is not None else None
        gb = a.mT.bmm(g) if self.next[1] is not None else None
        return ga, gb


def bmm(input, mat2):
    """Batched (b, n, m) @ (b, m, p)."""
    if input._data.ndim != 3 or mat2._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if input._data.ndim != 3 else "batch2 must be a 3D tensor")
    b, n, m = input._data.shape
    if mat2._data.shape[:2] != (b, m):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but got: "
                           f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    _same_dtype(input, mat2, "bmm")
    return BmmBackward0.apply(input, mat2)


class MvBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, v):
        return a @ v

    def backward(self, g):
        a, v = self.saved_tensors
        ga = g.outer(v) if self.next[0] is not None else None
        gv = a.mT.mv(g) if self.next[1] is not None else None
        return ga, gv


def mv(input, vec):
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, {vec._data.ndim}")
    if input._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input._data.shape[0]}), mat ({_dims(input)}), vec "
                           f"({vec._data.shape[0]})")
    _same_dtype(input, vec, "mv")
    return MvBackward0.apply(input, vec)


class DotBackward0(Node):
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return xp(a).dot(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        return (g * b if self.next[0] is not None else None), (g * a if self.next[1] is not None else None)


def dot(input, other):
    """Inner product of two 1-D tensors."""
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input._data.shape != other._data.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input._data.shape[0]}] and src "
                           f"[{other._data.shape[0]}] to have the same number of elements, but got "
                           f"{input._data.shape[0]} and {other._data.shape[0]} elements respectively")
    _same_dtype(input, other, "dot")
    return DotBackward0.apply(input, other)


def vdot(input, other):
    """dot for real tensors (no conjugation needed)."""
    return dot(input, other)


class MatmulBackward0(Node):
    """Broadcast batched matmul of tensors with ndim >= 2."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b):
        return xp(a).matmul(a, b)

    def name(self):
        return "UnsafeViewBackward0"

    def backward(self, g):
        a, b = self.saved_tensors
        ga = g.matmul(b.mT).sum_to_size(a.shape) if self.next[0] is not None else None
        gb = a.mT.matmul(g).sum_to_size(b.shape) if self.next[1] is not None else None
        return ga, gb


def matmul(input, other):
    """torch.matmul: dot, mv, mm, or broadcast batched matmul depending on the ranks."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("matmul(): argument must be Tensor")
    da, db = input._data.ndim, other._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 2 and db == 2:
        return mm(input, other)
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        if input._data.shape[0] != other._data.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({input._data.shape[0]}), mat ({_dims(other)}), vec "
                               f"({input._data.shape[0]})")
        return mm(input.unsqueeze(0), other).squeeze(0)
    if da == 1:
        return matmul(input.unsqueeze(0), other).squeeze(-2)
    if db == 1:
        return matmul(input, other.unsqueeze(-1)).squeeze(-1)
    if input._data.shape[-1] != other._data.shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input._data.shape[0]}, {input._data.shape[-1]}] but got: "
                           f"[{other._data.shape[0]}, {other._data.shape[-2]}]."
                           if da == db == 3 else
                           f"mat1 and mat2 shapes cannot be multiplied ({_dims(input)} and {_dims(other)})")
    try:
        np.broadcast_shapes(input._data.shape[:-2], other._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({input._data.shape[-3]}) must match the size of tensor b "
                           f"({other._data.shape[-3]}) at non-singleton dimension 0") from None
    _same_dtype(input, other, "matmul")
    return MatmulBackward0.apply(input, other)


class AddmmBackward0(Node):
    save = (1, 2)

    @staticmethod
    def forward(ctx, c, a, b, beta, alpha):
        ctx.cshape, ctx.beta, ctx.alpha = c.shape, beta, alpha
        ab = a @ b
        if alpha != 1:
            ab *= alpha
        if beta == 0:
            return ab
        ab += c if beta == 1 else beta * c
        return ab

    def backward(self, g):
        a, b = self.saved_tensors
        gc = ga = gb = None
        if self.next[0] is not None:
            gc = (g if self.beta == 1 else g * self.beta).sum_to_size(self.cshape)
        ga_ = g if self.alpha == 1 else g * self.alpha
        if self.next[1] is not None:
            ga = ga_.mm(b.mT)
        if self.next[2] is not None:
            gb = a.mT.mm(ga_)
        return gc, ga, gb


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2) in one op (Linear's forward)."""
    if mat1._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError("mat1 must be a matrix" if mat1._data.ndim != 2 else "mat2 must be a matrix")
    if mat1._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_dims(mat1)} and {_dims(mat2)})")
    _same_dtype(mat1, mat2, "mm")
    return AddmmBackward0.apply(input, mat1, mat2, beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return input * beta + mv(mat, vec) * alpha if beta != 1 or alpha != 1 else input + mv(mat, vec)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    r = bmm(batch1, batch2)
    return (input * beta if beta != 1 else input) + (r * alpha if alpha != 1 else r)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    r = bmm(batch1, batch2).sum(0)
    return (input * beta if beta != 1 else input) + (r * alpha if alpha != 1 else r)


def outer(input, vec2):
    """Outer product of two 1-D tensors."""
    if input._data.ndim != 1 or vec2._data.ndim != 1:
        raise RuntimeError("outer: expected 1-D tensors")
    a, b = binary_operands(input, vec2)
    return a.unsqueeze(1) * b.unsqueeze(0)


ger = outer


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2)."""
    r = outer(vec1, vec2)
    return (input * beta if beta != 1 else input) + (r * alpha if alpha != 1 else r)


def kron(input, other):
    """Kronecker product (blocks of other scaled by each element of input)."""
    nd = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (nd - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.ndim) + tuple(other.shape))
    inter_a = [s for d in a.shape for s in (d, 1)]
    inter_b = [s for d in b.shape for s in (1, d)]
    out = a.reshape(inter_a) * b.reshape(inter_b)
    return out.reshape([x * y for x, y in zip(a.shape, b.shape)])


def inner(input, other):
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    return matmul(input, other.mT if other._data.ndim >= 2 else other) if other._data.ndim <= 2 else \
        tensordot(input, other, ([-1], [-1]))


def tensordot(a, b, dims=2):
    """Contract `dims` trailing dims of a with leading dims of b (or explicit dim lists)."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    am = a.permute(fa + da).reshape(int(np.prod([a.shape[d] for d in fa])), -1)
    bm = b.permute(db + fb).reshape(-1, int(np.prod([b.shape[d] for d in fb])))
    return am.mm(bm).reshape([a.shape[d] for d in fa] + [b.shape[d] for d in fb])


# ---- einsum -------------------------------------------------------------------------------------------------------
def _parse_einsum(eq: str, shapes):
    """Expand '...' and the implicit output; returns (list of input subscripts, output subscripts)."""
    eq = eq.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(shapes) > len(ins) else "einsum(): fewer operands were provided than specified in "
                           "the equation")
    used = set(eq) - set(".,->")
    free = [c for c in string.ascii_letters if c not in used]
    nell = 0
    for s, shp in zip(ins, shapes):
        if "..." in s:
            nell = max(nell, len(shp) - (len(s) - 3))
    ell = "".join(free[:nell])
    out_ins = []
    for s, shp in zip(ins, shapes):
        if "..." in s:
            k = len(shp) - (len(s) - 3)
            s = s.replace("...", ell[nell - k:] if k else "")
        if len(s) != len(shp):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) does not match the "
                               f"number of dimensions ({len(shp)}) for operand 0 and no ellipsis was given")
        out_ins.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = {}
        for s in out_ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return out_ins, out


class EinsumBackward0(Node):
    save = None  # set per instance

    @staticmethod
    def forward(ctx, *arrays, subs, out):
        ctx.subs, ctx.outsub, ctx.shapes = subs, out, [a.shape for a in arrays]
        return xp(arrays[0]).einsum(",".join(subs) + "->" + out, *arrays, optimize=len(arrays) > 2)

    def backward(self, g):
        ops = self.saved_tensors
        res = []
        for k, (sk, shp) in enumerate(zip(self.subs, self.shapes)):
            if self.next[k] is None:
                res.append(None)
                continue
            res.append(_einsum_grad(g, self.outsub, [(s, o) for j, (s, o) in enumerate(zip(self.subs, ops)) if j != k],
                                    sk, shp))
        return tuple(res)


def _einsum_grad(g, outsub, others, target, shape):
    """d(einsum)/d(operand) as another einsum, handling repeated and operand-only letters."""
    uniq = "".join(dict.fromkeys(target))
    avail = set(outsub) | set("".join(s for s, _ in others))
    keep = "".join(c for c in uniq if c in avail)
    eq = ",".join([outsub] + [s for s, _ in others]) + "->" + keep
    r = einsum(eq, g, *[o for _, o in others])
    size = {c: shape[i] for i, c in enumerate(target)}
    if keep != uniq:  # letters that only this operand has: the gradient is constant along them
        r = r.reshape([size[c] if c in keep else 1 for c in uniq]).expand([size[c] for c in uniq])
    if uniq != target:  # repeated letters: put the gradient on the diagonal via identity factors
        from .. import eye
        letters = [c for c in string.ascii_letters if c not in target and c not in outsub]
        subs, eyes, new_target = [uniq], [], ""
        seen = set()
        for c in target:
            if c in seen:
                n = letters.pop()
                subs.append(c + n)
                eyes.append(eye(size[c], dtype=g.dtype))
                new_target += n
            else:
                seen.add(c)
                new_target += c
        r = einsum(",".join(subs) + "->" + new_target, r, *eyes)
    return r


def einsum(equation, *operands):
    """Einstein summation (with '...' broadcasting); differentiable via einsums in backward."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out = _parse_einsum(equation, [o.shape for o in operands])
    dt = operands[0].dtype
    for o in operands[1:]:
        check_device(operands[0], o)
        if o.dtype is not dt:
            raise RuntimeError("einsum(): operands do not have the same dtype")
    node = _EINSUM_NODES.get(len(operands))
    if node is None:  # one node class per operand count, so `save` names every operand
        node = _EINSUM_NODES[len(operands)] = type("EinsumBackward0", (EinsumBackward0,),
                                                   {"save": tuple(range(len(operands)))})
    return node.apply(*operands, subs=subs, out=out)


_EINSUM_NODES: dict = {}


def cross(input, other, dim=None):
    """Cross product of 3-vectors along `dim` (the first dim of size 3 when None)."""
    a, b = binary_operands(input, other)
    if dim is None:
        shape = a.shape if a.shape == b.shape else (a.shape if 3 in a.shape else b.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    for t in (a, b):
        if t.ndim == 0 or t.shape[dim] != 3:
            d = dim % builtins.max(t.ndim, 1)
            raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got "
                               f"{a.shape[d] if a.ndim else 0} and {b.shape[d] if b.ndim > d else 0}")
    a0, a1, a2 = a.unbind(dim)
    b0, b1, b2 = b.unbind(dim)
    from .shape import stack
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


def dist(input, other, p: float = 2):
    """p-norm of input - other."""
    return (input - other).norm(p)


def cdist(x1, x2, p: float = 2.0, compute_mode=None):
    """Pairwise p-norm distances between the rows of x1 (.., P, M) and x2 (.., R, M)."""
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    d = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return d.norm(p, dim=-1)
