"""DDP step time at 1 and 2 ranks: ember on MPI vs torch's gloo DDP (bench/run.py runs one process; this can't).

    python bench/ddp_scaling.py [--steps 8] [--models transformer,cnn_bn] [--ranks 1,2]

Strong scaling: the global batch (transformer 16 x 64 x 128, cnn_bn 32 x 3 x 32 x 32) is split over the ranks,
each rank runs with OMP_NUM_THREADS=1. ember workers start under mpirun, torch workers under torchrun (gloo).
For ember it also reports the all-reduce time of the buckets on their own, the time the end of backward waited
(includes waiting for the slower rank) and the share of gradient bytes whose all-reduce had already finished
while backward was still running (hidden by overlap).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = {"transformer": 16, "cnn_bn": 32}


def build(fw, name, rank, world):
    """Model, loss-and-step closure inputs for `name`, on this rank's share of the global batch."""
    rng = np.random.default_rng(0)
    fw.manual_seed(0)
    nn = fw.nn
    n = BATCH[name] // world
    if name == "transformer":
        layer = nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True)
        model = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        x = rng.standard_normal((BATCH[name], 64, 128), dtype=np.float32)
        y = rng.standard_normal((BATCH[name], 64, 128), dtype=np.float32)
        loss_fn = nn.MSELoss()
    else:
        model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                              nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                              nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
        x = rng.standard_normal((BATCH[name], 3, 32, 32), dtype=np.float32)
        y = rng.integers(0, 10, size=BATCH[name]).astype(np.int64)
        loss_fn = nn.CrossEntropyLoss()
    part = slice(rank * n, (rank + 1) * n)
    return model, fw.from_numpy(x[part].copy()), fw.from_numpy(y[part].copy()), loss_fn


def worker(fw_name, name, steps):
    """One rank: time `steps` DDP SGD steps after 2 warm-up steps; rank 0 prints a JSON line."""
    if fw_name == "torch":
        import torch as fw
        import torch.distributed as dist
        fw.set_num_threads(1)
        dist.init_process_group("gloo")
    else:
        import ember as fw
        import ember.distributed as dist
        dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    model, x, y, loss_fn = build(fw, name, rank, world)
    ddp = fw.nn.parallel.DistributedDataParallel(model)
    opt = fw.optim.SGD(ddp.parameters(), lr=1e-3)
    times, waits, shares = [], [], []
    for i in range(steps + 2):
        dist.barrier()
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(ddp(x), y).backward()
        opt.step()
        times.append(time.perf_counter() - t0)
        waits.append(getattr(ddp, "_last_comm_wait_s", float("nan")))
        shares.append(getattr(ddp, "_last_comm_done_share", float("nan")))
    res = {"fw": fw_name, "model": name, "ranks": world, "step_ms": 1e3 * float(np.median(times[2:]))}
    if fw_name == "ember" and world > 1:
        from ember.distributed import _mpi
        MPI = _mpi.mpi()
        comm = ddp.process_group.comm
        sizes = [sum(ddp._params[i]._data.size for i in idx) for idx in ddp._bucket_list]
        bufs = [np.ones(s, np.float32) for s in sizes]
        solo = []
        for _ in range(5):
            comm.Barrier()
            t0 = time.perf_counter()
            for b in bufs:
                comm.Allreduce(MPI.IN_PLACE, b)
            solo.append(time.perf_counter() - t0)
        comm_ms, wait_ms = 1e3 * float(np.median(solo)), 1e3 * float(np.median(waits[2:]))
        res.update(buckets=len(sizes), allreduce_ms=comm_ms, exposed_wait_ms=wait_ms,
                   hidden_share=float(np.mean(shares[2:])))
    if rank == 0:
        print("RESULT " + json.dumps(res), flush=True)
    dist.destroy_process_group()


def launch(fw_name, name, ranks, steps):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    script = [os.path.abspath(__file__), "--worker", fw_name, "--models", name, "--steps", str(steps)]
    if fw_name == "ember":
        cmd = [sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", str(ranks)] + script
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(ranks),
               "--master-port", "29517"] + script
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{fw_name} {name} x{ranks} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--worker", default=None)
    p.add_argument("--models", default="transformer,cnn_bn")
    p.add_argument("--ranks", default="1,2")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--frameworks", default="ember,torch")
    a = p.parse_args()
    if a.worker:
        return worker(a.worker, a.models, a.steps)
    fws = [f for f in a.frameworks.split(",") if f != "torch" or shutil.which("true")]
    print(f"{'model':12s} {'fw':6s} {'ranks':>5s} {'step ms':>9s} {'speedup':>8s}  overlap")
    for name in a.models.split(","):
        for fw_name in fws:
            base = None
            for r in [int(v) for v in a.ranks.split(",")]:
                res = launch(fw_name, name, r, a.steps)
                base = base or res["step_ms"]
                extra = ""
                if "hidden_share" in res:
                    extra = (f"{res['buckets']} buckets, all-reduce {res['allreduce_ms']:.2f} ms, end-of-backward wait "
                             f"{res['exposed_wait_ms']:.2f} ms, done during backward "
                             f"{100 * res['hidden_share']:.0f}% of bytes")
                print(f"{name:12s} {fw_name:6s} {r:5d} {res['step_ms']:9.2f} {base / res['step_ms']:8.2f}x  {extra}",
                      flush=True)


if __name__ == "__main__":
    main()
