"""DataLoader worker processes: the worker loop, worker info, exception transport and the pipe protocol.

Each worker owns two one-way pipes: tasks ``(epoch, idx, indices)`` come in, results ``(epoch, idx, batch)`` go
out. Results are pickled with protocol 5 and their array buffers sent out of band, straight from the arrays'
memory into the pipe and from the pipe into freshly allocated arrays (one copy on each side).
"""
from __future__ import annotations

import os
import pickle
import random
import signal
import struct
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info"]

MP_STATUS_CHECK_INTERVAL = 5.0  # seconds between liveness checks while waiting

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


def _send(conn, obj) -> None:
    """Send ``obj``: a protocol-5 pickle header, then each out-of-band buffer as its own message."""
    buffers: list = []
    header = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    conn.send_bytes(struct.pack(f"<I{len(raws)}Q", len(raws), *(r.nbytes for r in raws)) + header)
    for r in raws:
        conn.send_bytes(r)


def _recv(conn):
    """Receive an object sent by :func:`_send`, reading each buffer directly into a new writable array."""
    msg = conn.recv_bytes()
    (n,) = struct.unpack_from("<I", msg)
    sizes = struct.unpack_from(f"<{n}Q", msg, 4)
    buffers = []
    for size in sizes:
        buf = np.empty(size, np.uint8)
        if size:
            conn.recv_bytes_into(buf)
        else:
            conn.recv_bytes()
        buffers.append(buf)
    return pickle.loads(memoryview(msg)[4 + 8 * n:], buffers=buffers)


def _generate_state(base_seed: int, worker_id: int) -> list[int]:
    """A well-mixed 128-bit NumPy seed from (base_seed, worker_id), so workers' legacy NumPy RNGs differ."""
    return list(np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32]).generate_state(4))


def _die_with_parent() -> None:
    """On Linux, ask the kernel to SIGKILL this worker when its parent dies (a worker blocked writing a batch
    into a full pipe would otherwise outlive a parent killed by SIGTERM/SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_loop(kind, dataset, index_conn, result_conn, auto_collation, collate_fn, drop_last, base_seed, init_fn,
                 worker_id, num_workers, done_event) -> None:
    """Body of a worker process: seed, run ``init_fn``, then fetch the batches it is sent until told to stop."""
    global _worker_info
    import ember
    from .dataloader import _DatasetKind
    _die_with_parent()
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
        parent, epoch, ended = os.getppid(), None, False
        while True:
            if not index_conn.poll(MP_STATUS_CHECK_INTERVAL):
                if os.getppid() != parent:  # the main process died
                    break
                continue
            task = index_conn.recv()
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
                _send(result_conn, (epoch, idx, data))
            except (pickle.PicklingError, TypeError, AttributeError):
                err = ExceptionWrapper(where=f"in DataLoader worker process {worker_id} (sending the batch)")
                _send(result_conn, (epoch, idx, err))
            del data, task, index
    except (KeyboardInterrupt, EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the main process is gone or shutting us down


def _picklable(obj) -> bool:
    try:
        pickle.dumps(obj)
        return True
    except Exception:  # noqa: BLE001
        return False
