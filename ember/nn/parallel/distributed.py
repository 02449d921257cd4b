"""DistributedDataParallel: gradients averaged over the ranks in buckets, reduced while backward still runs."""
from __future__ import annotations

import contextlib
import time

import numpy as np

from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024  # torch's dist._DEFAULT_FIRST_BUCKET_BYTES


def _buckets(params: list, first_bytes: int, cap_bytes: int) -> list[list[int]]:
    """Parameter indices grouped into buckets, walking the parameters in reverse order as torch does.

    Buckets hold one dtype each; the first closes at `first_bytes`, later ones at `cap_bytes`.
    """
    open_, limit, done = {}, {}, []
    for i in reversed(range(len(params))):
        arr = params[i]._data
        key = arr.dtype
        b = open_.setdefault(key, [[], 0])
        b[0].append(i)
        b[1] += arr.nbytes
        if b[1] >= limit.setdefault(key, first_bytes):
            done.append(b[0])
            del open_[key]
            limit[key] = cap_bytes
    done.extend(b[0] for b in open_.values())
    return done


def _leaves_reached(outputs) -> set:
    """ids of the leaf tensors the autograd graph of `outputs` (tensors nested in lists/tuples/dicts) reaches."""
    from ..._tensor import Tensor
    from ...autograd.engine import graph_leaves
    stack, tensors = [outputs], []
    while stack:
        o = stack.pop()
        if isinstance(o, Tensor):
            tensors.append(o)
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())
    return set(graph_leaves(tensors))


