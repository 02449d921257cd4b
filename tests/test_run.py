"""`python -m ember.run script.py`: unmodified torch scripts run on ember (and give torch's numbers)."""
import math
import os
import subprocess
import sys
import textwrap

import pytest

import ember
from helpers import requires_torch, torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TRAIN_SCRIPT = '''
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--out", default="model.pt")
args = parser.parse_args()

torch.manual_seed(0)
torch.backends.cudnn.benchmark = True
torch.backends.cuda.matmul.allow_tf32 = True
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = Net().to(device)
with torch.no_grad():  # deterministic weights so torch and ember agree exactly
    for p in model.parameters():
        p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape))
x = torch.sin(torch.arange(256, dtype=torch.float32)).reshape(64, 4)
y = (x.sum(1) > 0).long()
loader = DataLoader(TensorDataset(x, y), batch_size=16, num_workers=2)
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
sched = StepLR(opt, step_size=1, gamma=0.5)
scaler = torch.cuda.amp.GradScaler(enabled=torch.cuda.is_available())
for epoch in range(args.epochs):
    for xb, yb in loader:
        with torch.autocast(device_type=device.type, enabled=False):
            loss = F.cross_entropy(model(xb.to(device)), yb.to(device))
        opt.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    sched.step()
    print(f"epoch {epoch} loss {loss:.5f} lr {sched.get_last_lr()[0]:.5f}")

torch.save(model.state_dict(), args.out)
clone = Net()
clone.load_state_dict(torch.load(args.out))
torch.save(model, args.out + ".whole")
whole = torch.load(args.out + ".whole", weights_only=False)
with torch.no_grad():
    acc = (clone(x).argmax(1) == y).float().mean()
    print(f"accuracy {acc.item():.4f}")
    print("reloaded equal", torch.equal(clone(x), model(x)), torch.equal(whole(x), model(x)))
print("backend", torch.__name__, "cuda", torch.cuda.is_available(), "steps", len(loader) * args.epochs)
'''

VISION_SCRIPT = '''
import sys
import numpy as np
import torch
import torchvision
import torchvision.transforms as T
from torchvision import datasets
from torchvision.transforms import functional as TF

tf = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
x = tf(np.full((4, 4), 255, np.uint8))
print(type(x).__module__, tuple(x.shape), x.max().item(), TF.hflip(x).shape == x.shape)
print(torchvision.__name__, datasets.FashionMNIST.__module__)
for name in ("torch._inductor", "torchvision.io", "torch.nn.nonexistent"):
    try:
        __import__(name)
    except ImportError as e:
        print("ImportError", type(e).__name__, e.name, "|", e)
import torch.cuda.amp, torch.backends.cudnn, torch.distributed, torch.onnx, torch.nn.parallel
print(sys.argv[1:], __name__)
'''


def _run(args, cwd, timeout=180):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _losses(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("epoch", "accuracy", "reloaded"))]


def test_torch_training_script_runs_on_ember(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN_SCRIPT)
    r = _run(["-m", "ember.run", str(script), "--epochs", "3", "--out", "m.pt"], tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[-1] == "backend ember cuda False steps 12"
    assert "reloaded equal True True" in lines
    epochs = [line for line in lines if line.startswith("epoch")]
    assert len(epochs) == 3 and epochs[0].endswith("lr 0.00500") and epochs[2].endswith("lr 0.00125")
    assert (tmp_path / "m.pt").exists() and (tmp_path / "m.pt.whole").exists()
    if torch is not None:  # the checkpoint is a real torch file
        sd = torch.load(tmp_path / "m.pt")
        assert list(sd) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]


@requires_torch
def test_same_numbers_as_torch(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN_SCRIPT)
    on_ember = _run(["-m", "ember.run", str(script), "--out", "e.pt"], tmp_path)
    on_torch = _run([str(script), "--out", "t.pt"], tmp_path)
    assert on_ember.returncode == 0 and on_torch.returncode == 0, on_ember.stderr + on_torch.stderr
    assert _losses(on_ember.stdout) == _losses(on_torch.stdout)
    assert on_torch.stdout.splitlines()[-1] == "backend torch cuda False steps 12"
    e, t = torch.load(tmp_path / "e.pt"), torch.load(tmp_path / "t.pt")
    for k in t:
        assert torch.allclose(e[k], t[k], atol=1e-5), k


