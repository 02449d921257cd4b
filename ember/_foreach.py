"""torch._foreach_* ops: one op applied across lists of tensors (plain loops over ember ops; in-place `_` forms)."""
from __future__ import annotations

import builtins
import numbers

from ._tensor import Tensor

__all__: list = []


def _check_list(name, tensors):
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{name}(): argument 'self' must be tuple of Tensors")
    if len(tensors) == 0:
        raise RuntimeError("Tensor list must have at least one tensor.")


def _seconds(tensors, other, kind="scalar"):
    """Broadcast the second operand over the list: scalar, 0-d/other Tensor, list of scalars or of tensors."""
    n = len(tensors)
    if isinstance(other, (list, tuple)):
        if len(other) != n:
            if other and isinstance(other[0], Tensor):
                raise RuntimeError(f"Tensor lists must have the same number of tensors, got {n} and {len(other)}")
            raise RuntimeError("Tensor list must have same number of elements as scalar list.")
        return list(other)
    if isinstance(other, Tensor) and kind == "scalars" and other.dim() == 1:
        if other.numel() != n:
            raise RuntimeError("Tensor list must have same number of elements as scalar list.")
        return other.tolist()
    if isinstance(other, (Tensor, numbers.Number)):
        return [other] * n
    raise TypeError(f"unsupported operand of type {type(other).__name__} for a _foreach op")


def _unary(op):
    def out_of_place(self):
        _check_list(f"_foreach_{op}", self)
        return tuple(getattr(t, op)() for t in self)

    def in_place(self):
        _check_list(f"_foreach_{op}_", self)
        for t in self:
            getattr(t, op + "_")()
        return self
    out_of_place.__doc__ = f"[t.{op}() for t in self]"
    in_place.__doc__ = f"t.{op}_() for each t in self"
    return out_of_place, in_place


def _binary(op, with_alpha=False):
    def out_of_place(self, other, **kw):
        _check_list(f"_foreach_{op}", self)
        return tuple(_apply(op, t, o, kw) for t, o in zip(self, _seconds(self, other)))

    def in_place(self, other, **kw):
        _check_list(f"_foreach_{op}_", self)
        for t, o in zip(self, _seconds(self, other)):
            _apply(op + "_", t, o, kw)
        return self
    out_of_place.__doc__ = f"[t.{op}(o) for t, o in zip(self, other)] (other: scalar, tensor or list)"
    in_place.__doc__ = f"t.{op}_(o) for each pair"
    return out_of_place, in_place


def _apply(op, t, o, kw):
    alpha = kw.get("alpha", 1)
    if alpha != 1:
        if not isinstance(o, Tensor):
            raise TypeError(f"_foreach_{op.rstrip('_')}() got alpha with a scalar operand; torch accepts alpha only "
                            "with tensor operands")
        o = o * alpha
    return getattr(t, op)(o)


def _pointwise(op):
    def out_of_place(self, tensor1, tensor2, value=1):
        _check_list(f"_foreach_{op}", self)
        vals = _seconds(self, value, "scalars")
        for other in (tensor1, tensor2):
            if len(other) != len(self):
                raise RuntimeError(f"Tensor lists must have the same number of tensors, got {len(self)} and "
                                   f"{len(other)}")
        return tuple(getattr(t, op)(a, b, value=v) for t, a, b, v in zip(self, tensor1, tensor2, vals))

    def in_place(self, tensor1, tensor2, value=1):
        res = out_of_place(self, tensor1, tensor2, value)
        for t, r in zip(self, res):
            t.copy_(r)
        return self
    out_of_place.__doc__ = f"[t.{op}(a, b, value=v) ...] across the lists"
    in_place.__doc__ = f"t.{op}_(a, b, value=v) for each triple"
    return out_of_place, in_place


def _lerp(self, tensors1, weight):
    """[t.lerp(e, w) ...] with a scalar weight or a list of weight tensors."""
    _check_list("_foreach_lerp", self)
    ends = _seconds(self, tensors1)
    ws = _seconds(self, weight)
    return tuple(t.lerp(e, w) for t, e, w in zip(self, ends, ws))


def _lerp_(self, tensors1, weight):
    """t.lerp_(e, w) for each pair."""
    for t, r in zip(self, _lerp(self, tensors1, weight)):
        t.copy_(r)
    return self


def _pow(self, exponent):
    """Elementwise power across the list; `self` may be a scalar base with a list of exponents."""
    if isinstance(self, numbers.Number):
        _check_list("_foreach_pow", exponent)
        from ._ops import pow
        return tuple(pow(self, e) for e in exponent)
    _check_list("_foreach_pow", self)
    return tuple(t.pow(e) for t, e in zip(self, _seconds(self, exponent)))


def _pow_(self, exponent):
    """t.pow_(e) for each pair."""
    _check_list("_foreach_pow_", self)
    for t, e in zip(self, _seconds(self, exponent)):
        t.pow_(e)
    return self


def _norm(self, ord=2, dtype=None):
    """The vector p-norm of each tensor, as a tuple of 0-d tensors."""
    _check_list("_foreach_norm", self)
    return tuple(t.reshape(-1).norm(builtins.float(ord), dtype=dtype) for t in self)


def _max(self):
    """The maximum of each tensor, as a tuple of 0-d tensors."""
    _check_list("_foreach_max", self)
    return tuple(t.max() for t in self)


def _zero_(self):
    """Zero each tensor in place."""
    for t in self:
        t.zero_()
    return self


def _copy_(self, src, non_blocking=False):
    """Copy each source tensor into its destination in place."""
    _check_list("_foreach_copy_", self)
    for t, s in zip(self, _seconds(self, src)):
        t.copy_(s)
    return self


def _clone(self):
    """A clone of each tensor."""
    _check_list("_foreach_clone", self)
    return tuple(t.clone() for t in self)


def _build() -> dict:
    ops = {}
    for op in ("abs acos asin atan ceil cos cosh erf erfc exp expm1 floor frac lgamma log log10 log1p log2 neg "
               "reciprocal round rsqrt sigmoid sign sin sinh sqrt tan tanh trunc").split():
        if hasattr(Tensor, op) and hasattr(Tensor, op + "_"):
            ops[f"_foreach_{op}"], ops[f"_foreach_{op}_"] = _unary(op)
    for op in "add sub mul div maximum minimum clamp_min clamp_max".split():
        ops[f"_foreach_{op}"], ops[f"_foreach_{op}_"] = _binary(op)
    for op in ("addcmul", "addcdiv"):
        ops[f"_foreach_{op}"], ops[f"_foreach_{op}_"] = _pointwise(op)
    ops.update(_foreach_lerp=_lerp, _foreach_lerp_=_lerp_, _foreach_pow=_pow, _foreach_pow_=_pow_,
               _foreach_norm=_norm, _foreach_max=_max, _foreach_zero_=_zero_, _foreach_copy_=_copy_,
               _foreach_clone=_clone)
    for name, fn in ops.items():
        fn.__name__ = fn.__qualname__ = name
    return ops


OPS = _build()
globals().update(OPS)
__all__ = sorted(OPS)
