"""What unmodified torch scripts touch besides the core: cuda/amp/backends/onnx/distributed shims, DataParallel,
Tensor formatting and indexing, dtype objects, whole-model save/load at torch-like module paths, optimizer
signatures."""
import importlib.util
import inspect
import io
import warnings

import numpy as np
import pytest

import ember
from helpers import requires_torch, torch

no_cupy = pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="cupy installed")


# ---- ember.cuda --------------------------------------------------------------------------------------------------
@no_cupy
def test_cuda_queries_without_gpu():
    assert ember.cuda.is_available() is False and ember.cuda.device_count() == 0
    assert ember.cuda.is_initialized() is False and ember.cuda.is_bf16_supported() is False
    assert ember.cuda.manual_seed(0) is None and ember.cuda.manual_seed_all(0) is None
    ember.cuda.synchronize()
    ember.cuda.empty_cache()
    assert ember.cuda.memory_allocated() == 0 and ember.cuda.max_memory_allocated() == 0
    with pytest.raises(AssertionError, match="no CUDA device"):
        ember.cuda.current_device()
    with pytest.raises(AssertionError, match="no CUDA device"):
        ember.cuda.get_device_name(0)


def test_cuda_seed_does_not_touch_cpu_stream():
    ember.manual_seed(5)
    a = ember.rand(3)
    ember.manual_seed(5)
    ember.cuda.manual_seed_all(123)
    assert ember.equal(ember.rand(3), a)


# ---- GradScaler / autocast ---------------------------------------------------------------------------------------
def _tiny_problem(fw):
    fw.manual_seed(0)
    lin = fw.nn.Linear(3, 1)
    with fw.no_grad():
        lin.weight.copy_(fw.tensor([[0.5, -1.0, 2.0]]))
        lin.bias.fill_(0.25)
    opt = fw.optim.SGD(lin.parameters(), lr=0.1)
    x = fw.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    return lin, opt, x


@no_cupy
def test_disabled_grad_scaler_is_a_pass_through():
    with pytest.warns(FutureWarning, match="deprecated"), pytest.warns(UserWarning, match="Disabling"):
        scaler = ember.cuda.amp.GradScaler()
    for s in (scaler, ember.amp.GradScaler(enabled=False), ember.amp.GradScaler("cpu", enabled=False)):
        lin, opt, x = _tiny_problem(ember)
        loss = lin(x).sum()
        assert s.scale(loss) is loss and not s.is_enabled() and s.get_scale() == 1.0
        s.scale(loss).backward()
        s.unscale_(opt)
        assert s.step(opt) is None
        s.update()
        np.testing.assert_allclose(lin.weight.detach().numpy(), [[0.35, -1.1, 1.7]], rtol=1e-6)
        assert s.state_dict() == {}
        s.load_state_dict({})  # ignored when disabled, like torch


def test_grad_scaler_enabled_on_cpu():
    lin, opt, x = _tiny_problem(ember)
    s = ember.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    assert s.is_enabled() and s.get_scale() == 8.0
    scaled = s.scale(lin(x).sum())
    assert scaled.item() == pytest.approx(8.0 * lin(x).sum().item())
    scaled.backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), 8.0 * np.array([[1.5, 1.0, 3.0]]))
    s.step(opt)  # unscales first, then steps
    np.testing.assert_allclose(lin.weight.detach().numpy(), [[0.35, -1.1, 1.7]], rtol=1e-6)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)
    s.update()
    # an overflow skips the step and halves the scale
    opt.zero_grad()
    s.scale(lin(x).sum() * float("inf")).backward()
    before = lin.weight.detach().clone()
    assert s.step(opt) is None
    s.update()
    assert ember.equal(lin.weight.detach(), before) and s.get_scale() == 4.0
    sd = s.state_dict()
    assert sd == {"scale": 4.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2,
                  "_growth_tracker": 0}
    s2 = ember.amp.GradScaler("cpu")
    s2.load_state_dict(sd)
    assert s2.get_scale() == 4.0
    with pytest.raises(RuntimeError, match="state dict is empty"):
        s2.load_state_dict({})
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        s2.step(opt, closure=lambda: 0)


@requires_torch
def test_grad_scaler_matches_torch_cpu_scaler():
    """Scale trajectory and parameters over steps with an overflow and growth, against torch.amp.GradScaler."""
    results = []
    for fw in (ember, torch):
        lin, opt, x = _tiny_problem(fw)
        s = fw.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
        scales = []
        for step in range(5):
            opt.zero_grad()
            loss = lin(x).sum() * (float("inf") if step == 2 else 1.0)
            s.scale(loss).backward()
            s.unscale_(opt)
            s.step(opt)
            s.update()
            scales.append(s.get_scale())
        results.append((scales, lin.weight.detach().numpy().copy(), s.state_dict()))
    (es, ew, esd), (ts, tw, tsd) = results
    assert es == ts
    np.testing.assert_allclose(ew, tw, rtol=1e-6)
    assert esd == tsd


