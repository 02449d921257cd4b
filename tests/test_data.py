"""ember.utils.data: datasets, samplers, collation and the DataLoader (single- and multi-process)."""
import collections
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, DistributedSampler,
                              IterableDataset, RandomSampler, SequentialSampler, StackDataset, Subset,
                              SubsetRandomSampler, TensorDataset, WeightedRandomSampler, default_collate,
                              default_convert, get_worker_info, random_split)
from helpers import requires_torch, torch


def tensor_ds(n=10):
    x = ember.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    return TensorDataset(x, ember.arange(n))


def labels(loader):
    return [b[1].tolist() for b in loader]


# ------------------------------------------------------------------------------------------ datasets

def test_tensor_dataset_and_size_mismatch():
    ds = tensor_ds(5)
    x, y = ds[2]
    assert len(ds) == 5 and x.tolist() == [6.0, 7.0, 8.0] and int(y) == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(ember.zeros(4, 2), ember.zeros(5))


def test_stack_concat_chain_subset():
    a, b = tensor_ds(4), tensor_ds(3)
    cat = a + b
    assert isinstance(cat, ConcatDataset) and len(cat) == 7 and cat.cumulative_sizes == [4, 7]
    assert int(cat[5][1]) == 1 and int(cat[-1][1]) == 2
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        cat[-8]
    st = StackDataset(a, a)
    assert len(st) == 4 and int(st[1][1][1]) == 1
    st_kw = StackDataset(x=a, y=a)
    assert set(st_kw[0]) == {"x", "y"} and len(st_kw.__getitems__([0, 3])) == 2
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(a, b)
    sub = Subset(a, [3, 1])
    assert len(sub) == 2 and int(sub[0][1]) == 3 and [int(s[1]) for s in sub.__getitems__([1, 0])] == [1, 3]
    chain = Range(3) + Range(2)
    assert isinstance(chain, ChainDataset) and list(chain) == [0, 1, 2, 0, 1] and len(chain) == 5
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Range(2)])


def test_random_split_lengths_fractions_and_generator():
    ds = tensor_ds(10)
    parts = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(0))
    again = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7] and parts[0].indices == again[0].indices
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    frac = random_split(range(11), [0.5, 0.3, 0.2])
    assert [len(p) for p in frac] == [6, 3, 2]  # floor 5/3/2, the remainder goes round-robin from the front
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [1.0, 0.0])


@requires_torch
def test_random_split_fraction_sizes_match_torch():
    for n, fr in [(11, [0.5, 0.3, 0.2]), (7, [0.1, 0.1, 0.8]), (100, [1 / 3] * 3)]:
        e = [len(p) for p in random_split(range(n), fr)]
        t = [len(p) for p in torch.utils.data.random_split(range(n), fr)]
        assert e == t


# ------------------------------------------------------------------------------------------ samplers

