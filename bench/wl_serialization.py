"""Checkpoint workloads: save + load round trips through an in-memory buffer."""
import io

import numpy as np

from workloads import data, workload


def _roundtrip(fw, sd):
    def step():
        buf = io.BytesIO()
        fw.save(sd, buf)
        buf.seek(0)
        fw.load(buf, weights_only=True)
    return step


@workload(unit="ms")
def checkpoint_large(fw):
    """save + load of a 16-tensor float32 state_dict of 16 MiB (bandwidth: CRC, copies)."""
    rng = data(0)
    sd = {f"layer{i}.weight": fw.from_numpy(rng.standard_normal((512, 512), dtype=np.float32)) for i in range(16)}
    return _roundtrip(fw, sd), 1


@workload(unit="ms")
def checkpoint_many_small(fw):
    """save + load of 600 small tensors with torch's state_dict layout (pickling and unpickling overhead)."""
    rng = data(1)
    sd = {}
    for i in range(200):
        sd[f"blocks.{i}.weight"] = fw.from_numpy(rng.standard_normal((8, 8), dtype=np.float32))
        sd[f"blocks.{i}.bias"] = fw.from_numpy(rng.standard_normal(8, dtype=np.float32))
        sd[f"blocks.{i}.num_batches_tracked"] = fw.tensor(i)
    return _roundtrip(fw, sd), 1