@requires_torch
def test_grad_scaler_signatures_match_torch():
    assert list(inspect.signature(ember.amp.GradScaler).parameters) == \
        list(inspect.signature(torch.amp.GradScaler).parameters)
    assert list(inspect.signature(ember.amp.autocast).parameters) == \
        list(inspect.signature(torch.amp.autocast).parameters)


def test_autocast_is_an_honest_no_op(monkeypatch):
    monkeypatch.setattr(ember.amp, "_warned_no_amp", False)
    x = ember.randn(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ember.autocast("cpu", enabled=False):
            y = x @ x.T
    assert y.dtype == ember.float32
    with pytest.warns(UserWarning, match="no mixed-precision kernels"):
        with ember.amp.autocast("cpu", dtype=ember.bfloat16):
            y = x @ x.T
    assert y.dtype == ember.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warns only once per process
        with ember.autocast("cpu"):
            pass

    @ember.autocast("cpu", enabled=False)
    def f(a):
        return a * 2
    assert ember.equal(f(x), x * 2)
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        ember.autocast(0)


@no_cupy
def test_cuda_autocast_without_cuda_disables_itself():
    with pytest.warns(UserWarning, match="CUDA is not available. Disabling autocast."):
        with ember.autocast("cuda"):
            pass
    with pytest.warns(FutureWarning, match="deprecated"):
        with ember.cuda.amp.autocast(enabled=False):
            pass


# ---- backends, onnx, distributed, parallel -----------------------------------------------------------------------
def test_backend_flags_are_settable():
    cudnn, cuda = ember.backends.cudnn, ember.backends.cuda
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (True, False, False, True)
    old = cudnn.benchmark
    cudnn.benchmark = True
    assert ember.backends.cudnn.benchmark is True
    cudnn.benchmark = old
    with cudnn.flags(enabled=False, deterministic=True):
        assert cudnn.enabled is False and cudnn.deterministic is True
    assert cudnn.enabled is True and cudnn.deterministic is False
    assert cudnn.is_available() is False and cudnn.version() is None
    assert cuda.matmul.allow_tf32 is False
    cuda.matmul.allow_tf32 = True
    assert cuda.matmul.allow_tf32 is True
    cuda.matmul.allow_tf32 = False
    with pytest.raises(AttributeError, match="Unknown attribute allow_tf64"):
        cuda.matmul.allow_tf64 = True
    cuda.enable_flash_sdp(False)
    assert cuda.flash_sdp_enabled() is False
    cuda.enable_flash_sdp(True)
    assert ember.backends.mps.is_available() is False and ember.backends.mps.is_built() is False


@requires_torch
def test_backend_defaults_match_torch():
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(ember.backends.cudnn, name) == getattr(torch.backends.cudnn, name), name
    assert ember.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32


def test_onnx_importable_export_explains():
    import ember.onnx
    assert ember.onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match=r"later issue.*ember\[onnx\]"):
        ember.onnx.export(ember.nn.Linear(2, 2), ember.randn(1, 2), io.BytesIO())


def test_distributed_importable_and_clear():
    import importlib.util
    import ember.distributed as dist
    assert dist.is_available() is (importlib.util.find_spec("mpi4py") is not None)
    assert dist.is_initialized() is False
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            fn()
        with pytest.raises(RuntimeError):
            fn()
    assert dist.ReduceOp.SUM != dist.ReduceOp.MAX


def test_data_parallel_forwards_and_ddp_raises():
    from ember.nn.parallel import DataParallel, DistributedDataParallel
    lin = ember.nn.Linear(3, 2)
    dp = ember.nn.DataParallel(lin)
    assert isinstance(dp, DataParallel) and dp.module is lin and dp.device_ids == []
    x = ember.randn(4, 3)
    assert ember.equal(dp(x), lin(x))
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    assert repr(dp) == "DataParallel(\n  (module): Linear(in_features=3, out_features=2, bias=True)\n)"
    with pytest.raises(RuntimeError, match="process group has not been initialized"):
        DistributedDataParallel(lin)


@requires_torch
def test_data_parallel_matches_torch_on_cpu():
    t = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    e = ember.nn.DataParallel(ember.nn.Linear(3, 2))
    assert list(e.state_dict()) == list(t.state_dict()) and e.device_ids == t.device_ids
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3), dtype=np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6)


