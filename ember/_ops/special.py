"""Special functions without scipy: lgamma, digamma, polygamma, erfinv, erfc, ndtr/ndtri, Bessel i0/i1, and friends.

Every kernel is vectorised NumPy evaluated in float64 (series, asymptotic expansions, recurrence shifts and Newton
steps; loops run over series terms, never over elements), accurate to ~1e-15 relative. Backward formulas are ember
ops, so double backward works.
"""
from __future__ import annotations

import math

from .. import _dtype
from ._base import Node, Tensor, binary_operands, np, xp
from .elementwise import _erfc_array, _erfc_pos, _unary, erfc, where  # noqa: F401 - erfc: ember.special.erfc

__all__ = ["lgamma", "digamma", "polygamma", "erfinv", "i0", "sinc", "logit", "xlogy", "mvlgamma", "igamma",
           "igammac"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# B_2k / (2k (2k - 1)) (Stirling series of lgamma) and B_2k / (2k) (asymptotic series of digamma), k = 1..8
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)
_BERN = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)  # B_2, B_4, ..., B_16
_SHIFT = 10.0  # recurrence shifts move arguments up to here before the asymptotic series


def _f64(m, a):
    return a.astype(m.float64) if a.dtype != m.float64 else a


def _sinpi_abs(m, x):
    """|sin(pi x)| with the argument reduced to [-1/2, 1/2] first (exact near integers)."""
    return m.abs(m.sin(math.pi * (x - m.round(x))))


def _shift_up(m, z, target, term):
    """Move z up to >= target by unit steps; returns (shifted z, sum of term(z_k) over the steps taken)."""
    acc = m.zeros_like(z)
    steps = int(max(0.0, math.ceil(target - float(m.nanmin(z))))) if z.size and m.isfinite(m.nanmin(z)) else 0
    for _ in range(steps):
        low = z < target
        acc = acc + m.where(low, term(m.where(low, z, 1.0)), 0.0)
        z = m.where(low, z + 1, z)
    return z, acc


def _zeta_int(k: int) -> float:
    """Riemann zeta(k) for an integer k >= 2 (Euler-Maclaurin: a partial sum plus the asymptotic tail)."""
    N = 20
    head = math.fsum(n ** -float(k) for n in range(1, N))
    tail = N ** (1.0 - k) / (k - 1) + 0.5 * N ** -float(k)
    for j, b in enumerate(_BERN):
        tail += b / math.factorial(2 * j + 2) * math.prod(range(k, k + 2 * j + 1)) * N ** -float(k + 2 * j + 1)
    return head + tail


_LGAMMA_TAYLOR = [-0.5772156649015329] + [(-1) ** k * _zeta_int(k) / k for k in range(2, 32)]


def _lgamma_array(m, a):
    x = _f64(m, a)
    refl = x < 0.5
    z = m.where(refl, 1 - x, x)
    z = m.where(m.isfinite(z), z, _SHIFT)
    w, logs = _shift_up(m, z, _SHIFT, m.log)
    inv, inv2 = 1 / w, 1 / (w * w)
    series = m.zeros_like(w)
    for c in reversed(_STIRLING):
        series = series * inv2 + c
    res = (w - 0.5) * m.log(w) - w + _LOG_SQRT_2PI + series * inv - logs
    res = m.where(refl, m.log(math.pi / _sinpi_abs(m, x)) - res, res)
    # near the zeros at 1 and 2 use lgamma(1 + e) = -gamma e + sum_k (-1)^k zeta(k) e^k / k (no cancellation)
    near1, near2 = m.abs(x - 1) < 0.2, m.abs(x - 2) < 0.2
    e = m.where(near1, x - 1, m.where(near2, x - 2, 0.0))
    taylor = m.zeros_like(e)
    for c in reversed(_LGAMMA_TAYLOR):
        taylor = (taylor + c) * e
    taylor = m.where(near2, taylor + m.log1p(e), taylor)
    res = m.where(near1 | near2, taylor, res)
    res = m.where(m.isinf(x), m.inf, res)
    return m.where(m.isnan(x), x, res).astype(a.dtype)


