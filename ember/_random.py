"""torch's CPU random streams: an mt19937 Generator (numpy's MT19937 underneath) and torch's sampling transforms.

Every sampler here draws the same generator outputs, in the same order, as ATen's CPU kernels, so a seeded ember
program sees torch's numbers. All functions return numpy arrays; the public tensor API lives in _ops.creation.
"""
from __future__ import annotations

import math
import os

import numpy as np

DEFAULT_SEED = 67280421310721
_N = 624
_STATE_BYTES = 5056
_U64 = (1 << 64) - 1
_F32, _F64 = np.float32, np.float64


class Generator:
    """A seeded mt19937 stream laid out like torch's CPU generator (same seed, same numbers as torch)."""

    def __init__(self, device="cpu"):
        from ._backend import CPU, device as _device
        self.device = CPU if device is None else (device if isinstance(device, _device) else _device(device))
        self._bg = np.random.MT19937(0)
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        if not -(1 << 63) <= seed <= _U64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & _U64
        self._bg._legacy_seeding(self._seed & 0xFFFFFFFF)
        self._fresh = True
        self._next_double = None  # Box-Muller values cached by the scalar normal sampler, as torch does
        self._next_float = None
        return self

    def seed(self) -> int:
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    # ---- raw stream ------------------------------------------------------------------------------------------------
    def random32(self, n: int) -> np.ndarray:
        """`n` raw 32-bit outputs (torch's generator->random()), as uint64."""
        if n <= 0:
            return np.zeros(0, np.uint64)
        self._fresh = False
        return self._bg.random_raw(n)

    def random64(self, n: int) -> np.ndarray:
        """`n` 64-bit values built from two 32-bit outputs each, the first as the high half (torch's random64())."""
        r = self.random32(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    # ---- state in torch's CPUGeneratorImplState layout -------------------------------------------------------------
    def get_state(self):
        from ._tensor import _make
        st = self._bg.state["state"]
        pos = int(st["pos"])
        nxt, left = (0 if self._fresh else _N, 1) if pos >= _N else (pos, _N + 1 - pos)
        buf = bytearray(_STATE_BYTES)
        buf[0:24] = np.array([self._seed], "<u8").tobytes() + np.array([left, 1], "<i4").tobytes() + \
            np.array([nxt], "<u8").tobytes()
        buf[24:24 + 8 * _N] = np.asarray(st["key"], np.uint32).astype("<u8").tobytes()
        o = 24 + 8 * _N
        if self._next_double is not None:
            buf[o + 8:o + 16] = np.array([self._next_double], "<f8").tobytes()
            buf[o + 24:o + 28] = np.array([1], "<i4").tobytes()
        if self._next_float is not None:
            buf[o + 32:o + 36] = np.array([self._next_float], "<f4").tobytes()
            buf[o + 36] = 1
        return _make(np.frombuffer(bytes(buf), np.uint8).copy())

    def set_state(self, new_state) -> "Generator":
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = np.ascontiguousarray(np.asarray(new_state._data)).reshape(-1)
        if raw.size != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input RNG "
                               f"state size to be {raw.size}")
        b = raw.tobytes()
        seed = int(np.frombuffer(b, "<u8", 1, 0)[0])
        left, seeded = (int(v) for v in np.frombuffer(b, "<i4", 2, 8))
        nxt = int(np.frombuffer(b, "<u8", 1, 16)[0]) & 0xFFFFFFFF
        key = np.frombuffer(b, "<u8", _N, 24).astype(np.uint32)
        if not (seeded and 0 < left <= _N and nxt <= _N and (left == 1 or left + nxt == _N + 1)):
            raise RuntimeError("Invalid mt19937 state")
        o = 24 + 8 * _N
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _N if left == 1 else nxt}}
        self._seed, self._fresh = seed, left == 1 and nxt == 0
        self._next_double = float(np.frombuffer(b, "<f8", 1, o + 8)[0]) if np.frombuffer(b, "<i4", 1, o + 24)[0] \
            else None
        self._next_float = float(np.frombuffer(b, "<f4", 1, o + 32)[0]) if b[o + 36] else None
        return self

    def clone_state(self) -> Generator:
        g = Generator(self.device)
        return g.set_state(self.get_state())

    def __repr__(self):
        return f"<ember._C.Generator object at {hex(id(self))}>"


default_generator = Generator()


def gen(generator) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    return generator


