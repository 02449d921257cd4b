"""torch's small modules and helpers on ember: constants, accelerator, multiprocessing, cuda queries, threads,
jit / compile, utils.checkpoint, profiler, hub, testing.assert_close and the TensorBoard SummaryWriter."""
import json
import math
import os
import time

import numpy as np
import pytest

import ember
from helpers import requires_torch, torch


# ---- constants, threads, default device -------------------------------------------------------------------------
def test_constants():
    assert ember.pi == math.pi and ember.e == math.e and ember.inf == math.inf and math.isnan(ember.nan)
    assert ember.newaxis is None and ember.zeros(3)[ember.newaxis].shape == (1, 3)


def test_threads_and_default_device(monkeypatch):
    assert ember.get_num_threads() >= 1 and ember.get_num_interop_threads() >= 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setitem(ember._threads, "intra", None)
    assert ember.get_num_threads() == 3
    for bad, msg in ((0, "expects a positive integer"), (1.5, "expects an int, but got float")):
        with pytest.raises(RuntimeError, match=msg):
            ember.set_num_threads(bad)
    monkeypatch.setitem(ember._threads, "interop", None)
    ember.set_num_interop_threads(2)
    assert ember.get_num_interop_threads() == 2
    with pytest.raises(RuntimeError, match="cannot set number of interop threads"):
        ember.set_num_interop_threads(2)
    assert ember.get_default_device() == ember.device("cpu")
    ember.set_default_device("cpu")
    ember.set_default_device(None)
    with pytest.raises(RuntimeError, match="only supports the 'cpu'"):
        ember.set_default_device("cuda")


# ---- accelerator and cuda on a CPU-only machine -------------------------------------------------------------------
no_gpu = pytest.mark.skipif(ember.cuda.is_available(), reason="a GPU is visible")


@no_gpu
def test_accelerator_without_gpu():
    acc = ember.accelerator
    assert acc.is_available() is False and acc.current_accelerator() is None and acc.device_count() == 0
    for fn in (acc.current_device_index, acc.synchronize, lambda: acc.set_device_index(0), acc.memory_allocated):
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available."):
            fn()
    with acc.device_index(0):
        pass


@no_gpu
def test_cuda_queries_match_cpu_torch():
    cuda = ember.cuda
    for fn in (cuda.current_device, cuda.init, cuda.get_device_properties, cuda.get_device_capability,
               cuda.mem_get_info, cuda.current_stream, cuda.default_stream, cuda.get_rng_state, cuda.ipc_collect,
               lambda: cuda.set_device(0)):
        with pytest.raises(AssertionError):
            fn()
    with pytest.raises(ValueError, match="Expected a cuda device, but got: cpu"):
        cuda.set_device("cpu")
    assert cuda.set_device(-1) is None and cuda.get_arch_list() == [] and cuda.memory_stats() == {}
    assert cuda.max_memory_reserved() == 0 and cuda.set_rng_state(ember.ByteTensor(8)) is None
    with pytest.raises(RuntimeError, match="Tried to instantiate dummy base class Event"):
        cuda.Event(enable_timing=True)
    with pytest.raises(RuntimeError, match="Stream requires CUDA support"):
        cuda.Stream()
    with cuda.stream(None), cuda.device(0):
        pass
    with pytest.raises(TypeError, match=r"type ember.cuda.FloatTensor not available"):
        cuda.FloatTensor(2)
    assert not isinstance(ember.zeros(2), cuda.FloatTensor) and repr(cuda.LongTensor) == "<class 'ember.cuda.LongTensor'>"


# ---- multiprocessing --------------------------------------------------------------------------------------------
def _fail_on_one(i):
    if i == 1:
        raise ValueError("boom in child")


def _exit_three(i):
    os._exit(3)


def test_multiprocessing_spawn_and_errors():
    mp = ember.multiprocessing
    assert mp.cpu_count() >= 1 and mp.Process is not None and mp.get_start_method(allow_none=True) in (None, "fork",
                                                                                                       "spawn",
                                                                                                       "forkserver")
    q = mp.get_context("spawn").SimpleQueue()
    assert mp.spawn(q.put, nprocs=2) is None  # fn(i): each child puts its index
    assert sorted([q.get(), q.get()]) == [0, 1]
    with pytest.raises(mp.ProcessRaisedException, match="ValueError: boom in child") as info:
        mp.start_processes(_fail_on_one, nprocs=2, start_method="fork")
    assert info.value.error_index == 1 and "-- Process 1 terminated with the following error" in str(info.value)
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with exit code 3") as info:
        mp.start_processes(_exit_three, nprocs=1, start_method="fork")
    assert info.value.exit_code == 3
    ctx = mp.start_processes(q.put, nprocs=1, join=False, start_method="fork")
    while not ctx.join():
        pass
    assert q.get() == 0 and len(ctx.pids()) == 1
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        mp.spawn(q.put, nprocs=1, start_method="fork")
    assert q.get() == 0


