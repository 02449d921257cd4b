"""ember.multiprocessing (torch.multiprocessing's names): the standard library's multiprocessing plus `spawn`.

Every public name of Python's `multiprocessing` is re-exported (Process, Queue, SimpleQueue, Pool, get_context,
set_start_method, cpu_count, ...). ember tensors cross process boundaries by pickling (a copy; there is no shared
memory), so the sharing-strategy functions only record their setting. `spawn(fn, args, nprocs)` / `start_processes`
run ``fn(i, *args)`` in `nprocs` processes and re-raise a child's exception in the parent as a
`ProcessRaisedException` carrying the child's traceback, like torch.
"""
from __future__ import annotations

import multiprocessing as _mp
import multiprocessing.connection as _connection
import os
import pickle
import signal
import sys
import tempfile
import warnings
from multiprocessing import *  # noqa: F401,F403

__all__ = list(_mp.__all__) + ["spawn", "start_processes", "ProcessContext", "ProcessException",
                               "ProcessRaisedException", "ProcessExitedException", "set_sharing_strategy",
                               "get_sharing_strategy", "get_all_sharing_strategies"]

_STRATEGIES = {"file_system", "file_descriptor"} if sys.platform != "darwin" else {"file_system"}
_strategy = ["file_descriptor" if "file_descriptor" in _STRATEGIES else "file_system"]


def set_sharing_strategy(new_strategy: str) -> None:
    """Record the tensor-sharing strategy (ember pickles tensors instead of sharing their memory)."""
    if new_strategy not in _STRATEGIES:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}; one of {sorted(_STRATEGIES)}")
    _strategy[0] = new_strategy


def get_sharing_strategy() -> str:
    return _strategy[0]


def get_all_sharing_strategies() -> set:
    return set(_STRATEGIES)


class ProcessException(Exception):
    """A spawned process failed; `error_index` is its rank and `error_pid` its process id."""

    def __init__(self, msg: str, error_index: int, error_pid: int) -> None:
        super().__init__(msg)
        self.msg, self.error_index, self.error_pid = msg, error_index, error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """A spawned process raised an exception; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A spawned process died from a signal or exited with a non-zero code."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int,
                 signal_name: str | None = None) -> None:
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name)


def _entry(fn, i: int, args: tuple, error_file: str) -> None:
    """Child-process body: run ``fn(i, *args)``; on an exception write its traceback to `error_file`, exit 1."""
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent interrupted us
    except Exception:
        import traceback
        with open(error_file, "wb") as fh:
            pickle.dump(traceback.format_exc(), fh)
        sys.exit(1)


class ProcessContext:
    """The processes started by `start_processes`; `join` waits and re-raises the first failure."""

    def __init__(self, processes: list, error_files: list) -> None:
        self.processes, self.error_files = processes, error_files
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self) -> list[int]:
        return [int(p.pid) for p in self.processes]

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Wait for the processes: True once all exited cleanly, False on timeout; raise if one failed."""
        if not self.sentinels:
            return True
        failed = None
        for sentinel in _connection.wait(list(self.sentinels), timeout=timeout):
            index = self.sentinels.pop(sentinel)
            self.processes[index].join()
            if self.processes[index].exitcode != 0:
                failed = index
                break
        if failed is None:
            return not self.sentinels
        self._stop_others(grace_period)
        self._raise(failed)

    def _stop_others(self, grace_period: float | None) -> None:
        wait = 30.0 if grace_period is None else grace_period
        for p in self.processes:
            if p.is_alive():
                p.terminate()
        for p in self.processes:
            p.join(wait)
            if p.is_alive():
                p.kill()
                p.join()

    def _raise(self, index: int):
        proc, path = self.processes[index], self.error_files[index]
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            code = proc.exitcode
            if code < 0:
                try:
                    name = signal.Signals(-code).name
                except ValueError:
                    name = f"<Unknown signal {-code}>"
                raise ProcessExitedException(f"process {index:d} terminated with signal {name}", index, proc.pid,
                                             code, name)
            raise ProcessExitedException(f"process {index:d} terminated with exit code {code:d}", index, proc.pid,
                                         code)
        with open(path, "rb") as fh:
            trace = pickle.load(fh)
        raise ProcessRaisedException(f"\n\n-- Process {index:d} terminated with the following error:\n{trace}",
                                     index, proc.pid)


def start_processes(fn, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
                    start_method: str = "spawn") -> ProcessContext | None:
    """Start `nprocs` processes running ``fn(i, *args)`` with `start_method`; join them unless ``join=False``."""
    ctx = _mp.get_context(start_method)
    processes, error_files = [], []
    for i in range(nprocs):
        fd, path = tempfile.mkstemp(prefix="ember-spawn-")
        os.close(fd)
        os.unlink(path)  # the child creates it only if it fails
        p = ctx.Process(target=_entry, args=(fn, i, args, path), daemon=daemon)
        p.start()
        processes.append(p)
        error_files.append(path)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    try:
        while not context.join():
            pass
    finally:
        for path in error_files:
            if os.path.exists(path):
                os.unlink(path)
    return None


def spawn(fn, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn") -> ProcessContext | None:
    """Run ``fn(i, *args)`` for i in range(nprocs) in spawned processes (torch.multiprocessing.spawn)."""
    if start_method != "spawn":
        warnings.warn(f"This method only supports start_method=spawn (got: {start_method}).\nTo use a different "
                      "start_method use:\n\t\t torch.multiprocessing.start_processes(...)", FutureWarning,
                      stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
