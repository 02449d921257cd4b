"""ember.profiler (torch.profiler's names): wall-clock timing of labelled regions.

``with profile() as prof:`` collects every ``record_function("name")`` region (and one ``ProfilerStep#N`` per
`prof.step()`) entered while it is recording; `prof.key_averages().table()` prints calls, self and total wall time
per name in torch's layout, and `export_chrome_trace` writes a trace Chrome/Perfetto/TensorBoard open. ember records
no per-op events (torch's ``aten::*`` rows) and no device or memory activity: only the labelled regions.
A `schedule` picks which steps record; `on_trace_ready` (e.g. `tensorboard_trace_handler`) receives each finished
recording.
"""
from __future__ import annotations

import enum
import functools
import json
import os
import socket
import threading
import time
from typing import Callable, Iterable

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler", "supported_activities", "EventList", "FunctionEvent", "FunctionEventAvg"]


class ProfilerActivity(enum.Enum):
    """Kinds of activity a profiler can trace; ember times CPU regions only."""
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What a schedule asks the profiler to do at a step."""
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set:
    return {ProfilerActivity.CPU}


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0) -> Callable[[int], ProfilerAction]:
    """Step -> action: skip `skip_first` steps, then cycles of `wait` idle, `warmup`, `active` recorded steps
    (the last one saves), `repeat` times (0: forever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError("Invalid profiler schedule arguments")
    if warmup == 0:
        import warnings
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)

    def action(step: int) -> ProfilerAction:
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return action


def _default_schedule(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def _format_time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class FunctionEvent:
    """One timed region: name, start/end (microseconds since the epoch), thread, and its child regions."""

    def __init__(self, name: str, start_us: float, end_us: float, thread: int, depth: int) -> None:
        self.name = self.key = name
        self.time_range = (start_us, end_us)
        self.thread, self.depth = thread, depth
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None
        self.count = 1
        self.is_user_annotation = True

    @property
    def cpu_time_total(self) -> float:
        return self.time_range[1] - self.time_range[0]

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    cpu_time = cpu_time_total
    device_time_total = self_device_time_total = 0.0

    def __repr__(self) -> str:
        return (f"<FunctionEvent name={self.name} cpu_time={_format_time(self.cpu_time_total)} "
                f"self_cpu_time={_format_time(self.self_cpu_time_total)} thread={self.thread}>")


class FunctionEventAvg:
    """All the events of one name together: count, total and self wall time (microseconds)."""

    def __init__(self, key: str) -> None:
        self.key, self.count = key, 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.device_time_total = self.self_device_time_total = 0.0
        self.is_user_annotation = True

    def add(self, event) -> "FunctionEventAvg":
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        return self

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time)} count={self.count}>")


