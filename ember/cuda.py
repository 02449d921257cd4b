"""ember.cuda (torch.cuda's names): device queries, seeding and memory helpers, plus ``ember.cuda.amp``.

A device counts only when CuPy is installed (``pip install 'ember[cuda]'``) and sees a GPU; on CPU-only machines
`is_available()` is False, `device_count()` is 0, and seeding, `synchronize` and `empty_cache` do nothing.
"""
from __future__ import annotations

import importlib.util
import sys
import types
import warnings

from . import _identity
from . import amp as _amp

__all__ = ["is_available", "device_count", "is_initialized", "current_device", "get_device_name",
           "manual_seed", "manual_seed_all", "seed", "seed_all", "synchronize", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats", "is_bf16_supported", "amp",
           "set_device", "init", "get_device_properties", "get_device_capability", "mem_get_info", "get_arch_list",
           "get_rng_state", "set_rng_state", "get_rng_state_all", "set_rng_state_all", "max_memory_reserved",
           "memory_stats", "ipc_collect", "Event", "Stream", "current_stream", "default_stream", "stream",
           "StreamContext", "device", "FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor",
           "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


def _cupy():
    """The cupy module if it is installed and sees at least one GPU, else None."""
    if importlib.util.find_spec("cupy") is None:
        return None
    try:
        import cupy
        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # cupy installed without a usable driver
        return None


def is_available() -> bool:
    """Whether a CUDA GPU can be used (CuPy installed and a device visible)."""
    return _cupy() is not None


def device_count() -> int:
    """Number of visible CUDA GPUs (0 without CuPy or a GPU)."""
    cp = _cupy()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def is_initialized() -> bool:
    return "cupy" in sys.modules and is_available()


def _require():
    cp = _cupy()
    if cp is None:
        raise AssertionError("ember has no CUDA device here (ember.cuda.is_available() is False): install a GPU "
                             "driver and `pip install 'ember[cuda]'`, or run on the CPU")
    return cp


def current_device() -> int:
    """Index of the current CUDA device (AssertionError without one, as torch)."""
    return _require().cuda.runtime.getDevice()


def get_device_name(device=None) -> str:
    cp = _require()
    index = getattr(device, "index", device) or 0
    name = cp.cuda.runtime.getDeviceProperties(index)["name"]
    return name.decode() if isinstance(name, bytes) else name


def manual_seed(seed: int) -> None:
    """No-op: ember draws every random number from the generator `ember.manual_seed` seeds."""


def manual_seed_all(seed: int) -> None:
    """No-op, like `manual_seed`."""


def seed() -> None:
    """No-op, like `manual_seed`."""


def seed_all() -> None:
    """No-op, like `manual_seed`."""


def synchronize(device=None) -> None:
    """Wait for queued GPU work to finish (a no-op without a GPU)."""
    cp = _cupy() if "cupy" in sys.modules else None
    if cp is not None:
        cp.cuda.runtime.deviceSynchronize()


def empty_cache() -> None:
    """Return cached GPU memory blocks to the driver (a no-op without a GPU)."""
    cp = _cupy() if "cupy" in sys.modules else None
    if cp is not None:
        cp.get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None) -> int:
    """Bytes of GPU memory held by tensors (0 without a GPU)."""
    cp = _cupy() if "cupy" in sys.modules else None
    return 0 if cp is None else cp.get_default_memory_pool().used_bytes()


def memory_reserved(device=None) -> int:
    """Bytes of GPU memory held by ember's allocator cache (0 without a GPU)."""
    cp = _cupy() if "cupy" in sys.modules else None
    return 0 if cp is None else cp.get_default_memory_pool().total_bytes()


def max_memory_allocated(device=None) -> int:
    """ember keeps no peak statistics: the current `memory_allocated`."""
    return memory_allocated(device)


