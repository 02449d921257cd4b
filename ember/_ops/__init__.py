"""All ops, and their binding onto Tensor as methods, operators and in-place variants."""
from __future__ import annotations

from .._tensor import Tensor
from . import creation, elementwise, index, inplace, linalg, nanreduce, reduce, shape
from . import split as _split
from .creation import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .index import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .nanreduce import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .split import *  # noqa: F401,F403
from .creation import to_copy  # noqa: F401
from . import decomp, special
from .special import *  # noqa: F401,F403
from .decomp import TOP_LEVEL as _DECOMP_TOP

globals().update(_DECOMP_TOP)
from ..autograd.grad_mode import grad_enabled as _grad_enabled
from .inplace import LEAF_MSG as _LEAF_MSG
from .inplace import add_, copy_, div_, fill_, inplace as _inplace, make_inplace, mul_, sub_, zero_

E, R, S, I, L, C = elementwise, reduce, shape, index, linalg, creation

# Methods that are the function itself (first argument is the tensor).
_METHODS = {
    E: "add sub mul div true_divide divide floor_divide remainder fmod pow float_power atan2 arctan2 maximum minimum "
       "fmax fmin eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or "
       "logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not isnan isinf isposinf isneginf "
       "isfinite signbit equal allclose isclose exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos tan asin "
       "acos atan sinh cosh tanh asinh acosh atanh arcsin arccos arctan arcsinh arccosh arctanh sigmoid relu "
       "reciprocal neg negative abs absolute sign sgn frac square floor ceil trunc fix round erf erfc lerp clamp clip "
       "clamp_min clamp_max rsub hypot logaddexp nan_to_num",
    R: "sum sum_to_size mean prod max min amax amin aminmax argmax argmin var std norm logsumexp all any "
       "count_nonzero cumsum cumprod",
    S: "view reshape view_as reshape_as flatten ravel unflatten permute transpose swapaxes swapdims t movedim "
       "moveaxis squeeze unsqueeze expand expand_as broadcast_to repeat tile flip fliplr flipud roll rot90 narrow "
       "select unbind tril triu diagonal diag_embed diag trace clone "
       "contiguous as_strided unfold repeat_interleave diff",
    I: "index_select index_add index_copy index_fill index_put gather scatter scatter_add take take_along_dim "
       "masked_fill masked_select masked_scatter nonzero argwhere sort argsort msort topk kthvalue unique "
       "unique_consecutive bincount histc",
    _split: "split split_with_sizes chunk tensor_split",
    L: "mm bmm mv dot vdot matmul addmm addmv addr baddbmm addbmm outer ger inner kron cross",
}
_METHODS[special] = "lgamma digamma erfinv i0 sinc logit xlogy mvlgamma"
for _mod, _names in _METHODS.items():
    for _n in _names.split():
        setattr(Tensor, _n, getattr(_mod, _n))

# In-place variants built from the out-of-place op (_FILLS write constants: torch allows them on expanded memory).
_FILLS = ("masked_fill", "index_fill", "index_put", "tril", "triu")
for _n in ("pow exp expm1 log log2 log10 log1p sqrt rsqrt sin cos tan tanh sigmoid relu reciprocal neg abs sign "
           "floor ceil trunc round frac clamp clip clamp_min clamp_max lerp remainder fmod floor_divide erf atan2 "
           "maximum minimum masked_fill index_fill index_add index_copy scatter scatter_add index_put tril triu "
           "square asin acos atan sinh cosh asinh acosh atanh negative logical_not logical_and logical_or "
           "bitwise_and bitwise_or bitwise_xor true_divide masked_scatter").split():
    setattr(Tensor, _n + "_", make_inplace(getattr(Tensor, _n), fill=_n in _FILLS))

Tensor.add_, Tensor.sub_, Tensor.mul_, Tensor.div_ = add_, sub_, mul_, div_
Tensor.subtract_, Tensor.multiply_, Tensor.divide_ = sub_, mul_, div_
Tensor.zero_, Tensor.fill_, Tensor.copy_ = zero_, fill_, copy_
for _n in "uniform_ normal_ random_ bernoulli_ exponential_ geometric_ log_normal_ cauchy_".split():
    setattr(Tensor, _n, getattr(C, _n))
Tensor.subtract, Tensor.multiply = E.sub, E.mul
for _n, _f in _DECOMP_TOP.items():
    setattr(Tensor, _n, _f)
Tensor.polygamma = special._polygamma_method
for _n in "lgamma digamma erfinv i0 sinc logit xlogy polygamma mvlgamma".split():
    setattr(Tensor, _n + "_", make_inplace(getattr(Tensor, _n)))
Tensor.where = E._where_method


def _bernoulli_method(self, p=None, *, generator=None):
    return C.bernoulli(self, p, generator=generator)


Tensor.bernoulli = _bernoulli_method


def _softmax_method(self, dim=None, dtype=None, *, axis=None):
    if dim is None or axis is not None:  # numpy-style alias (dim is required)
        dim = S.dim_alias("softmax", dim, axis)
    return R.softmax(self, dim, dtype)


def _log_softmax_method(self, dim=None, dtype=None, *, axis=None):
    if dim is None or axis is not None:  # numpy-style alias (dim is required)
        dim = S.dim_alias("log_softmax", dim, axis)
    return R.log_softmax(self, dim, dtype)