def _digamma_array(m, a):
    x = _f64(m, a)
    refl = x < 0.5
    z = m.where(refl, 1 - x, x)
    z = m.where(m.isfinite(z), z, _SHIFT)
    w, recip = _shift_up(m, z, _SHIFT, lambda v: 1 / v)
    inv2 = 1 / (w * w)
    series = m.zeros_like(w)
    for k in reversed(range(len(_BERN))):
        series = (series + _BERN[k] / (2 * k + 2)) * inv2
    res = m.log(w) - 0.5 / w - series - recip
    r = x - m.round(x)
    res = m.where(refl, res - math.pi / m.tan(math.pi * r), res)
    res = m.where(refl & (r == 0), m.where(x == 0, -m.copysign(m.inf, x), m.nan), res)  # poles
    res = m.where(x == m.inf, m.inf, m.where(x == -m.inf, m.nan, res))
    return m.where(m.isnan(x), x, res).astype(a.dtype)


def _polygamma_array(m, n: int, a):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1: recurrence shifts plus the asymptotic series; negative x
    by reflection, psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x)) with (d/dx)^n cot(pi x) =
    pi^n P_n(cot(pi x))."""
    x = _f64(m, a)
    refl = x < 0
    z = m.where(refl, 1 - x, x)
    target = _SHIFT + n
    z = m.where(m.isfinite(z), z, target)
    w, head = _shift_up(m, z, target, lambda v: v ** -(n + 1.0))
    # zeta(n+1, w) ~ w^-n / n + w^-(n+1) / 2 + sum_k B_2k (n+1)(n+2)..(n+2k-1) / (2k)! w^-(n+2k)
    tail = m.zeros_like(w)
    inv2 = 1 / (w * w)
    for k in reversed(range(len(_BERN))):
        coef = _BERN[k] * math.prod(range(n + 1, n + 2 * k + 2)) / math.factorial(2 * k + 2)
        tail = (tail + coef) * inv2
    zeta = head + w ** -float(n) * (1 / n + 0.5 / w + tail)
    res = (-1) ** (n + 1) * math.factorial(n) * zeta
    if bool(refl.any()):
        cot = 1 / m.tan(math.pi * (x - m.round(x)))
        poly = m.asarray(np.polynomial.polynomial.polyval(np.asarray(cot), _cot_derivative_poly(n)))
        res = m.where(refl, (-1) ** n * res - math.pi ** (n + 1) * poly, res)
    res = m.where((x <= 0) & (x == m.round(x)), (-1) ** (n + 1) * m.inf, res)
    res = m.where(x == m.inf, 0.0, m.where(x == -m.inf, m.nan, res))
    return m.where(m.isnan(x), x, res).astype(a.dtype)


def _cot_derivative_poly(n: int):
    """Coefficients (lowest first) of P_n with (d/dx)^n cot(pi x) = pi^n P_n(cot(pi x)); P_{k+1} = -(1 + c^2) P_k'."""
    P = np.array([0.0, 1.0])
    for _ in range(n):
        P = -np.polynomial.polynomial.polymul([1.0, 0.0, 1.0], np.polynomial.polynomial.polyder(P))
    return P


def _erfinv_array(m, a):
    """A single-precision rational start (Giles 2010) refined by Newton steps on erf / erfc."""
    from .elementwise import _erf_array
    y = _f64(m, a)
    ay = m.abs(y)
    inside = ay < 1
    t = m.where(inside, ay, 0.0)
    w = -m.log((1 - t) * (1 + t))
    w1, w2 = w - 2.5, m.sqrt(w) - 3
    p1 = np.polyval([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                     -0.00125372503, -0.00417768164, 0.246640727, 1.50140941], w1)
    p2 = np.polyval([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                     -0.0076224613, 0.00943887047, 1.00167406, 2.83297682], w2)
    r = m.where(w < 5, p1, p2) * t
    upper = t >= 0.5
    log_q = m.log(m.where(upper, 1 - t, 1.0))  # 1 - t is exact there
    for _ in range(4):
        # Newton on erf(r) = t near 0; on log erfc(r) = log(1 - t) in the upper half (robust in the tail)
        ru = m.where(upper, r, 1.0)
        cx = _erfcx_pos(m, m.maximum(ru, 0.0))
        r_up = ru + (m.log(cx) - ru * ru - log_q) * math.sqrt(math.pi) / 2 * cx
        r_lo = r - (_erf_array(m, r) - t) / (2 / math.sqrt(math.pi) * m.exp(-r * r))
        r = m.where(upper, r_up, r_lo)
    r = m.copysign(r, y)
    r = m.where(ay == 1, m.copysign(m.inf, y), m.where(inside, r, m.nan))
    return r.astype(a.dtype)