def _shape(size) -> tuple:
    return (int(size),) if np.ndim(size) == 0 else tuple(int(s) for s in size)


class NumpyStyle:
    """A numpy-Generator-like face on an ember Generator for internal callers; draws come from torch's stream."""

    def __init__(self, g):
        self._g = g

    def integers(self, low, high=None, size=None, dtype=np.int64):
        if high is None:
            low, high = 0, low
        shape = () if size is None else _shape(size)
        arr = random_from_to(self._g, shape, np.dtype(dtype), int(low), int(high))
        return arr[()] if size is None else arr

    def random(self, size=None, dtype=np.float64):
        shape = () if size is None else _shape(size)
        arr = unit(self._g, math.prod(shape), dtype).astype(dtype).reshape(shape)
        return arr[()] if size is None else arr

    def standard_normal(self, size=None, dtype=np.float64):
        shape = () if size is None else _shape(size)
        arr = normal(self._g, shape, np.dtype(dtype))
        return arr[()] if size is None else arr


# ---- uniform --------------------------------------------------------------------------------------------------------
def _digits(nd) -> int:
    return 53 if np.dtype(nd) == np.float64 else 24  # torch 2.13 draws half uniforms at float precision


def unit(g: Generator, n: int, nd) -> np.ndarray:
    """`n` uniforms in [0, 1) exactly as uniform_real_distribution<T>(0, 1): float64 from 53 bits of random64,
    float32 (and lower) from 24 bits of one 32-bit output, returned as float32."""
    d = _digits(nd)
    r = g.random64(n) if d == 53 else g.random32(n)
    r &= np.uint64((1 << d) - 1)
    if d == 53:
        out = r.astype(_F64)
        out *= 2.0 ** -d
        return out
    return r.astype(_F32) * _F32(2.0 ** -d)  # exact: d <= 24 bits


def uniform(g: Generator, shape, nd, a=0.0, b=1.0) -> np.ndarray:
    """Tensor.uniform_(a, b): x * (to - from) + from in the tensor's precision (one fused multiply-add on x86)."""
    nd = np.dtype(nd)
    n = math.prod(shape)
    x = unit(g, n, nd)
    if nd == np.float64:
        out = x * (b - a) + a
    else:
        lo, hi = _F32(a), _F32(b)
        out = _fma32(x.astype(_F32), hi - lo, lo)
    return out.astype(nd, copy=False).reshape(shape)


def _fma32(a, b, c):
    """float32 a * b + c with a single rounding (the product of two floats is exact in float64)."""
    t = np.multiply(a, _F32(b) if isinstance(b, float) else b, dtype=_F64)  # constants are float32, as in C
    t += _F32(c) if isinstance(c, float) else c
    return t.astype(_F32)


# ---- normal ---------------------------------------------------------------------------------------------------------
def _cpu_has_avx2() -> bool:
    """Whether torch's CPU dispatch would pick its AVX2 kernels here (ATEN_CPU_CAPABILITY=default turns them off)."""
    if os.environ.get("ATEN_CPU_CAPABILITY", "").lower() == "default":
        return False
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((ln for ln in f if ln.startswith("flags")), "")
        return " avx2" in flags and " fma" in flags
    except OSError:
        return False


AVX2 = _cpu_has_avx2()
_CHUNK = 1 << 16  # elements per block of the normal fill (a multiple of 16; ~30% faster than one pass)


def normal(g: Generator, shape, nd, mean=0.0, std=1.0, contiguous=True) -> np.ndarray:
    """Tensor.normal_(mean, std): the 16-wide Box-Muller fill for >= 16 contiguous elements, else the scalar
    sampler with its cached second value (both as ATen's CPU kernel)."""
    nd = np.dtype(nd)
    n = math.prod(shape)
    if n >= 16 and contiguous:
        fill = _fill16_avx2 if (nd == np.float32 and AVX2) else _fill16
        work = nd if nd in (np.float32, np.float64) else np.dtype(np.float32)
        u = unit(g, n, work).astype(work)
        out = np.empty(n, work)
        full = n // 16 * 16
        for i in range(0, full, _CHUNK):  # cache-sized blocks: the fill makes ~30 passes over its input
            j = min(i + _CHUNK, full)
            out[i:j] = fill(u[i:j], work, mean, std)
        if n % 16:
            out[n - 16:] = fill(unit(g, 16, work).astype(work), work, mean, std)
        return out.astype(nd, copy=False).reshape(shape)
    return (scalar_normals(g, n) * std + mean).astype(nd).reshape(shape)


