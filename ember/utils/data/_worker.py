"""DataLoader worker processes: the worker loop, worker info, exception transport and the pipe protocol.

Each worker owns two one-way pipes: tasks ``(epoch, idx, indices)`` come in, results ``(epoch, idx, batch)`` go
out. Messages are pickled with protocol 5 and their array buffers sent out of band, straight from the arrays'
memory into the pipe and from the pipe into freshly allocated arrays (one copy on each side). The main process
never blocks on a pipe: its ends are non-blocking, tasks that do not fit wait in a :class:`_Sender` and results
are assembled piecewise by a :class:`_Receiver`, both driven by one ``poll`` loop with a deadline. Workers use
plain blocking I/O and exit when the main process dies (:func:`_watch_parent`).
"""
from __future__ import annotations

import collections
import os
import pickle
import random
import signal
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info"]

MP_STATUS_CHECK_INTERVAL = 5.0  # seconds between liveness checks while waiting
PARENT_CHECK_INTERVAL = 0.25  # seconds between a worker's checks that the main process is alive

_worker_info: WorkerInfo | None = None


@dataclass(frozen=True)
class WorkerInfo:
    """What a DataLoader worker process knows about itself (see :func:`get_worker_info`)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


def get_worker_info() -> WorkerInfo | None:
    r"""Inside a DataLoader worker: its :class:`WorkerInfo` (``id``, ``num_workers``, ``seed``, and its own copy
    of ``dataset``), e.g. to shard an :class:`IterableDataset`; in the main process: ``None``."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


class ExceptionWrapper:
    """An exception plus its formatted traceback, to be re-raised in another process."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0] if _picklable(exc_info[0]) else RuntimeError  # it must cross processes
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise an exception of the original type whose message carries the original traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            raise KeyError(_KeyErrorMessage(msg))
        try:
            exc = self.exc_type(msg)
        except Exception:  # noqa: BLE001 - constructors taking other arguments
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    """A str whose repr is itself, so a KeyError prints the traceback text readably."""

    def __repr__(self):
        return self


_LEN = struct.Struct("<Q")


def _frame(obj, out_of_band: bool = True) -> tuple[bytes, list]:
    """A message for ``obj``: ``[u64 header length][u32 n][n x u64 buffer sizes][protocol-5 pickle]`` followed by
    the pickle's ``n`` out-of-band buffers, raw (returned separately so they are never copied)."""
    buffers: list = []
    body = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append if out_of_band else None)
    raws = [b.raw() for b in buffers]
    head = struct.pack(f"<I{len(raws)}Q", len(raws), *(r.nbytes for r in raws))
    return _LEN.pack(len(head) + len(body)) + head + body, raws


def _write_all(fd: int, data) -> None:
    """Blocking write of all of ``data`` (worker side)."""
    view = memoryview(data).cast("B")
    while view:
        view = view[os.write(fd, view):]


def _send(fd: int, msg: tuple[bytes, list]) -> None:
    """Write a :func:`_frame` message into the blocking pipe ``fd`` (worker side; read by a :class:`_Receiver`)."""
    _write_all(fd, msg[0])
    for r in msg[1]:
        _write_all(fd, r)


def _read_exact(fd: int, view: memoryview) -> None:
    """Blocking read filling ``view`` (worker side); EOFError when the writer has gone."""
    while view:
        n = os.readv(fd, [view])
        if n == 0:
            raise EOFError
        view = view[n:]


def _recv(fd: int):
    """Receive one object sent by a :class:`_Sender` (worker side, blocking)."""
    size = bytearray(_LEN.size)
    _read_exact(fd, memoryview(size))
    head = bytearray(_LEN.unpack(size)[0])
    _read_exact(fd, memoryview(head))
    buffers = _alloc_buffers(head)
    for buf in buffers:
        _read_exact(fd, memoryview(buf))
    return _loads(head, buffers)


def _alloc_buffers(head) -> list:
    (n,) = struct.unpack_from("<I", head)
    return [np.empty(size, np.uint8) for size in struct.unpack_from(f"<{n}Q", head, 4)]


def _loads(head, buffers):
    return pickle.loads(memoryview(head)[4 + 8 * len(buffers):], buffers=buffers)


class _Sender:
    """Main-process end of a task pipe: messages are queued and written without ever blocking; :meth:`flush`
    writes what the pipe accepts now, the rest waits for the pipe to become writable."""

    def __init__(self, conn) -> None:
        self.conn, self.fd = conn, conn.fileno()  # the Connection owns (and closes) the fd
        os.set_blocking(self.fd, False)
        self._out: collections.deque = collections.deque()

    @property
    def pending(self) -> bool:
        return bool(self._out)

    def put(self, obj) -> None:
        """Queue ``obj`` and write as much as the pipe takes; OSError (e.g. BrokenPipeError) if the reader died.
        Pickled in band: what waits in the queue is a copy, whatever the caller later does to ``obj``."""
        self._out.append(memoryview(_frame(obj, out_of_band=False)[0]))
        self.flush()

    def flush(self) -> None:
        out = self._out
        while out:
            try:
                n = os.write(self.fd, out[0])
            except BlockingIOError:
                return
            out[0] = out[0][n:]
            if not out[0]:
                out.popleft()

    def discard(self) -> None:
        self._out.clear()