def _erfcx_pos(m, u):
    """exp(u^2) erfc(u) for u >= 0 (no underflow in the tail)."""
    from .elementwise import _erf_array
    big = u >= 2.0
    ul = m.where(big, u, 2.0)
    f = ul.copy()
    for k in range(120, 0, -1):
        f = ul + (k / 2) / f
    us = m.where(big, 0.0, u)
    return m.where(big, 1 / (math.sqrt(math.pi) * f), m.exp(us * us) * (1 - _erf_array(m, us)))


def _erfcx_array(m, a):
    x = _f64(m, a)
    ax = m.where(m.isnan(x), 0.0, m.abs(x))
    pos = _erfcx_pos(m, ax)
    r = m.where(x < 0, 2 * m.exp(ax * ax) - pos, pos)
    return m.where(m.isnan(x), m.nan, r).astype(a.dtype)


def _ndtr_array(m, a):
    x = _f64(m, a)
    return (0.5 * _erfc_array(m, -x / math.sqrt(2))).astype(a.dtype)


def _log_ndtr_f64(m, x):
    u = m.where(x < 0, -x / math.sqrt(2), 0.0)
    lower = m.log(0.5 * _erfcx_pos(m, u)) - u * u
    upper = m.log1p(-0.5 * _erfc_pos(m, m.where(x < 0, 0.0, x) / math.sqrt(2)))
    return m.where(x < 0, lower, upper)


def _log_ndtr_array(m, a):
    x = _f64(m, a)
    r = _log_ndtr_f64(m, m.where(m.isnan(x), 0.0, x))
    return m.where(m.isnan(x), m.nan, r).astype(a.dtype)


def _ndtri_array(m, a):
    """Inverse of the normal CDF: a rational start (Abramowitz-Stegun 26.2.23) polished by Newton on log ndtr."""
    p = _f64(m, a)
    ok = (p > 0) & (p < 1)
    q = m.where(ok, m.where(p < 0.5, p, 1 - p), 0.5)  # 1 - p is exact for p >= 1/2
    t = m.sqrt(-2 * m.log(q))
    z = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + t * (1.432788 + t * (0.189269 + 0.001308 * t))))
    lq = m.log(q)
    for _ in range(4):
        u = m.maximum(-z, 0.0) / math.sqrt(2)
        ratio = 0.5 * math.sqrt(2 * math.pi) * _erfcx_pos(m, u)  # cdf / pdf for z <= 0
        z = m.minimum(z - (_log_ndtr_f64(m, m.minimum(z, 0.0)) - lq) * ratio, 0.0)
    z = m.where(p < 0.5, z, -z)
    z = m.where(p == 0, -m.inf, m.where(p == 1, m.inf, m.where(ok, z, m.nan)))
    return z.astype(a.dtype)


def _bessel_i(m, nu: int, a, scaled: bool):
    """I_nu(x) for nu in {0, 1} (times exp(-|x|) when scaled): power series below 30, asymptotic series above."""
    x = _f64(m, a)
    ax = m.abs(x)
    small = ax < 30
    xs = m.where(small, ax, 0.0)
    q = xs * xs / 4
    term = (xs / 2) ** nu
    total = term.copy()
    for k in range(1, 90):
        term = term * q / (k * (k + nu))
        total = total + term
    if scaled:
        total = total * m.exp(-xs)
    xl = m.where(small, 30.0, ax)
    mu, acc, c = 4.0 * nu * nu, m.ones_like(xl), m.ones_like(xl)
    for k in range(1, 30):
        c = -c * (mu - (2 * k - 1) ** 2) / (k * 8 * xl)
        acc = acc + c
    big = acc / m.sqrt(2 * math.pi * xl) * (1.0 if scaled else m.exp(m.minimum(xl, 800.0)))
    r = m.where(small, total, big)
    if nu == 1:
        r = m.copysign(r, x)
    return m.where(m.isnan(x), m.nan, r).astype(a.dtype)


_SQRT_PI_2 = math.sqrt(math.pi) / 2
lgamma = _unary("LgammaBackward0", _lgamma_array, lambda g, x, o: g * digamma(x))
digamma = _unary("DigammaBackward0", _digamma_array, lambda g, x, o: g * polygamma(1, x))
erfinv = _unary("ErfinvBackward0", _erfinv_array, lambda g, x, o: g * _SQRT_PI_2 * (o * o).exp(), save_out=True)
erfcx = _unary("SpecialErfcxBackward0", _erfcx_array,
               lambda g, x, o: g * (2 * x * erfcx(x) - 2 / math.sqrt(math.pi)))