class DistributedDataParallel(Module):
    r"""Data parallelism across the processes of a process group (torch.nn.parallel.DistributedDataParallel).

    At construction rank 0's parameters and buffers are broadcast to every rank. In backward each gradient is
    marked ready as soon as it is accumulated; a bucket (``bucket_cap_mb``, filled in reverse parameter order) whose
    gradients are all ready starts a non-blocking all-reduce at once, and the end of backward waits for every
    bucket and writes the averaged gradients back into ``.grad``.

    Args:
        module (Module): the replicated module, registered as ``self.module`` (``module.`` state_dict prefix).
        broadcast_buffers (bool): broadcast rank 0's buffers at every forward. Default: True
        process_group: the group to reduce over (default: the default group).
        bucket_cap_mb (float): bucket size in MiB. Default: 25
        find_unused_parameters (bool): find parameters the forward did not use and reduce zeros for them.
        gradient_as_bucket_view, static_graph, device_ids, output_device, dim: accepted (CPU only).
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None, mixed_precision=None,
                 device_mesh=None) -> None:
        super().__init__()
        from ... import distributed as dist
        self.process_group = dist._pg(process_group)
        if self.process_group is dist.GroupMember.NON_GROUP_MEMBER:
            raise ValueError("DistributedDataParallel: this rank is not part of process_group")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.device_ids, self.output_device, self.dim = None, None, dim  # torch's values for CPU modules
        self.broadcast_buffers, self.find_unused_parameters = broadcast_buffers, find_unused_parameters
        self.gradient_as_bucket_view, self.static_graph = gradient_as_bucket_view, static_graph
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self._params = params
        self._index = {id(p): i for i, p in enumerate(params)}
        first = _FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap  # torch's rebuilt buckets
        self._bucket_of, self._bucket_list = {}, _buckets(params, min(first, self.bucket_bytes_cap),
                                                          self.bucket_bytes_cap)
        for b, idx in enumerate(self._bucket_list):
            for i in idx:
                self._bucket_of[i] = b
        self._armed = False
        self._unfinished = None
        self._last_comm_wait_s, self._last_comm_done_share = 0.0, 0.0
        self._sync_module_states()
        self._hooks = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params]

    # ---- state ------------------------------------------------------------------------------------------------
    def _sync_module_states(self) -> None:
        """Give every rank rank 0's parameters and buffers."""
        from ... import distributed as dist
        src = self.process_group.ranks[0]
        for t in list(self.module.parameters()) + [b for b in self.module.buffers() if b is not None]:
            dist.broadcast(t, src, group=self.process_group)

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this context backward only accumulates local gradients (reduced by the next synced backward)."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def forward(self, *inputs, **kwargs):
        from ... import autograd
        if self._unfinished is not None:
            missing, self._unfinished = self._unfinished, None
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`. Parameter indices which did not receive grad for "
                f"rank {self.process_group.rank()}: {' '.join(map(str, missing))}")
        if self.broadcast_buffers and self.require_forward_param_sync:
            from ... import distributed as dist
            for b in self.module.buffers():
                if b is not None:
                    dist.broadcast(b, self.process_group.ranks[0], group=self.process_group)
        out = self.module(*inputs, **kwargs)
        if autograd.grad_mode.grad_enabled() and self.require_backward_grad_sync:
            self._prepare_for_backward(out)
        else:
            self._armed = False
        return out

    # ---- gradient reduction -------------------------------------------------------------------------------------
    def _prepare_for_backward(self, out) -> None:
        self._pending = [len(idx) for idx in self._bucket_list]
        self._ready_params = np.zeros(len(self._params), dtype=bool)
        self._works, self._flat = [None] * len(self._bucket_list), [None] * len(self._bucket_list)
        self._next, self._queued, self._armed = 0, False, True
        self._used = None
        if self.find_unused_parameters:
            reached = _leaves_reached(out)
            self._used = np.array([id(p) in reached for p in self._params], dtype=np.int32)
            for i in np.flatnonzero(self._used == 0):
                self._mark(int(i))

    def _grad_ready(self, param) -> None:
        if not self._armed:
            return
        if not self._queued:
            from ...autograd.engine import queue_callback
            queue_callback(self._finish_backward)
            self._queued = True
        self._mark(self._index[id(param)])
        self._launch_ready()
        reqs = [w._requests[0] for w in self._works[:self._next] if w is not None and not w._done]
        if reqs:  # let MPI progress the reductions in flight (it moves data only inside MPI calls)
            from ...distributed import _mpi
            _mpi.mpi().Request.Testall(reqs)

    def _mark(self, i: int) -> None:
        if self._ready_params[i]:
            return
        self._ready_params[i] = True
        self._pending[self._bucket_of[i]] -= 1

    def _launch_ready(self) -> None:
        """Start the all-reduce of every ready bucket, in bucket order (the same order on every rank)."""
        from ... import distributed as dist
        from ...distributed import _mpi
        while self._next < len(self._bucket_list) and self._pending[self._next] == 0:
            b = self._next
            idx = self._bucket_list[b]
            dtype = self._params[idx[0]]._data.dtype
            flat = np.empty(sum(self._params[i]._data.size for i in idx), dtype=_mpi.reduce_dtype(dtype))
            at = 0
            for i in idx:
                p = self._params[i]
                n = p._data.size
                if p._grad is None:
                    flat[at:at + n] = 0
                else:
                    flat[at:at + n] = p._grad._data.reshape(-1)
                at += n
            flat /= self.process_group.size()
            self._flat[b] = flat
            comm = self.process_group.comm
            self._works[b] = _mpi.Work([comm.Iallreduce(_mpi.mpi().IN_PLACE, flat, _mpi.mpi_op(dist.ReduceOp.SUM,
                                                                                               flat.dtype))])
            self._next += 1

    def _finish_backward(self) -> None:
        """End of backward: wait for every bucket and store the averaged gradients in ``.grad``."""
        from ...autograd import graph
        self._armed = False
        if self._next < len(self._bucket_list):
            self._unfinished = [i for i in range(len(self._params)) if not self._ready_params[i]]
            for w in self._works:
                if w is not None:
                    w.wait()
            return
        start = time.perf_counter()
        used = None
        if self._used is not None:
            from ...distributed import _mpi
            used = self._used.copy()
            self.process_group.comm.Allreduce(_mpi.mpi().IN_PLACE, used, _mpi.mpi().SUM)
        done = sum(self._flat[b].nbytes for b, w in enumerate(self._works) if w._requests[0].Test())
        self._last_comm_done_share = done / max(sum(f.nbytes for f in self._flat), 1)  # finished during backward
        for b, idx in enumerate(self._bucket_list):
            self._works[b].wait()
            flat, at = self._flat[b], 0
            for i in idx:
                p = self._params[i]
                n = p._data.size
                part = flat[at:at + n].reshape(p._data.shape)
                at += n
                if used is not None and not used[i]:
                    continue  # no rank used it: its gradient stays as it was
                if p._grad is None:
                    p._grad = graph._make(part.astype(p._data.dtype, copy=True))
                elif not p._grad._data.flags.writeable:
                    p._grad._data = part.astype(p._data.dtype, copy=True)
                else:
                    np.copyto(p._grad._data, part, casting="unsafe")
        self._works, self._flat = [None] * len(self._bucket_list), [None] * len(self._bucket_list)
        self._last_comm_wait_s = time.perf_counter() - start  # all-reduce time backward did not hide