class _Receiver:
    """Main-process end of a result pipe, read without blocking: :meth:`feed` reads what has arrived and
    returns the object once its last byte is in (buffers land directly in fresh writable arrays)."""

    def __init__(self, conn) -> None:
        self.conn, self.fd = conn, conn.fileno()
        os.set_blocking(self.fd, False)
        self._start()

    def _start(self) -> None:
        self._size = bytearray(_LEN.size)
        self._head = self._buffers = None
        self._parts = [memoryview(self._size)]  # the views still to be filled, in order

    def feed(self):
        """Read what is available; the received object, or ``_INCOMPLETE``. EOFError when the worker is gone."""
        while True:
            parts = self._parts
            while parts:
                try:
                    n = os.readv(self.fd, [parts[0]])
                except BlockingIOError:
                    return _INCOMPLETE
                if n == 0:
                    raise EOFError
                parts[0] = parts[0][n:]
                if not parts[0]:
                    parts.pop(0)
            if self._head is None:  # the length prefix is in: the header comes next
                self._head = bytearray(_LEN.unpack(self._size)[0])
                parts.append(memoryview(self._head))
            elif self._buffers is None:  # the header is in: now the out-of-band buffers
                self._buffers = _alloc_buffers(self._head)
                parts.extend(memoryview(b) for b in self._buffers if b.size)
            else:
                break
        head, buffers = self._head, self._buffers
        self._start()
        return _loads(head, buffers)

    def drain(self) -> None:
        """Discard whatever has arrived (at shutdown, so that a worker blocked writing a batch can finish)."""
        try:
            while os.read(self.fd, 1 << 20):
                pass
        except OSError:  # BlockingIOError: nothing more for now
            pass


_INCOMPLETE = object()


def _generate_state(base_seed: int, worker_id: int) -> list[int]:
    """A well-mixed 128-bit NumPy seed from (base_seed, worker_id), so workers' legacy NumPy RNGs differ."""
    return list(np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32]).generate_state(4))


def _watch_parent(parent_pid: int | None, pdeathsig: bool) -> None:
    """Make this worker exit when the main *process* dies, even while it is blocked writing a batch into a full
    pipe: a daemon thread polls the parent pid every ``PARENT_CHECK_INTERVAL`` seconds. With ``pdeathsig`` (the
    worker was forked by the main thread, which lives as long as the process) Linux also kills it at once."""
    if pdeathsig and sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    parent = parent_pid or os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="ember-dataloader-watchdog", daemon=True).start()


def _worker_loop(kind, dataset, index_conn, result_conn, auto_collation, collate_fn, drop_last, base_seed, init_fn,
                 worker_id, num_workers, done_event, parent_pid, pdeathsig) -> None:
    """Body of a worker process: seed, run ``init_fn``, then fetch the batches it is sent until told to stop."""
    global _worker_info
    import ember
    from .dataloader import _DatasetKind
    _watch_parent(parent_pid, pdeathsig)
    index_fd, result_fd = index_conn.fileno(), result_conn.fileno()
    try:
        seed = base_seed + worker_id
        random.seed(seed)
        ember.manual_seed(seed)
        np.random.seed(_generate_state(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error, fetcher = None, None
        try:
            if init_fn is not None:
                init_fn(worker_id)
        except Exception:  # noqa: BLE001 - reported with the first batch
            init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        epoch, ended = None, False
        while True:
            task = _recv(index_fd)
            if task is None:
                break
            task_epoch, idx, index = task
            if task_epoch != epoch:  # a new epoch: a fresh iterator over the dataset
                epoch, ended, fetcher = task_epoch, False, None
            if ended or done_event.is_set():
                continue
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    if fetcher is None:
                        fetcher = _DatasetKind.create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last)
                    data = fetcher.fetch(index)
                except StopIteration:
                    if kind != _DatasetKind.Iterable:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                    else:
                        data, ended = _IterableDatasetStopIteration(worker_id), True
                except Exception:  # noqa: BLE001 - re-raised in the main process
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            try:
                msg = _frame((epoch, idx, data))
            except (pickle.PicklingError, TypeError, AttributeError):
                err = ExceptionWrapper(where=f"in DataLoader worker process {worker_id} (sending the batch)")
                msg = _frame((epoch, idx, err))
            _send(result_fd, msg)
            del data, task, index, msg
    except (KeyboardInterrupt, EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the main process is gone or shutting us down


def _picklable(obj) -> bool:
    try:
        pickle.dumps(obj)
        return True
    except Exception:  # noqa: BLE001
        return False
