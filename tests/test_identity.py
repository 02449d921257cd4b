"""ember's identity: reprs say `torch` while ember stands in for torch (ember.run), `ember` otherwise; torch's
version object (TorchVersion comparisons) and the torch.version module."""
import os
import subprocess
import sys

import pytest

import ember
import ember.run
from ember.version import InvalidVersion, TorchVersion
from helpers import requires_torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# each line is evaluated under `torch` = real torch and `torch` = ember behind the import hook
REPR_EXPRS = [
    "repr(torch.float32)", "str(torch.float64)", "repr(torch.int64)", "repr(torch.bool)", "repr(torch.float16)",
    "repr(torch.uint8)", "repr(torch.bfloat16)", "repr(torch.Size([2, 3]))", "str(torch.zeros(2, 3).shape)",
    "repr(torch.Size([]))", "torch.zeros(2).type()", "torch.zeros(2, dtype=torch.float64).type()",
    "torch.zeros(2, dtype=torch.int32).type()", "torch.zeros(2, dtype=torch.bool).type()",
    "torch.typename(torch.zeros(2, dtype=torch.int64))", "torch.typename(torch.nn.Linear(2, 2))",
    "torch.typename(torch.nn.Linear)", "torch.typename(3)",
    "repr(torch.tensor([1.5, 2.0], dtype=torch.float64))", "repr(torch.tensor([1, 2], dtype=torch.int32))",
    "repr(torch.zeros(0, 2, dtype=torch.float16))", "repr(torch.tensor([[1.0, 2.0]], dtype=torch.float64))",
    "repr(torch.tensor(3, dtype=torch.uint8))", "repr(torch.tensor([1.0], requires_grad=True) * 2)",
    "repr(torch.FloatTensor)", "repr(torch.LongTensor)", "repr(torch.cuda.FloatTensor)", "repr(torch.strided)",
    "repr(torch.zeros(1).layout)", "repr(torch.contiguous_format)", "repr(torch.channels_last)",
    "repr(torch.preserve_format)", "repr(torch.zeros(1).dtype)", "repr([torch.float32, torch.int8])",
    "repr(torch.tensor([1.0], dtype=torch.float64).sum())", "torch.zeros(2).double().type()",
    "repr(torch.nn.Linear(2, 3, dtype=torch.float64).weight.dtype)",
    "repr(torch.finfo(torch.float32))", "repr(torch.iinfo(torch.int16))",
    "str(torch.__version__ >= '2.0')", "str(torch.__version__ >= (2, 0))", "str(torch.version.cuda)",
    "str(torch.version.hip)", "str(torch.version.debug)", "str(torch.cuda.is_available())",
    "str(isinstance(torch.__version__, str))", "str(type(torch.version.git_version))",
]
PROBE = "import torch\nfor e in EXPRS:\n    print(eval(e))\n"


def _run(args):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120)