# ---- jit / compiler ---------------------------------------------------------------------------------------------
def test_jit_runs_eagerly():
    jit = ember.jit
    m = ember.nn.Linear(3, 2)
    x = ember.randn(4, 3)
    assert jit.script(m) is m and jit.trace(m, x) is m and jit.trace_module(m, {"forward": x}) is m

    @jit.script
    def f(a):
        return a * 2

    @jit.ignore(drop=True)
    def g(a):
        return a + 1
    assert ember.equal(f(x), x * 2) and ember.equal(g(x), x + 1) and jit.unused(g) is g and jit.export(g) is g
    assert jit.is_scripting() is False and jit.is_tracing() is False and jit.annotate(list, [1]) == [1]
    assert jit.isinstance([1], list) and not isinstance(m, jit.ScriptModule) and jit.fork(f, x).wait().shape == (4, 3)
    with pytest.raises(RuntimeError, match="no TorchScript"):
        jit.save(m, "m.pt")
    with pytest.raises(RuntimeError, match="no TorchScript"):
        jit.load("m.pt")


TORCH_COMPILED_REPR = """OptimizedModule(
  (_orig_mod): Sequential(
    (0): Linear(in_features=2, out_features=3, bias=True)
    (1): ReLU()
  )
)"""  # repr(torch.compile(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))) in torch 2.13 (importing dynamo takes ~10 s)


@requires_torch
def test_compile_module_wrapper_like_torch():
    e = ember.compile(ember.nn.Sequential(ember.nn.Linear(2, 3), ember.nn.ReLU()))
    t = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    assert type(e).__name__ == "OptimizedModule" and isinstance(e, ember.nn.Module)
    assert list(e.state_dict()) == ["_orig_mod." + k for k in t.state_dict()] == ["_orig_mod.0.weight",
                                                                                 "_orig_mod.0.bias"]
    assert repr(e) == TORCH_COMPILED_REPR and len(e) == 2
    e.eval()
    assert e.training is False and e._orig_mod.training is False and e._orig_mod[0].training is False
    e.custom = 5
    assert e._orig_mod.custom == 5 and e.custom == 5
    x = ember.randn(4, 2)
    assert ember.equal(e(x), e._orig_mod(x))
    sd = {"_orig_mod." + k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()}
    e.load_state_dict(sd)
    assert np.allclose(e(x).detach().numpy(), t(torch.tensor(x.numpy())).detach().numpy(), atol=1e-6)

    def fn(a):
        return a + 1
    cf = ember.compile(fn, mode="max-autotune")
    assert cf(1) == 2 and cf.__name__ == "fn" and cf._torchdynamo_orig_callable is fn
    assert ember.compile(fullgraph=True)(fn)(2) == 3 and ember.compile(fn, disable=True) is fn
    with pytest.raises(RuntimeError, match="Either mode or options"):
        ember.compile(fn, mode="default", options={})
    assert ember.compiler.is_compiling() is False and ember.compiler.disable(fn) is fn


# ---- utils.checkpoint -------------------------------------------------------------------------------------------
def _model():
    ember.manual_seed(0)
    return ember.nn.Sequential(ember.nn.Linear(5, 7), ember.nn.Dropout(0.3), ember.nn.Tanh(), ember.nn.Linear(7, 2))


@pytest.mark.parametrize("reentrant", [True, False])
@pytest.mark.parametrize("input_grad", [True, False])
def test_checkpoint_gradients_equal_plain_backward(reentrant, input_grad):
    from ember.utils.checkpoint import checkpoint
    m = _model().double()
    x = ember.randn(6, 5, dtype=ember.float64, requires_grad=input_grad)
    ember.manual_seed(3)
    m(x).pow(2).sum().backward()
    want = [p.grad.clone() for p in m.parameters()] + ([x.grad.clone()] if input_grad else [])
    m.zero_grad()
    x.grad = None
    calls = []

    def run(inp):
        calls.append(ember.is_grad_enabled())
        return m(inp)
    ember.manual_seed(3)  # dropout must draw the same mask again when the forward is recomputed
    if reentrant and not input_grad:
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            out = checkpoint(run, x, use_reentrant=True)
        assert not out.requires_grad
        return
    out = checkpoint(run, x, use_reentrant=reentrant)
    assert calls == [False] and out.requires_grad
    out.pow(2).sum().backward()
    assert calls == [False, True]  # recomputed in backward, with grad
    got = [p.grad for p in m.parameters()] + ([x.grad] if input_grad else [])
    for a, b in zip(got, want):
        assert np.allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


