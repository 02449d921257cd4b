"""Grad-mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode."""
from __future__ import annotations

import functools

# A one-element list so the hot path reads it without a global lookup chain.
GRAD_ENABLED = [True]


def is_grad_enabled() -> bool:
    return GRAD_ENABLED[0]


def is_inference_mode_enabled() -> bool:
    return _inference[0]


_inference = [False]


class _GradMode:
    """Base for the grad-mode context managers; instances also work as decorators."""

    _mode = True

    def __enter__(self):
        self._prev = GRAD_ENABLED[0]
        GRAD_ENABLED[0] = self._mode
        return self

    def __exit__(self, *exc):
        GRAD_ENABLED[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__.__new__(self.__class__).__clone_from(self):
                return fn(*args, **kwargs)
        return wrapper

    def __clone_from(self, other):
        self.__dict__.update({k: v for k, v in other.__dict__.items() if k != "_prev"})
        return self

    def clone(self):
        return self.__class__.__new__(self.__class__).__clone_from(self)


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


class set_grad_enabled(_GradMode):
    """Set gradient recording on or off; takes effect immediately, and as a context manager restores on exit."""

    def __init__(self, mode: bool):
        self._prev = GRAD_ENABLED[0]
        self._mode = bool(mode)
        GRAD_ENABLED[0] = self._mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        GRAD_ENABLED[0] = self._prev
        return False

    def __call__(self, fn):
        GRAD_ENABLED[0] = self._prev
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = GRAD_ENABLED[0]
            GRAD_ENABLED[0] = mode
            try:
                return fn(*args, **kwargs)
            finally:
                GRAD_ENABLED[0] = prev
        return wrapper


class inference_mode(_GradMode):
    """Like no_grad (ember has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode
        self._inf = mode

    def __enter__(self):
        self._prev_inf = _inference[0]
        _inference[0] = self._inf
        return super().__enter__()

    def __exit__(self, *exc):
        _inference[0] = self._prev_inf
        return super().__exit__(*exc)
