"""Autograd state is per thread, as in torch: grad mode, inference mode and backward never leak across threads."""
import threading

import numpy as np
import pytest

import ember
import ember.nn as nn


def _run_threads(fns, timeout=60):
    """Run each fn in its own thread, all released together; re-raise the first failure."""
    errors, start = [], threading.Barrier(len(fns))

    def body(fn):
        try:
            start.wait(timeout)
            fn()
        except BaseException as e:  # noqa: BLE001 - reported to the test thread
            errors.append(e)

    threads = [threading.Thread(target=body, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "thread did not finish"
    if errors:
        raise errors[0]


def test_no_grad_in_other_thread_does_not_leak():
    m, m2 = nn.Linear(8, 8), nn.Linear(8, 1)
    x, x2 = ember.randn(4, 8), ember.randn(4, 8)
    stop = threading.Event()
    seen_disabled = []

    def inference():
        while not stop.is_set():
            with ember.no_grad():
                seen_disabled.append(not ember.is_grad_enabled())
                m(x)

    def train():
        try:
            for _ in range(200):
                m2.zero_grad(set_to_none=True)
                out = m2(x2).sum()
                assert out.requires_grad and out.grad_fn is not None
                out.backward()
                assert m2.weight.grad is not None
                assert ember.is_grad_enabled()
        finally:
            stop.set()

    _run_threads([inference, train])
    assert seen_disabled and all(seen_disabled)


def test_new_thread_starts_with_grad_enabled_and_its_switches_stay_local():
    result = {}

    def worker():
        result["start"] = ember.is_grad_enabled()
        ember.set_grad_enabled(False)  # the function form: sticks for this thread only
        result["after_set"] = ember.is_grad_enabled()
        result["inference_start"] = ember.is_inference_mode_enabled()

    with ember.no_grad():
        with ember.inference_mode():
            t = threading.Thread(target=worker)
            t.start()
            t.join(10)
            assert ember.is_inference_mode_enabled()
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled() and not ember.is_inference_mode_enabled()
    assert result == {"start": True, "after_set": False, "inference_start": False}


def test_backward_in_one_thread_does_not_disable_recording_in_another():
    w = ember.randn(32, 32, requires_grad=True)
    stop = threading.Event()
    failures = []

    def backward_loop():
        try:
            for _ in range(300):
                (w @ w).tanh().sum().backward()
        finally:
            stop.set()

    def forward_loop():
        v = ember.randn(32, requires_grad=True)
        while not stop.is_set():
            y = (v * 2).sum()
            if not y.requires_grad:
                failures.append("recording was off")

    _run_threads([backward_loop, forward_loop])
    assert not failures


def _train(seed):
    g = ember.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 4))
    with ember.no_grad():
        for p in model.parameters():
            p.copy_(ember.randn(p.shape, generator=g) * 0.2)
    opt = ember.optim.Adam(model.parameters(), lr=1e-2)
    x = ember.randn(64, 16, generator=g)
    y = ember.randint(0, 4, (64,), generator=g)
    for step in range(60):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if step % 7 == 0:  # interleave evaluation under no_grad, as a real loop does
            with ember.no_grad():
                model(x)
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_three_threads_train_bit_identical_to_sequential():
    seeds = [1, 2, 3]
    sequential = [_train(s) for s in seeds]
    threaded = {}

    def job(s):
        return lambda: threaded.__setitem__(s, _train(s))

    _run_threads([job(s) for s in seeds])
    for s, ref in zip(seeds, sequential):
        for a, b in zip(threaded[s], ref):
            assert np.array_equal(a, b)


def test_no_grad_generator_function_restores_callers_mode_between_steps():
    @ember.no_grad()
    def gen():
        for _ in range(2):
            yield ember.is_grad_enabled()

    it = gen()
    assert next(it) is False
    assert ember.is_grad_enabled()  # the caller's mode while the generator is suspended
    assert next(it) is False
    with pytest.raises(StopIteration):
        next(it)

    @ember.enable_grad
    def gen2():
        yield ember.is_grad_enabled()

    with ember.no_grad():
        assert list(gen2()) == [True]
        assert not ember.is_grad_enabled()


def test_decorator_forms():
    @ember.no_grad
    def f():
        return ember.is_grad_enabled()

    @ember.set_grad_enabled(False)
    def g():
        return ember.is_grad_enabled()

    @ember.inference_mode
    def h():
        return ember.is_grad_enabled(), ember.is_inference_mode_enabled()

    assert f() is False and g() is False and h() == (False, True)
    assert ember.is_grad_enabled() and not ember.is_inference_mode_enabled()


def test_backward_inputs_must_require_grad():
    torch = pytest.importorskip("torch")
    for lib in (torch, ember):
        w = lib.randn(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="requires_grad=False"):
            (w * 2).sum().backward(inputs=[lib.randn(3)])



def _hook_trace(lib):
    """For each parameter's post-accumulate hook: which parameters already hold a gradient when it fires."""
    lib.manual_seed(0)
    layers = [lib.nn.Linear(4, 5), lib.nn.Tanh(), lib.nn.Linear(5, 6), lib.nn.Tanh(), lib.nn.Linear(6, 2)]
    model = lib.nn.Sequential(*layers)
    names = dict((id(p), n) for n, p in model.named_parameters())
    trace = []

    def hook(p):
        assert p.grad is not None
        trace.append((names[id(p)], sorted(n for n, q in model.named_parameters() if q.grad is not None)))

    for p in model.parameters():
        p.register_post_accumulate_grad_hook(hook)
    model(lib.randn(3, 4)).sum().backward()
    return dict(trace)


def test_post_accumulate_grad_hook_fires_while_backward_runs():
    trace = _hook_trace(ember)
    assert set(trace) == {"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}
    assert "0.weight" not in trace["4.weight"]  # the last layer is ready before the first one is reached
    assert "4.weight" in trace["0.weight"]
    torch = pytest.importorskip("torch")
    ref = _hook_trace(torch)
    for name in ("4.weight", "4.bias"):  # what torch has finished at that point, ember has too
        assert not set(trace[name]) - set(ref[name]) - {"4.weight", "4.bias"}


def test_post_accumulate_grad_hook_errors_and_in_place_safety():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.zeros(2).register_post_accumulate_grad_hook(lambda p: None)
    w = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    a, b = ember.ones(3, requires_grad=True), ember.ones(3, requires_grad=True)
    h = a.register_post_accumulate_grad_hook(lambda p: p.grad.mul_(100))  # in place, as an all-reduce does
    c = a + b  # AddBackward hands the same gradient array to both sides
    (c * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert a.grad.tolist() == [100.0, 200.0, 300.0] and b.grad.tolist() == [1.0, 2.0, 3.0]
    h.remove()
    (a * 1).sum().backward()
    assert a.grad.tolist() == [101.0, 201.0, 301.0]
