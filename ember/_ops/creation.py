"""Tensor creation, conversion (to/ToCopy) and random sampling with seeded generators."""
from __future__ import annotations

import builtins
import math
import numbers

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
def _infer_array(data, to_float=False, explicit=False):
    """numpy array from nested Python data with torch's dtype inference (Python floats stay float64 when `explicit`,
    so an explicit dtype is reached in one rounding, as torch does)."""
    if isinstance(data, Tensor):
        return data._data.copy() if isinstance(data._data, np.ndarray) else data._data.get()
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, np.generic):
        return np.asarray(data)
    if isinstance(data, (list, tuple)) and builtins.any(isinstance(x, Tensor) for x in _flat_iter(data)):
        data = _tensors_to_lists(data)
    try:
        arr = np.array(data)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    if arr.dtype == object or (arr.dtype.kind in "uf" and arr.dtype != np.uint8 and _has_big_int(data)):
        _check_items(data)
        if to_float:
            return np.array(data, dtype=np.float64)
        raise ValueError("Overflow when unpacking long long")
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(_dtype.get_default_dtype().np, copy=False) if not explicit and (
            _has_py_float(data) or arr.size == 0) else arr
    if kind in "iu":
        return arr.astype(np.int64, copy=False) if _has_py_int(data) else arr
    if kind == "b":
        return arr
    if kind == "U" or kind == "S":
        raise TypeError(f"new(): invalid data type '{arr.dtype.kind == 'U' and 'str'}'")
    if kind == "c":
        raise TypeError("complex tensors are not supported by ember")
    return arr


def _check_items(data):
    """torch's errors for nested data numpy could only hold as objects: non-numbers, ragged lists."""
    for x in _flat_iter(data):
        if not isinstance(x, (numbers.Number, np.generic, Tensor)):
            raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")
        if isinstance(x, builtins.int) and not -2 ** 63 <= x < 2 ** 63:
            return
    raise ValueError("expected a sequence of equal-length sequences (ragged nested sequence)")


def _has_big_int(data):
    """Python ints outside int64 (numpy turns them into uint64, float64 or objects; torch refuses them)."""
    return builtins.any(type(x) is builtins.int and not -2 ** 63 <= x < 2 ** 63
                        for x in (_flat_iter(data) if isinstance(data, (list, tuple)) else [data]))