def scalar_normals(g: Generator, n: int) -> np.ndarray:
    """`n` standard normals from normal_distribution<double>: pairs (cos, sin) with the sin cached across calls."""
    out = np.empty(n, _F64)
    start = 0
    if n and g._next_double is not None:
        out[0], g._next_double = g._next_double, None
        start = 1
    m = n - start
    if m <= 0:
        return out
    k = (m + 1) // 2
    u = unit(g, 2 * k, np.float64).reshape(k, 2)
    r = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
    theta = 2.0 * math.pi * u[:, 0]
    pairs = np.stack([r * np.cos(theta), r * np.sin(theta)], 1).reshape(-1)
    out[start:] = pairs[:m]
    if m % 2:
        g._next_double = float(pairs[-1])
    return out


def _fill16(u, nd, mean, std):
    """ATen's normal_fill_16 in the tensor's precision, for consecutive blocks of 16 uniforms."""
    blk = u.reshape(-1, 2, 8)
    u1 = (1 - blk[:, 0]).astype(nd)
    # libm's float log/cos/sin are (nearly always) correctly rounded: evaluate in double, round once
    radius = np.sqrt(nd.type(-2) * np.log(u1.astype(_F64)).astype(nd))
    theta = (2.0 * math.pi * blk[:, 1].astype(_F64)).astype(nd).astype(_F64)
    m, s = nd.type(mean), nd.type(std)
    cos, sin = np.cos(theta).astype(nd), np.sin(theta).astype(nd)
    out = np.concatenate([radius * cos * s + m, radius * sin * s + m], 1)
    return out.astype(nd).reshape(-1)


_LOG_P = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
          -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1]


def _log_avx(x):
    """float32 natural log by Cephes' logf polynomial, evaluated as torch's AVX2 kernel rounds it."""
    bits = x.view(np.int32)
    e = ((bits >> 23) - 127).astype(_F32) + _F32(1)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_F32)  # mantissa scaled into [0.5, 1)
    small = m < _F32(0.707106781186547524)
    e = e - small.astype(_F32)
    x = (m - _F32(1)) + m * small  # exact: adds m or 0
    z = x * x
    y = np.full_like(x, _F32(_LOG_P[0]))
    for c in _LOG_P[1:]:
        y = _fma32(y, x, c)
    y = _fma32(y * x, z, e * _F32(-2.12194440e-4))
    y = y - z * _F32(0.5)
    return (x + y) + e * _F32(0.693359375)


