"""All ops, and their binding onto Tensor as methods, operators and in-place variants."""
from __future__ import annotations

from .._tensor import Tensor
from . import creation, elementwise, index, inplace, linalg, reduce, shape
from .creation import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .index import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .creation import to_copy  # noqa: F401
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
       "count_nonzero cumsum cumprod cummax softmax log_softmax",
    S: "view reshape view_as reshape_as flatten ravel unflatten permute transpose swapaxes swapdims t movedim "
       "moveaxis squeeze unsqueeze expand expand_as broadcast_to repeat tile flip fliplr flipud roll rot90 narrow "
       "select split split_with_sizes chunk tensor_split unbind tril triu diagonal diag_embed diag trace clone "
       "contiguous as_strided unfold repeat_interleave diff",
    I: "index_select index_add index_copy index_fill index_put gather scatter scatter_add take take_along_dim "
       "masked_fill masked_select masked_scatter nonzero argwhere sort argsort msort topk kthvalue median unique "
       "unique_consecutive bincount histc",
    L: "mm bmm mv dot vdot matmul addmm addmv addr baddbmm addbmm outer ger inner kron cross",
}
for _mod, _names in _METHODS.items():
    for _n in _names.split():
        setattr(Tensor, _n, getattr(_mod, _n))

# In-place variants built from the out-of-place op.
for _n in ("pow exp expm1 log log2 log10 log1p sqrt rsqrt sin cos tan tanh sigmoid relu reciprocal neg abs sign "
           "floor ceil trunc round frac clamp clip clamp_min clamp_max lerp remainder fmod floor_divide erf atan2 "
           "maximum minimum masked_fill index_fill index_add index_copy scatter scatter_add index_put tril triu "
           "square asin acos atan sinh cosh asinh acosh atanh negative logical_not logical_and logical_or "
           "bitwise_and bitwise_or bitwise_xor true_divide masked_scatter").split():
    setattr(Tensor, _n + "_", make_inplace(getattr(Tensor, _n)))

Tensor.add_, Tensor.sub_, Tensor.mul_, Tensor.div_ = add_, sub_, mul_, div_
Tensor.subtract_, Tensor.multiply_, Tensor.divide_ = sub_, mul_, div_
Tensor.zero_, Tensor.fill_, Tensor.copy_ = zero_, fill_, copy_
for _n in "uniform_ normal_ random_ bernoulli_ exponential_ geometric_ log_normal_ cauchy_".split():
    setattr(Tensor, _n, getattr(C, _n))
Tensor.subtract, Tensor.multiply = E.sub, E.mul
Tensor.where = E._where_method


def _bernoulli_method(self, p=None, *, generator=None):
    return C.bernoulli(self, p, generator=generator)


Tensor.bernoulli = _bernoulli_method
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
Tensor.__lshift__ = lambda self, o: E._nograd(lambda a, b: E.xp(a).left_shift(a, b), self, o)
Tensor.__rshift__ = lambda self, o: E._nograd(lambda a, b: E.xp(a).right_shift(a, b), self, o)
Tensor.__eq__, Tensor.__ne__ = E.eq, E.ne
Tensor.__lt__, Tensor.__le__, Tensor.__gt__, Tensor.__ge__ = E.lt, E.le, E.gt, E.ge
Tensor.__hash__ = object.__hash__
Tensor.__getitem__ = I.getitem
Tensor.__setitem__ = I.setitem
Tensor.T = property(S._T)
Tensor.mT = property(S._mT)
Tensor.H = property(S._T)
Tensor.mH = property(S._mT)
