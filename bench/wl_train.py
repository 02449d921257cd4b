"""Training-machinery workloads: an optimizer step and a DataLoader epoch."""
import numpy as np

from workloads import data, workload


@workload(unit="ms")
def adam_step(fw):
    """Adam.step() over a 5x10^6-parameter MLP-shaped model (five 1000x1000 weights + biases), grads pre-filled."""
    rng = data(0)
    params = []
    for _ in range(5):
        for shape in ((1000, 1000), (1000,)):
            p = fw.nn.Parameter(fw.from_numpy(rng.standard_normal(shape, dtype=np.float32)))
            p.grad = fw.from_numpy(rng.standard_normal(shape, dtype=np.float32) * np.float32(0.01))
            params.append(p)
    opt = fw.optim.Adam(params, lr=1e-3)

    def step():
        opt.step()
    return step, 1


def _mnist_like(fw):
    rng = data(1)
    x = fw.from_numpy(rng.standard_normal((60000, 784), dtype=np.float32))
    y = fw.from_numpy(rng.integers(0, 10, 60000).astype(np.int64))
    return fw.utils.data.TensorDataset(x, y)


def _epoch(fw, num_workers):
    loader = fw.utils.data.DataLoader(_mnist_like(fw), batch_size=128, shuffle=True, num_workers=num_workers)

    def step():
        n = 0
        for xb, yb in loader:
            n += xb.shape[0]
        assert n == 60000
    return step, 1


@workload(unit="ms")
def dataloader_w0(fw):
    """One shuffled epoch of DataLoader(TensorDataset 60000x784 float32 + labels, batch 128), main process."""
    return _epoch(fw, 0)


@workload(unit="ms")
def dataloader_w2(fw):
    """The same epoch with num_workers=2 (worker start-up included, as each epoch starts fresh workers)."""
    return _epoch(fw, 2)
