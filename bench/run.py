"""Side-by-side benchmark: ember vs torch, same workloads, same process, same threads.

    python bench/run.py [--only NAME[,NAME]] [--threads N[,N]] [--repeats R]

For each thread count the parent spawns one child process with the BLAS/OpenMP
thread variables set (and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed: they
force a slow OpenBLAS kernel). The child times every workload on ember and on
torch, alternating the two across repeats, and the parent prints the medians.
"""
import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
SLOW_BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
FRAMEWORKS = ("ember", "torch")
SCALE = {"ms": 1e3, "us": 1e6}


def csv(text, cast=str):
    return [cast(part) for part in text.split(",") if part.strip()]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", type=csv, default=None, help="comma-separated workload names")
    p.add_argument("--threads", type=lambda s: csv(s, int), default=[1, 2],
                   help="comma-separated thread counts (default 1,2)")
    p.add_argument("--repeats", type=int, default=5, help="timed samples per framework")
    p.add_argument("--min-time", type=float, default=0.2,
                   help="seconds per timed sample; step() is repeated to reach it")
    p.add_argument("--json", metavar="PATH", help="also write all results as JSON")
    p.add_argument("--list", action="store_true", help="list workloads and exit")
    p.add_argument("--child-out", help=argparse.SUPPRESS)  # internal: child mode
    return p.parse_args(argv)


# ---------------------------------------------------------------- child process

def short_error(exc):
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def import_frameworks():
    """Import ember and torch; a missing framework becomes an error string."""
    if ROOT not in sys.path:
        sys.path.append(ROOT)  # the repo's ember, unless one is installed or on PYTHONPATH
    fws, errors = {}, {}
    for name in FRAMEWORKS:
        try:
            fws[name] = __import__(name)
        except Exception as exc:  # noqa: BLE001 - report any import failure
            errors[name] = "import failed: " + short_error(exc)
    return fws, errors


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads", "filepath")
    return [{k: lib.get(k) for k in keys} for lib in threadpool_info()]


def time_workload(fn, fws, import_errors, repeats, min_time):
    """Median seconds per step on each framework, alternating the order per repeat."""
    res = {name: {"error": import_errors.get(name), "samples": []} for name in FRAMEWORKS}
    steps = {}
    for name, fw in fws.items():
        try:
            step, per_call = fn(fw)
            step()  # warm-up: first-call costs, allocator, caches
            gc.collect()
            t0 = time.perf_counter()
            step()
            once = time.perf_counter() - t0
            steps[name] = (step, per_call, max(1, math.ceil(min_time / max(once, 1e-9))))
        except Exception as exc:  # noqa: BLE001
            res[name]["error"] = short_error(exc)
            res[name]["traceback"] = traceback.format_exc()
    for r in range(repeats):
        order = [n for n in FRAMEWORKS if n in steps]
        for name in order if r % 2 == 0 else order[::-1]:
            step, per_call, calls = steps[name]
            gc.collect()
            try:
                t0 = time.perf_counter()
                for _ in range(calls):
                    step()
                dt = time.perf_counter() - t0
            except Exception as exc:  # noqa: BLE001
                res[name]["error"] = short_error(exc)
                res[name]["traceback"] = traceback.format_exc()
                del steps[name]
                continue
            res[name]["samples"].append(dt / (calls * per_call))
    for name, (_, per_call, calls) in steps.items():
        res[name].update(median=statistics.median(res[name]["samples"]),
                         steps_per_sample=calls * per_call)
    return res


def child(args):
    threads = args.threads[0]
    fws, import_errors = import_frameworks()
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=threads)
    except ImportError:
        pass
    if "torch" in fws:
        fws["torch"].set_num_threads(threads)
    import numpy as np
    from workloads import WORKLOADS

    ember = fws.get("ember")
    out = {
        "threads": threads,
        "numpy": np.__version__,
        "blas": blas_info(),
        "torch": fws["torch"].__version__ if "torch" in fws else import_errors["torch"],
        "torch_threads": fws["torch"].get_num_threads() if "torch" in fws else None,
        "ember": import_errors.get("ember") or getattr(ember, "__file__", None)
        or f"namespace package {list(ember.__path__)} (no ember/__init__.py)",
        "results": [],
    }
    for name in args.only or list(WORKLOADS):
        fn = WORKLOADS[name]
        print(f"  [threads={threads}] {name} ...", file=sys.stderr, flush=True)
        res = time_workload(fn, fws, import_errors, args.repeats, args.min_time)
        out["results"].append({"name": name, "unit": fn.unit, **res})
    with open(args.child_out, "w") as f:
        json.dump(out, f, indent=1)


