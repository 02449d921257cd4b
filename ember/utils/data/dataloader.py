"""DataLoader: batches a dataset through a sampler and a collate function, in the main process or in worker
processes that load ahead of the training loop while keeping the batch order deterministic."""
from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import select
import signal
import threading
import time
import warnings
import weakref
from typing import Callable, Iterable

import ember as _ember
from . import _worker
from ._collate import default_collate, default_convert
from ._worker import (_INCOMPLETE, MP_STATUS_CHECK_INTERVAL, ExceptionWrapper, _IterableDatasetStopIteration,
                      _Receiver, _Sender, get_worker_info)
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]


class _MapDatasetFetcher:
    """Fetches a batch (or a sample) of a map-style dataset and collates it."""

    def __init__(self, dataset, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.dataset, self.auto_collation, self.collate_fn, self.drop_last = dataset, auto_collation, collate_fn, \
            drop_last

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.collate_fn is default_collate:  # tensor datasets: one gather per tensor instead of N items + stack
            fast = getattr(self.dataset, "_collated_batch", None)
            batch = fast(index) if fast is not None else None
            if batch is not None:
                return batch
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.collate_fn(self.dataset.__getitems__(index))
        return self.collate_fn([self.dataset[i] for i in index])


class _IterableDatasetFetcher:
    """Pulls the next sample (or ``len(index)`` samples) from an iterable dataset and collates them."""

    def __init__(self, dataset, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = list(itertools.islice(self.dataset_iter, len(index)))
        if len(data) < len(index):
            self.ended = True
        if len(data) == 0 or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        cls = _MapDatasetFetcher if kind == _DatasetKind.Map else _IterableDatasetFetcher
        return cls(dataset, auto_collation, collate_fn, drop_last)


class _InfiniteConstantSampler(Sampler):
    """Yields ``None`` forever: the "indices" of an iterable dataset."""

    def __iter__(self):
        while True:
            yield None


def _default_context():
    """fork where available (fast start, the dataset is inherited), else spawn."""
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


class DataLoader:
    r"""Iterates over a dataset in batches: sampling, batching, collation and optional worker processes.

    Args:
        dataset (Dataset): map-style or iterable-style dataset.
        batch_size (int, optional): samples per batch; ``None`` disables automatic batching (default: 1).
        shuffle (bool, optional): reshuffle the indices every epoch (map-style datasets only).
        sampler (Sampler or iterable, optional): the index order (exclusive with ``shuffle``).
        batch_sampler (Sampler or iterable, optional): yields lists of indices (exclusive with ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers (int): worker processes; 0 loads in the main process (default: 0).
        collate_fn (callable, optional): merges a list of samples into a batch (default: :func:`default_collate`,
            or :func:`default_convert` without automatic batching).
        pin_memory (bool): accepted; ember has no pinned host memory (default: False).
        drop_last (bool): drop the last incomplete batch (default: False).
        timeout (float): seconds to wait for a batch from the workers before raising (0: forever).
        worker_init_fn (callable, optional): called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context (str or context, optional): start method of the workers (default: fork if
            available, else spawn).
        generator (Generator, optional): drives ``RandomSampler`` and the workers' base seed.
        prefetch_factor (int, optional): batches loaded in advance per worker (default: 2 with workers).
        persistent_workers (bool): keep the workers alive between epochs (default: False).
        pin_memory_device (str): accepted for compatibility.
        in_order (bool): yield batches in sampler order even when workers finish out of order (default: True).

    Shape:
        A batch of :class:`~ember.utils.data.TensorDataset` samples is a list of tensors of shape
        :math:`(B, *)`, one per wrapped tensor.
    """

    _DataLoader__initialized = False
    _IMMUTABLE = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Sampler | Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context) -> None:
        if context is not None:
            if self.num_workers <= 0:
                raise ValueError("multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = mp.get_all_start_methods()
                if context not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                     f"{methods!r}, but got multiprocessing_context={context!r}")
                context = mp.get_context(context)
            if not isinstance(context, mp.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got multiprocessing_context={context}")
        self.__multiprocessing_context = context

    def __setattr__(self, attr, value) -> None:
        if self.__initialized and attr in self._IMMUTABLE:
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, value)

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self) -> None:
        """Warn when more workers are requested than CPUs are available to this process."""
        if not self.num_workers:
            return
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if cpus is None or self.num_workers > cpus:
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. Our suggested "
                          f"max number of worker in current system is {cpus}, which is smaller than what this "
                          "DataLoader is going to create. Please be aware that excessive worker creation might get "
                          "DataLoader running slow or even freeze, lower the worker number to avoid potential "
                          "slowness/freeze if necessary.", stacklevel=2)