class EventList(list):
    """A list of events with torch's summaries: `key_averages`, `table`, `total_average`, `export_chrome_trace`."""

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> "EventList":
        groups: dict[str, FunctionEventAvg] = {}
        for e in self:
            groups.setdefault(e.key, FunctionEventAvg(e.key)).add(e)
        return EventList(groups.values())

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg("Total")
        for e in self:
            total.add(e)
        return total

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by: str | None = None, row_limit: int = 100, max_src_column_width: int = 75,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False, time_unit: str | None = None) -> str:
        """torch's profiler table: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg, # of Calls."""
        rows = [e for e in self if not top_level_events_only or getattr(e, "cpu_parent", None) is None]
        if sort_by is not None:
            key = sort_by.replace("self_cpu_time", "self_cpu_time_total") if sort_by == "self_cpu_time" else sort_by
            if not rows or not hasattr(rows[0], key):
                raise AttributeError(f"can't sort the profiler table by {sort_by!r}")
            rows = sorted(rows, key=lambda e: getattr(e, key), reverse=True)
        rows = rows[:row_limit] if row_limit is not None and row_limit > 0 else rows
        total = self.self_cpu_time_total or 1.0
        width = min(max([len(e.key) for e in rows] + [4]) + 4, max_name_column_width)
        cols = [("Name", width), ("Self CPU %", 12), ("Self CPU", 12), ("CPU total %", 12), ("CPU total", 12),
                ("CPU time avg", 12), ("# of Calls", 12)]
        rule = "".join("-" * w + "  " for _, w in cols)
        fmt = "".join(f"{{:>{w}}}  " for _, w in cols)
        lines = ([header] if header else []) + [rule, fmt.format(*(c for c, _ in cols)), rule]
        for e in rows:
            name = e.key if len(e.key) <= width else e.key[:width - 3] + "..."
            lines.append(fmt.format(name, f"{100 * e.self_cpu_time_total / total:.2f}%",
                                    _format_time(e.self_cpu_time_total), f"{100 * e.cpu_time_total / total:.2f}%",
                                    _format_time(e.cpu_time_total), _format_time(e.cpu_time_total / e.count),
                                    e.count))
        lines += [rule, f"Self CPU time total: {_format_time(self.self_cpu_time_total)}", ""]
        return "\n".join(lines)

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as Chrome trace JSON (complete events, microsecond timestamps)."""
        pid = os.getpid()
        events = [{"ph": "X", "cat": "user_annotation", "name": e.name, "pid": pid, "tid": e.thread,
                   "ts": e.time_range[0], "dur": e.cpu_time_total, "args": {}} for e in self]
        with open(path, "w") as f:
            json.dump({"schemaVersion": 1, "traceEvents": events, "displayTimeUnit": "ms"}, f)


_active: list = []  # profilers currently recording, innermost last
_local = threading.local()


def _now_us() -> float:
    return time.perf_counter_ns() / 1e3 + _EPOCH_OFFSET_US


_EPOCH_OFFSET_US = time.time_ns() / 1e3 - time.perf_counter_ns() / 1e3


class record_function:  # noqa: N801 - torch's name
    """Label a region (``with record_function("name"):`` or as a decorator) so that profilers time it."""

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name, self.args = name, args
        self._event: FunctionEvent | None = None
        self._targets: list = []

    def __enter__(self) -> "record_function":
        self._targets = [p for p in _active if p._recording]
        if self._targets:
            stack = _stack()
            self._event = FunctionEvent(self.name, _now_us(), 0.0, threading.get_ident(), len(stack))
            if stack:
                self._event.cpu_parent = stack[-1]
            stack.append(self._event)
        return self

    def __exit__(self, *exc) -> None:
        event = self._event
        if event is None:
            return
        event.time_range = (event.time_range[0], _now_us())
        stack = _stack()
        if stack and stack[-1] is event:
            stack.pop()
        if event.cpu_parent is not None:
            event.cpu_parent.cpu_children.append(event)
        for p in self._targets:
            if p._recording:
                p._events.append(event)
        self._event = None

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapper


def _stack() -> list:
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


class _KinetoResults:
    """What `on_trace_ready` handlers may ask of a finished recording (torch's prof.profiler)."""

    def __init__(self, prof: "profile") -> None:
        self._prof = prof

    def function_events(self) -> EventList:
        return self._prof.events()


class profile:  # noqa: N801 - torch's name
    """Profiler context manager: times the `record_function` regions entered while it records (see module doc)."""

    def __init__(self, *, activities: Iterable[ProfilerActivity] | None = None, schedule: Callable | None = None,
                 on_trace_ready: Callable | None = None, record_shapes: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_flops: bool = False, with_modules: bool = False,
                 experimental_config=None, execution_trace_observer=None, acc_events: bool = False,
                 use_cuda: bool | None = None, custom_trace_id_callback=None) -> None:
        self.activities = set(activities) if activities is not None else supported_activities()
        self.schedule = schedule if schedule is not None else _default_schedule
        self.on_trace_ready = on_trace_ready
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.with_flops, self.with_modules, self.acc_events = with_flops, with_modules, acc_events
        self.step_num = 0
        self._events: EventList = EventList()
        self._finished: EventList = EventList()
        self._recording = False
        self._action = ProfilerAction.NONE
        self._step_region: record_function | None = None
        self.profiler = None

    # ---- lifetime ----------------------------------------------------------------------------------------------
    def __enter__(self) -> "profile":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        _active.append(self)
        self._set_action(self.schedule(self.step_num))
        self._open_step()

    def stop(self) -> None:
        self._close_step()
        if self._action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE) or self._events:
            self._save(call_handler=self._action != ProfilerAction.NONE)
        self._recording = False
        if self in _active:
            _active.remove(self)

    def step(self) -> None:
        """Mark the end of one training step; the schedule decides what the next step records."""
        self._close_step()
        prev = self._action
        self.step_num += 1
        nxt = self.schedule(self.step_num)
        if prev == ProfilerAction.RECORD_AND_SAVE or (
                prev == ProfilerAction.RECORD and nxt in (ProfilerAction.NONE, ProfilerAction.WARMUP)):
            self._save(call_handler=True)
        self._set_action(nxt)
        self._open_step()

    # ---- internals ---------------------------------------------------------------------------------------------
    def _set_action(self, action: ProfilerAction) -> None:
        if action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE) and not self._recording:
            self._events = EventList()
        self._action = action
        self._recording = action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

    def _open_step(self) -> None:
        if self._recording and self.schedule is not _default_schedule:
            self._step_region = record_function(f"ProfilerStep#{self.step_num}")
            self._step_region.__enter__()

    def _close_step(self) -> None:
        if self._step_region is not None:
            self._step_region.__exit__(None, None, None)
            self._step_region = None

    def _save(self, call_handler: bool) -> None:
        self._finished = self._events
        self._events = EventList()
        self.profiler = _KinetoResults(self)
        if call_handler and self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # ---- results -----------------------------------------------------------------------------------------------
    def events(self) -> EventList:
        """The regions of the last finished recording (or of the one in progress)."""
        return self._finished if self._finished or not self._events else self._events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path: str) -> None:
        self.events().export_chrome_trace(path)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write ``name;child;... self_time_us`` lines (flame-graph input) for the recorded regions."""
        with open(path, "w") as f:
            for e in self.events():
                names, p = [e.name], e.cpu_parent
                while p is not None:
                    names.append(p.name)
                    p = p.cpu_parent
                f.write(";".join(reversed(names)) + f" {int(e.self_cpu_time_total)}\n")

    def add_metadata(self, key: str, value: str) -> None:
        self.__dict__.setdefault("metadata", {})[key] = value

    add_metadata_json = add_metadata


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False) -> Callable:
    """An `on_trace_ready` handler writing ``<worker>.<ms>.pt.trace.json[.gz]`` into `dir_name` for TensorBoard."""

    def handler(prof: profile) -> None:
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{time.time_ns() // 1_000_000}.pt.trace.json"
        path = os.path.join(dir_name, name)
        prof.export_chrome_trace(path)
        if use_gzip:
            import gzip
            import shutil
            with open(path, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.remove(path)
    return handler