# ---- Tensor & dtype bits scripts use ------------------------------------------------------------------------------
def test_tensor_format_index_and_dtypes():
    loss = ember.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{ember.tensor(7):>3d}" == "  7"
    assert list(range(ember.tensor(3))) == [0, 1, 2]
    assert [10, 20, 30][ember.tensor(1)] == 20
    with pytest.raises(TypeError):
        range(ember.tensor(2.0))
    assert ember.float16.itemsize == 2 and ember.bfloat16.itemsize == 2 and ember.half is ember.float16
    assert ember.bfloat16.is_floating_point and ember.zeros(2, dtype=ember.float16).dtype == ember.float16
    assert isinstance(ember.__version__, str)


@requires_torch
def test_tensor_format_matches_torch():
    for v in (0.123456, 3.0, -2.5e-7):
        for spec in (".4f", ".3e", "", ">10.2f"):
            assert format(ember.tensor(v), spec) == format(torch.tensor(v), spec)
    assert str(ember.__version__).count(".") >= 2


# ---- serialization contracts -------------------------------------------------------------------------------------
class _Net(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = ember.nn.Linear(4, 3)
        self.rnn = ember.nn.LSTM(3, 5, batch_first=True)

    def forward(self, x):
        return self.rnn(self.fc(x))[0]


def test_module_classes_live_at_torch_paths():
    import ember.nn.modules.linear
    import ember.nn.modules.rnn
    import ember.nn.modules.transformer
    assert ember.nn.modules.linear.Linear is ember.nn.Linear
    assert ember.nn.modules.rnn.LSTM is ember.nn.LSTM
    assert ember.nn.modules.transformer.TransformerEncoderLayer is ember.nn.TransformerEncoderLayer
    for cls in (ember.nn.Linear, ember.nn.LSTM, ember.nn.TransformerEncoderLayer, ember.nn.Conv2d):
        assert cls.__module__.startswith("ember.nn.modules."), cls


def test_whole_model_save_load(tmp_path):
    ember.manual_seed(0)
    model = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.LSTM(8, 4),)
    layer = ember.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    path = tmp_path / "whole.pt"
    ember.save({"model": model, "layer": layer}, path)
    with pytest.raises(Exception, match="Weights only load failed"):
        ember.load(path)  # weights_only=True by default, like torch 2.6+
    loaded = ember.load(path, weights_only=False)
    assert type(loaded["model"][1]) is ember.nn.LSTM and type(loaded["layer"]) is ember.nn.TransformerEncoderLayer
    x = ember.randn(5, 3, 8)
    layer.eval()
    loaded["layer"].eval()
    assert ember.allclose(loaded["layer"](x), layer(x))
    with ember.serialization.safe_globals([ember.nn.Sequential, ember.nn.Linear, ember.nn.LSTM]):
        assert ember.nn.Linear in ember.serialization.get_safe_globals()


def test_force_no_weights_only_env(tmp_path, monkeypatch):
    net = _Net()
    path = tmp_path / "net.pt"
    ember.save(net, path)
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    with pytest.warns(UserWarning, match="TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"):
        loaded = ember.load(path)
    x = ember.randn(2, 6, 4)
    assert ember.allclose(loaded(x), net(x))


def test_add_safe_globals_allows_a_class(tmp_path):
    path = tmp_path / "lin.pt"
    ember.save(ember.nn.Linear(2, 2), path)
    try:
        ember.serialization.add_safe_globals([ember.nn.Linear])
        assert isinstance(ember.load(path), ember.nn.Linear)
    finally:
        ember.serialization.clear_safe_globals()


@requires_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "ASGD", "LBFGS", "NAdam",
                                  "RAdam", "RMSprop", "Rprop"])
def test_optimizer_signatures_match_torch(name):
    e = inspect.signature(getattr(ember.optim, name)).parameters
    t = inspect.signature(getattr(torch.optim, name)).parameters
    assert list(e) == list(t)
    assert [p.kind for p in e.values()] == [p.kind for p in t.values()]
    for key in ("foreach", "fused", "differentiable", "maximize"):
        if key in t:
            assert e[key].default == t[key].default, key


def test_top_level_precision_and_autocast_queries():
    assert ember.get_float32_matmul_precision() == "highest"
    try:
        ember.set_float32_matmul_precision("high")
        assert ember.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="no effect"):
            ember.set_float32_matmul_precision("bad")
        assert ember.get_float32_matmul_precision() == "high"
    finally:
        ember.set_float32_matmul_precision("highest")
    assert ember.is_autocast_enabled() is False
    with ember.autocast("cpu", enabled=False):
        assert ember.is_autocast_enabled("cpu") is False