# --------------------------------------------------------------- parent process

def child_env(threads):
    env = dict(os.environ)
    for var in SLOW_BLAS_VARS:
        env.pop(var, None)
    for var in THREAD_VARS:
        env[var] = str(threads)
    return env


def fmt_time(res, unit):
    if res.get("median") is None:
        return "ERROR"
    s = res["samples"]
    spread = (max(s) - min(s)) / 2 / res["median"] * 100
    return f"{res['median'] * SCALE[unit]:.2f} ±{spread:.0f}%"


def describe_blas(blas):
    if blas is None:
        return "numpy BLAS: unknown (pip install threadpoolctl)"
    lines = []
    for lib in blas:
        owner = "numpy" if "numpy" in (lib["filepath"] or "") else \
            "torch" if "torch" in (lib["filepath"] or "") else "other"
        kernel = f", architecture={lib['architecture']}" if lib["architecture"] else ""
        version = f" {lib['version']}" if lib["version"] else ""
        lines.append(f"{owner} {lib['user_api']}: {lib['internal_api']}{version}{kernel}, "
                     f"num_threads={lib['num_threads']}")
    return "\n".join(lines)


def print_table(out):
    print(f"\n== threads={out['threads']} ==")
    print(describe_blas(out["blas"]))
    print(f"numpy {out['numpy']} | torch {out['torch']} (get_num_threads={out['torch_threads']})"
          f" | ember {out['ember']}")
    header = f"{'workload':<12} {'unit':<8} {'ember':>14} {'torch':>14} {'ember/torch':>12}"
    print(header + "\n" + "-" * len(header))
    notes = []
    for row in out["results"]:
        e, t = row["ember"], row["torch"]
        ratio = (f"{e['median'] / t['median']:.2f}x"
                 if e.get("median") and t.get("median") else "-")
        print(f"{row['name']:<12} {row['unit'] + '/step':<8} {fmt_time(e, row['unit']):>14} "
              f"{fmt_time(t, row['unit']):>14} {ratio:>12}")
        for fw in FRAMEWORKS:
            if row[fw].get("error"):
                notes.append(f"  {row['name']} on {fw}: {row[fw]['error']}")
    if notes:
        print("errors:\n" + "\n".join(notes))


def main(argv=None):
    args = parse_args(argv)
    if args.child_out:
        return child(args)
    sys.path.insert(0, HERE)
    from workloads import WORKLOADS
    if args.list:
        for name, fn in WORKLOADS.items():
            print(f"{name:<12} {(fn.__doc__ or '').strip()}")
        return 0
    unknown = [n for n in args.only or [] if n not in WORKLOADS]
    if unknown:
        sys.exit(f"unknown workload(s) {unknown}; available: {', '.join(WORKLOADS)}")
    dropped = [v for v in SLOW_BLAS_VARS if v in os.environ]
    if dropped:
        print(f"note: unsetting {', '.join(dropped)} for the benchmark processes")
    print(f"repeats={args.repeats}, min-time={args.min_time}s per sample; "
          "times are medians per step, ± is half the sample range")

    everything, status = [], 0
    for threads in args.threads:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "out.json")
            cmd = [sys.executable, os.path.abspath(__file__), "--child-out", path,
                   "--threads", str(threads), "--repeats", str(args.repeats),
                   "--min-time", str(args.min_time)]
            if args.only:
                cmd += ["--only", ",".join(args.only)]
            proc = subprocess.run(cmd, env=child_env(threads), cwd=ROOT)
            if proc.returncode != 0 or not os.path.exists(path):
                print(f"\n== threads={threads} == child process failed (exit {proc.returncode})")
                status = 1
                continue
            with open(path) as f:
                out = json.load(f)
        print_table(out)
        everything.append(out)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)
        print(f"\nwrote {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