def test_checkpoint_autograd_grad_kwargs_and_sequential():
    from ember.utils.checkpoint import checkpoint, checkpoint_sequential
    a = ember.randn(4, dtype=ember.float64, requires_grad=True)
    b = ember.randn(4, dtype=ember.float64, requires_grad=True)

    def f(u, v, scale=1.0):
        return (u * v).sin() * scale
    want = ember.autograd.grad(f(a, b, scale=2.0).sum(), [a, b])
    got = ember.autograd.grad(checkpoint(f, a, b, scale=2.0, use_reentrant=False).sum(), [a, b])
    for g, w in zip(got, want):
        assert np.allclose(g.numpy(), w.numpy())
    with pytest.raises(RuntimeError, match="use_reentrant=True, torch.utils.checkpoint is incompatible"):
        ember.autograd.grad(checkpoint(f, a, b, use_reentrant=True).sum(), [a, b])
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(f, a, b, scale=2.0, use_reentrant=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(f, a, b)
    m = _model().eval()
    x = ember.randn(3, 5, requires_grad=True)
    y = checkpoint_sequential(m, 2, x, use_reentrant=False)
    assert ember.allclose(y, m(x))
    y.sum().backward()
    assert x.grad is not None and m[0].weight.grad is not None


@requires_torch
def test_checkpoint_grads_match_torch():
    from ember.utils.checkpoint import checkpoint
    rng = np.random.default_rng(0)
    w1, w2, xv = rng.normal(size=(5, 4)), rng.normal(size=(3, 5)), rng.normal(size=(2, 4))
    res = []  # torch's plain gradients (torch.utils.checkpoint would give the same; importing it takes seconds)
    for lib, ckpt in ((ember, checkpoint), (torch, lambda f, t, use_reentrant: f(t))):
        p1, p2 = (lib.tensor(w, requires_grad=True) for w in (w1, w2))
        x = lib.tensor(xv, requires_grad=True)
        out = ckpt(lambda t: lib.tanh(t @ p1.T) @ p2.T, x, use_reentrant=False)
        out.pow(2).sum().backward()
        res.append([t.grad.detach().numpy() for t in (p1, p2, x)])
    for a, b in zip(*res):
        assert np.allclose(a, b, rtol=1e-10, atol=1e-12)


# ---- profiler ---------------------------------------------------------------------------------------------------
def test_profiler_times_regions(tmp_path):
    from ember.profiler import ProfilerActivity, profile, record_function, schedule, tensorboard_trace_handler
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with record_function("outer"):
            with record_function("inner"):
                time.sleep(0.02)
            with record_function("inner"):
                pass
    avg = {e.key: e for e in prof.key_averages()}
    assert avg["inner"].count == 2 and avg["outer"].count == 1
    assert avg["outer"].cpu_time_total >= avg["inner"].cpu_time_total >= 20000  # microseconds
    assert abs(avg["outer"].self_cpu_time_total - (avg["outer"].cpu_time_total - avg["inner"].cpu_time_total)) < 1
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    lines = table.splitlines()
    assert "Self CPU %" in lines[1] and "# of Calls" in lines[1] and lines[3].split()[0] == "outer"
    assert lines[-1].startswith("Self CPU time total: ")
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    assert {e["name"] for e in json.loads(path.read_text())["traceEvents"]} == {"outer", "inner"}

    with record_function("not profiled"):  # no active profiler: records nothing, costs nothing
        pass
    saved = []
    sched = schedule(wait=1, warmup=1, active=2, repeat=1)
    with profile(schedule=sched, on_trace_ready=lambda p: saved.append(sorted(e.key for e in p.events()))) as p:
        for _ in range(6):
            with record_function("work"):
                pass
            p.step()
    assert saved == [["ProfilerStep#2", "ProfilerStep#3", "work", "work"]]
    with profile(schedule=schedule(wait=0, warmup=1, active=1), on_trace_ready=tensorboard_trace_handler(
            str(tmp_path / "tb"), worker_name="w")) as p:
        for _ in range(2):
            p.step()
    assert [f.endswith(".pt.trace.json") and f.startswith("w.") for f in os.listdir(tmp_path / "tb")] == [True]


@requires_torch
def test_profiler_schedule_like_torch():
    from ember.profiler import schedule
    for kw in (dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=2, active=1, repeat=2, skip_first=3),
               dict(wait=2, warmup=1, active=3, repeat=1)):
        ours, theirs = schedule(**kw), torch.profiler.schedule(**kw)
        assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)], kw


