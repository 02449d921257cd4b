"""Grad-mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode.

Grad mode and inference mode are per thread, as in torch: each lives in a `ContextVar`, and every thread starts with
its own context, so `no_grad()` in one thread never switches recording off in another. The hot path reads the mode
with `grad_enabled()` (the variable's C-level `get`, as cheap as a list lookup).
"""
from __future__ import annotations

import functools
import inspect
from contextvars import ContextVar

_GRAD: ContextVar = ContextVar("ember_grad_enabled", default=True)
_INFERENCE: ContextVar = ContextVar("ember_inference_mode", default=False)

grad_enabled = _GRAD.get  # the per-op read
_set_grad = _GRAD.set


def is_grad_enabled() -> bool:
    """Whether gradient recording is on in the calling thread."""
    return _GRAD.get()


def is_inference_mode_enabled() -> bool:
    """Whether inference mode is on in the calling thread."""
    return _INFERENCE.get()


def _wrap(fn, make_mode):
    """Decorate `fn` so each call (each step, for a generator function) runs inside a fresh `make_mode()`."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            send, arg = gen.send, None
            while True:  # the caller's mode is back in force while the generator is suspended
                try:
                    with make_mode():
                        value = send(arg)
                except StopIteration as stop:
                    return stop.value
                try:
                    arg, send = (yield value), gen.send
                except GeneratorExit:
                    with make_mode():
                        gen.close()
                    raise
                except BaseException as exc:  # thrown in by the caller: deliver it inside the mode
                    arg, send = exc, gen.throw
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_mode():
            return fn(*args, **kwargs)
    return wrapper


class _GradMode:
    """Base for the grad-mode context managers; instances also work as decorators."""

    _mode = True

    def __enter__(self):
        self._prev = _GRAD.get()
        _GRAD.set(self._mode)
        return self

    def __exit__(self, *exc):
        _GRAD.set(self._prev)
        return False

    def __call__(self, fn):
        return _wrap(fn, self.clone)

    def clone(self):
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith("_prev")})
        return new


class no_grad(_GradMode):
    """Disable gradient recording inside the block (or the decorated function)."""

    _mode = False

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):  # used as @no_grad without parentheses
            return self(orig_func)
        return self


class enable_grad(_GradMode):
    """Enable gradient recording inside the block (or the decorated function)."""

    _mode = True

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):  # used as @enable_grad without parentheses
            return self(orig_func)
        return self


class set_grad_enabled(_GradMode):
    """Set gradient recording on or off; takes effect immediately, and as a context manager restores on exit."""

    def __init__(self, mode: bool):
        self._prev = _GRAD.get()
        self._mode = bool(mode)
        _GRAD.set(self._mode)

    def __enter__(self):
        return self

    def __call__(self, fn):
        _GRAD.set(self._prev)  # as a decorator it only applies inside the function
        return _wrap(fn, self._scoped)

    def _scoped(self):
        return _Scoped(self._mode)

    def clone(self):
        return set_grad_enabled(self._mode)


class _Scoped(_GradMode):
    """A grad mode entered and left like no_grad/enable_grad (set_grad_enabled's decorator form)."""

    def __init__(self, mode):
        self._mode = mode


class inference_mode(_GradMode):
    """Like no_grad, and marks the thread as in inference mode (ember has no separate inference tensors)."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):  # used as @inference_mode without parentheses
            self.__init__(True)
            return self(mode)
        return self

    def __init__(self, mode: bool = True):
        self._mode = not mode
        self._inf = mode

    def __enter__(self):
        self._prev_inf = _INFERENCE.get()
        _INFERENCE.set(self._inf)
        return super().__enter__()

    def __exit__(self, *exc):
        _INFERENCE.set(self._prev_inf)
        return super().__exit__(*exc)