def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    ember.manual_seed(0)
    perm = list(RandomSampler(range(6)))
    assert sorted(perm) == list(range(6))
    ember.manual_seed(0)
    assert list(RandomSampler(range(6))) == perm
    r = RandomSampler(range(5), replacement=True, num_samples=70, generator=ember.Generator().manual_seed(3))
    draws = list(r)
    assert len(draws) == len(r) == 70 and set(draws) <= set(range(5))
    long = list(RandomSampler(range(4), num_samples=10))
    assert len(long) == 10 and sorted(long[:4]) == list(range(4))
    sub = list(SubsetRandomSampler([10, 20, 30]))
    assert sorted(sub) == [10, 20, 30]
    w = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 50))
    assert len(w) == 50 and set(w) <= {1, 3}
    no_repl = list(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(no_repl) == [0, 1, 2, 3]
    bs = BatchSampler(range(10), 4, drop_last=False)
    assert list(bs) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(bs) == 3
    assert len(BatchSampler(range(10), 4, drop_last=True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 1)


def test_distributed_sampler_partitions():
    shares = [list(DistributedSampler(range(10), num_replicas=3, rank=r, seed=1)) for r in range(3)]
    assert all(len(s) == 4 for s in shares)
    assert set(sum(shares, [])) == set(range(10))  # padded to 12 by repeating the head
    s = DistributedSampler(range(10), num_replicas=3, rank=0, drop_last=True, shuffle=False)
    assert list(s) == [0, 3, 6] and len(s) == 3
    big = DistributedSampler(range(100), num_replicas=2, rank=1, seed=4)
    big.set_epoch(1)
    e1 = list(big)
    big.set_epoch(2)
    e2 = list(big)
    big.set_epoch(1)
    assert list(big) == e1 and e1 != e2 and sorted(e1) == sorted(set(e1))
    with pytest.raises(ValueError, match="Invalid rank"):
        DistributedSampler(range(4), num_replicas=2, rank=2)


# ------------------------------------------------------------------------------------------ collation

Point = collections.namedtuple("Point", "x y")


def test_default_collate_structures():
    batch = [{"img": ember.ones(2), "arr": np.zeros(3, np.float32), "f": 1.5, "i": 2, "s": "a", "t": (1, "u"),
              "p": Point(1.0, np.int32(4)), "l": [1, 2]} for _ in range(3)]
    out = default_collate(batch)
    assert out["img"].shape == (3, 2) and out["arr"].shape == (3, 3) and out["arr"].dtype == ember.float32
    assert out["f"].dtype == ember.float64 and out["i"].dtype == ember.int64
    assert out["s"] == ["a", "a", "a"]
    assert isinstance(out["t"], list) and out["t"][1] == ("u",) * 3 and out["t"][0].tolist() == [1, 1, 1]
    assert isinstance(out["p"], Point) and out["p"].y.dtype == ember.int32
    assert isinstance(out["l"], list) and out["l"][0].tolist() == [1, 1, 1]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object()])
    conv = default_convert({"a": np.arange(3), "b": (np.float64(2.0), "s")})
    assert isinstance(conv["a"], ember.Tensor) and isinstance(conv["b"], list) and conv["b"][1] == "s"


