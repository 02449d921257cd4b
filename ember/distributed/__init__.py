"""ember.distributed (torch.distributed's names) on MPI through mpi4py (extra ``ember[distributed]``).

Start processes with ``python -m ember.distributed.run --nproc-per-node N script.py`` (torchrun's flags) or plain
``mpirun``, then ``init_process_group()``: the backend is MPI ('gloo' is accepted and served by MPI). Collectives
work in place on the tensors' memory, blocking or with ``async_op=True`` (a `Work` with ``wait()``). mpi4py is
imported only when a process group starts.
"""
from __future__ import annotations

import datetime
import importlib.util
import os
import sys
from urllib.parse import urlparse

import numpy as np

from ._mpi import ReduceOp, Work, array_of, as_bytes, avg, mpi, mpi_op, reduce_dtype, work_buffer, write_back

__all__ = ["is_available", "is_initialized", "is_torchelastic_launched", "is_mpi_available", "is_gloo_available",
           "is_nccl_available", "get_default_backend_for_device", "init_process_group", "destroy_process_group", "new_group", "get_rank",
           "get_world_size", "get_backend", "get_process_group_ranks", "get_global_rank", "get_group_rank",
           "barrier", "monitored_barrier", "all_reduce", "broadcast", "reduce", "all_gather",
           "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "all_to_all",
           "all_to_all_single", "send", "recv", "isend", "irecv", "broadcast_object_list", "all_gather_object",
           "gather_object", "scatter_object_list", "ReduceOp", "Work", "ProcessGroup", "GroupMember", "group",
           "Backend", "DistNotInitializedError", "default_pg_timeout"]

_NO_GROUP = "Default process group has not been initialized, please make sure to call init_process_group."
_LAUNCH = ("start every process with `python -m ember.distributed.run --nproc-per-node N script.py` (or mpirun); "
           "ember.distributed joins processes through MPI, so processes started another way (multiprocessing, "
           "torch.multiprocessing.spawn, separate shells) cannot form one group")
default_pg_timeout = datetime.timedelta(minutes=30)


class DistNotInitializedError(ValueError, RuntimeError):
    """No default process group (a ValueError as in torch, and a RuntimeError)."""


class Backend(str):
    """Backend names: 'mpi' is native; 'gloo' is accepted and served by MPI."""
    UNDEFINED, GLOO, NCCL, MPI, UCC = "undefined", "gloo", "nccl", "mpi", "ucc"

    def __new__(cls, name: str):
        return str.__new__(cls, name.lower())


class ProcessGroup:
    """A set of ranks communicating through one MPI communicator (`rank()`, `size()`)."""

    def __init__(self, comm, ranks: list[int], backend: str, timeout: datetime.timedelta) -> None:
        self.comm, self.ranks, self.backend, self.timeout = comm, list(ranks), backend, timeout

    def rank(self) -> int:
        return self.comm.Get_rank()

    def size(self) -> int:
        return self.comm.Get_size()

    def name(self) -> str:
        return self.backend

    def __repr__(self) -> str:
        return f"<ember.distributed.ProcessGroup {self.backend} ranks={self.ranks}>"


class GroupMember:
    """`WORLD` (the default group once initialised) and the marker of ranks outside a `new_group`."""
    WORLD = None
    NON_GROUP_MEMBER = object()


class group:
    """`group.WORLD`: the default process group."""
    WORLD = None


_state: dict = {"pg": None, "hook": None}


