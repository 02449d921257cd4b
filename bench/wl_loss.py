"""Loss workloads: the fused cross-entropy forward + backward."""
import numpy as np

from workloads import data, workload


@workload(unit="ms")
def cross_entropy(fw):
    """F.cross_entropy on 128x1000 float32 logits (requires_grad) and int64 targets, forward + backward."""
    rng = data(0)
    x = fw.tensor(rng.standard_normal((128, 1000), dtype=np.float32), requires_grad=True)
    t = fw.from_numpy(rng.integers(0, 1000, size=128).astype(np.int64))
    F = fw.nn.functional

    def step():
        x.grad = None
        F.cross_entropy(x, t).backward()
    return step, 1