@requires_torch
def test_reprs_under_the_alias_are_byte_equal_to_torch(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(f"EXPRS = {REPR_EXPRS!r}\n" + PROBE)
    ours, theirs = _run(["-m", "ember.run", str(script)]), _run([str(script)])
    assert ours.returncode == 0 and theirs.returncode == 0, ours.stderr + theirs.stderr
    for expr, a, b in zip(REPR_EXPRS, ours.stdout.splitlines(), theirs.stdout.splitlines(), strict=True):
        assert a == b, expr


def test_reprs_say_ember_when_imported_as_ember():
    x = ember.zeros(2, 3, dtype=ember.float64)
    assert repr(ember.float32) == "ember.float32" and repr(x.shape) == "ember.Size([2, 3])"
    assert x.type() == "ember.DoubleTensor" and ember.typename(ember.nn.Linear(1, 1)) == "ember.nn.modules.linear.Linear"
    assert repr(x) == "tensor([[0., 0., 0.],\n        [0., 0., 0.]], dtype=ember.float64)"
    assert repr(ember.strided) == "ember.strided" and repr(ember.LongTensor) == "<class 'ember.LongTensor'>"


@requires_torch
def test_in_process_hook_switches_the_name_and_back():
    real = sys.modules["torch"]
    want = repr(real.ones(2, dtype=real.float64))  # real torch's own code imports torch.* inside repr
    ember.run.install()
    try:
        import torch as mapped
        assert mapped is ember
        x = mapped.ones(2, dtype=mapped.float64)
        assert repr(x) == want == "tensor([1., 1.], dtype=torch.float64)"
        assert x.type() == "torch.DoubleTensor" and repr(x.shape) == "torch.Size([2])"
        assert str(mapped.int32) == "torch.int32" and mapped.typename(x) == "torch.DoubleTensor"
    finally:
        ember.run.uninstall()
    assert sys.modules["torch"] is real
    assert repr(ember.float64) == "ember.float64" and ember.ones(1).type() == "ember.FloatTensor"


def test_version_string_and_module():
    v = ember.__version__
    assert isinstance(v, str) and isinstance(v, TorchVersion)
    assert v == "2.13.0+ember" + ember.version.EMBER_VERSION and v.split("+")[0] == "2.13.0"
    assert v >= "2.0" and v >= (2, 13) and v > (1, 13, 1) and v < "2.14" and v < (3,) and not v < "2.13.0"
    assert ember.version.__version__ is v and ember.version.cuda is None and ember.version.hip is None
    assert ember.version.debug is False and isinstance(ember.version.git_version, str)
    assert hash(v) == hash(str(v)) and {v: 1}[str(v)] == 1


VERSIONS = ["2.13.0+cpu", "2.13.0", "1.13.1", "2.0.0a0+git123", "2.1.0.dev20230101", "2.1.0rc1", "2.1.0.post2",
            "1!0.1", "2.13", "v2.13.0", "2.13.0+ember0.1.0", "10.0"]
OTHERS = ["2.0", "2.13", "2.13.0", "2.13.0+cpu", "2.13.0+ember0.1.0", "2.13.0+Ember0.1.0", "2.14.0.dev1",
          "2.13.1rc1", "1.9", "2.1.0a1", "2.1.0b2", "2.1.0.post1", "2.1.0-1", "1!0.0", "2.1.0+abc.5", "2.1.0+abc.x",
          "not a version", "", (2, 0), (2, 13, 0), (1, 13), [2, 1, 0], (3,), 5, None, 2.13]


@requires_torch
@pytest.mark.parametrize("text", VERSIONS)
def test_version_comparisons_behave_like_torch(text):
    from torch.torch_version import TorchVersion as Theirs
    ours, theirs = TorchVersion(text), Theirs(text)
    for other in OTHERS:
        for op in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
            try:
                want = getattr(theirs, op)(other)
            except Exception as e:  # noqa: BLE001 - the same failure is expected from ember
                with pytest.raises(type(e)):
                    getattr(ours, op)(other)
                continue
            assert getattr(ours, op)(other) == want, (text, op, other)


@requires_torch
def test_version_works_with_packaging_and_sorting():
    packaging_version = pytest.importorskip("packaging.version")
    v = ember.__version__
    assert packaging_version.parse(v) > packaging_version.parse("2.12")
    assert packaging_version.parse(v).local == "ember" + ember.version.EMBER_VERSION
    assert sorted([TorchVersion("2.1"), TorchVersion("2.0.0rc1"), TorchVersion("2.0")]) == ["2.0.0rc1", "2.0", "2.1"]
    with pytest.raises(InvalidVersion):
        ember.version._sort_key("x.y")


SPAWN_SCRIPT = '''
import torch
import torch.multiprocessing as mp


def work(rank, q):
    q.put((rank, torch.__name__, repr(torch.ones(1, dtype=torch.float64)), str(torch.Size([rank]))))


if __name__ == "__main__":
    q = mp.get_context("spawn").SimpleQueue()
    mp.spawn(work, args=(q,), nprocs=1)
    print(q.get())
'''


def test_spawned_children_see_ember_as_torch(tmp_path):
    script = tmp_path / "spawner.py"
    script.write_text(SPAWN_SCRIPT)
    r = _run(["-m", "ember.run", str(script)])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "(0, 'ember', 'tensor([1.], dtype=torch.float64)', 'torch.Size([0])')"


def _message(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the text is what is compared
        return f"{type(exc).__name__}: {exc}"
    raise AssertionError("expected an error")


def _stale_backward(m):
    a = m.ones(3, requires_grad=True).clone()
    b = a.sin()
    a.add_(1)
    b.sum().backward()


MESSAGE_CASES = [
    lambda m: repr(m.max(m.ones(2, 2), 0)), lambda m: repr(m.sort(m.tensor([2.0, 1.0]))),
    lambda m: _message(lambda: m.ones(2, 3).expand(3)),
    lambda m: _message(lambda: m.nn.functional.batch_norm(m.ones(1, 3), None, None, training=True)),
    lambda m: _message(lambda: m.nn.functional.instance_norm(m.ones(2, 3, 1))),
    lambda m: _message(lambda: m.nn.functional.embedding(m.ones(2), m.ones(3, 4))),
    lambda m: _message(lambda: _stale_backward(m)).split("]")[0],  # the tensor named in the version error
]


@requires_torch
def test_messages_under_the_alias_match_torch_text():
    """Error messages and return_types reprs say `torch.` under the alias, word for word as torch prints them."""
    real = sys.modules["torch"]
    want = [case(real) for case in MESSAGE_CASES]
    ember.run.install()
    try:
        import torch as mapped
        assert mapped is ember
        got = [case(mapped) for case in MESSAGE_CASES]
    finally:
        ember.run.uninstall()
    assert got == want
    assert repr(ember.max(ember.ones(2, 2), 0)).startswith("ember.return_types.max(")
    assert "ember.Size([1, 3])" in _message(lambda: ember.nn.functional.batch_norm(ember.ones(1, 3), None, None,
                                                                                    training=True))