def test_torchvision_imports_and_missing_modules(tmp_path):
    script = tmp_path / "vision.py"
    script.write_text(VISION_SCRIPT)
    r = _run(["-m", "ember.run", str(script), "a", "--b"], tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "ember._tensor (1, 4, 4) 1.0 True"
    assert lines[1] == "ember.vision ember.vision.datasets"
    assert lines[2].startswith("ImportError ModuleNotFoundError torch._inductor | No module named 'torch._inductor'")
    assert "does not provide torch._inductor" in lines[2]
    assert lines[3].startswith("ImportError ModuleNotFoundError torchvision.io")
    assert lines[4].startswith("ImportError ModuleNotFoundError torch.nn.nonexistent")
    assert lines[5] == "['a', '--b'] __main__"


def test_module_and_command_modes(tmp_path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "job.py").write_text("import sys, torch\nprint(torch.tensor([1, 2]).sum().item(), sys.argv[1:])\n")
    r = _run(["-m", "ember.run", "-m", "mypkg.job", "x"], tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "3 ['x']", r.stderr
    r = _run(["-m", "ember.run", "-c", "import torch.nn.functional as F; print(F.__name__)"], tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "ember.nn.functional", r.stderr
    r = _run(["-m", "ember.run"], tmp_path)
    assert r.returncode == 2 and "usage: python -m ember.run" in r.stdout


def test_script_sibling_imports_and_errors(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "helper.py").write_text("import torch\nONE = torch.ones(1)\n")
    (tmp_path / "sub" / "main.py").write_text(textwrap.dedent('''
        from helper import ONE
        import torch
        assert isinstance(ONE, torch.Tensor)
        raise SystemExit(f"done {ONE.item():.1f}")
    '''))
    r = _run(["-m", "ember.run", "sub/main.py"], tmp_path)
    assert r.returncode == 1 and r.stderr.strip() == "done 1.0"


@requires_torch
def test_install_uninstall_in_process_restores_real_torch():
    import ember.run
    real = sys.modules["torch"]
    ember.run.install()
    try:
        import torch as mapped
        import torch.nn.functional as F
        assert mapped.__name__ == "ember" and F.__name__ == "ember.nn.functional"
    finally:
        ember.run.uninstall()
    import torch as again
    assert again is real and sys.modules["torch.nn"].__name__ == "torch.nn"


# ---- the examples run end to end on tiny data --------------------------------------------------------------------
def test_fashion_mnist_example_trains_saves_and_resumes(tmp_path, monkeypatch, capsys):
    import numpy as np
    from ember.examples import fashion_mnist
    from ember.vision.datasets import write_idx
    rng = np.random.default_rng(0)
    raw = tmp_path / "data"
    raw.mkdir()
    for prefix, n in (("train", 96), ("t10k", 40)):
        y = rng.integers(0, 10, n).astype(np.uint8)
        x = (rng.integers(0, 60, (n, 28, 28)) + (y[:, None, None] * 20)).astype(np.uint8)  # learnable: brightness
        write_idx(str(raw / f"{prefix}-images-idx3-ubyte.gz"), x)
        write_idx(str(raw / f"{prefix}-labels-idx1-ubyte.gz"), y)
    monkeypatch.delenv("EMBER_DATA", raising=False)
    monkeypatch.setattr(ember, "set_num_threads", lambda n: None)  # keep the test session's BLAS threads
    out = tmp_path / "run"
    common = ["--data", str(raw), "--out", str(out), "--workers", "0", "--batch-size", "16", "--width", "4",
              "--threads", "1"]
    acc = fashion_mnist.main(common + ["--epochs", "2"])
    printed = capsys.readouterr().out
    assert "data: Fashion-MNIST from" in printed and "96 train / 40 test images" in printed
    assert "epoch  1/2  train loss" in printed and "final test accuracy" in printed
    assert 0.0 <= acc <= 1.0
    for name in ("checkpoint.pt", "model.pt", "history.json"):
        assert (out / name).exists(), name
    ckpt = ember.load(out / "checkpoint.pt")
    assert ckpt["epoch"] == 2 and len(ckpt["history"]["test_acc"]) == 2
    fashion_mnist.main(common + ["--epochs", "3", "--resume"])
    printed = capsys.readouterr().out
    assert "resumed from" in printed and "epoch  3/3" in printed and "epoch  1/3" not in printed
    assert len(ember.load(out / "checkpoint.pt")["history"]["train_loss"]) == 3


def test_fashion_mnist_example_falls_back_to_digits(tmp_path, monkeypatch, capsys):
    pytest.importorskip("sklearn")
    from ember.examples import fashion_mnist
    from ember.vision import datasets
    monkeypatch.delenv("EMBER_DATA", raising=False)
    monkeypatch.setattr(datasets.FashionMNIST, "system_dir", str(tmp_path / "none"))
    monkeypatch.setattr(ember, "set_num_threads", lambda n: None)
    acc = fashion_mnist.main(["--data", str(tmp_path / "none"), "--out", str(tmp_path / "run"), "--epochs", "2",
                              "--workers", "0", "--threads", "1"])
    captured = capsys.readouterr()
    assert "apt-get install dataset-fashion-mnist" in captured.err
    assert "scikit-learn digits (8x8): 1437 train / 360 test images" in captured.out
    assert acc > 0.5  # two epochs on the digits already learn something real


def test_char_lm_example(tmp_path, capsys):
    from ember.examples import char_lm
    text = tmp_path / "t.txt"
    text.write_text("abcabcabd\n" * 200)
    val = char_lm.main(["--text", str(text), "--steps", "4", "--sample-every", "2", "--sample-len", "10",
                        "--hidden", "16", "--seq-len", "8", "--batch-size", "4", "--prompt", "ab",
                        "--save", str(tmp_path / "lm.pt")])
    printed = capsys.readouterr().out
    assert "vocabulary 5" in printed and "step 2/4" in printed and "step 4/4" in printed
    assert printed.count("-" * 60) == 4  # two samples, each between rules
    assert math.isfinite(val) and val < math.log(5) + 0.05  # a uniform guess over 5 characters scores log(5)
    saved = ember.load(tmp_path / "lm.pt")
    assert saved["vocab"] == "\nabcd" and "head.weight" in saved["model"]
    itos = list(saved["vocab"])
    model = char_lm.CharLSTM(len(itos), hidden=16)
    model.load_state_dict(saved["model"])
    out = char_lm.sample(model, {c: i for i, c in enumerate(itos)}, itos, "ab", 10, 0.8)
    assert len(out) == 12 and out.startswith("ab") and set(out) <= set(itos)