@requires_torch
def test_default_collate_matches_torch():
    def sample(fw, i):
        return {"x": fw.tensor([float(i), 2.0]), "n": np.array([i, i], np.int16), "f": 0.5 * i, "k": i,
                "nested": [(i, "s"), {"z": np.float32(i)}], "p": Point(i, 2.0)}

    def describe(obj):
        if isinstance(obj, (ember.Tensor, torch.Tensor)):
            return ("T", str(obj.dtype).split(".")[-1], tuple(obj.shape), obj.tolist())
        if isinstance(obj, dict):
            return {k: describe(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return (type(obj).__name__, [describe(v) for v in obj])
        return obj

    e = default_collate([sample(ember, i) for i in range(3)])
    t = torch.utils.data.default_collate([sample(torch, i) for i in range(3)])
    assert describe(e) == describe(t)


# ------------------------------------------------------------------------------------------ DataLoader (main process)

def test_batch_counts_and_shapes():
    ds = tensor_ds(10)
    dl = DataLoader(ds, batch_size=4)
    shapes = [(tuple(x.shape), tuple(y.shape)) for x, y in dl]
    assert len(dl) == 3 and shapes == [((4, 3), (4,)), ((4, 3), (4,)), ((2, 3), (2,))]
    dl = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dl) == 2 and [tuple(x.shape) for x, _ in dl] == [(4, 3), (4, 3)]
    unbatched = list(DataLoader(ds, batch_size=None))
    assert len(unbatched) == 10 and unbatched[3][0].shape == (3,) and isinstance(unbatched[3], list)
    assert labels(DataLoader(ds, batch_size=3)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    custom = DataLoader(ds, batch_sampler=[[1, 5], [0]], collate_fn=lambda b: [int(s[1]) for s in b])
    assert list(custom) == [[1, 5], [0]] and len(custom) == 2


def test_generic_dataset_path_equals_fast_path():
    class Plain(Dataset):
        def __init__(self, base):
            self.base = base

        def __getitem__(self, i):
            return self.base[i]

        def __len__(self):
            return len(self.base)

    ds = tensor_ds(9)
    for a, b in zip(DataLoader(ds, batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(5)),
                    DataLoader(Plain(ds), batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(5))):
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist() and a[1].dtype == b[1].dtype


def test_shuffle_reproducible_with_seed_and_generator():
    ds = tensor_ds(20)
    ember.manual_seed(123)
    first = labels(DataLoader(ds, batch_size=5, shuffle=True))
    ember.manual_seed(123)
    assert labels(DataLoader(ds, batch_size=5, shuffle=True)) == first
    assert sorted(sum(first, [])) == list(range(20)) and first != labels(DataLoader(ds, batch_size=5))
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    a = labels(DataLoader(ds, batch_size=5, shuffle=True, generator=g1))
    b = labels(DataLoader(ds, batch_size=5, shuffle=True, generator=g2))
    assert a == b
    dl = DataLoader(ds, batch_size=5, shuffle=True, generator=g1)
    assert labels(dl) != labels(dl)  # a new order every epoch


def test_argument_validation():
    ds = tensor_ds(4)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Range(3), shuffle=True)
    with pytest.raises(ValueError, match="multiprocessing_context can only be used"):
        DataLoader(ds, multiprocessing_context="fork")
    dl = DataLoader(ds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        dl.batch_size = 3


class Range(IterableDataset):
    """0..n-1, sharded across DataLoader workers by worker id."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def test_iterable_dataset_single_process():
    dl = DataLoader(Range(7), batch_size=3)
    assert [b.tolist() for b in dl] == [[0, 1, 2], [3, 4, 5], [6]] and len(dl) == 3
    assert [b.tolist() for b in DataLoader(Range(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert [int(b) for b in DataLoader(Range(3), batch_size=None)] == [0, 1, 2]
    assert get_worker_info() is None


# ------------------------------------------------------------------------------------------ DataLoader (workers)

class Slow(Dataset):
    """Items take longer for low indices, so workers finish out of order."""

    def __init__(self, n, fail_at=None, kill_at=None, sleep=0.0):
        self.n, self.fail_at, self.kill_at, self.sleep = n, fail_at, kill_at, sleep

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"bad sample {i}")
        if i == self.kill_at and get_worker_info() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(self.sleep or 0.002 * ((self.n - i) % 5))
        info = get_worker_info()
        return {"i": i, "x": np.full(3, i, np.float32), "w": -1 if info is None else info.id,
                "tag": getattr(info.dataset, "tag", "") if info else ""}

    def __len__(self):
        return self.n


def test_worker_order_determinism_and_equality_with_main_process():
    ds = Slow(24)
    single = [b["i"].tolist() for b in DataLoader(ds, batch_size=3)]
    dl = DataLoader(ds, batch_size=3, num_workers=2, prefetch_factor=3)
    batches = list(dl)
    assert [b["i"].tolist() for b in batches] == single and len(dl) == 8
    assert [b["w"].tolist()[0] for b in batches] == [0, 1] * 4  # round-robin over the workers
    assert batches[0]["x"].shape == (3, 3) and batches[0]["x"].dtype == ember.float32
    batches[0]["x"].add_(1)  # arrays arrive writable
    g = ember.Generator().manual_seed(11)
    shuffled_w = [b["i"].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True, num_workers=2, generator=g)]
    g.manual_seed(11)
    shuffled_0 = [b["i"].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True, generator=g)]
    assert shuffled_w == shuffled_0


def test_worker_info_init_fn_and_seeds():
    def init(worker_id):
        get_worker_info().dataset.tag = f"w{worker_id}"

    g = ember.Generator().manual_seed(3)
    dl = DataLoader(Slow(4, sleep=0.001), batch_size=1, num_workers=2, worker_init_fn=init, generator=g)
    tags = [b["tag"][0] for b in dl]
    assert tags == ["w0", "w1", "w0", "w1"]


def test_iterable_dataset_sharded_across_workers():
    dl = DataLoader(Range(10), batch_size=2, num_workers=2)
    got = [b.tolist() for b in dl]
    # worker 0 streams 0,2,4,6,8 and worker 1 streams 1,3,5,7,9; batches alternate between the workers
    assert got == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]
    assert sorted(sum(got, [])) == list(range(10))


def test_persistent_workers_and_in_order_false():
    dl = DataLoader(Slow(8, sleep=0.001), batch_size=2, num_workers=2, persistent_workers=True)
    it = iter(dl)
    first = [b["i"].tolist() for b in it]
    pids = [w.pid for w in it._workers]
    second = [b["i"].tolist() for b in dl]
    assert first == second == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert [w.pid for w in dl._iterator._workers] == pids and all(w.is_alive() for w in dl._iterator._workers)
    unordered = [b["i"].tolist() for b in DataLoader(Slow(12), batch_size=2, num_workers=2, in_order=False)]
    assert sorted(sum(unordered, [])) == list(range(12))


def test_workers_shut_down_cleanly():
    dl = DataLoader(Slow(6, sleep=0.001), batch_size=2, num_workers=2)
    it = iter(dl)
    workers = it._workers
    assert len(list(it)) == 3
    assert not any(w.is_alive() for w in workers)
    it = iter(DataLoader(Slow(40, sleep=0.001), batch_size=2, num_workers=2))
    next(it)
    workers = it._workers
    del it  # abandoned mid-epoch: the finalizer stops the workers
    deadline = time.time() + 10
    while any(w.is_alive() for w in workers) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(w.is_alive() for w in workers)


def test_worker_exception_is_reraised_with_traceback():
    dl = DataLoader(Slow(8, fail_at=5), batch_size=2, num_workers=2)
    it = iter(dl)
    assert next(it)["i"].tolist() == [0, 1]
    assert next(it)["i"].tolist() == [2, 3]
    with pytest.raises(ValueError) as info:
        next(it)
    msg = str(info.value)
    assert "Caught ValueError in DataLoader worker process 0" in msg
    assert "bad sample 5" in msg and "Traceback" in msg and "__getitem__" in msg
    assert next(it)["i"].tolist() == [6, 7]  # the loader keeps going, as torch's does


def test_killed_worker_raises_quickly():
    dl = DataLoader(Slow(12, kill_at=6, sleep=0.001), batch_size=2, num_workers=2)
    start = time.time()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) is killed by signal: Killed"):
        for _ in dl:
            pass
    assert time.time() - start < 5


def test_externally_killed_worker_detected():
    it = iter(DataLoader(Slow(40, sleep=0.05), batch_size=2, num_workers=2))
    next(it)
    os.kill(it._workers[1].pid, signal.SIGKILL)
    start = time.time()
    with pytest.raises(RuntimeError, match="killed by signal"):
        for _ in it:
            pass
    assert time.time() - start < 5


def test_timeout_is_honoured():
    dl = DataLoader(Slow(4, sleep=3.0), batch_size=1, num_workers=1, timeout=0.3)
    start = time.time()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        next(iter(dl))
    assert time.time() - start < 2.5


def test_spawn_context():
    dl = DataLoader(tensor_ds(6), batch_size=4, num_workers=1, multiprocessing_context="spawn")
    assert labels(dl) == [[0, 1, 2, 3], [4, 5]]


def test_training_loop_end_to_end():
    """A torch-style training script: TensorDataset + shuffled DataLoader + SGD drives the loss down."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    ds = TensorDataset(ember.tensor(x), ember.tensor(y))
    w = ember.nn.Parameter(ember.zeros(3, 1))
    b = ember.nn.Parameter(ember.zeros(1))
    opt = ember.optim.SGD([w, b], lr=0.1, momentum=0.9)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    ember.manual_seed(0)
    for _ in range(30):
        for xb, yb in DataLoader(ds, batch_size=16, shuffle=True):
            opt.zero_grad()
            loss = ((xb @ w + b - yb) ** 2).mean()
            loss.backward()
            opt.step()
        sched.step()
    assert float(loss) < 1e-4 and math.isclose(sched.get_last_lr()[0], 0.1 * 0.5 ** 3)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "\nState:\tZ" not in f.read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and PR_SET_PDEATHSIG")
def test_workers_die_with_a_killed_parent():
    script = (
        "import time, ember\n"
        "from ember.utils.data import DataLoader, TensorDataset\n"
        "ds = TensorDataset(ember.zeros(4000, 20000))\n"
        "it = iter(DataLoader(ds, batch_size=500, num_workers=2, persistent_workers=True))\n"
        "next(it)\n"
        "print(','.join(str(w.pid) for w in it._workers), flush=True)\n"
        "time.sleep(60)\n")
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pids = [int(x) for x in p.stdout.readline().strip().split(",")]
    p.kill()
    p.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids), "DataLoader workers outlived their killed parent"
