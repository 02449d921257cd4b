"""Tensor creation, conversion (to/ToCopy) and random sampling with seeded generators."""
from __future__ import annotations

import builtins
import math
import pickle

import numpy as np

from .. import _dtype
from .._backend import CPU, device, device_of, to_device, xp_for
from .._dtype import dtype as _dtype_cls
from .._tensor import Tensor, _make
from ..autograd.graph import Node
from .shape import _size_args


def _dev(d) -> device:
    return CPU if d is None else (d if isinstance(d, device) else device(d))


def _finish(arr, dtype=None, device=None, requires_grad=False) -> Tensor:
    dev = _dev(device)
    if dev.type != "cpu":
        arr = to_device(arr, dev)
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np
    return _dtype.to_np(dtype)


# ---- from data ----------------------------------------------------------------------------------------------------
def _infer_array(data):
    """numpy array from nested Python data with torch's dtype inference."""
    if isinstance(data, Tensor):
        return data._data.copy() if isinstance(data._data, np.ndarray) else data._data.get()
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, np.generic):
        return np.asarray(data)
    if isinstance(data, (list, tuple)) and builtins.any(isinstance(x, Tensor) for x in _flat_iter(data)):
        data = _tensors_to_lists(data)
    arr = np.array(data)
    if arr.dtype == object:
        raise ValueError("expected a sequence of equal-length sequences (ragged nested sequence)")
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(_dtype.get_default_dtype().np, copy=False) if _has_py_float(data) or arr.size == 0 \
            else arr
    if kind in "iu":
        return arr.astype(np.int64, copy=False) if _has_py_int(data) else arr
    if kind == "b":
        return arr
    if kind == "U" or kind == "S":
        raise TypeError(f"new(): invalid data type '{arr.dtype.kind == 'U' and 'str'}'")
    if kind == "c":
        raise TypeError("complex tensors are not supported by ember")
    return arr


def _flat_iter(data):
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        else:
            yield x


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(x) for x in data]
    return data


def _has_py_float(data):
    """Python floats pick the default dtype unless a numpy float scalar (which keeps its dtype) is present."""
    items = list(_flat_iter(data)) if isinstance(data, (list, tuple)) else [data]
    return builtins.any(type(x) is builtins.float for x in items) and \
        not builtins.any(isinstance(x, np.floating) for x in items)


def _has_py_int(data):
    return builtins.any(type(x) in (builtins.int,) for x in _flat_iter(data)) if isinstance(data, (list, tuple)) \
        else type(data) is builtins.int


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new tensor copying `data` (nested lists, scalars, numpy arrays, tensors)."""
    arr = _infer_array(data)
    if dtype is not None:
        arr = arr.astype(_dtype.to_np(dtype), copy=False)
    else:
        _dtype.from_np(arr.dtype)  # raises TypeError for unsupported numpy dtypes
    return _finish(arr, None, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Share memory with `data` when it already is a tensor/array of the right dtype and device."""
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device)
    if isinstance(data, np.ndarray) and (dtype is None or _dtype.to_np(dtype) == data.dtype) and \
            _dev(device).type == "cpu":
        _dtype.from_np(data.dtype)
        return _make(data)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with a numpy array."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_np(ndarray.dtype)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. Conversion "
                         "between byte orders is currently not supported.")
    return _make(ndarray)