# ---- availability and setup ------------------------------------------------------------------------------------
def is_available() -> bool:
    """True when mpi4py (the extra ``ember[distributed]``) is installed."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    return is_available()


def is_gloo_available() -> bool:
    """'gloo' is served by MPI: available when MPI is."""
    return is_available()


def is_nccl_available() -> bool:
    return False


def is_initialized() -> bool:
    return _state["pg"] is not None


def is_torchelastic_launched() -> bool:
    """True in processes started by ``ember.distributed.run`` (torchrun's TORCHELASTIC_RUN_ID)."""
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def _env_int(name: str) -> int | None:
    v = os.environ.get(name)
    if v is None:
        return None
    try:
        return int(v)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {v!r}") from None


def _seconds(timeout) -> float:
    return timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout)


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout=None,
                       world_size: int = -1, rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Start the default process group over the MPI job this process belongs to.

    `init_method` 'env://' (default), 'tcp://host:port' or 'file://...' and explicit `rank`/`world_size` are
    checked against the MPI job (the rank order follows `rank`/RANK); `timeout` bounds the rendezvous barrier.
    """
    if _state["pg"] is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = "mpi" if backend is None else str(backend).lower()
    names = {part.split(":")[-1] for part in name.split(",")}
    if "nccl" in names:
        raise RuntimeError("Distributed package doesn't have NCCL built in (ember runs on the CPU; use backend "
                           "'mpi' or 'gloo')")
    if not names <= {"mpi", "gloo", "undefined"}:
        raise ValueError(f"Invalid backend: '{backend}' (ember.distributed supports 'mpi' and 'gloo')")
    if store is not None and (rank < 0 or world_size < 0):
        raise ValueError("world_size and rank must be specified with store")
    if init_method is not None:
        scheme = urlparse(init_method).scheme
        if scheme not in ("env", "tcp", "file"):
            raise ValueError(f"No rendezvous handler for {scheme}:// (ember.distributed accepts env://, tcp:// "
                             "and file://)")
        if scheme in ("tcp", "file") and (rank < 0 or world_size < 0) and _env_int("RANK") is None:
            raise ValueError(f"{init_method}: rank and world_size must be given with a {scheme}:// init_method")
    want_rank = rank if rank >= 0 else _env_int("RANK")
    want_size = world_size if world_size >= 0 else _env_int("WORLD_SIZE")
    timeout = default_pg_timeout if timeout is None else timeout
    MPI = mpi()
    world = MPI.COMM_WORLD
    size = world.Get_size()
    if want_size is not None and want_size != size:
        if size == 1:
            raise RuntimeError(f"init_process_group: world_size={want_size} but this process is not part of an "
                               f"MPI job of {want_size} processes: {_LAUNCH}")
        raise ValueError(f"init_process_group: world_size={want_size} does not match the {size} processes the "
                         "MPI job was started with")
    if want_rank is not None and not 0 <= want_rank < size:
        raise ValueError(f"init_process_group: rank {want_rank} is outside [0, {size})")
    key = world.Get_rank() if want_rank is None else want_rank
    keys = np.empty(size, dtype=np.int64)
    request = world.Iallgather(np.array([key], dtype=np.int64), keys)
    Work([request], timeout=_seconds(timeout)).wait()  # the rendezvous: every rank must arrive within `timeout`
    if len(set(keys.tolist())) != size:
        raise ValueError(f"init_process_group: ranks {sorted(keys.tolist())} are not distinct")
    comm = world.Split(0, key)  # rank order follows the requested ranks
    pg = ProcessGroup(comm, list(range(size)), name, timeout)
    _state["pg"] = group.WORLD = GroupMember.WORLD = pg
    if size > 1 and _state["hook"] is None:
        _state["hook"] = sys.excepthook
        sys.excepthook = _abort_on_exception


def _abort_on_exception(kind, value, tb) -> None:
    """An uncaught exception in one rank aborts the whole MPI job instead of leaving its peers waiting."""
    (_state["hook"] or sys.__excepthook__)(kind, value, tb)
    _abort_job(1)


def _abort_job(code: int) -> None:
    """End the whole MPI job with `code` when this rank leaves early with a failure (its peers would wait)."""
    if _state["pg"] is not None and mpi().COMM_WORLD.Get_size() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        mpi().COMM_WORLD.Abort(code)


def destroy_process_group(group=None) -> None:
    """Free `group`'s communicator; without `group`, the default group (init_process_group may run again)."""
    pg = _pg(group)
    if pg is GroupMember.NON_GROUP_MEMBER:
        return
    pg.comm.Free()
    if group is None or pg is _state["pg"]:
        _state["pg"] = globals()["group"].WORLD = GroupMember.WORLD = None
        if _state["hook"] is not None:
            sys.excepthook, _state["hook"] = _state["hook"], None


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """A group of the given global ranks (every rank must call it); other ranks get GroupMember.NON_GROUP_MEMBER."""
    world = _pg(None)
    ranks = list(range(world.size())) if ranks is None else sorted(int(r) for r in ranks)
    if any(not 0 <= r < world.size() for r in ranks) or len(set(ranks)) != len(ranks):
        raise ValueError(f"new_group: ranks {ranks} must be distinct ranks in [0, {world.size()})")
    me = world.rank()
    MPI = mpi()
    comm = world.comm.Split(0 if me in ranks else MPI.UNDEFINED, ranks.index(me) if me in ranks else 0)
    if me not in ranks:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, ranks, world.backend if backend is None else str(backend),
                        world.timeout if timeout is None else timeout)


