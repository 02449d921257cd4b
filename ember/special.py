"""torch.special: error, gamma, Bessel and normal-distribution functions, plus aliases of elementwise ops."""
from __future__ import annotations

from ._ops import elementwise as _e, reduce as _r
from ._ops.special import (digamma, entr, erfc, erfcx, erfinv, gammainc, gammaincc, i0, i0e, i1, i1e, lgamma, log_ndtr,
                           logit, mvlgamma, ndtr, ndtri, polygamma, sinc, xlog1py, xlogy)

__all__ = ["erf", "erfc", "erfcx", "erfinv", "expit", "logit", "log_softmax", "softmax", "gammaln", "digamma", "psi",
           "polygamma", "multigammaln", "xlogy", "xlog1py", "i0", "i0e", "i1", "i1e", "sinc", "entr", "log1p", "expm1",
           "exp2", "logsumexp", "ndtr", "ndtri", "log_ndtr", "round", "gammainc", "gammaincc"]

erf = _e.erf
expit = _e.sigmoid
exp2 = _e.exp2
expm1 = _e.expm1
log1p = _e.log1p
round = _e.round  # noqa: A001 - torch's name
logsumexp = _r.logsumexp
gammaln = lgamma
psi = digamma
multigammaln = mvlgamma


def softmax(input, dim, *, dtype=None):
    return _r.softmax(input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    return _r.log_softmax(input, dim, dtype)