Tensor.softmax, Tensor.log_softmax = _softmax_method, _log_softmax_method
Tensor.multinomial = C.multinomial
Tensor.poisson = C.poisson


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    return input + (tensor1 * tensor2 if value == 1 else tensor1 * tensor2 * value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    return input + (tensor1 / tensor2 if value == 1 else tensor1 / tensor2 * value)


Tensor.addcmul, Tensor.addcdiv = addcmul, addcdiv
Tensor.addcmul_, Tensor.addcdiv_ = make_inplace(addcmul), make_inplace(addcdiv)


def _t_(self):
    return _reshape_inplace(self, S.t(self))


def _reshape_inplace(self, r):
    if self._rg and self._grad_fn is None and _grad_enabled():
        raise RuntimeError(_LEAF_MSG)
    self._data, self._grad_fn, self._rg = r._data, r._grad_fn, r._rg
    return self


def _squeeze_(self, dim=None):
    return _reshape_inplace(self, S.squeeze(self, dim))


def _unsqueeze_(self, dim):
    return _reshape_inplace(self, S.unsqueeze(self, dim))


def _transpose_(self, d0, d1):
    return _reshape_inplace(self, S.transpose(self, d0, d1))


Tensor.t_, Tensor.squeeze_, Tensor.unsqueeze_, Tensor.transpose_ = _t_, _squeeze_, _unsqueeze_, _transpose_


def _resize_(self, *size):
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    shape = S._size_args(size)
    import math
    n = math.prod(shape)
    flat = self._data.reshape(-1)
    m = E.xp(self._data)
    data = m.concatenate([flat, m.zeros(max(n - flat.size, 0), flat.dtype)])[:n].reshape(shape)
    self._data = data
    self._vc[0] += 1
    return self


Tensor.resize_ = _resize_

# Operators.
Tensor.__add__ = Tensor.__radd__ = E.add
Tensor.__iadd__ = add_
Tensor.__sub__ = E.sub
Tensor.__rsub__ = lambda self, other: E.sub(other, self)
Tensor.__isub__ = sub_
Tensor.__mul__ = Tensor.__rmul__ = E.mul
Tensor.__imul__ = mul_
Tensor.__truediv__ = E.div
Tensor.__rtruediv__ = lambda self, other: E.div(other, self)
Tensor.__itruediv__ = div_
Tensor.__floordiv__ = E.floor_divide
Tensor.__rfloordiv__ = lambda self, other: E.floor_divide(other, self)
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__mod__ = E.remainder
Tensor.__rmod__ = lambda self, other: E.remainder(other, self)
Tensor.__imod__ = Tensor.remainder_
Tensor.__pow__ = E.pow
Tensor.__rpow__ = lambda self, other: E.pow(other, self)
Tensor.__ipow__ = Tensor.pow_
Tensor.__matmul__ = L.matmul
Tensor.__rmatmul__ = lambda self, other: L.matmul(other, self)
Tensor.__neg__ = E.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = E.abs
Tensor.__invert__ = E.bitwise_not
Tensor.__and__ = Tensor.__rand__ = E.bitwise_and
Tensor.__or__ = Tensor.__ror__ = E.bitwise_or
Tensor.__xor__ = Tensor.__rxor__ = E.bitwise_xor
Tensor.__iand__ = Tensor.bitwise_and_
Tensor.__ior__ = Tensor.bitwise_or_
Tensor.__ixor__ = Tensor.bitwise_xor_


def _shift(name, kernel):
    def op(self, other):
        a, b = E.binary_operands(self, other)
        t = a if isinstance(a, Tensor) else b
        if t._data.dtype.kind == "f":
            raise E.not_implemented(kernel, t._data)
        return E._nograd(lambda x, y: getattr(E.xp(x), name)(x, y), a, b)
    return op


def _eq_op(fn):
    def op(self, other):
        try:
            return fn(self, other)
        except TypeError:  # `t == None`, `t == "a"`: Python's fallback comparison (False for ==, True for !=)
            return NotImplemented
    return op


Tensor.__lshift__, Tensor.__rshift__ = _shift("left_shift", "lshift_cpu"), _shift("right_shift", "rshift_cpu")
Tensor.__rlshift__ = lambda self, other: _shift("left_shift", "lshift_cpu")(E.as_t(other, self), self)
Tensor.__rrshift__ = lambda self, other: _shift("right_shift", "rshift_cpu")(E.as_t(other, self), self)
Tensor.__eq__, Tensor.__ne__ = _eq_op(E.eq), _eq_op(E.ne)
Tensor.__lt__, Tensor.__le__, Tensor.__gt__, Tensor.__ge__ = E.lt, E.le, E.gt, E.ge
Tensor.__hash__ = object.__hash__
Tensor.__getitem__ = I.getitem
Tensor.__setitem__ = I.setitem
Tensor.T = property(S._T)
Tensor.mT = property(S._mT)
Tensor.H = property(S._T)
Tensor.mH = property(S._mT)

# torch's `out=` keyword on the module-level functions (the Tensor methods above stay unwrapped: the hot path).
from .inplace import with_out as _with_out  # noqa: E402

_FACTORIES = set("zeros ones empty full arange linspace logspace eye rand randn randint randperm".split())

for _n in ("add sub subtract mul multiply div divide true_divide floor_divide remainder fmod pow float_power atan2 "
           "maximum minimum fmax fmin eq ne lt le gt ge logical_and logical_or logical_xor logical_not bitwise_and "
           "bitwise_or bitwise_xor bitwise_not exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos tan asin acos "
           "atan sinh cosh tanh sigmoid reciprocal neg negative abs sign floor ceil trunc round erf erfc lerp clamp "
           "clip hypot logaddexp nan_to_num where sum nansum mean prod amax amin argmax argmin var std logsumexp all "
           "any cumsum cumprod max min sort topk mm bmm mv dot matmul addmm outer kron cross cat concat concatenate "
           "stack hstack vstack index_select gather masked_select zeros ones empty full arange linspace logspace eye "
           "rand randn randint randperm").split():
    if _n in globals():
        globals()[_n] = _with_out(globals()[_n], creation=_n in _FACTORIES)
