"""ember.distributed on MPI: real 2-rank jobs under mpirun (collectives vs NumPy, DDP vs one process on the full
batch, SyncBatchNorm vs BatchNorm, checkpoints, failing ranks, the torchrun-style launcher). Skips without
mpi4py/mpirun."""
import os
import shutil
import subprocess
import sys
import time

import pytest

import ember
import ember.distributed as dist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures", "distributed")
MPIRUN = shutil.which("mpirun", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
needs_mpi = pytest.mark.skipif(not dist.is_available() or MPIRUN is None, reason="needs mpi4py and mpirun "
                               "(pip install 'ember[distributed]')")


def _env():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def _mpirun(args, timeout=90):
    start = time.monotonic()
    p = subprocess.run([MPIRUN, "-n", "2", "--oversubscribe", "--bind-to", "none", sys.executable] + args,
                       env=_env(), capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    return p, time.monotonic() - start


@needs_mpi
def test_two_ranks_collectives_ddp_syncbn_checkpoint(tmp_path):
    p, _ = _mpirun([os.path.join(FIX, "checks.py"), str(tmp_path)])
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    for name in ("collectives", "objects", "groups", "ddp", "no_sync", "find_unused_parameters", "syncbatchnorm",
                 "checkpoint", "done"):
        assert p.stdout.count(f"OK {name}\n") == 2, (name, p.stdout[-2000:])


@needs_mpi
@pytest.mark.parametrize("mode,expect", [("raise", "rank 1 failed on purpose"), ("kill", "signal 9"),
                                         ("hang", "timed out after 2 s")])
def test_failing_rank_ends_the_job_in_seconds(mode, expect):
    p, took = _mpirun([os.path.join(FIX, "faults.py"), mode], timeout=60)
    assert p.returncode != 0
    assert expect in p.stdout + p.stderr, (p.stdout + p.stderr)[-3000:]
    assert took < 20, took


@needs_mpi
def test_launcher_runs_unmodified_torchrun_script():
    env = _env()
    env.pop("OMPI_ALLOW_RUN_AS_ROOT", None)  # the launcher sets them itself when run as root
    env.pop("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", None)
    p = subprocess.run([sys.executable, "-m", "ember.run", "-m", "ember.distributed.run", "--nproc-per-node", "2",
                        os.path.join(FIX, "ddp_example.py")], env=env, capture_output=True, text=True, timeout=90,
                       cwd=ROOT)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    for r in range(2):
        assert f"rank = {r}, world_size = 2, local_rank = {r}, torch from ember, replicas equal" in p.stdout
    assert "'RANK': '1', 'WORLD_SIZE': '2'" in p.stdout and "'MASTER_PORT': '29500'" in p.stdout


@needs_mpi
def test_launcher_reports_failure(tmp_path):
    script = tmp_path / "bad.py"
    script.write_text("import os, ember.distributed as d\nd.init_process_group()\n"
                      "assert os.environ['LOCAL_WORLD_SIZE'] == '2'\n"
                      "if d.get_rank() == 1: raise SystemExit(3)\nd.barrier()\n")
    env = _env()
    p = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc_per_node=2", str(script)], env=env,
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert p.returncode != 0 and "the job failed" in p.stderr


def test_launcher_command_line():
    from ember.distributed import run
    if MPIRUN is None:
        pytest.skip("needs mpirun")
    args = run.parse_args(["--nproc-per-node", "3", "--master-port", "1234", "-m", "pkg.train", "--lr", "1"])
    cmd, env = run.mpirun_command(args)
    assert cmd[1:3] == ["-n", "3"] and cmd[-4:] == ["-m", "pkg.train", "--lr", "1"]
    assert env["MASTER_PORT"] == "1234" and env["MASTER_ADDR"] == "127.0.0.1"
    assert (env.get("OMPI_ALLOW_RUN_AS_ROOT") == "1") == (os.geteuid() == 0)
    with pytest.raises(ValueError, match="--hostfile"):
        run.mpirun_command(run.parse_args(["--nnodes", "2", "x.py"]))
    with pytest.raises(ValueError, match="Unsupported nproc_per_node"):
        run.mpirun_command(run.parse_args(["--nproc-per-node", "gpux", "x.py"]))


# ---- single process: the API without a job ------------------------------------------------------------------------
def test_no_group_errors():
    assert dist.is_initialized() is False
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            fn()
    with pytest.raises(RuntimeError, match="process group has not been initialized"):
        dist.all_reduce(ember.ones(2))
    with pytest.raises(RuntimeError, match="process group has not been initialized"):
        ember.nn.parallel.DistributedDataParallel(ember.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="NCCL"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.init_process_group("carrier-pigeon")
    assert dist.ReduceOp.SUM != dist.ReduceOp.MAX and dist.is_nccl_available() is False


def test_missing_extra_names_it(monkeypatch):
    from ember.distributed import _mpi
    monkeypatch.setattr(_mpi, "_MPI", [])
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r"ember\[distributed\]"):
        _mpi.mpi()


def test_spawned_processes_point_to_the_launcher(tmp_path):
    if not dist.is_available():
        pytest.skip("needs mpi4py")
    script = tmp_path / "spawned.py"
    script.write_text(
        "import ember.distributed as dist, ember.multiprocessing as mp\n"
        "def run(rank, world):\n    dist.init_process_group('gloo', rank=rank, world_size=world)\n"
        "if __name__ == '__main__':\n    try:\n        mp.spawn(run, args=(2,), nprocs=2)\n"
        "    except mp.ProcessRaisedException as e:\n        print('ERR', e)\n")
    p = subprocess.run([sys.executable, str(script)], env=_env(), capture_output=True, text=True, timeout=60,
                       cwd=ROOT)
    assert "ERR" in p.stdout and "python -m ember.distributed.run" in p.stdout, p.stdout + p.stderr


def test_sync_batchnorm_single_process_is_batchnorm():
    ember.manual_seed(0)
    m = ember.nn.Sequential(ember.nn.Conv2d(2, 3, 1), ember.nn.BatchNorm2d(3), ember.nn.ReLU())
    s = ember.nn.SyncBatchNorm.convert_sync_batchnorm(m)
    assert type(s[1]) is ember.nn.SyncBatchNorm and s[1].weight is m[1].weight and s[0] is m[0]
    x = ember.randn(4, 3, 2, 2)
    ref = ember.nn.functional.batch_norm(x, None, None, s[1].weight, s[1].bias, training=True)
    assert ember.allclose(s[1](x), ref, atol=1e-6)
    with pytest.raises(ValueError, match="expected at least 2D input"):
        s[1](ember.ones(3))
    torch = pytest.importorskip("torch")
    assert repr(s[1]) == repr(torch.nn.SyncBatchNorm(3))