def reset_peak_memory_stats(device=None) -> None:
    """No-op: ember keeps no peak statistics."""


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: ember has no bfloat16 GPU kernels."""
    return False


def _index(device) -> int:
    """The CUDA device index named by an int, a 'cuda:N' string or an ember.device (ValueError for other types)."""
    if isinstance(device, int):
        return device
    from ._backend import device as _device
    dev = _device(device)
    if dev.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {dev}")
    return dev.index if dev.index is not None else (current_device() if is_available() else 0)


def set_device(device) -> None:
    """Select the current CUDA device; a negative index does nothing (as in torch)."""
    index = _index(device)
    if index < 0:
        return
    _require().cuda.Device(index).use()


def init() -> None:
    """Initialize CUDA (AssertionError without a GPU, as torch)."""
    _require()


def get_device_properties(device=None):
    """The device's properties (name, total_memory, major, minor, multi_processor_count); AssertionError without."""
    cp = _require()
    index = 0 if device is None else _index(device)
    p = cp.cuda.runtime.getDeviceProperties(index)
    name = p["name"].decode() if isinstance(p["name"], bytes) else p["name"]
    return types.SimpleNamespace(name=name, total_memory=p["totalGlobalMem"], major=p["major"], minor=p["minor"],
                                 multi_processor_count=p["multiProcessorCount"])


def get_device_capability(device=None) -> tuple[int, int]:
    """(major, minor) compute capability of the device (AssertionError without a GPU)."""
    p = get_device_properties(device)
    return p.major, p.minor


def mem_get_info(device=None) -> tuple[int, int]:
    """(free, total) bytes of GPU memory (AssertionError without a GPU)."""
    return tuple(_require().cuda.runtime.memGetInfo())


def get_arch_list() -> list[str]:
    """CUDA architectures ember was built for: none (CuPy compiles kernels at run time)."""
    return []


def get_rng_state(device="cuda"):
    """AssertionError without a GPU; ember has no separate CUDA generator (see `manual_seed`)."""
    _require()
    from ._ops.creation import default_generator
    return default_generator.get_state()


def set_rng_state(new_state, device="cuda") -> None:
    """No-op: ember has no separate CUDA generator (torch also ignores it before CUDA is initialized)."""


def get_rng_state_all() -> list:
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state_all(new_states) -> None:
    """No-op, like `set_rng_state`."""


def max_memory_reserved(device=None) -> int:
    """ember keeps no peak statistics: the current `memory_reserved`."""
    return memory_reserved(device)


def memory_stats(device=None) -> dict:
    """Allocator statistics: an empty dict without a GPU (as torch's), else the current byte counts."""
    import collections
    if "cupy" not in sys.modules or _cupy() is None:
        return collections.OrderedDict()
    return collections.OrderedDict([("allocated_bytes.all.current", memory_allocated(device)),
                                    ("reserved_bytes.all.current", memory_reserved(device))])


def ipc_collect() -> None:
    """AssertionError without a GPU, as torch; nothing to collect otherwise."""
    _require()


class Event:
    """A CUDA event (record, synchronize, elapsed_time in ms); RuntimeError without a GPU, as CPU torch."""

    def __init__(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False) -> None:
        cp = _cupy()
        if cp is None:
            raise RuntimeError("Tried to instantiate dummy base class Event")
        self._event = cp.cuda.Event(block=blocking, disable_timing=not enable_timing, interprocess=interprocess)

    def record(self, stream=None) -> None:
        self._event.record(None if stream is None else stream._stream)

    def wait(self, stream=None) -> None:
        (current_stream() if stream is None else stream)._stream.wait_event(self._event)

    def query(self) -> bool:
        return self._event.done

    def synchronize(self) -> None:
        self._event.synchronize()

    def elapsed_time(self, end_event: "Event") -> float:
        return _cupy().cuda.get_elapsed_time(self._event, end_event._event)