ndtr = _unary("SpecialNdtrBackward0", _ndtr_array,
              lambda g, x, o: g * (1 / math.sqrt(2 * math.pi)) * (-0.5 * x * x).exp())
ndtri = _unary("SpecialNdtriBackward0", _ndtri_array,
               lambda g, x, o: g * math.sqrt(2 * math.pi) * (0.5 * o * o).exp(), save_out=True)
i1 = _unary("SpecialI1Backward0", lambda m, a: _bessel_i(m, 1, a, False),
            lambda g, x, o: g * where(x == 0, 0.5, i0(x) - i1(x) / where(x == 0, 1.0, x)))
i0 = _unary("I0Backward0", lambda m, a: _bessel_i(m, 0, a, False), lambda g, x, o: g * i1(x))
i1e = _unary("SpecialI1EBackward0", lambda m, a: _bessel_i(m, 1, a, True),
             lambda g, x, o: g * where(x == 0, 0.5, i0e(x) - i1e(x) * (x.sign() + 1 / where(x == 0, 1.0, x))))
i0e = _unary("SpecialI0EBackward0", lambda m, a: _bessel_i(m, 0, a, True),
             lambda g, x, o: g * (i1e(x) - x.sign() * i0e(x)))
log_ndtr = _unary("SpecialLogNdtrBackward0", _log_ndtr_array,
                  lambda g, x, o: g * (-0.5 * x * x - 0.5 * math.log(2 * math.pi) - log_ndtr(x)).exp())


class PolygammaBackward0(Node):
    save = (0,)

    @staticmethod
    def forward(ctx, a, n):
        ctx.n = n
        return _digamma_array(xp(a), a) if n == 0 else _polygamma_array(xp(a), n, a)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * polygamma(self.n + 1, x), None


def polygamma(n: int, input: Tensor) -> Tensor:
    """The n-th derivative of digamma."""
    if int(n) != n or n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if input._data.dtype.kind in "biu":
        input = input.to(_dtype.get_default_dtype())
    return PolygammaBackward0.apply(input, int(n))


def _polygamma_method(self, n):
    return polygamma(n, self)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """Multivariate log-gamma of dimension p: sum_i lgamma(x - i/2) + p(p-1)/4 log(pi)."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if bool(((input <= (p - 1) / 2)).any()):
        raise RuntimeError("All elements must be greater than (p-1)/2")
    from .creation import arange
    steps = arange(p, dtype=input.dtype) * -0.5
    return lgamma(input.unsqueeze(-1) + steps).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


def sinc(input: Tensor) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0."""
    if input._data.dtype.kind in "biu":
        input = input.to(_dtype.get_default_dtype())
    zero = input == 0
    px = where(zero, 1.0, input) * math.pi
    return where(zero, 1.0, px.sin() / px)


def logit(input: Tensor, eps=None) -> Tensor:
    """log(x / (1 - x)), with x clamped to [eps, 1 - eps] when eps is given."""
    if input._data.dtype.kind in "biu":
        input = input.to(_dtype.get_default_dtype())
    if eps is not None:
        input = input.clamp(eps, 1 - eps)
    return (input / (1 - input)).log()