def _pg(group):
    if _state["pg"] is None:
        raise DistNotInitializedError(_NO_GROUP)
    return _state["pg"] if group is None else group


def get_rank(group=None) -> int:
    """This process's rank in `group` (-1 outside it)."""
    pg = _pg(group)
    return -1 if pg is GroupMember.NON_GROUP_MEMBER else pg.rank()


def get_world_size(group=None) -> int:
    """The number of ranks in `group` (-1 outside it)."""
    pg = _pg(group)
    return -1 if pg is GroupMember.NON_GROUP_MEMBER else pg.size()


def get_default_backend_for_device(device) -> str:
    """The backend torch picks for a device type ('gloo' for cpu, 'nccl' for cuda)."""
    kind = str(device).split(":")[0]
    if kind not in ("cpu", "cuda"):
        raise ValueError(f"Default backend not registered for device : {kind}")
    return {"cpu": "gloo", "cuda": "nccl"}[kind]


def get_backend(group=None) -> str:
    pg = _pg(group)
    if pg is GroupMember.NON_GROUP_MEMBER:
        raise ValueError("Invalid process group specified")
    return Backend(pg.backend)


def get_process_group_ranks(group) -> list[int]:
    return list(_pg(group).ranks)


def get_global_rank(group, group_rank: int) -> int:
    return _pg(group).ranks[group_rank]


def get_group_rank(group, global_rank: int) -> int:
    pg = _pg(group)
    if global_rank not in pg.ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}")
    return pg.ranks.index(global_rank)


def _peer(pg, global_rank, group_rank, what: str) -> int:
    """The group rank of a src/dst given as a global rank (torch's `src`) or a group rank (`group_src`)."""
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"{what} {group_rank} is outside the group of {pg.size()} ranks")
        return group_rank
    if global_rank is None:
        raise ValueError(f"{what} must be given")
    if global_rank not in pg.ranks:
        raise ValueError(f"The global rank {global_rank} is not part of the group {pg}")
    return pg.ranks.index(global_rank)


def _run(pg, requests, finish=None, result=None, async_op=False):
    work = Work(requests, finish, result, _seconds(pg.timeout))
    if async_op:
        return work
    work.wait()
    return None


def _member(group):
    pg = _pg(group)
    return None if pg is GroupMember.NON_GROUP_MEMBER else pg


# ---- collectives ------------------------------------------------------------------------------------------------
def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank of `group` reached the barrier (bounded by the group's timeout)."""
    pg = _member(group)
    if pg is None:
        return None
    return _run(pg, [pg.comm.Ibarrier()], async_op=async_op)


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False) -> None:
    """A barrier that raises RuntimeError after `timeout` (default: the group's) if some rank did not arrive."""
    pg = _member(group)
    if pg is not None:
        Work([pg.comm.Ibarrier()]).wait(_seconds(pg.timeout if timeout is None else timeout))


def _reduce_buffer(tensor):
    arr, copy = work_buffer(tensor)
    rd = reduce_dtype(arr.dtype)
    if rd != arr.dtype:
        return arr.astype(rd), True
    return arr, copy


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `tensor` across the group with `op`; every rank gets the result in place."""
    pg = _member(group)
    if pg is None:
        return None
    buf, copy = _reduce_buffer(tensor)
    mop = mpi_op(op, buf.dtype)
    req = pg.comm.Iallreduce(mpi().IN_PLACE, buf, mop)

    def finish():
        if op is ReduceOp.AVG:
            avg(buf, pg.size())
        write_back(tensor, buf)
    return _run(pg, [req], finish, [tensor], async_op)


def reduce(tensor, dst: int | None = None, op=ReduceOp.SUM, group=None, async_op: bool = False, group_dst=None):
    """Reduce `tensor` across the group into rank `dst`'s tensor (the others keep theirs)."""
    pg = _member(group)
    if pg is None:
        return None
    root = _peer(pg, dst, group_dst, "dst")
    buf, copy = _reduce_buffer(tensor)
    mine = pg.rank() == root
    MPI = mpi()
    req = pg.comm.Ireduce(MPI.IN_PLACE if mine else buf, buf if mine else None, mpi_op(op, buf.dtype), root)

    def finish():
        if mine:
            if op is ReduceOp.AVG:
                avg(buf, pg.size())
            write_back(tensor, buf)
    return _run(pg, [req], finish, [tensor], async_op)