class Stream:
    """A CUDA stream; RuntimeError without a GPU, as CPU torch."""

    def __init__(self, device=None, priority: int = 0, **kwargs) -> None:
        cp = _cupy()
        if cp is None:
            raise RuntimeError("torch.cuda.Stream requires CUDA support")
        self._stream = kwargs.get("_wrap") or cp.cuda.Stream(non_blocking=True)

    def synchronize(self) -> None:
        self._stream.synchronize()

    def query(self) -> bool:
        return self._stream.done

    def wait_stream(self, stream: "Stream") -> None:
        self._stream.wait_event(stream.record_event()._event)

    def wait_event(self, event: Event) -> None:
        self._stream.wait_event(event._event)

    def record_event(self, event: Event | None = None) -> Event:
        event = Event() if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        self._stream.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._stream.__exit__(*exc)


def current_stream(device=None) -> Stream:
    """The stream work is queued on (AssertionError without a GPU)."""
    cp = _require()
    return Stream(_wrap=cp.cuda.get_current_stream())


def default_stream(device=None) -> Stream:
    """The device's default (null) stream (AssertionError without a GPU)."""
    cp = _require()
    return Stream(_wrap=cp.cuda.Stream.null)


class StreamContext:
    """``with ember.cuda.stream(s):`` runs the block on stream `s`; a no-op for None (so it works on the CPU)."""

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            self.stream.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.stream is not None:
            self.stream.__exit__(*exc)


def stream(stream: Stream | None) -> StreamContext:
    return StreamContext(stream)


class device:  # noqa: N801 - torch's name
    """``with ember.cuda.device(i):`` makes device `i` current inside the block (a no-op for -1 or without a GPU)."""

    def __init__(self, device) -> None:
        self.idx, self.prev_idx = _index(device) if device is not None else -1, -1

    def __enter__(self):
        if self.idx >= 0 and is_available():
            self.prev_idx = current_device()
            set_device(self.idx)
        return self

    def __exit__(self, *exc) -> None:
        if self.prev_idx >= 0:
            set_device(self.prev_idx)


class _CudaLegacyType(type):
    """Metaclass of ember.cuda.FloatTensor & co: CUDA tensors of one dtype (TypeError without a GPU, as torch)."""

    def __instancecheck__(cls, obj):
        from ._tensor import Tensor
        return isinstance(obj, Tensor) and obj.dtype is cls._cpu._dtype and obj.device.type == "cuda"

    def __call__(cls, *args, **kwargs):
        if not is_available():
            raise TypeError(f"type {_identity.name()}.cuda.{cls.__name__} not available. "
                            "Torch not compiled with CUDA enabled.")
        return cls._cpu(*args).to("cuda")

    def __repr__(cls):
        return f"<class '{_identity.name()}.cuda.{cls.__name__}'>"


def _legacy_types() -> dict:
    from ._tensor import LEGACY_TYPES
    return {k: _CudaLegacyType(k, (), {"_cpu": v, "__module__": __name__}) for k, v in LEGACY_TYPES.items()}


globals().update(_legacy_types())


def _deprecated(name: str, cls):
    def make(*args, **kwargs):
        warnings.warn(f"`ember.cuda.amp.{name}(args...)` is deprecated. Please use `ember.amp.{name}('cuda', "
                      "args...)` instead.", FutureWarning, stacklevel=2)
        return cls("cuda", *args, **kwargs)
    make.__name__ = make.__qualname__ = name
    make.__doc__ = f"Deprecated alias of ``ember.amp.{name}('cuda', ...)``."
    return make


# ember.cuda.amp is a module object so that `import ember.cuda.amp` / `from torch.cuda.amp import ...` work.
amp = types.ModuleType("ember.cuda.amp", "CUDA automatic mixed precision (deprecated aliases of ember.amp).")
amp.GradScaler = _deprecated("GradScaler", _amp.GradScaler)
amp.autocast = _deprecated("autocast", _amp.autocast)
amp.custom_fwd, amp.custom_bwd = _amp.custom_fwd, _amp.custom_bwd
sys.modules[amp.__name__] = amp