class XlogyBackward0(Node):
    """x * log(y) (or x * log1p(y) with `log1p`), 0 where x == 0 unless y is NaN."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, b, log1p):
        m = xp(a)
        ctx.log1p = log1p
        ctx.shapes = (m.shape(a), m.shape(b))
        lg = m.log1p(b) if log1p else m.log(b)
        return m.where((a == 0) & ~m.isnan(b), 0, a * lg).astype(m.result_type(a, b))

    def backward(self, g):
        x, y = self.saved_tensors
        lo = -1 if self.log1p else 0
        ga = gb = None
        if self.next[0] is not None:
            lg = y.log1p() if self.log1p else y.log()
            ga = where((x == 0) & (y <= lo), 0.0, g * lg).sum_to_size(self.shapes[0])
        if self.next[1] is not None:
            gb = (g * x / (y + 1 if self.log1p else y)).sum_to_size(self.shapes[1])
        return ga, gb


def xlogy(input, other) -> Tensor:
    """x * log(y), 0 where x == 0 (unless y is NaN)."""
    return XlogyBackward0.apply(*_float_pair(input, other), False)


def xlog1py(input, other) -> Tensor:
    """x * log1p(y), 0 where x == 0 (unless y is NaN)."""
    return XlogyBackward0.apply(*_float_pair(input, other), True)


def _float_pair(a, b):
    from .elementwise import as_t
    a, b = binary_operands(a, b)
    a = a if isinstance(a, Tensor) else as_t(a, b)
    b = b if isinstance(b, Tensor) else as_t(b, a)
    if a._data.dtype.kind in "biu":
        a, b = a.to(_dtype.get_default_dtype()), b.to(_dtype.get_default_dtype())
    return a, b


def _entr_array(m, a):
    safe = m.where(a > 0, a, 1)
    return m.where(a > 0, -a * m.log(safe), m.where(a == 0, 0.0, m.where(m.isnan(a), a, -m.inf))).astype(a.dtype)


entr = _unary("SpecialEntrBackward0", _entr_array, lambda g, x, o: g * -(x.log() + 1))




# ---- regularised incomplete gamma functions ---------------------------------------------------------------------
def _gammainc_array(m, a, x, upper: bool):
    """P(a, x) (or Q = 1 - P when `upper`): the series below x = a + 1, Lentz's continued fraction for Q above."""
    a64, x64 = _f64(m, a), _f64(m, x)
    a64, x64 = m.broadcast_arrays(a64, x64)
    bad = (a64 < 0) | (x64 < 0) | m.isnan(a64) | m.isnan(x64)
    fin = ~bad & (a64 > 0) & (x64 > 0) & m.isfinite(x64)
    aa, xx = m.where(fin, a64, 1.0), m.where(fin, x64, 1.0)
    use_series = xx < aa + 1
    # series: P = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n))
    term = m.ones_like(aa)
    total = term.copy()
    for n in range(1, 2000):
        term = term * xx / (aa + n)
        total = total + term
        if n % 16 == 0 and not (use_series & (term > 1e-17 * total)).any():
            break
    p_series = m.exp(aa * m.log(xx) - xx - _lgamma_array(m, aa + 1)) * total
    # continued fraction: Q = x^a e^-x / Gamma(a) / (x + 1 - a - 1(1-a)/(x + 3 - a - 2(2-a)/(x + 5 - a - ...)))
    tiny = 1e-300
    b = xx + 1 - aa
    c = m.full_like(aa, 1 / tiny)
    d = 1 / m.where(m.abs(b) < tiny, tiny, b)
    h = d.copy()
    for i in range(1, 2000):
        an = -i * (i - aa)
        b = b + 2
        d = an * d + b
        d = 1 / m.where(m.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = m.where(m.abs(c) < tiny, tiny, c)
        delta = d * c
        h = h * delta
        if i % 16 == 0 and not (~use_series & (m.abs(delta - 1) > 1e-16)).any():
            break
    q_cf = m.exp(aa * m.log(xx) - xx - _lgamma_array(m, aa)) * h
    p = m.where(use_series, p_series, 1 - q_cf)
    q = m.where(use_series, 1 - p_series, q_cf)
    r = q if upper else p
    # edges: x == 0 gives P = 0; x == inf or a == 0 (with x > 0) gives P = 1
    edge_p = m.where(x64 == 0, 0.0, 1.0)
    r = m.where(fin, r, (1 - edge_p) if upper else edge_p)
    return m.where(bad, m.nan, r).astype(m.result_type(a, x))


class IgammaBackward0(Node):
    """Regularised lower (or upper) incomplete gamma; differentiable in x only, as in torch."""
    save = (0, 1)

    @staticmethod
    def forward(ctx, a, x, upper):
        ctx.upper = upper
        return _gammainc_array(xp(a), a, x, upper)

    def backward(self, g):
        a, x = self.saved_tensors
        if self.next[0] is not None:
            raise NotImplementedError(f"the derivative for '{'igammac' if self.upper else 'igamma'}: input' is not "
                                      "implemented.")
        dens = ((a - 1) * x.log() - x - lgamma(a)).exp()
        return None, (g * (-dens if self.upper else dens)).sum_to_size(x.shape)


def gammainc(input, other) -> Tensor:
    """Regularised lower incomplete gamma function P(input, other)."""
    return IgammaBackward0.apply(*_float_pair(input, other), False)


def gammaincc(input, other) -> Tensor:
    """Regularised upper incomplete gamma function Q(input, other) = 1 - P."""
    return IgammaBackward0.apply(*_float_pair(input, other), True)


# ---- Gamma sampling with implicit reparameterisation gradients --------------------------------------------------
def _standard_gamma_grad_array(alpha, x):
    """dx/dalpha for x ~ Gamma(alpha, 1) at fixed CDF value: -(dP/dalpha) / pdf, with P(a, x) the regularised lower
    incomplete gamma function summed as x^a e^-x sum_n x^n / Gamma(a + n + 1) (the alpha-derivative is carried
    along term by term). For alpha >= 1e4 the Wilson-Hilferty cube-root normal approximation is used instead."""
    with np.errstate(all="ignore"):
        return _gamma_grad(np.asarray(alpha, np.float64), np.asarray(x, np.float64))


def _gamma_grad(a, x):
    x = np.maximum(x, np.finfo(np.float64).tiny)
    a, x = np.broadcast_arrays(a, x)
    big = a >= 1e4
    asm = np.where(big, 1.0, a)
    xs = np.where(big, 1.0, x)
    logx = np.log(xs)
    t = np.exp(asm * logx - xs - _lgamma_array(np, asm + 1))
    dlog = logx - _digamma_array(np, asm + 1)
    s, ds = t.copy(), t * dlog
    for n in range(1, 5000):
        t = t * xs / (asm + n)
        dlog = dlog - 1 / (asm + n)
        s += t
        ds += t * dlog
        if n % 16 == 0 and not (t > 1e-17 * s).any():
            break
    pdf = np.exp((asm - 1) * logx - xs - _lgamma_array(np, asm))
    res = -ds / pdf
    if big.any():  # x = a (1 - 1/(9a) + z / (3 sqrt a))^3 with z held fixed
        ab, xb = np.where(big, a, 1000.0), np.where(big, x, 1000.0)
        r = np.cbrt(xb / ab)
        z = (r - 1 + 1 / (9 * ab)) * 3 * np.sqrt(ab)
        dr = 1 / (9 * ab * ab) - z / (6 * ab ** 1.5)
        res = np.where(big, r ** 3 + 3 * ab * r * r * dr, res)
    return res


class StandardGammaBackward0(Node):
    """Passes a Gamma(alpha, 1) sample through, with the implicit gradient dx/dalpha in backward."""
    save = (0,)
    save_out = True

    @staticmethod
    def forward(ctx, alpha, sample):
        return sample

    def backward(self, g):
        (alpha,) = self.saved_tensors
        grad = _standard_gamma_grad_array(np.asarray(alpha._data), np.asarray(self._out_array()))
        return g * _grad_tensor(grad, alpha), None


def _grad_tensor(arr, like: Tensor) -> Tensor:
    from .._backend import to_device
    from ._base import _make
    return _make(to_device(arr.astype(like._data.dtype), like.device))


def standard_gamma(alpha: Tensor, generator=None) -> Tensor:
    """Gamma(alpha, 1) draws (Marsaglia-Tsang rejection, vectorised over rejected slots) from ember's generator;
    differentiable in alpha through implicit reparameterisation."""
    from .creation import rand, randn
    a = np.asarray(alpha._data, np.float64).reshape(-1)
    boost = a < 1
    d = np.where(boost, a + 1, a) - 1 / 3
    c = 1 / np.sqrt(9 * d)
    out = np.empty_like(a)
    todo = np.arange(a.size)
    while todo.size:
        z = np.asarray(randn(todo.size, generator=generator, dtype=_dtype.float64)._data)
        u = np.asarray(rand(todo.size, generator=generator, dtype=_dtype.float64)._data)
        v = (1 + c[todo] * z) ** 3
        with np.errstate(all="ignore"):
            ok = (v > 0) & (np.log(u) < 0.5 * z * z + d[todo] - d[todo] * v + d[todo] * np.log(v))
        out[todo[ok]] = d[todo[ok]] * v[ok]
        todo = todo[~ok]
    if boost.any():
        u = np.asarray(rand(int(boost.sum()), generator=generator, dtype=_dtype.float64)._data)
        with np.errstate(all="ignore"):
            out[boost] *= u ** (1 / a[boost])
    nd = alpha._data.dtype
    sample = np.maximum(out, np.finfo(nd).tiny).astype(nd).reshape(alpha._data.shape)
    from .._backend import to_device
    return StandardGammaBackward0.apply(alpha, to_device(sample, alpha.device))


igamma, igammac = gammainc, gammaincc