def broadcast(tensor, src: int | None = None, group=None, async_op: bool = False, group_src=None):
    """Copy rank `src`'s tensor into every rank's tensor."""
    pg = _member(group)
    if pg is None:
        return None
    buf, _ = work_buffer(tensor)
    req = pg.comm.Ibcast(as_bytes(buf), _peer(pg, src, group_src, "src"))
    return _run(pg, [req], lambda: write_back(tensor, buf), [tensor], async_op)


def _check_list(tensors, n: int, what: str, like=None):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != n:
        raise ValueError(f"{what} must be a list of {n} tensors (one per rank), got "
                         f"{len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__}")
    for t in tensors:
        arr = array_of(t, what)
        if like is not None and (arr.shape != like.shape or arr.dtype != like.dtype):
            raise ValueError(f"{what}: every tensor must have shape {tuple(like.shape)} and dtype {like.dtype}, "
                             f"got {tuple(arr.shape)} {arr.dtype}")


def _scatter_into(tensors, flat: np.ndarray) -> None:
    for t, part in zip(tensors, flat):
        write_back(t, part)


def all_gather(tensor_list, tensor, group=None, async_op: bool = False):
    """Gather every rank's `tensor` into `tensor_list` (same shape and dtype on every rank)."""
    pg = _member(group)
    if pg is None:
        return None
    src = np.ascontiguousarray(array_of(tensor))
    _check_list(tensor_list, pg.size(), "tensor_list", src)
    out = np.empty((pg.size(),) + src.shape, src.dtype)
    req = pg.comm.Iallgather(as_bytes(src), as_bytes(out))
    return _run(pg, [req], lambda: _scatter_into(tensor_list, out), list(tensor_list), async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    """Gather every rank's `input_tensor` into `output_tensor`, shaped (world * n, ...) or (world, n, ...)."""
    pg = _member(group)
    if pg is None:
        return None
    src = np.ascontiguousarray(array_of(input_tensor, "input_tensor"))
    buf, _ = work_buffer(output_tensor)
    if buf.size != src.size * pg.size() or buf.dtype != src.dtype:
        raise ValueError(f"output tensor must hold world_size ({pg.size()}) times the input ({src.size} "
                         f"elements of {src.dtype}), got {buf.size} elements of {buf.dtype}")
    req = pg.comm.Iallgather(as_bytes(src), as_bytes(buf))
    return _run(pg, [req], lambda: write_back(output_tensor, buf), [output_tensor], async_op)


def _reduce_scatter(pg, output_tensor, src: np.ndarray, op, async_op):
    buf, copy = _reduce_buffer(output_tensor)
    if src.size != buf.size * pg.size():
        raise ValueError(f"reduce_scatter: the input must hold world_size ({pg.size()}) times the output "
                         f"({buf.size} elements), got {src.size}")
    src = np.ascontiguousarray(src, dtype=buf.dtype)
    req = pg.comm.Ireduce_scatter_block(src, buf, mpi_op(op, buf.dtype))

    def finish():
        if op is ReduceOp.AVG:
            avg(buf, pg.size())
        write_back(output_tensor, buf)
    return _run(pg, [req], finish, [output_tensor], async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `input_list[i]` over the ranks into rank i's `output`."""
    pg = _member(group)
    if pg is None:
        return None
    _check_list(input_list, pg.size(), "input_list", array_of(output, "output"))
    src = np.stack([t._data for t in input_list]) if pg.size() else np.empty(0)
    return _reduce_scatter(pg, output, src, op, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `input` (world * n elements) over the ranks; rank i's `output` gets the i-th chunk."""
    pg = _member(group)
    if pg is None:
        return None
    return _reduce_scatter(pg, output, array_of(input, "input"), op, async_op)


def gather(tensor, gather_list=None, dst: int | None = None, group=None, async_op: bool = False, group_dst=None):
    """Collect every rank's `tensor` into `gather_list` on rank `dst` (default 0)."""
    pg = _member(group)
    if pg is None:
        return None
    root = _peer(pg, 0 if dst is None and group_dst is None else dst, group_dst, "dst")
    src = np.ascontiguousarray(array_of(tensor))
    mine = pg.rank() == root
    if mine:
        _check_list(gather_list, pg.size(), "gather_list", src)
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    out = np.empty((pg.size(),) + src.shape, src.dtype) if mine else None
    req = pg.comm.Igather(as_bytes(src), as_bytes(out) if mine else None, root)
    return _run(pg, [req], (lambda: _scatter_into(gather_list, out)) if mine else None,
                list(gather_list or []), async_op)


def scatter(tensor, scatter_list=None, src: int | None = None, group=None, async_op: bool = False, group_src=None):
    """Send `scatter_list[i]` of rank `src` (default 0) into rank i's `tensor`."""
    pg = _member(group)
    if pg is None:
        return None
    root = _peer(pg, 0 if src is None and group_src is None else src, group_src, "src")
    buf, _ = work_buffer(tensor)
    mine = pg.rank() == root
    if mine:
        _check_list(scatter_list, pg.size(), "scatter_list", buf)
        send = np.ascontiguousarray(np.stack([t._data for t in scatter_list]))
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    req = pg.comm.Iscatter(as_bytes(send) if mine else None, as_bytes(buf), root)
    return _run(pg, [req], lambda: write_back(tensor, buf), [tensor], async_op)


def _alltoallv(pg, send: np.ndarray, send_counts, recv: np.ndarray, recv_counts, finish, result, async_op):
    item = send.dtype.itemsize
    sc = np.asarray(send_counts, dtype=np.int64) * item
    rc = np.asarray(recv_counts, dtype=np.int64) * item
    sd = np.concatenate([[0], np.cumsum(sc)[:-1]])
    rd = np.concatenate([[0], np.cumsum(rc)[:-1]])
    MPI = mpi()
    req = pg.comm.Ialltoallv([as_bytes(send), (sc.tolist(), sd.tolist()), MPI.BYTE],
                             [as_bytes(recv), (rc.tolist(), rd.tolist()), MPI.BYTE])
    return _run(pg, [req], finish, result, async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op: bool = False):
    """Rank i sends `input_tensor_list[j]` to rank j, which receives it in `output_tensor_list[i]`."""
    pg = _member(group)
    if pg is None:
        return None
    _check_list(input_tensor_list, pg.size(), "input_tensor_list")
    _check_list(output_tensor_list, pg.size(), "output_tensor_list")
    dt = input_tensor_list[0]._data.dtype
    if any(t._data.dtype != dt for t in list(input_tensor_list) + list(output_tensor_list)):
        raise ValueError("all_to_all: every tensor must have the same dtype")
    send = np.concatenate([t._data.reshape(-1) for t in input_tensor_list])
    recv = np.empty(sum(t._data.size for t in output_tensor_list), dt)
    sizes = [t._data.size for t in output_tensor_list]

    def finish():
        _scatter_into(output_tensor_list, np.split(recv, np.cumsum(sizes)[:-1]))
    return _alltoallv(pg, send, [t._data.size for t in input_tensor_list], recv, sizes, finish,
                      list(output_tensor_list), async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,
                      async_op: bool = False):
    """all_to_all on the first dimension of one tensor, split evenly or by the given split sizes."""
    pg = _member(group)
    if pg is None:
        return None
    src = np.ascontiguousarray(array_of(input, "input"))
    buf, _ = work_buffer(output)
    n = pg.size()
    row_in = int(np.prod(src.shape[1:])) if src.ndim else 1
    row_out = int(np.prod(buf.shape[1:])) if buf.ndim else 1
    ins = [src.shape[0] // n] * n if input_split_sizes is None else list(input_split_sizes)
    outs = [buf.shape[0] // n] * n if output_split_sizes is None else list(output_split_sizes)
    if len(ins) != n or len(outs) != n or sum(ins) != src.shape[0] or sum(outs) != buf.shape[0]:
        raise ValueError("all_to_all_single: split sizes must have world_size entries summing to dim 0")
    return _alltoallv(pg, src, [s * row_in for s in ins], buf, [s * row_out for s in outs],
                      lambda: write_back(output, buf), [output], async_op)


# ---- point to point ---------------------------------------------------------------------------------------------
def isend(tensor, dst: int | None = None, group=None, tag: int = 0, group_dst=None):
    """Start sending `tensor` to rank `dst`; returns a Work."""
    pg = _member(group)
    if pg is None:
        return None
    peer = _peer(pg, dst, group_dst, "dst")
    if peer == pg.rank():
        raise ValueError("Invalid destination rank: should not be the same as the rank of the current process.")
    data = np.ascontiguousarray(array_of(tensor))
    return Work([pg.comm.Isend(as_bytes(data), peer, tag)], result=[tensor], timeout=_seconds(pg.timeout))


def irecv(tensor, src: int | None = None, group=None, tag: int = 0, group_src=None):
    """Start receiving into `tensor` from rank `src` (any rank when None); returns a Work."""
    pg = _member(group)
    if pg is None:
        return None
    MPI = mpi()
    peer = MPI.ANY_SOURCE if src is None and group_src is None else _peer(pg, src, group_src, "src")
    buf, _ = work_buffer(tensor)
    return Work([pg.comm.Irecv(as_bytes(buf), peer, tag)], lambda: write_back(tensor, buf), [tensor],
                _seconds(pg.timeout))


def send(tensor, dst: int | None = None, group=None, tag: int = 0, group_dst=None) -> None:
    """Send `tensor` to rank `dst` (returns once it was handed over)."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src: int | None = None, group=None, tag: int = 0, group_src=None) -> int:
    """Receive into `tensor` from rank `src` (any when None); returns the sender's global rank."""
    pg = _member(group)
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return pg.ranks[work.source_rank()]


# ---- picklable objects -------------------------------------------------------------------------------------------
def broadcast_object_list(object_list: list, src: int | None = None, group=None, device=None, group_src=None):
    """Replace `object_list`'s items with rank `src`'s (default 0); objects travel pickled."""
    pg = _member(group)
    if pg is None:
        return None
    root = _peer(pg, 0 if src is None and group_src is None else src, group_src, "src")
    object_list[:] = pg.comm.bcast(list(object_list) if pg.rank() == root else None, root)


def all_gather_object(object_list: list, obj, group=None) -> None:
    """Fill `object_list` (world_size long) with every rank's `obj`."""
    pg = _member(group)
    if pg is None:
        return None
    if len(object_list) != pg.size():
        raise ValueError(f"object_list must have world_size ({pg.size()}) items, got {len(object_list)}")
    object_list[:] = pg.comm.allgather(obj)


def gather_object(obj, object_gather_list=None, dst: int | None = None, group=None, group_dst=None) -> None:
    """Collect every rank's `obj` into `object_gather_list` on rank `dst` (default 0)."""
    pg = _member(group)
    if pg is None:
        return None
    root = _peer(pg, 0 if dst is None and group_dst is None else dst, group_dst, "dst")
    got = pg.comm.gather(obj, root)
    if pg.rank() == root:
        if object_gather_list is None or len(object_gather_list) != pg.size():
            raise ValueError(f"object_gather_list must have world_size ({pg.size()}) items on the destination")
        object_gather_list[:] = got


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list=None, src: int | None = None,
                        group=None, group_src=None) -> None:
    """Rank i gets `scatter_object_input_list[i]` of rank `src` (default 0) as `scatter_object_output_list[0]`."""
    pg = _member(group)
    if pg is None:
        return None
    root = _peer(pg, 0 if src is None and group_src is None else src, group_src, "src")
    items = list(scatter_object_input_list) if pg.rank() == root else None
    if items is not None and len(items) != pg.size():
        raise ValueError(f"scatter_object_input_list must have world_size ({pg.size()}) items")
    scatter_object_output_list[0] = pg.comm.scatter(items, root)