def _check_range(arr, nd):
    """torch refuses Python values that overflow an integer target dtype (negative ones wrap into unsigned)."""
    if nd.kind not in "iu" or arr.size == 0 or arr.dtype.kind not in "iuf":
        return
    info = np.iinfo(nd)
    lo = info.min if nd.kind == "i" else -builtins.int(info.max)
    if arr.dtype.kind == "f":
        bad = not np.isfinite(arr).all() or arr.max() >= 2.0 ** (info.bits - (nd.kind == "i")) or \
            arr.min() < (lo if nd.kind == "i" else -1)
    else:
        bad = arr.max() > info.max or arr.min() < lo
    if bad:
        raise RuntimeError(f"value cannot be converted to type {nd.name} without overflow")


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
    nd = None if dtype is None else _dtype.to_np(dtype)
    arr = _infer_array(data, nd is not None and nd.kind == "f", nd is not None)
    if dtype is not None:
        if not isinstance(data, (Tensor, np.ndarray)):
            _check_range(arr, nd)
        with np.errstate(over="ignore"):  # float overflow to inf, silently as torch
            arr = arr.astype(nd, copy=False)
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
    try:
        arr = xp.zeros(shape, nd) if fill == 0 else (xp.ones(shape, nd) if fill == 1 else xp.full(shape, fill, nd))
    except (MemoryError, ValueError) as e:
        if isinstance(e, ValueError) and "too big" not in str(e):
            raise
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to allocate "
                           f"{math.prod(shape) * nd.itemsize} bytes.") from None
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
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
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
    if not builtins.all(math.isfinite(v) for v in (start, end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is not None and _np_dtype(dtype).kind == "b":
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
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
from .. import _random as _R  # noqa: E402
from .._random import Generator, default_generator  # noqa: E402,F401


def manual_seed(seed) -> Generator:
    """Seed the default generator (torch's mt19937 stream: same seed, same numbers as torch on CPU)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state as a uint8 tensor in torch's layout (loadable by torch.set_rng_state)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


def _rng(generator):
    """A numpy-Generator-like view of `generator` (or the default one) for internal callers."""
    return _R.NumpyStyle(_R.gen(generator))


def _float_dtype(dtype):
    nd = _np_dtype(dtype)
    if nd.kind != "f":
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for '{_dtype.from_np(nd).name}'")
    return nd


def _random_shape(size, kw) -> tuple:
    shape = _size_args(_sized(size, kw))
    if builtins.any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {builtins.min(shape)}: {list(shape)}")
    return shape


def _check_p(p):
    """torch's check on a probability tensor (NaN fails it too)."""
    if not ((p >= 0) & (p <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


def _check_continuous(t, name):
    if t._data.dtype.kind != "f":
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {t.dtype.name.capitalize().replace('Int64', 'Long')}")


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw) -> Tensor:
    """Uniform samples from [0, 1) (torch's stream)."""
    shape = _random_shape(size, kw)
    arr = _R.uniform(_R.gen(generator), shape, _float_dtype(dtype))
    return _finish(arr, None, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw) -> Tensor:
    """Standard normal samples (torch's stream)."""
    shape = _random_shape(size, kw)
    nd = _np_dtype(dtype)
    if nd.kind != "f":
        raise RuntimeError(f"\"normal_kernel_cpu\" not implemented for '{_dtype.from_np(nd).name}'")
    return _finish(_R.normal(_R.gen(generator), shape, nd), None, device, requires_grad)


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
    arr = _R.random_from_to(_R.gen(generator), _random_shape((size,), {}), _np_dtype(dtype, _dtype.int64),
                            builtins.int(low), builtins.int(high))
    return _finish(arr, None, device, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0..n-1 (torch's CPU swap sequence)."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    return _finish(_R.randperm(_R.gen(generator), n).astype(_np_dtype(dtype, _dtype.int64)), None, device,
                   requires_grad)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return rand(input.shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None) -> Tensor:
    dt, dev = _like(input, dtype, device)
    return randn(input.shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None) -> Tensor:
    if high is None:
        low, high = 0, low
    dt, dev = _like(input, dtype, device)
    return randint(low, high, input.shape, generator=generator, dtype=dt, device=dev)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Normal samples; `mean`/`std` may be tensors (elementwise) or floats with `size` (torch's stream)."""
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    g = _R.gen(generator)
    if not tm and not ts:
        if size is None:
            raise TypeError("normal() missing required argument 'size'")
        if not std >= 0.0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        arr = _R.normal(g, _size_args((size,)), _float_dtype(dtype), mean, std)
        return _finish(arr, None, device, requires_grad)
    ref = mean if tm else std
    if ts and (np.asarray(std._data) < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not ts and not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    shape = np.broadcast_shapes(np.shape(mean._data) if tm else (), np.shape(std._data) if ts else ())
    nd = ref._data.dtype
    if not ts:  # torch: output.normal_(0, std).add_(mean)
        z = _R.normal(g, shape, nd, 0.0, std)
        return _make(to_device(z, ref.device) + mean._data)
    z = _R.normal(g, shape, nd)  # torch: output.normal_(0, 1).mul_(std).add_(mean)
    return _make(to_device(z, ref.device) * std._data + (mean._data if tm else nd.type(mean)))


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """Samples 1 with probability `input` (or `p`), else 0, in input's dtype (torch's stream)."""
    g = _R.gen(generator)
    if p is None:
        _check_p(np.asarray(input._data))
        res = _R.bernoulli_tensor(g, np.asarray(input._data))
    else:
        res = _R.bernoulli_scalar(g, input._data.shape, builtins.float(p))
    return _make(to_device(res.astype(input._data.dtype), input.device))


def poisson(input, generator=None) -> Tensor:
    """Poisson samples (numpy's sampler seeded from one draw of the stream: not torch's values)."""
    seed_ = builtins.int(_R.gen(generator).random64(1)[0])
    rng = np.random.default_rng(seed_)
    return _make(rng.poisson(np.asarray(input._data)).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Draw category indices from (rows of) non-negative weights (torch's CPU algorithm and stream)."""
    w = np.asarray(input._data)
    one = w.ndim == 1
    if w.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    w = w.reshape(1, -1) if one else w
    if (w < 0).any() or not np.isfinite(w).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (w.sum(1, dtype=np.float64) == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    n = w.shape[1]
    if not replacement:
        if num_samples > n:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if ((w > 0).sum(1) < num_samples).any():
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative "
                               "category to sample)")
    idx = _R.multinomial(_R.gen(generator), w if w.dtype.kind == "f" else w.astype(np.float32), num_samples,
                         replacement)
    return _make(to_device(idx[0] if one else idx, input.device))


# ---- in-place random fills (used by nn.init) ------------------------------------------------------------------------
def _fill_(t: Tensor, arr) -> Tensor:
    from .inplace import write_nograd
    return write_nograd(t, arr)


def _draw(t: Tensor, fn):
    """fn(shape, to_order) sampled in t's memory order (the order torch's kernels walk a strided tensor), returned
    laid out like t; to_order(x) permutes an array shaped like t into that order."""
    a = t._data
    if a.ndim < 2 or a.flags.c_contiguous:
        return fn(a.shape, lambda x: x)
    order = sorted(range(a.ndim), key=lambda i: -abs(a.strides[i]))
    vals = fn(tuple(a.shape[i] for i in order), lambda x: np.transpose(x, order))
    return np.transpose(vals, np.argsort(order))


def _check_float_fill(t, kernel):
    if t._data.dtype.kind != "f":
        from ._base import not_implemented
        raise not_implemented(kernel, t._data)


def uniform_(t, a=0.0, b=1.0, *, generator=None):
    _check_float_fill(t, "check_uniform_bounds")
    if not (math.isfinite(a) and math.isfinite(b)):
        raise RuntimeError(f"{'from' if not math.isfinite(a) else 'to'} is out of bounds for "
                           f"{t.dtype.name.replace('32', '').replace('64', '')}")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")
    g, nd = _R.gen(generator), t._data.dtype
    return _fill_(t, _draw(t, lambda s, _: _R.uniform(g, s, nd, a, b)))


def normal_(t, mean=0.0, std=1.0, *, generator=None):
    _check_float_fill(t, "normal_kernel_cpu")
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    g, nd, contig = _R.gen(generator), t._data.dtype, t.is_contiguous()
    return _fill_(t, _draw(t, lambda s, _: _R.normal(g, s, nd, mean, std, contig)))


def random_(t, from_=0, to=None, *, generator=None):
    g = _R.gen(generator)
    if to is None and from_ == 0:
        return _fill_(t, _draw(t, lambda s, _: _R.random_full(g, s, t._data.dtype)))
    if to is None:
        from_, to = 0, from_
    lo, hi = builtins.int(from_), builtins.int(to)
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    return _fill_(t, _draw(t, lambda s, _: _R.random_from_to(g, s, t._data.dtype, lo, hi)))


def bernoulli_(t, p=0.5, *, generator=None):
    g = _R.gen(generator)
    if isinstance(p, Tensor):
        _check_p(np.asarray(p._data))
        pb = np.broadcast_to(np.asarray(p._data), t.shape)
        return _fill_(t, _draw(t, lambda s, perm: _R.bernoulli_tensor(g, perm(pb))))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill_(t, _draw(t, lambda s, _: _R.bernoulli_scalar(g, s, builtins.float(p))))


def exponential_(t, lambd=1.0, *, generator=None):
    _check_continuous(t, "Exponential")
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    g = _R.gen(generator)
    return _fill_(t, _draw(t, lambda s, _: _R.exponential(g, math.prod(s), lambd).reshape(s)))


def geometric_(t, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    g = _R.gen(generator)
    return _fill_(t, _draw(t, lambda s, _: _R.geometric(g, math.prod(s), p).reshape(s)))


def log_normal_(t, mean=1.0, std=2.0, *, generator=None):
    _check_float_fill(t, "log_normal_cpu")
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    g = _R.gen(generator)
    return _fill_(t, _draw(t, lambda s, _: _R.log_normal(g, math.prod(s), mean, std).reshape(s)))


def cauchy_(t, median=0.0, sigma=1.0, *, generator=None):
    _check_continuous(t, "Cauchy")
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    g = _R.gen(generator)
    return _fill_(t, _draw(t, lambda s, _: _R.cauchy(g, math.prod(s), median, sigma).reshape(s)))