def _sincos_avx(x):
    """float32 (sin, cos) of x >= 0 by Cephes' octant reduction and polynomials, as torch's AVX2 kernel."""
    j = (x * _F32(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_F32)
    x = (x + y * _F32(-0.78515625)) + y * _F32(-2.4187564849853515625e-4)  # exact products: fused or not alike
    x = _fma32(y, -3.77489497744594108e-8, x)
    z = x * x
    pc = _fma32(_fma32(np.full_like(z, _F32(2.443315711809948e-5)), z, _F32(-1.388731625493765e-3)), z,
                _F32(4.166664568298827e-2))
    pc = _fma32(pc * z, z, -(z * _F32(0.5))) + _F32(1)
    ps = _fma32(_fma32(np.full_like(z, _F32(-1.9515295891e-4)), z, _F32(8.3321608736e-3)), z,
                _F32(-1.6666654611e-1))
    ps = _fma32(ps * z, x, x)
    first = (j & 2) == 0
    s, c = np.where(first, ps, pc), np.where(first, pc, ps)
    s.view(np.int32)[...] ^= (j & 4) << 29  # octant signs go straight into the sign bit
    c.view(np.int32)[...] ^= (~(j - 2) & 4) << 29
    return s, c


def _fill16_avx2(u, nd, mean, std):
    """ATen's normal_fill_16_AVX2 (float32): vector log and sincos, results through one fused multiply-add."""
    blk = u.reshape(-1, 2, 8)
    radius = np.sqrt(_F32(-2) * _log_avx(_F32(1) - blk[:, 0]))
    s, c = _sincos_avx(_F32(2 * math.pi) * blk[:, 1])
    m, sd = _F32(mean), _F32(std)
    return np.concatenate([_fma32(radius * c, sd, m), _fma32(radius * s, sd, m)], 1).reshape(-1)


# ---- integers, permutations ----------------------------------------------------------------------------------------
def random_from_to(g: Generator, shape, nd, low: int, high: int) -> np.ndarray:
    """Tensor.random_(low, high): (draw % range) + low, 64-bit draws when the range needs them."""
    nd = np.dtype(nd)
    rng = high - low
    n = math.prod(shape)
    wide = rng >= (1 << 32) and nd in (np.int64, np.float64, np.float32)
    r = g.random64(n) if wide else g.random32(n)
    v = (r % np.uint64(rng)).astype(np.int64) + np.int64(low) if rng < (1 << 63) else \
        ((r % np.uint64(rng)) + np.uint64(low & _U64)).view(np.int64)
    return v.astype(nd).reshape(shape)


def random_full(g: Generator, shape, nd) -> np.ndarray:
    """Tensor.random_() without bounds: [0, 2^mantissa] for floats, [0, max] for integers, per ATen's uniform_int."""
    nd = np.dtype(nd)
    n = math.prod(shape)
    r = g.random64(n) if nd in (np.int64, np.float64) else g.random32(n)
    if nd == np.bool_:
        return (r & np.uint64(1)).astype(bool).reshape(shape)
    mod = (1 << (np.finfo(nd).nmant + 1)) + 1 if nd.kind == "f" else int(np.iinfo(nd).max) + 1
    return (r % np.uint64(mod)).astype(nd).reshape(shape)


def randperm(g: Generator, n: int) -> np.ndarray:
    """torch's CPU randperm: the swap i <-> i + (random() % (n - i)) for i = 0 .. n-2."""
    out = np.arange(n, dtype=np.int64)
    if n < 2:
        return out
    z = (g.random32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
    j = (z + np.arange(n - 1)).tolist()
    perm = out.tolist()
    for i, k in enumerate(j):  # Fisher-Yates is inherently sequential: one cheap swap per position
        perm[i], perm[k] = perm[k], perm[i]
    return np.array(perm, np.int64)


# ---- other distributions -------------------------------------------------------------------------------------------
def bernoulli_scalar(g: Generator, shape, p: float) -> np.ndarray:
    """Tensor.bernoulli_(p) for a float p: one double uniform per element, True where u < p."""
    return (unit(g, math.prod(shape), np.float64) < p).reshape(shape)


def bernoulli_tensor(g: Generator, p: np.ndarray) -> np.ndarray:
    """bernoulli with per-element probabilities: double uniforms for float64 p, else 24-bit float uniforms."""
    wide = p.dtype == np.float64
    u = unit(g, p.size, np.float64 if wide else np.float32)
    return (u < (p if wide else p.astype(_F32)).reshape(-1)).reshape(p.shape)


def exponential(g: Generator, n: int, lambd: float) -> np.ndarray:
    """-1/lambda * log(1 - u) with double uniforms."""
    return -1.0 / lambd * np.log(1.0 - unit(g, n, np.float64))


def geometric(g: Generator, n: int, p: float) -> np.ndarray:
    return np.ceil(np.log(unit(g, n, np.float64)) / np.log(1.0 - p))


def cauchy(g: Generator, n: int, median: float, sigma: float) -> np.ndarray:
    return median + sigma * np.tan(math.pi * (unit(g, n, np.float64) - 0.5))


def log_normal(g: Generator, n: int, mean: float, std: float) -> np.ndarray:
    return np.exp(scalar_normals(g, n) * std + mean)


def multinomial(g: Generator, w: np.ndarray, num_samples: int, replacement: bool) -> np.ndarray:
    """torch's CPU multinomial on 2-D weights: the exponential race (argmax/topk of w / Exp(1)) without replacement
    or for a single draw, else per-row inverse-CDF binary search with double uniforms."""
    rows, n = w.shape
    if not replacement or num_samples == 1:
        q = exponential(g, w.size, 1.0).astype(w.dtype).reshape(w.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            key = w / q
        key = np.where(np.isnan(key), -np.inf, key)
        if num_samples == 1:
            return np.argmax(key, axis=1)[:, None].astype(np.int64)
        return np.argsort(-key, axis=1, kind="stable")[:, :num_samples].astype(np.int64)
    cdf = np.cumsum(w, axis=1, dtype=w.dtype)
    cdf = (cdf / cdf[:, -1:]).astype(_F64)
    cdf[:, -1] = 1.0
    u = unit(g, rows * num_samples, np.float64).reshape(rows, num_samples)
    return np.stack([np.searchsorted(cdf[i], u[i], side="left") for i in range(rows)]).astype(np.int64)