def test_autograd_profiler_legacy_api():
    from ember.autograd.profiler import profile, record_function

    @record_function("decorated")
    def work():
        time.sleep(0.001)
    with profile() as prof:
        work()
        work()
    assert [(e.key, e.count) for e in prof.key_averages()] == [("decorated", 2)]
    assert "decorated" in prof.table() and prof.self_cpu_time_total >= 2000
    with profile(enabled=False) as off:
        work()
    assert len(off.function_events) == 0


# ---- hub --------------------------------------------------------------------------------------------------------
def test_hub_reads_only_the_local_cache(tmp_path, monkeypatch):
    hub = ember.hub
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert hub.get_dir() == str(tmp_path / "th" / "hub")
    url = "https://download.example.org/models/net-1a2b3c.pth"
    with pytest.raises(RuntimeError, match="no network access.*checkpoints/net-1a2b3c.pth"):
        hub.load_state_dict_from_url(url)
    ckpt = tmp_path / "th" / "hub" / "checkpoints"
    ckpt.mkdir(parents=True)
    ember.save({"w": ember.arange(3)}, ckpt / "net-1a2b3c.pth")
    assert ember.equal(hub.load_state_dict_from_url(url)["w"], ember.arange(3))
    ember.save({"v": ember.ones(1)}, ckpt / "other.pt")
    assert list(hub.load_state_dict_from_url(url, file_name="other.pt")) == ["v"]
    hub.set_dir(tmp_path / "elsewhere")
    assert hub.get_dir() == str(tmp_path / "elsewhere")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "hubconf.py").write_text("dependencies = []\ndef tiny(n=2):\n    '''A tiny entry point.'''\n"
                                     "    import ember\n    return ember.nn.Linear(n, 1)\n")
    assert hub.load(str(repo), "tiny", source="local", n=4).in_features == 4
    with pytest.raises(RuntimeError, match="Cannot find callable nope in hubconf"):
        hub.load(str(repo), "nope", source="local")
    with pytest.raises(RuntimeError, match="no internet connection"):
        hub.load("owner/repo", "tiny")
    (tmp_path / "elsewhere" / "owner_repo_main").mkdir(parents=True)
    (tmp_path / "elsewhere" / "owner_repo_main" / "hubconf.py").write_text((repo / "hubconf.py").read_text())
    assert hub.list("owner/repo") == ["tiny"] and hub.help("owner/repo", "tiny") == "A tiny entry point."


# ---- testing.assert_close -----------------------------------------------------------------------------------------
CLOSE_CASES = [
    ("t([1., 2., 3.])", "t([1., 2.5, 3.])", {}),
    ("t([1, 2, 3])", "t([2, 2, 3])", {}),
    ("1.0", "1.5", {}), ("1", "2", {}), ("1", "1.0", {}), ("1", "1.0", {"check_dtype": False}),
    ("True", "False", {}), ("None", "None", {}), ("None", "0", {}), ("'a'", "'a'", {}),
    ("t([1.])", "t([1.], dtype=L.float64)", {}), ("t([1.])", "t([1.], dtype=L.float64)", {"check_dtype": False}),
    ("t([1.])", "t([1., 2.])", {}),
    ("[t(1.), t(2.)]", "[t(1.), t(3.)]", {}), ("[1, 2]", "[1, 2, 3]", {}), ("(1, 2)", "[1, 2]", {}),
    ("{'a': 1.0}", "{'b': 1.0}", {}), ("{'a': t([1.0])}", "{'a': t([2.0])}", {}),
    ("t([float('nan')])", "t([float('nan')])", {}), ("t([float('nan')])", "t([float('nan')])", {"equal_nan": True}),
    ("t(1.)", "1.0", {}), ("t([1, 2])", "[1, 2]", {}),
    ("t([1.])", "t([1.1])", {"rtol": 0.2}), ("t([1.])", "t([1.1])", {"rtol": 0.2, "atol": 0.0}),
    ("t([True])", "t([False])", {}), ("t([[1., 2.], [3., 4.]])", "t([[1., 2.], [3., 5.]])", {"msg": "custom"}),
    ("t([float('inf')])", "t([float('inf')])", {}), ("t([float('inf')])", "t([-float('inf')])", {}),
    ("t([0.])", "t([1e-6])", {}), ("t([0.])", "t([2e-5])", {}), ("L.zeros(0)", "L.zeros(0)", {}),
    ("t([1.], dtype=L.float16)", "t([1.0005], dtype=L.float16)", {}),
    ("t([1.], dtype=L.float16)", "t([1.002], dtype=L.float16)", {}),
    ("t(np.array([1., 2.]))", "t(np.array([1., 2. + 1e-7]))", {}),
    ("t(np.array([1., 2.]))", "t(np.array([1., 2. + 1e-6]))", {}),
    ("t([3., 4.])", "t([1., 8.])", {}), ("t([[1, 5], [7, 9]])", "t([[1, 5], [3, 9]])", {"atol": 1, "rtol": 0}),
    ("t([[1, 5], [7, 9]])", "t([[1, 5], [3, 9]])", {"atol": 4, "rtol": 0}),
    ("t([1., 2.], requires_grad=True)", "t([1., 2.])", {}),
    ("t([1, 2], dtype=L.int32)", "t([1, 2])", {}), ("np.array([1.])", "np.array([1.5])", {}),
    ("{'x': [t(1.), (2, t([3]))]}", "{'x': [t(1.), (2, t([4]))]}", {}),
    ("t([1.])", "t([1.])", {"msg": lambda m: 'never'}), ("t([1.])", "t([2.])", {"msg": lambda m: 'X' + m[:6]}),
]


