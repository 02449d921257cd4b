"""Benchmark workloads, each run on ember and on torch by ``bench/run.py``.

A workload is a function ``name(fw)`` that takes the framework module (``ember``
or ``torch``, used through the identical API), builds its inputs, and returns
``(step, steps_per_call)``: ``step()`` does ``steps_per_call`` steps of work.
Build inputs with NumPy (``data(seed)`` below) and convert them with
``fw.tensor`` / ``fw.from_numpy`` so both frameworks see the same numbers.

Adding a workload is a few lines::

    @workload(unit="ms")
    def my_op(fw):
        x = fw.from_numpy(data(0).standard_normal((256, 256), dtype=np.float32))
        def step():
            with fw.no_grad():
                x.exp()
        return step, 1

``unit`` is how the table reports the time of one step: "ms" or "us".
"""
import numpy as np

WORKLOADS = {}


def workload(unit="ms"):
    """Register ``fn(fw) -> (step, steps_per_call)`` under its function name."""
    def register(fn):
        fn.unit = unit
        WORKLOADS[fn.__name__] = fn
        return fn
    return register


def data(seed):
    """A seeded NumPy generator: the same inputs for ember and torch."""
    return np.random.default_rng(seed)


@workload(unit="us")
def tiny_ops(fw):
    """Per-op overhead: 1000 x a tiny forward + backward on a 16x16 leaf."""
    x = fw.tensor(data(0).standard_normal((16, 16), dtype=np.float32), requires_grad=True)

    def step():
        for _ in range(1000):
            y = (x * 2 + 1).relu().sum()
            y.backward()
            x.grad = None
    return step, 1000


@workload(unit="ms")
def matmul(fw):
    """1024x1024 @ 1024x1024 float32, no grad: BLAS throughput."""
    rng = data(0)
    a = fw.from_numpy(rng.standard_normal((1024, 1024), dtype=np.float32))
    b = fw.from_numpy(rng.standard_normal((1024, 1024), dtype=np.float32))

    def step():
        with fw.no_grad():
            a @ b
    return step, 1


@workload(unit="ms")
def mlp_step(fw):
    """One SGD step of a 784-256-256-10 ReLU MLP, batch 128, cross-entropy by hand."""
    rng = data(0)
    sizes = [784, 256, 256, 10]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = rng.standard_normal((fan_in, fan_out), dtype=np.float32) * np.float32(
            np.sqrt(2.0 / fan_in))
        params += [fw.tensor(w, requires_grad=True),
                   fw.tensor(np.zeros(fan_out, np.float32), requires_grad=True)]
    x = fw.from_numpy(rng.standard_normal((128, 784), dtype=np.float32))
    y = fw.from_numpy(rng.integers(0, 10, size=128).astype(np.int64))
    lr = 0.01

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = h.relu()
        loss = -h.log_softmax(dim=1).gather(1, y.unsqueeze(1)).mean()
        loss.backward()
        with fw.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return step, 1


def _load_area_workloads():
    """Import bench/wl_*.py so each area registers its workloads in its own file."""
    import importlib
    import pathlib
    import sys
    here = pathlib.Path(__file__).parent
    if str(here) not in sys.path:
        sys.path.insert(0, str(here))
    for path in sorted(here.glob("wl_*.py")):
        importlib.import_module(path.stem)
_load_area_workloads()
