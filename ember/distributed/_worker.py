"""One worker of ``ember.distributed.run``: torchrun's environment from mpirun's, then the training script."""
from __future__ import annotations

import os
import runpy
import sys


def _torchrun_env() -> None:
    """Set RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK and ROLE_* from Open MPI's variables."""
    e = os.environ
    rank = int(e.get("OMPI_COMM_WORLD_RANK", e.get("PMIX_RANK", "0")))
    size = int(e.get("OMPI_COMM_WORLD_SIZE", "1"))
    local = int(e.get("OMPI_COMM_WORLD_LOCAL_RANK", "0"))
    local_size = int(e.get("OMPI_COMM_WORLD_LOCAL_SIZE", "1"))
    per_node = int(e.get("EMBER_NPROC_PER_NODE", str(local_size)))
    e.update(RANK=str(rank), WORLD_SIZE=str(size), LOCAL_RANK=str(local), LOCAL_WORLD_SIZE=str(local_size),
             GROUP_RANK=str(rank // max(per_node, 1)), ROLE_RANK=str(rank), ROLE_WORLD_SIZE=str(size),
             ROLE_NAME="default", GROUP_WORLD_SIZE=str(max(size // max(per_node, 1), 1)))


def main(argv: list[str]) -> None:
    _torchrun_env()
    alias = bool(argv) and argv[0] == "--torch-alias"
    if alias:
        argv = argv[1:]
    if argv and argv[0] == "--exec":
        os.execvp(argv[1], argv[1:])
    if alias:
        import ember.run
        ember.run.install()
    try:
        if argv and argv[0] == "-m":
            sys.argv = argv[1:]
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = list(argv)
            sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
            runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as e:  # sys.exit(non-zero) skips sys.excepthook: end the job here so no peer waits on us
        if e.code not in (None, 0) and "ember.distributed" in sys.modules:
            if not isinstance(e.code, int):
                print(e.code, file=sys.stderr)
            sys.modules["ember.distributed"]._abort_job(e.code if isinstance(e.code, int) else 1)
        _finalize()
        raise
    _finalize()


def _finalize() -> None:
    """Finalize MPI while the interpreter is whole (not from atexit during teardown)."""
    MPI = getattr(sys.modules.get("mpi4py"), "MPI", None)
    if MPI is not None and MPI.Is_initialized() and not MPI.Is_finalized():
        sys.stdout.flush()
        sys.stderr.flush()
        MPI.Finalize()


if __name__ == "__main__":
    main(sys.argv[1:])