# ---- filled tensors -----------------------------------------------------------------------------------------------
def _filled(fill, size, dtype, device, requires_grad, default=None):
    shape = _size_args(size)
    if builtins.any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {builtins.min(shape)}: {list(shape)}")
    xp = xp_for(_dev(device))
    nd = _np_dtype(dtype, default)
    arr = xp.zeros(shape, nd) if fill == 0 else (xp.ones(shape, nd) if fill == 1 else xp.full(shape, fill, nd))
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _sized(size: tuple, kw: dict) -> tuple:
    """Positional sizes, or torch's `size=` keyword."""
    extra = set(kw) - {"size"}
    if extra:
        raise TypeError(f"got an unexpected keyword argument '{extra.pop()}'")
    if kw:
        if size:
            raise TypeError("size given both positionally and as a keyword")
        return (tuple(kw["size"]),)
    return size


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          **kw) -> Tensor:
    return _filled(0, _sized(size, kw), dtype, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
         **kw) -> Tensor:
    return _filled(1, _sized(size, kw), dtype, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None, **kw) -> Tensor:
    return _filled(0, _sized(size, kw), dtype, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = _dtype.scalar_dtype(fill_value)
    return _filled(fill_value, (tuple(size) if not isinstance(size, int) else (size,),), dtype, device,
                   requires_grad, default)


def _like(input, dtype, device):
    return (dtype or input.dtype), (device if device is not None else input.device)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return _filled(0, (input.shape,), dt, dev, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return _filled(1, (input.shape,), dt, dev, requires_grad)


empty_like = zeros_like


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return _filled(fill_value, (input.shape,), dt, dev, requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    xp = xp_for(_dev(device))
    return _finish(xp.eye(n, n if m is None else m, dtype=_np_dtype(dtype)), None, None, requires_grad)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """[start, end) with `step`; integer args give int64, any float arg the default float dtype."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    start, end, step = vals
    is_float = builtins.any(isinstance(v, (builtins.float, np.floating)) for v in vals)
    nd = _np_dtype(dtype) if dtype is not None else (_dtype.get_default_dtype().np if is_float else np.dtype(np.int64))
    n = builtins.max(math.ceil((end - start) / step), 0)
    xp = xp_for(_dev(device))
    arr = (start + xp.arange(n, dtype=np.float64) * step) if is_float or nd.kind == "f" else \
        xp.arange(start, start + n * step, step, dtype=np.int64)[:n]
    return _finish(arr.astype(nd, copy=False), None, None, requires_grad)


def range_(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Deprecated torch.range: includes `end`."""
    return arange(start, end + step / 2 if end is not None else None, step, dtype=dtype or _dtype.float32,
                  device=device, requires_grad=requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """`steps` evenly spaced values from start to end inclusive (symmetric like torch's kernel)."""
    start, end = [v.item() if isinstance(v, Tensor) else v for v in (start, end)]
    xp = xp_for(_dev(device))
    nd = _np_dtype(dtype)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if steps == 1:
        arr = xp.asarray([start], dtype=np.float64)
    else:
        step = (end - start) / (steps - 1)
        i = xp.arange(steps, dtype=np.float64)
        half = steps // 2
        arr = xp.where(i < half, start + step * i, end - step * (steps - 1 - i))
    if nd.kind in "iu":
        arr = xp.trunc(arr)
    return _finish(arr.astype(nd), None, None, requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    lin = linspace(start, end, steps, dtype=_dtype.float64, device=device)
    return _finish((base ** lin._data).astype(_np_dtype(dtype)), None, None, requires_grad)


def complex(*a, **k):
    raise TypeError("complex tensors are not supported by ember")


# ---- dtype / device conversion --------------------------------------------------------------------------------------
class ToCopyBackward0(Node):
    @staticmethod
    def forward(ctx, a, np_dtype, dev):
        ctx.src_dtype, ctx.src_dev = a.dtype, device_of(a)
        out = a.astype(np_dtype) if np_dtype is not None else a.copy()
        return to_device(out, dev) if dev is not None else out

    def backward(self, g):
        return g.to(dtype=_dtype.from_np(self.src_dtype), device=self.src_dev)


def to_copy(t: Tensor, dt, dev, copy=False) -> Tensor:
    """Tensor.to: a new tensor when dtype/device change (or copy=True), else `t` itself."""
    if dt is not None and not isinstance(dt, _dtype_cls):
        dt = _dtype.from_np(np.dtype(dt))
    nd = None if dt is None else _dtype.to_np(dt)
    cur_dev = device_of(t._data)
    same_dev = dev is None or dev == cur_dev or (dev.type == cur_dev.type and dev.index is None)
    same_dt = nd is None or nd == t._data.dtype
    if same_dev and same_dt and not copy:
        return t
    if nd is not None and nd.kind not in "fc" and t._rg:
        with _no_grad():
            return _make(t._data.astype(nd) if same_dev else to_device(t._data.astype(nd), dev))
    return ToCopyBackward0.apply(t, nd, None if same_dev else dev)


def _no_grad():
    from ..autograd.grad_mode import no_grad
    return no_grad()


# ---- random ---------------------------------------------------------------------------------------------------------
_DEFAULT_SEED = 67280421310721


class Generator:
    """A seeded random stream (numpy PCG64 underneath); same seed, same numbers."""

    def __init__(self, device="cpu"):
        self.device = _dev(device)
        self._seed = _DEFAULT_SEED
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed) -> "Generator":
        seed = builtins.int(seed)
        if seed < 0:
            seed += 1 << 64
        self._seed = seed
        self._rng = np.random.default_rng(seed)
        return self

    def seed(self) -> int:
        s = builtins.int(np.random.SeedSequence().entropy) % (1 << 63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        raw = pickle.dumps((self._seed, self._rng.bit_generator.state))
        return _make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, state: Tensor) -> "Generator":
        seed, st = _safe_state(bytes(state._data.astype(np.uint8).tobytes()))
        self._seed = seed
        self._rng = np.random.default_rng()
        self._rng.bit_generator.state = st
        return self

    def __repr__(self):
        return "<ember._C.Generator object>"


def _safe_state(raw: bytes):
    class _Restricted(pickle.Unpickler):
        def find_class(self, module, name):
            raise pickle.UnpicklingError(f"global '{module}.{name}' is forbidden in an RNG state")
    import io
    return _Restricted(io.BytesIO(raw)).load()


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the default generator (and the CUDA one when present)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


def _rng(generator):
    return (generator or default_generator)._rng


def _float_sample(fn, shape, dtype):
    nd = _np_dtype(dtype)
    if nd.kind != "f":
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for '{_dtype.from_np(nd).name}'")
    arr = fn(shape, np.float32 if nd == np.float16 else nd)
    return arr.astype(nd, copy=False)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw) -> Tensor:
    """Uniform samples from [0, 1)."""
    shape = _size_args(_sized(size, kw))
    arr = _float_sample(lambda s, d: _rng(generator).random(s, dtype=d), shape, dtype)
    return _finish(arr, None, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw) -> Tensor:
    """Standard normal samples."""
    shape = _size_args(_sized(size, kw))
    arr = _float_sample(lambda s, d: _rng(generator).standard_normal(s, dtype=d), shape, dtype)
    return _finish(arr, None, device, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers uniform in [low, high): randint(high, size) or randint(low, high, size)."""
    if size is None:
        if high is None or isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing 1 required positional argument: 'size'")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = _rng(generator).integers(low, high, tuple(size), dtype=np.int64)
    return _finish(arr.astype(_np_dtype(dtype, _dtype.int64), copy=False), None, device, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    return _finish(_rng(generator).permutation(n).astype(_np_dtype(dtype, _dtype.int64)), None, device,
                   requires_grad)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return rand(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return randn(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None) -> Tensor:
    if high is None:
        low, high = 0, low
    dt, dev = _like(input, dtype, device)
    return randint(low, high, input.shape, dtype=dt, device=dev)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Normal samples; `mean`/`std` may be tensors (elementwise) or floats with `size`."""
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not tm and not ts:
        if size is None:
            raise TypeError("normal() missing required argument 'size'")
        shape = _size_args((size,))
        arr = _float_sample(lambda s, d: _rng(generator).standard_normal(s, dtype=d), shape, dtype)
        return _finish(arr * np.asarray(std, arr.dtype) + np.asarray(mean, arr.dtype), None, device, requires_grad)
    ref = mean if tm else std
    m = mean._data if tm else mean
    s = std._data if ts else std
    if ts and (std._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    z = _rng(generator).standard_normal(shape, dtype=ref._data.dtype if ref._data.dtype != np.float16
                                        else np.float32).astype(ref._data.dtype)
    return _make(to_device(z, ref.device) * s + m)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """Samples 1 with probability `input` (or `p`), else 0, in input's dtype."""
    prob = input._data if p is None else np.full(input._data.shape, p)
    u = _rng(generator).random(prob.shape)
    return _make(to_device((u < np.asarray(prob if isinstance(prob, np.ndarray) else prob.get()))
                           .astype(input._data.dtype), input.device))


def poisson(input, generator=None) -> Tensor:
    return _make(_rng(generator).poisson(np.asarray(input._data)).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Draw category indices from (rows of) non-negative weights."""
    w = np.asarray(input._data, dtype=np.float64)
    one = w.ndim == 1
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    w = w.reshape(1, -1) if one else w
    if (w < 0).any() or not np.isfinite(w).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    total = w.sum(1, keepdims=True)
    if (total == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rows, n = w.shape
    rng = _rng(generator)
    if replacement:
        cdf = np.cumsum(w / total, axis=1)
        cdf[:, -1] = 1.0
        u = rng.random((rows, num_samples))
        off = np.arange(rows)[:, None] * 2.0
        idx = np.searchsorted((cdf + off).ravel(), (u + off).ravel(), side="right").reshape(rows, num_samples)
        idx -= np.arange(rows)[:, None] * n
        idx = np.minimum(idx, n - 1)
    else:
        if num_samples > n:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if ((w > 0).sum(1) < num_samples).any():
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative "
                               "category to sample)")
        with np.errstate(divide="ignore"):
            keys = np.log(w) - np.log(-np.log(rng.random(w.shape)))  # Gumbel-top-k == sequential sampling
        idx = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64)
    return _make(to_device(idx[0] if one else idx, input.device))


# ---- in-place random fills (used by nn.init) ------------------------------------------------------------------------
def _fill_(t: Tensor, arr) -> Tensor:
    from .inplace import write_nograd
    return write_nograd(t, arr)


def uniform_(t, a=0.0, b=1.0, *, generator=None):
    r = _rng(generator).random(t.shape, dtype=np.float64)
    return _fill_(t, r * (b - a) + a)


def normal_(t, mean=0.0, std=1.0, *, generator=None):
    return _fill_(t, _rng(generator).standard_normal(t.shape) * std + mean)


def random_(t, from_=0, to=None, *, generator=None):
    if to is None:
        from_, to = 0, from_ if from_ else (2 ** 24 if t._data.dtype.kind == "f" else np.iinfo(t._data.dtype).max)
    return _fill_(t, _rng(generator).integers(from_, to, t.shape))


def bernoulli_(t, p=0.5, *, generator=None):
    prob = p._data if isinstance(p, Tensor) else p
    return _fill_(t, _rng(generator).random(t.shape) < np.asarray(prob))


def exponential_(t, lambd=1.0, *, generator=None):
    return _fill_(t, _rng(generator).exponential(1.0 / lambd, t.shape))


def geometric_(t, p, *, generator=None):
    return _fill_(t, _rng(generator).geometric(p, t.shape))


def log_normal_(t, mean=1.0, std=2.0, *, generator=None):
    return _fill_(t, _rng(generator).lognormal(mean, std, t.shape))


def cauchy_(t, median=0.0, sigma=1.0, *, generator=None):
    return _fill_(t, median + sigma * _rng(generator).standard_cauchy(t.shape))