def _outcome(lib, actual, expected, kw):
    env = {"t": lib.tensor, "L": lib, "np": np}
    try:
        lib.testing.assert_close(eval(actual, env), eval(expected, env), **kw)
        return None
    except Exception as e:  # noqa: BLE001 - the outcome is compared
        return type(e).__name__, str(e).replace("torch.", "").replace("ember.", "").replace("_tensor.", "")


@requires_torch
@pytest.mark.parametrize("actual,expected,kw", CLOSE_CASES)
def test_assert_close_like_torch(actual, expected, kw):
    assert _outcome(ember, actual, expected, kw) == _outcome(torch, actual, expected, kw)


def test_assert_close_without_torch():
    from ember.testing import assert_close
    assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-6]))
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 2 \(50.0%\)"):
        assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.1]))
    with pytest.raises(AssertionError, match="The values for attribute 'dtype' do not match: ember.float32"):
        assert_close(ember.tensor([1.0]), ember.tensor([1.0], dtype=ember.float64))


# ---- tensorboard --------------------------------------------------------------------------------------------------
def _events(root):
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto.event_pb2 import Event
    out = []
    for folder, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            for record in RawEventFileLoader(os.path.join(folder, f)).Load():
                event = Event.FromString(record)
                event.wall_time = 0
                out.append((os.path.relpath(folder, root), str(event)))
    return out


def _log(writer_cls, lib, path):
    vals = np.random.default_rng(0).normal(size=200).astype(np.float32)
    with writer_cls(str(path)) as w:
        for step in range(3):
            w.add_scalar("loss", lib.tensor(0.5 * step), step, walltime=1.0)
            w.add_scalar("lr", 0.1 / (step + 1), step, walltime=1.0)
        w.add_scalars("run", {"train": 1.0, "val": 2.0}, 0, walltime=1.0)
        w.add_histogram("weights", lib.tensor(vals), 1, walltime=1.0)
        w.add_histogram("weights_auto", lib.tensor(vals), 1, bins="auto", max_bins=5, walltime=1.0)
        w.add_text("note", "hello *world*", 2, walltime=1.0)
        w.flush()


def test_summary_writer_writes_event_files(tmp_path):
    pytest.importorskip("tensorboard")
    from ember.utils.tensorboard import SummaryWriter
    _log(SummaryWriter, ember, tmp_path / "e")
    events = _events(tmp_path / "e")
    assert sorted({folder for folder, _ in events}) == [".", "run_train", "run_val"]
    assert sum('tag: "loss"' in e for _, e in events) == 3 and sum("histo {" in e for _, e in events) == 2
    assert any('string_val: "hello *world*"' in e for _, e in events)


@requires_torch
def test_summary_writer_events_equal_torch(tmp_path):
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from ember.utils.tensorboard import SummaryWriter
    _log(SummaryWriter, ember, tmp_path / "e")
    _log(TorchWriter, torch, tmp_path / "t")
    assert _events(tmp_path / "e") == _events(tmp_path / "t")
