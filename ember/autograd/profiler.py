"""ember.autograd.profiler (torch.autograd.profiler's names): the legacy profiler API over ember.profiler.

`profile` times the `record_function` regions entered inside it (wall clock, CPU only); `key_averages().table()`,
`export_chrome_trace` and `function_events` behave as in ember.profiler. `emit_nvtx` / `emit_itt` are accepted
context managers that emit nothing (ember has no NVTX/ITT ranges).
"""
from __future__ import annotations

import contextlib

from ..profiler import EventList, FunctionEvent, FunctionEventAvg, _active, record_function
from ..profiler import profile as _profile

__all__ = ["profile", "record_function", "emit_nvtx", "emit_itt", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile:  # noqa: N801 - torch's name
    """``with profile() as prof:`` times the labelled regions; a disabled profiler records nothing."""

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, use_device: str | None = None,
                 record_shapes: bool = False, with_flops: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_modules: bool = False, use_kineto: bool = False,
                 use_cpu: bool = True, experimental_config=None, acc_events: bool = False,
                 custom_trace_id_callback=None) -> None:
        self.enabled = enabled
        self._prof = _profile(record_shapes=record_shapes, profile_memory=profile_memory, with_stack=with_stack)
        self.entered = False

    def __enter__(self) -> "profile":
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        if self.enabled:
            self._prof.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._prof.stop()

    @property
    def function_events(self) -> EventList:
        return self._prof.events()

    def events(self) -> EventList:
        return self._prof.events()

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> EventList:
        self._check_finished()
        return self._prof.key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by: str | None = None, row_limit: int = 100, **kwargs) -> str:
        self._check_finished()
        return self._prof.events().table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def total_average(self) -> FunctionEventAvg:
        self._check_finished()
        return self._prof.events().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        self._check_finished()
        return self._prof.events().self_cpu_time_total

    def export_chrome_trace(self, path: str) -> None:
        self._check_finished()
        self._prof.export_chrome_trace(path)

    def _check_finished(self) -> None:
        if self._prof in _active:
            raise RuntimeError("Profiler didn't finish running")

    def __str__(self) -> str:
        return self.table()


@contextlib.contextmanager
def emit_nvtx(enabled: bool = True, record_shapes: bool = False):
    """Accepted for compatibility: ember emits no NVTX ranges."""
    yield


@contextlib.contextmanager
def emit_itt(enabled: bool = True, record_shapes: bool = False):
    """Accepted for compatibility: ember emits no ITT ranges."""
    yield
