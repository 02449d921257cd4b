"""DataLoader fault handling: no deadlock on large index batches, bounded waits (timeout= covers sending too),
workers tied to the parent process rather than the creating thread, and default_collate's mixed-batch errors.

Cases that hung before their fix run in a subprocess with a timeout, so a regression fails instead of hanging."""
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, Dataset, TensorDataset, default_collate, get_worker_info
from helpers import requires_torch, torch

_EMBER_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")


def run_script(code: str, timeout: float = 60) -> str:
    """Run ``code`` in a fresh interpreter importing this ember; its stdout (fails on error or timeout)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (_EMBER_ROOT, os.environ.get("PYTHONPATH")) if p))
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the script did not finish within {timeout} s (hang)")
    assert r.returncode == 0, r.stderr
    return r.stdout


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return "\nState:\tZ" not in f.read()
    except FileNotFoundError:
        return False


def _wait_gone(pids, limit: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return time.monotonic() - start


# ------------------------------------------------------------------------------------------ protocol / deadlock

def test_large_index_batches_do_not_deadlock():
    """Index batches far larger than a pipe buffer, while the worker sends back batches as large: used to hang."""
    out = run_script(
        "import time, ember\n"
        "from ember.utils.data import DataLoader, RandomSampler, TensorDataset\n"
        "n = 400_000\n"
        "x = ember.randn(n, 8)\n"
        "ds = TensorDataset(x, ember.arange(n))\n"
        "start = time.monotonic()\n"
        "dl = DataLoader(ds, batch_size=16384, sampler=RandomSampler(ds, generator=ember.Generator().manual_seed(5)),"
        " num_workers=1, timeout=20)\n"
        "batches = list(dl)\n"
        "order = list(RandomSampler(ds, generator=ember.Generator().manual_seed(5)))\n"
        "assert len(batches) == len(dl) == 25\n"
        "for k, (xb, ib) in enumerate(batches):\n"
        "    assert ib.tolist() == order[k * 16384:(k + 1) * 16384]\n"
        "    assert ember.equal(xb, x[ib])\n"
        "g = ember.Generator()\n"
        "g.manual_seed(1)\n"
        "w1 = [b[1] for b in DataLoader(ds, batch_size=16384, shuffle=True, num_workers=1, timeout=20, generator=g)]\n"
        "g.manual_seed(1)\n"
        "w0 = [b[1] for b in DataLoader(ds, batch_size=16384, shuffle=True, generator=g)]\n"
        "assert len(w0) == len(w1) and all(ember.equal(a, b) for a, b in zip(w0, w1))\n"
        "print('OK', time.monotonic() - start)\n", timeout=60)
    assert out.startswith("OK")


class Payloads(Dataset):
    """Samples exercising the framing: no buffers, empty arrays, non-contiguous arrays, multi-MB arrays."""

    def __getitem__(self, i):
        big = np.full((600, 1000), i, np.float32)
        return {"i": i, "s": f"s{i}", "empty": np.zeros((0, 3)), "t": big.T, "col": big[:, ::7]}

    def __len__(self):
        return 6


def test_protocol_payloads_and_array_indices():
    dl = DataLoader(Payloads(), batch_size=2, num_workers=2, timeout=30)
    for k, b in enumerate(dl):
        assert b["i"].tolist() == [2 * k, 2 * k + 1] and b["s"] == [f"s{2 * k}", f"s{2 * k + 1}"]
        assert b["empty"].shape == (2, 0, 3) and b["t"].shape == (2, 1000, 600) and b["col"].shape == (2, 600, 143)
        assert float(b["t"][1].sum()) == 600_000 * (2 * k + 1)
    # index batches given as NumPy arrays travel out of band too
    ds = TensorDataset(ember.arange(50))
    sampler = [np.arange(s, min(s + 7, 50)) for s in range(0, 50, 7)]
    got = [b[0].tolist() for b in DataLoader(ds, batch_sampler=sampler, num_workers=2, timeout=30)]
    assert got == [list(range(s, min(s + 7, 50))) for s in range(0, 50, 7)]


def test_queued_index_batches_are_snapshots():
    """A sampler reusing one large index array: a task still queued for its pipe keeps the values it was sent with."""
    n, size = 4, 100_000

    def reused():
        buf = np.empty(size, np.int64)
        for k in range(n):
            buf[:] = np.arange(size) + k
            yield buf

    dl = DataLoader(TensorDataset(ember.arange(size + n)), batch_sampler=reused(), num_workers=1, timeout=30)
    starts = [(int(b[0][0]), int(b[0][-1])) for b in dl]
    assert starts == [(k, k + size - 1) for k in range(n)]


# ------------------------------------------------------------------------------------------ timeouts

class Stuck(Dataset):
    """Every item blocks for ``sleep`` seconds inside a worker."""

    def __init__(self, n, sleep):
        self.n, self.sleep = n, sleep

    def __getitem__(self, i):
        if get_worker_info() is not None:
            time.sleep(self.sleep)
        return i

    def __len__(self):
        return self.n


def test_timeout_bounds_a_stuck_worker_and_shutdown_is_bounded():
    it = iter(DataLoader(Stuck(4, sleep=60), batch_size=1, num_workers=1, timeout=0.5))
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.5 seconds$"):
        next(it)
    assert time.monotonic() - start < 3
    pids = [w.pid for w in it._workers]
    start = time.monotonic()
    it._shutdown()  # the worker is still stuck: a grace period, then it is terminated
    assert time.monotonic() - start < 4 and not any(w.is_alive() for w in it._workers)
    assert _wait_gone(pids, 2) < 2


def test_timeout_bounds_a_stuck_send():
    """The worker is stuck on its first task while the next (multi-MB) index batch waits for room in the pipe:
    sending used to block forever, ignoring timeout=."""
    out = run_script(
        "import time, ember\n"
        "from ember.utils.data import DataLoader, Dataset, get_worker_info\n"
        "class Slow(Dataset):\n"
        "    def __getitems__(self, index):\n"
        "        time.sleep(60 if get_worker_info() is not None else 0)\n"
        "        return list(index[:1])\n"
        "    def __len__(self):\n"
        "        return 10 ** 6\n"
        "sampler = [list(range(k, 10 ** 6, 4)) for k in range(4)]\n"
        "start = time.monotonic()\n"
        "it = iter(DataLoader(Slow(), batch_sampler=sampler, num_workers=1, timeout=1))\n"
        "try:\n"
        "    next(it)\n"
        "except RuntimeError as e:\n"
        "    print(e, time.monotonic() - start)\n", timeout=30)
    msg, elapsed = out.rsplit(" ", 1)
    assert msg == "DataLoader timed out after 1 seconds" and float(elapsed) < 5


# ------------------------------------------------------------------------------------------ threads and process death

def test_iterator_created_in_an_exiting_thread_keeps_working():
    dl = DataLoader(TensorDataset(ember.arange(60)), batch_size=5, num_workers=2, timeout=30)
    box = []
    t = threading.Thread(target=lambda: box.append((lambda it: (it, next(it)))(iter(dl))))
    t.start()
    t.join()
    it, first = box[0]
    time.sleep(0.3)  # a parent-death signal tied to the thread would have killed the workers by now
    assert all(w.is_alive() for w in it._workers)
    rest = [b[0].tolist() for b in it]
    assert [first[0].tolist()] + rest == [list(range(s, s + 5)) for s in range(0, 60, 5)]


def test_persistent_worker_epochs_from_thread_pools():
    dl = DataLoader(TensorDataset(ember.arange(40)), batch_size=8, num_workers=2, persistent_workers=True,
                    timeout=30)
    expected = [list(range(s, s + 8)) for s in range(0, 40, 8)]
    pids = None
    for _ in range(3):
        with ThreadPoolExecutor(max_workers=1) as pool:  # each epoch runs in a new thread that then exits
            got = pool.submit(lambda: [b[0].tolist() for b in dl]).result(timeout=60)
        time.sleep(0.1)
        assert got == expected
        now = [w.pid for w in dl._iterator._workers]
        assert pids is None or now == pids
        pids = now
    assert all(w.is_alive() for w in dl._iterator._workers)
    dl._iterator._shutdown()


@linux_only
def test_workers_exit_soon_after_parent_sigkill():
    """The iterator is made in a thread (no parent-death signal applies) and its workers are blocked writing
    batches into full pipes when the parent is SIGKILLed: they must not outlive it by more than a moment."""
    script = (
        "import threading, time, ember\n"
        "from ember.utils.data import DataLoader, TensorDataset\n"
        "ds = TensorDataset(ember.zeros(4000, 20000))\n"
        "box = []\n"
        "def make():\n"
        "    it = iter(DataLoader(ds, batch_size=500, num_workers=2, persistent_workers=True))\n"
        "    next(it)\n"
        "    box.append(it)\n"
        "t = threading.Thread(target=make)\n"
        "t.start()\n"
        "t.join()\n"
        "print(','.join(str(w.pid) for w in box[0]._workers), flush=True)\n"
        "time.sleep(60)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (_EMBER_ROOT, os.environ.get("PYTHONPATH")) if p))
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    try:
        pids = [int(x) for x in p.stdout.readline().strip().split(",")]
        time.sleep(0.5)
        assert all(_alive(pid) for pid in pids)
    finally:
        p.kill()
        p.wait()
    assert _wait_gone(pids, 10) < 5, "DataLoader workers outlived their killed parent"


# ------------------------------------------------------------------------------------------ collate

@requires_torch
@pytest.mark.parametrize("second", [{"a": 1}, [1, 2], 3, None, "s", np.zeros(2, np.float32)],
                         ids=["dict", "list", "int", "None", "str", "ndarray"])
def test_collate_tensor_then_other_type_matches_torch(second):
    with pytest.raises(TypeError) as theirs:
        torch.utils.data.default_collate([torch.zeros(2), second])
    with pytest.raises(TypeError) as ours:
        default_collate([ember.zeros(2), second])
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="expected Tensor as element 2 in argument 0, but got dict"):
        default_collate([{"x": ember.zeros(2)}, {"x": ember.ones(2)}, {"x": {"a": 1}}])


@requires_torch
@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's indexing deprecation note on the way to its error
def test_collate_dict_then_tensor_is_a_type_error_like_torch():
    with pytest.raises(TypeError):
        torch.utils.data.default_collate([{"a": torch.zeros(2)}, torch.zeros(2)])
    with pytest.raises(TypeError):
        default_collate([{"a": ember.zeros(2)}, ember.zeros(2)])
