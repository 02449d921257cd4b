"""Automatic mixed precision (torch.amp's names): `autocast` and `GradScaler`.

ember has no reduced-precision kernels yet, so `autocast` is an honest no-op: ops keep running in their inputs'
dtypes (it warns once when asked for float16/bfloat16). `GradScaler` implements loss scaling for real on the CPU;
a scaler for CUDA on a machine without it disables itself, as torch's does.
"""
from __future__ import annotations

import functools
import warnings
from collections import defaultdict
from typing import Any, Callable

from . import _dtype
from ._tensor import Tensor

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd", "is_autocast_available", "is_autocast_enabled"]

_warned_no_amp = False


def _cuda_available() -> bool:
    from . import cuda
    return cuda.is_available()


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can cast on `device_type`: never in ember yet (it runs ops in their inputs' dtypes)."""
    return False


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is casting ops right now: never in ember, whose `autocast` keeps every op's dtype."""
    return False


class autocast:
    r"""Context manager / decorator for mixed-precision regions; in ember a no-op (ops keep their dtypes).

    Args:
        device_type (str): ``'cpu'`` or ``'cuda'``.
        dtype (ember.dtype, optional): the reduced dtype (default: bfloat16 on cpu, float16 on cuda).
        enabled (bool): whether the region is active; False makes it a plain no-op without any warning.
        cache_enabled (bool, optional): accepted for compatibility.
    """

    def __init__(self, device_type: str, dtype: _dtype.dtype | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        global _warned_no_amp
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype if dtype is not None else (_dtype.bfloat16 if device_type == "cpu"
                                                           else _dtype.float16)
        self._cache_enabled = cache_enabled
        if enabled and device_type == "cuda" and not _cuda_available():
            warnings.warn("CUDA is not available. Disabling autocast.", UserWarning, stacklevel=2)
            enabled = False
        elif enabled and self.fast_dtype in (_dtype.float16, _dtype.bfloat16) and not _warned_no_amp:
            _warned_no_amp = True
            warnings.warn(f"ember.autocast: ember has no mixed-precision kernels yet, so ops inside autocast keep "
                          f"their inputs' dtypes instead of running in {self.fast_dtype} (results are float32, "
                          "just slower than real AMP).", UserWarning, stacklevel=2)
        self._enabled = enabled

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return wrapper


def custom_fwd(fwd: Callable | None = None, *, device_type: str = "cuda", cast_inputs=None) -> Callable:
    """Decorator for a custom autograd ``forward`` under autocast; ember does no casting, so it returns `fwd`."""
    return fwd if fwd is not None else (lambda f: f)


def custom_bwd(bwd: Callable | None = None, *, device_type: str = "cuda") -> Callable:
    """Decorator for a custom autograd ``backward`` under autocast; returns `bwd` unchanged."""
    return bwd if bwd is not None else (lambda f: f)


_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    r"""Dynamic loss scaling: multiply the loss by ``scale`` before ``backward``, unscale the gradients before
    the optimizer step, skip steps whose gradients overflowed and adapt ``scale``.

    Args:
        device (str): ``'cuda'`` or ``'cpu'``. A cuda scaler without CUDA warns and disables itself.
        init_scale (float): initial scale factor. Default: ``2.**16``
        growth_factor (float): scale multiplier after `growth_interval` overflow-free steps. Default: 2.0
        backoff_factor (float): scale multiplier after an overflow. Default: 0.5
        growth_interval (int): overflow-free steps between growths. Default: 2000
        enabled (bool): False makes every method a pass-through (``scale`` returns its input, ``step`` calls
            ``optimizer.step()``).
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        if enabled and device == "cuda" and not _cuda_available():
            warnings.warn("ember.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            enabled = False
        self._enabled = enabled
        if not (growth_factor > 1.0):
            raise AssertionError("The growth factor must be > 1.0.")
        if not (backoff_factor < 1.0):
            raise AssertionError("The backoff factor must be < 1.0.")
        self._scale, self._growth_factor, self._backoff_factor = float(init_scale), growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = growth_interval, 0
        self._per_optimizer_states = defaultdict(lambda: {"stage": _READY, "found_inf": False})

    def scale(self, outputs):
        """`outputs` (a tensor or nested list/tuple of tensors) times the current scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer) -> None:
        """Divide `optimizer`'s gradients by the scale in place and record whether any is inf/NaN."""
        if not self._enabled:
            return
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv, found = 1.0 / self._scale, False
        from .autograd import no_grad
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.grad.mul_(inv)
                        found = found or not bool(p.grad.isfinite().all())
        state.update(stage=_UNSCALED, found_inf=found)

    def step(self, optimizer, *args: Any, **kwargs: Any):
        """Unscale (if not done yet) and call ``optimizer.step(...)`` unless the gradients hold infs/NaNs."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        retval = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Back off the scale after an overflow, grow it after `growth_interval` clean steps (or set `new_scale`)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        else:
            if not self._per_optimizer_states:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(s["found_inf"] for s in self._per_optimizer_states.values()):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer_states.clear()

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """The scale and growth settings (an empty dict when disabled), as torch's scaler saves them."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor, self._backoff_factor = state_dict["growth_factor"], state_dict["backoff_factor"]
        self._growth_interval, self._growth_tracker = state_dict["growth_interval"], state_dict["_growth_tracker"]