class _BaseDataLoaderIter:
    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=3)
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        self._base_seed = _ember.empty((), dtype=_ember.int64).random_(generator=loader.generator).item()  # as torch
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            warnings.warn(f"Length of IterableDataset {self._dataset} was reported to be "
                          f"{self._IterableDataset_len_called} (when accessing len(dataloader)), but "
                          f"{self._num_yielded} samples have been fetched. ", stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetcher = _DatasetKind.create_fetcher(self._dataset_kind, self._dataset, self._auto_collation,
                                                    self._collate_fn, self._drop_last)

    def _next_data(self):
        return self._fetcher.fetch(self._next_index())


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Round-robins index batches to worker processes, at most ``prefetch_factor`` per worker in flight, and
    yields the results in submission order (buffering early arrivals)."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = max(1, loader.prefetch_factor)
        self._in_order = loader.in_order
        ctx = loader.multiprocessing_context or _default_context()
        self._done_event = ctx.Event()
        self._workers, self._senders, self._receivers = [], [], []
        self._epoch = 0
        self._shutdown = weakref.finalize(self, _shutdown_workers, self._workers, self._senders, self._receivers,
                                          self._done_event)
        # workers watch this pid (a forkserver's children watch the forkserver, which dies with us); those forked
        # by the main thread, which lives as long as the process, may also use Linux's parent-death signal
        parent_pid = None if ctx.get_start_method() == "forkserver" else os.getpid()
        pdeathsig = threading.current_thread() is threading.main_thread()
        for i in range(self._num_workers):
            index_r, index_w = ctx.Pipe(duplex=False)
            result_r, result_w = ctx.Pipe(duplex=False)
            w = ctx.Process(target=_worker._worker_loop, daemon=True,
                            args=(self._dataset_kind, self._dataset, index_r, result_w, self._auto_collation,
                                  self._collate_fn, self._drop_last, self._base_seed, loader.worker_init_fn, i,
                                  self._num_workers, self._done_event, parent_pid, pdeathsig))
            w.start()
            index_r.close()
            result_w.close()
            self._workers.append(w)
            self._senders.append(_Sender(index_w))
            self._receivers.append(_Receiver(result_r))
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._epoch += 1
        self._send_idx = self._rcvd_idx = 0
        self._task_info: dict[int, tuple] = {}
        self._tasks_outstanding = 0
        self._active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self) -> None:
        if self._tasks_outstanding >= self._prefetch_factor * self._num_workers:
            return
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            w = next(self._worker_cycle)
            if self._active[w]:
                break
        else:
            return
        try:
            self._senders[w].put((self._epoch, self._send_idx, index))  # never blocks: the rest goes out later
        except OSError:
            self._raise_worker_failure()
        self._task_info[self._send_idx] = (w,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:  # skip consumed tasks and those of exhausted workers
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                data = self._task_info.pop(self._rcvd_idx)[1]
                self._rcvd_idx += 1
                return self._process_data(data)
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                self._active[data.worker_id] = False
                self._task_info.pop(idx, None)
                self._try_put_index()
                continue
            if idx == self._rcvd_idx or not self._in_order:
                self._task_info.pop(idx, None)
                if idx == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._process_data(data)
            self._task_info[idx] += (data,)

    def _process_data(self, data):
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _get_data(self):
        """The next ``(idx, batch)`` of this epoch from any worker, meanwhile writing queued tasks as the pipes
        accept them; raises if a worker died, or after ``timeout`` seconds (every wait here is bounded by it)."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        sentinels = {w.sentinel for w in self._workers}
        while True:
            poller = select.poll()
            for rx in self._receivers:
                poller.register(rx.fd, select.POLLIN)
            for tx in self._senders:
                if tx.pending:
                    poller.register(tx.fd, select.POLLOUT)
            for fd in sentinels:
                poller.register(fd, select.POLLIN)
            wait_s = MP_STATUS_CHECK_INTERVAL if deadline is None else max(0.0, deadline - time.monotonic())
            ready = {fd for fd, _ in poller.poll(wait_s * 1000)}
            try:
                for tx in self._senders:
                    if tx.fd in ready:
                        tx.flush()
                for rx in self._receivers:
                    if rx.fd in ready:
                        msg = rx.feed()
                        if msg is not _INCOMPLETE and msg[0] == self._epoch:
                            return msg[1], msg[2]
            except (EOFError, OSError):
                self._raise_worker_failure()
            if ready & sentinels or (not ready and any(not w.is_alive() for w in self._workers)):
                self._raise_worker_failure()
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _raise_worker_failure(self):
        deadline = time.monotonic() + 1.0  # a pipe can report EOF just before the process is reaped
        while not any(w.exitcode is not None for w in self._workers) and time.monotonic() < deadline:
            time.sleep(0.01)
        dead = [w for w in self._workers if w.exitcode is not None]
        self._shutdown()
        killed = [w for w in dead if w.exitcode < 0]
        if killed:
            w = killed[0]
            raise RuntimeError(f"DataLoader worker (pid {w.pid}) is killed by signal: "
                               f"{signal.strsignal(-w.exitcode)}. ")
        pids = ", ".join(str(w.pid) for w in dead) or "unknown"
        codes = ", ".join(str(w.exitcode) for w in dead)
        raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly (exit code(s) {codes})")


def _shutdown_workers(workers, senders, receivers, done_event) -> None:
    """Stop the workers: ask them to exit, drain their pending results, terminate stragglers, close pipes. Bounded:
    nothing here blocks on a pipe, and workers still running after a grace second are terminated, then killed."""
    done_event.set()
    for tx in senders:
        try:
            tx.put(None)
        except OSError:
            pass
    deadline = time.monotonic() + 1.0  # idle workers exit at once; busy ones get a grace second
    while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
        poller = select.poll()
        for fd in [rx.fd for rx in receivers] + [w.sentinel for w in workers]:
            poller.register(fd, select.POLLIN)
        for tx in senders:
            if tx.pending:
                poller.register(tx.fd, select.POLLOUT)
        poller.poll(100)
        for tx in senders:
            try:
                tx.flush()
            except OSError:
                tx.discard()
        for rx in receivers:
            rx.drain()
    for stop in ("terminate", "kill"):  # stragglers get SIGTERM, then SIGKILL, each with a second to act on it
        alive = [w for w in workers if w.is_alive()]
        for w in alive:
            getattr(w, stop)()
        end = time.monotonic() + 1.0
        for w in alive:
            w.join(timeout=max(0.0, end - time.monotonic()))
    for conn in [tx.conn for tx in senders] + [rx.conn for rx in receivers]:
        conn.close()
