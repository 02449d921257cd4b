"""ember.save / ember.load: round trips, torch's .pt format both ways, atomic writes, bad input.

Sections run without torch unless marked ``requires_torch``: the committed fixtures under tests/fixtures (written by
tests/fixtures/make_fixtures.py with torch) cover the read path on machines without torch.
"""
import errno
import importlib.util
import io
import os
import pickle
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember.serialization._zip import ZipWriter
from helpers import requires_torch, torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
ALLOWED_ERRORS = (pickle.UnpicklingError, RuntimeError, ValueError)


def roundtrip(obj, **load_kwargs):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **load_kwargs)


def arr(t):
    return t.detach().numpy()


def same(a, b):
    """Same dtype, shape and values (ember or torch tensors)."""
    x, y = a.detach().cpu().numpy(), b.detach().cpu().numpy()
    assert x.dtype == y.dtype and x.shape == y.shape, (x.dtype, x.shape, y.dtype, y.shape)
    np.testing.assert_array_equal(x, y)


def checkpoint(pkl: bytes, storages=None, byteorder=b"little", prefix="archive") -> bytes:
    """A zip checkpoint around hand-made pickle bytes."""
    out = io.BytesIO()
    z = ZipWriter(out.write, prefix)
    z.write_record("data.pkl", pkl)
    if byteorder is not None:
        z.write_record("byteorder", byteorder)
    for key, data in (storages or {}).items():
        z.write_record(f"data/{key}", data)
    z.write_record("version", b"3\n")
    z.close()
    return out.getvalue()


# a tiny pickle assembler for hand-made checkpoints
def G(module, name):
    return b"c" + f"{module}\n{name}\n".encode()


def S(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def I(n):
    if -2 ** 31 <= n < 2 ** 31:
        return b"J" + struct.pack("<i", n)
    b = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b


def T(*parts):
    return b"(" + b"".join(parts) + b"t"


def P(body):
    return b"\x80\x02" + body + b"."


def storage(stype="FloatStorage", key="0", numel=4):
    module = "torch.storage" if stype == "UntypedStorage" else "torch"
    return T(S("storage"), G(module, stype), S(key), S("cpu"), I(numel)) + b"Q"


def tensor_v2(st, offset, size, stride):
    return G("torch._utils", "_rebuild_tensor_v2") + T(st, I(offset), T(*map(I, size)), T(*map(I, stride)), b"\x89",
                                                       G("collections", "OrderedDict") + b")R") + b"R"


# ---- seed examples ------------------------------------------------------------------------------------------------
def test_seed_tensor_list_dict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = ember.arange(4)
    ember.save(x, "x-file")
    x2 = ember.load("x-file")
    same(x2, x)
    assert repr(x2) == "tensor([0, 1, 2, 3])"
    y = ember.zeros(4)
    ember.save([x, y], "x-files")
    x2, y2 = ember.load("x-files")
    same(x2, x)
    same(y2, y)
    mydict = {"x": x, "y": y}
    ember.save(mydict, "mydict")
    mydict2 = ember.load("mydict")
    assert list(mydict2) == ["x", "y"]
    same(mydict2["x"], x)
    same(mydict2["y"], y)
    assert zipfile.ZipFile("x-file").namelist()[0] == "x-file/data.pkl"  # the archive folder is the file's stem


class MLP(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = ember.nn.Linear(20, 256)
        self.output = ember.nn.Linear(256, 10)

    def forward(self, x):
        return self.output(ember.relu(self.hidden(x)))


def test_seed_mlp_params_into_clone(tmp_path):
    ember.manual_seed(0)
    net = MLP()
    X = ember.randn(2, 20)
    Y = net(X)
    ember.save(net.state_dict(), tmp_path / "mlp.params")
    clone = MLP()
    clone.load_state_dict(ember.load(tmp_path / "mlp.params"))
    clone.eval()
    Y_clone = clone(X)
    assert bool((Y_clone == Y).all())
    assert zipfile.ZipFile(tmp_path / "mlp.params").namelist()[0] == "mlp/data.pkl"


# ---- round trips ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                                   "bool"])
def test_roundtrip_dtypes(dtype):
    a = (np.arange(12).reshape(3, 4) % 3 == 0) if dtype == "bool" else (np.arange(12).reshape(3, 4) * 7 - 20)
    t = ember.from_numpy(a.astype(dtype))
    out = roundtrip({"t": t, "scalar": t[1, 2], "t0": ember.from_numpy(np.array(a.flat[5], dtype))})
    same(out["t"], t)
    assert out["scalar"].shape == () and out["t0"].shape == ()
    same(out["scalar"], t[1, 2])
    assert out["t"].dtype is getattr(ember, dtype)


def test_roundtrip_containers_and_types():
    sd = OrderedDict(w=ember.ones(2))
    sd._metadata = OrderedDict([("", {"version": 1})])
    obj = {"list": [1, 2.5, None, True, "x", b"\x00\xff"], "tuple": (1, (2, 3)), "set": {1, 2}, "fs": frozenset({3}),
           "complex": 1 - 2j, "big": -2 ** 90, "size": ember.Size([2, 3]), "dtype": ember.float16,
           "device": ember.device("cpu"), "sd": sd, "nested": {"a": [{"b": ember.tensor([1.0])}]}}
    out = roundtrip(obj)
    for k in ("list", "tuple", "set", "fs", "complex", "big", "dtype"):
        assert out[k] == obj[k] and type(out[k]) is type(obj[k]), k
    assert out["size"] == (2, 3) and isinstance(out["size"], ember.Size)
    assert out["device"] == ember.device("cpu")
    assert type(out["sd"]) is OrderedDict and out["sd"]._metadata == {"": {"version": 1}}
    same(out["nested"]["a"][0]["b"], ember.tensor([1.0]))


def test_roundtrip_views_share_storage():
    base = ember.arange(12.0).reshape(3, 4)
    t, row, col = base.t(), base[1], base[:, 2]
    out = roundtrip({"base": base, "t": t, "row": row, "col": col})
    assert out["t"].stride() == (1, 4) and not out["t"].is_contiguous()
    for k, v in {"base": base, "t": t, "row": row, "col": col}.items():
        same(out[k], v)
    out["base"].add_(100)  # the loaded views alias one storage, like the saved ones did
    same(out["t"], base.t() + 100)
    same(out["row"], base[1] + 100)
    same(out["col"], base[:, 2] + 100)
    buf = io.BytesIO()
    ember.save({"t": t, "row": row}, buf)
    assert sum(n.startswith("archive/data/") for n in zipfile.ZipFile(buf).namelist()) == 1


def test_roundtrip_parameters_and_grad_flags():
    p = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    q = ember.nn.Parameter(ember.tensor([3.0]), requires_grad=False)
    x = ember.tensor([1.0], requires_grad=True)
    out = roundtrip({"p": p, "q": q, "y": x * 2, "tied": [p, p]})
    assert type(out["p"]) is ember.nn.Parameter and out["p"].requires_grad
    assert type(out["q"]) is ember.nn.Parameter and not out["q"].requires_grad
    assert out["y"].requires_grad and out["y"].is_leaf
    assert out["tied"][0] is out["tied"][1]


def test_roundtrip_tensor_attributes():
    t = ember.tensor([1.0])
    t.note = "hello"
    out = roundtrip(t)
    assert out.note == "hello"


def test_roundtrip_noncontiguous_fallbacks():
    a = ember.from_numpy(np.arange(6.0)[::-1].copy())
    flipped = ember.from_numpy(np.arange(6.0)[::-1])  # negative strides: saved as a contiguous copy
    out = roundtrip({"a": a, "f": flipped, "e": ember.empty(0, 3)})
    same(out["f"], a)
    assert out["e"].shape == (0, 3)


def test_state_dict_metadata_preserved(tmp_path):
    m = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.BatchNorm1d(2))
    sd = m.state_dict()
    ember.save(sd, tmp_path / "sd.pt")
    sd2 = ember.load(tmp_path / "sd.pt")
    assert list(sd2) == list(sd) and sd2._metadata == sd._metadata
    assert sd2["1.num_batches_tracked"].shape == () and sd2["1.num_batches_tracked"].dtype is ember.int64
    m2 = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.BatchNorm1d(2))
    m2.load_state_dict(sd2)
    for k in sd:
        same(m2.state_dict()[k], sd[k])


def test_pathlike_bytesio_and_file_objects(tmp_path):
    x = ember.tensor([1, 2])
    ember.save(x, tmp_path / "a.pt")
    same(ember.load(str(tmp_path / "a.pt")), x)
    with open(tmp_path / "b.pt", "wb") as f:
        ember.save(x, f)
    with open(tmp_path / "b.pt", "rb") as f:
        same(ember.load(f), x)

    class Stream(io.RawIOBase):  # a non-seekable reader
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self.inner.readinto(b)

    same(ember.load(Stream((tmp_path / "b.pt").read_bytes())), x)
    with pytest.raises(AttributeError):
        ember.save(x, 42)


def test_file_layout_matches_torch_recipe(tmp_path):
    ember.save({"a": ember.ones(3), "b": ember.tensor(5)}, tmp_path / "probe.v1.pt")
    raw = (tmp_path / "probe.v1.pt").read_bytes()
    z = zipfile.ZipFile(io.BytesIO(raw))
    names = [n.split("/", 1)[1] for n in z.namelist()]
    assert {n.split("/", 1)[0] for n in z.namelist()} == {"probe.v1"}  # torch's stem: up to the last dot
    assert names == ["data.pkl", ".format_version", ".storage_alignment", "byteorder", "data/0", "data/1", "version",
                     ".data/serialization_id"]
    assert z.read("probe.v1/version") == b"3\n" and z.read("probe.v1/.format_version") == b"1"
    assert z.read("probe.v1/byteorder") == sys.byteorder.encode()
    for info in z.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        nlen, elen = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + nlen + elen) % 64 == 0, info.filename  # 64-byte aligned payloads
    assert z.read("probe.v1/data.pkl")[:2] == b"\x80\x02"  # pickle protocol 2
    ember.save(ember.ones(1), tmp_path / "ünï.pt")  # non-ASCII names fall back to 'archive', as in torch
    assert zipfile.ZipFile(tmp_path / "ünï.pt").namelist()[0] == "archive/data.pkl"


# ---- map_location / mmap ---------------------------------------------------------------------------------------------
def test_map_location_variants():
    buf = io.BytesIO()
    ember.save({"a": ember.arange(3.0), "b": ember.tensor(1)}, buf)
    seen = []

    def record(storage, location):
        seen.append((tuple(storage.shape), location))
        return None

    for ml in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, lambda s, loc: s, record):
        buf.seek(0)
        out = ember.load(buf, map_location=ml)
        same(out["a"], ember.arange(3.0))
    assert seen == [((3,), "cpu"), ((1,), "cpu")]
    buf.seek(0)
    with pytest.raises(TypeError, match="map_location"):
        ember.load(buf, map_location=3)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="restore data location"):
        ember.load(buf, map_location="meta")


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="cupy is installed")
def test_cuda_location_without_gpu_needs_map_location():
    pkl = P(tensor_v2(T(S("storage"), G("torch", "FloatStorage"), S("0"), S("cuda:0"), I(2)) + b"Q", 0, (2,), (1,)))
    data = checkpoint(pkl, {"0": np.array([1.0, 2.0], np.float32).tobytes()})
    with pytest.raises(RuntimeError, match="map_location"):
        ember.load(io.BytesIO(data))
    same(ember.load(io.BytesIO(data), map_location="cpu"), ember.tensor([1.0, 2.0]))
    same(ember.load(io.BytesIO(data), map_location={"cuda:0": "cpu"}), ember.tensor([1.0, 2.0]))


def test_mmap_load_is_copy_on_write(tmp_path):
    path = tmp_path / "m.pt"
    base = ember.arange(8.0)
    ember.save({"base": base, "view": base[2:5]}, path)
    before = path.read_bytes()
    out = ember.load(path, mmap=True)
    same(out["view"], base[2:5])
    out["base"].mul_(0)
    assert float(out["view"].sum()) == 0.0  # views still share the mapping
    assert path.read_bytes() == before  # private mapping: the file is untouched
    with pytest.raises(ValueError, match="file path"):
        ember.load(io.BytesIO(before), mmap=True)


# ---- weights_only and the allowlist --------------------------------------------------------------------------------
class Box:
    """A user class for allowlist tests."""

    def __init__(self, v=None):
        self.v = v


class Net(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = ember.nn.Parameter(ember.ones(2))


def test_whole_module_needs_weights_only_false(tmp_path):
    net = Net()
    ember.save(net, tmp_path / "net.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"test_serialization\.Net"):
        ember.load(tmp_path / "net.pt")
    net2 = ember.load(tmp_path / "net.pt", weights_only=False)
    assert type(net2) is Net and isinstance(net2.w, ember.nn.Parameter)
    same(net2.w, net.w)


def test_add_safe_globals_and_context_manager():
    data = io.BytesIO()
    ember.save({"box": Box(3)}, data)
    with pytest.raises(pickle.UnpicklingError, match=r"Unsupported global: GLOBAL test_serialization\.Box"):
        ember.load(io.BytesIO(data.getvalue()))
    with ember.serialization.safe_globals([Box]):
        assert Box in ember.serialization.get_safe_globals()
        assert ember.load(io.BytesIO(data.getvalue()))["box"].v == 3
    assert Box not in ember.serialization.get_safe_globals()
    ember.serialization.add_safe_globals([(Box, "test_serialization.Box")])
    try:
        assert ember.load(io.BytesIO(data.getvalue()))["box"].v == 3
    finally:
        ember.serialization.clear_safe_globals()
    assert ember.serialization.get_safe_globals() == []
    with pytest.raises(ValueError):
        ember.serialization.add_safe_globals([(Box, "a", "b")])
    with pytest.raises(TypeError):
        ember.serialization.add_safe_globals([(Box, 3)])


def test_force_weights_only_environment(tmp_path, monkeypatch):
    ember.save(Net(), tmp_path / "net.pt")
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    with pytest.warns(UserWarning, match="TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"):
        assert type(ember.load(tmp_path / "net.pt")) is Net
    with pytest.raises(pickle.UnpicklingError):  # an explicit weights_only=True wins
        ember.load(tmp_path / "net.pt", weights_only=True)
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    with pytest.raises(RuntimeError, match="both were set"):
        ember.load(tmp_path / "net.pt")
    monkeypatch.delenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    with pytest.raises(pickle.UnpicklingError):
        ember.load(tmp_path / "net.pt", weights_only=False)
    with pytest.raises(RuntimeError, match="pickle_module"):
        ember.load(tmp_path / "net.pt", pickle_module=pickle)


# ---- atomic writes ---------------------------------------------------------------------------------------------------
def _no_temp_files(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp")] == []


def test_save_replaces_atomically_and_keeps_mode(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"v": ember.tensor(1)}, path)
    os.chmod(path, 0o640)
    ember.save({"v": ember.tensor(2)}, path)
    assert int(ember.load(path)["v"]) == 2
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert _no_temp_files(tmp_path)


def test_failed_save_leaves_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"v": ember.tensor(1)}, path)
    old = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        ember.save({"v": ember.tensor(2), "f": lambda: 0}, path)  # unpicklable: fails before any write
    assert path.read_bytes() == old and _no_temp_files(tmp_path)


def test_save_errors_name_the_path(tmp_path):
    missing = tmp_path / "no" / "such" / "dir.pt"
    with pytest.raises(FileNotFoundError) as e:
        ember.save(ember.ones(1), missing)
    assert e.value.filename == str(missing)
    with pytest.raises(IsADirectoryError) as e:
        ember.save(ember.ones(1), tmp_path)
    assert e.value.filename == str(tmp_path)
    link = tmp_path / "link.pt"
    target = tmp_path / "real.pt"
    ember.save(ember.ones(1), target)
    os.symlink(target, link)
    ember.save(ember.zeros(1), link)  # writes through the link, like torch
    assert os.path.islink(link) and float(ember.load(target)) == 0.0
    if os.path.exists("/dev/null"):
        ember.save(ember.ones(1), "/dev/null")  # a device is written in place, never replaced
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions")
def test_permission_error_names_the_path(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    ember.save(ember.ones(1), folder / "x.pt")
    os.chmod(folder, 0o500)
    try:
        with pytest.raises(PermissionError) as e:
            ember.save(ember.zeros(1), folder / "x.pt")
        assert e.value.filename == str(folder / "x.pt")
        assert float(ember.load(folder / "x.pt")) == 1.0
    finally:
        os.chmod(folder, 0o700)


def _child(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": ROOT})


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_disk_full_raises_oserror_and_keeps_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"v": ember.tensor(1)}, path)
    old = path.read_bytes()
    r = _child(f"""
        import resource, signal
        import ember
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
        try:
            ember.save({{"v": ember.zeros(1 << 20)}}, {str(path)!r})
        except OSError as e:
            print(type(e).__name__, e.errno, e.filename)
        """)
    assert r.stdout.split() == ["OSError", str(errno.EFBIG), str(path)], r.stdout + r.stderr
    assert path.read_bytes() == old and _no_temp_files(tmp_path)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_save_leaves_previous_file_loadable(tmp_path):
    path = tmp_path / "big.pt"
    code = f"""
        import numpy as np
        import ember
        sd = {{f"layer{{i}}.weight": ember.from_numpy(np.full((512, 1024), i, np.float32)) for i in range(32)}}
        gen = 0
        while True:
            gen += 1
            sd["gen"] = ember.tensor(gen)
            ember.save(sd, {str(path)!r})
            print(gen, flush=True)
        """
    killed_mid_save = 0
    for delay in (0.02, 0.1, 0.25):
        proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": ROOT})
        try:
            assert proc.stdout.readline().strip(), "child failed before its first save"
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stdout.close()
        killed_mid_save += not _no_temp_files(tmp_path)
        sd = ember.load(path)  # the last complete checkpoint, never a torn one
        assert len(sd) == 33 and int(sd["gen"]) >= 1
        assert float(sd["layer31.weight"][511, 1023]) == 31.0
        for n in os.listdir(tmp_path):
            if n.endswith(".tmp"):
                os.unlink(tmp_path / n)
    assert killed_mid_save >= 1  # at least one kill landed inside a save


# ---- bad input -------------------------------------------------------------------------------------------------------
def _valid_checkpoint() -> bytes:
    buf = io.BytesIO()
    ember.save({"w": ember.arange(6.0).reshape(2, 3), "n": ember.tensor(3)}, buf)
    return buf.getvalue()


def test_empty_wrong_magic_and_legacy():
    with pytest.raises(RuntimeError, match="empty"):
        ember.load(io.BytesIO(b""))
    with pytest.raises(pickle.UnpicklingError, match="invalid load key"):
        ember.load(io.BytesIO(b"hello world"))
    with pytest.raises(RuntimeError, match="legacy"):
        ember.load(io.BytesIO(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)))


@pytest.mark.parametrize("cut", [5, 40, 300, -1, -22, -60, -200])
def test_truncated_archives(cut):
    data = _valid_checkpoint()
    with pytest.raises(ALLOWED_ERRORS):
        ember.load(io.BytesIO(data[:cut]))


def test_corrupted_storage_bytes_fail_crc():
    data = bytearray(_valid_checkpoint())
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = z.getinfo("archive/data/0")
    nlen, elen = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    data[info.header_offset + 30 + nlen + elen] ^= 0xFF
    with pytest.raises(RuntimeError, match="CRC"):
        ember.load(io.BytesIO(bytes(data)))


def test_missing_records():
    pkl = P(tensor_v2(storage(numel=2), 0, (2,), (1,)))
    with pytest.raises(RuntimeError, match="missing the record 'archive/data/0'"):
        ember.load(io.BytesIO(checkpoint(pkl)))
    out = io.BytesIO()
    z = ZipWriter(out.write, "archive")
    z.write_record("version", b"3\n")
    z.close()
    with pytest.raises(RuntimeError, match="data.pkl"):
        ember.load(io.BytesIO(out.getvalue()))


@pytest.mark.parametrize("offset,size,stride,match", [
    (0, (3,), (1,), "needs 3"),  # storage shorter than the tensor's extent
    (1, (2, 2), (2, 1), "needs 5"),
    (0, (-1,), (1,), "non-negative"),
    (0, (2,), (-1,), "non-negative"),
    (-1, (1,), (1,), "offset"),
    (0, (2 ** 70,), (1,), "non-negative"),
    (0, (2, 2 ** 40), (2 ** 62, 0), "non-negative"),
    (0, (2 ** 40, 2 ** 40), (0, 0), "cannot build"),  # too many elements for numpy, even as a broadcast view
    (3, (0,), (1,), "offset 3"),
])
def test_bad_sizes_strides_offsets(offset, size, stride, match):
    pkl = P(tensor_v2(storage(numel=2), offset, size, stride))
    with pytest.raises(RuntimeError, match=match):
        ember.load(io.BytesIO(checkpoint(pkl, {"0": b"\0" * 8})))


def test_storage_record_size_must_match():
    pkl = P(tensor_v2(storage(numel=4), 0, (2,), (1,)))
    with pytest.raises(RuntimeError, match="declares 4 elements"):
        ember.load(io.BytesIO(checkpoint(pkl, {"0": b"\0" * 8})))


def test_unknown_dtype_names_and_unsupported_dtypes():
    for g in (G("torch", "Float17Storage"), G("torch", "float17")):
        with pytest.raises(pickle.UnpicklingError, match="torch.F|torch.f"):
            ember.load(io.BytesIO(checkpoint(P(g))))
    pkl = P(tensor_v2(storage("ComplexFloatStorage", numel=1), 0, (1,), (1,)))
    with pytest.raises(RuntimeError, match="complex64"):
        ember.load(io.BytesIO(checkpoint(pkl, {"0": b"\0" * 8})))
    v3 = G("torch._utils", "_rebuild_tensor_v3") + T(storage("UntypedStorage", numel=8), I(0), T(I(1)), T(I(1)),
                                                     b"\x89", G("collections", "OrderedDict") + b")R",
                                                     G("torch", "uint64")) + b"R"
    with pytest.raises(RuntimeError, match="uint64"):
        ember.load(io.BytesIO(checkpoint(P(v3), {"0": b"\0" * 8})))


def test_byteorder_record():
    vals = np.array([1.5, -2.0, 3.25], np.float32)
    pkl = P(tensor_v2(storage(numel=3), 0, (3,), (1,)))
    big = checkpoint(pkl, {"0": vals.astype(">f4").tobytes()}, byteorder=b"big")
    np.testing.assert_array_equal(arr(ember.load(io.BytesIO(big))), vals)
    little = checkpoint(pkl, {"0": vals.astype("<f4").tobytes()}, byteorder=None)  # no record: little-endian
    np.testing.assert_array_equal(arr(ember.load(io.BytesIO(little))), vals)
    with pytest.raises(ValueError, match="endianness"):
        ember.load(io.BytesIO(checkpoint(pkl, {"0": vals.tobytes()}, byteorder=b"middle")))


def test_torchscript_archive_is_refused():
    out = io.BytesIO()
    z = ZipWriter(out.write, "archive")
    z.write_record("data.pkl", P(b"N"))
    z.write_record("constants.pkl", P(b")"))
    z.close()
    with pytest.raises(RuntimeError, match="TorchScript"):
        ember.load(io.BytesIO(out.getvalue()))


def test_save_argument_errors():
    with pytest.raises(ValueError, match="legacy"):
        ember.save(1, io.BytesIO(), _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="pickle_protocol"):
        ember.save(1, io.BytesIO(), pickle_protocol=1)
    with pytest.raises(RuntimeError, match="different types"):
        a = np.zeros(4, np.float32)
        ember.save([ember.from_numpy(a), ember.from_numpy(a.view(np.int32))], io.BytesIO())
    assert roundtrip([1, (2,)], weights_only=True) == [1, (2,)]
    buf = io.BytesIO()
    ember.save({"x": ember.arange(3)}, buf, pickle_protocol=4)  # higher protocols are read by ember too
    same(ember.load(io.BytesIO(buf.getvalue()))["x"], ember.arange(3))


# ---- committed fixtures written by torch (no torch needed) -----------------------------------------------------------
@pytest.fixture(scope="module")
def expected():
    return dict(np.load(os.path.join(FIXTURES, "expected.npz")))


def test_fixture_tensors(expected):
    with pytest.warns(UserWarning, match="bfloat16"):
        d = ember.load(os.path.join(FIXTURES, "tensors.pt"))
    for k, v in d.items():
        if isinstance(v, ember.Tensor):
            want = expected[f"tensors.{k}"]
            assert arr(v).dtype == want.dtype and arr(v).shape == want.shape, k
            np.testing.assert_array_equal(arr(v), want)
    assert d["t"].stride() == (1, 4) and d["scalar"].shape == () and d["empty"].shape == (0, 3)
    assert type(d["param"]) is ember.nn.Parameter and d["param"].requires_grad and not d["frozen"].requires_grad
    assert d["size"] == ember.Size([2, 3]) and d["dtype"] is ember.float16 and d["device"] == ember.device("cpu")
    assert d["nested"] == {"list": [1, 2.5, None, True, "x"], "tuple": (1, (2, 3)), "set": {1, 2},
                           "bytes": b"\x00\xff", "complex": 1 + 2j, "big": 2 ** 70}
    d["base"].fill_(-1)  # torch's views of one storage come back sharing it
    assert float(d["t"].sum()) == -12 and float(d["row"].sum()) == -4 and float(d["col"].sum()) == -3


def test_fixture_linear_bn_state_dict(expected):
    sd = ember.load(os.path.join(FIXTURES, "linear_bn.pt"))
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                        "1.num_batches_tracked"]
    assert sd._metadata == OrderedDict([("", {"version": 1}), ("0", {"version": 1}), ("1", {"version": 2})])
    for k, v in sd.items():
        np.testing.assert_array_equal(arr(v), expected[f"linear_bn.{k}"])
    assert sd["1.num_batches_tracked"].shape == () and int(sd["1.num_batches_tracked"]) == 1
    m = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.BatchNorm1d(3))
    m.load_state_dict(sd)
    m.eval()
    out = m(ember.from_numpy(expected["linear_bn.input"]))
    np.testing.assert_allclose(arr(out), expected["linear_bn.output"], rtol=1e-5, atol=1e-6)


def test_fixture_lstm_conv_adam_proto4(expected):
    d = ember.load(os.path.join(FIXTURES, "lstm_conv.pt"))
    assert list(d["lstm"]) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    for name in ("lstm", "conv"):
        for k, v in d[name].items():
            np.testing.assert_array_equal(arr(v), expected[f"lstm_conv.{name}.{k}"])
    a = ember.load(os.path.join(FIXTURES, "adam.pt"))
    g = a["param_groups"][0]
    assert g["betas"] == (0.9, 0.999) and g["params"] == [0, 1] and g["lr"] == 0.01 and g["amsgrad"] is False
    for i, st in a["state"].items():
        assert st["step"].shape == () and st["step"].dtype is ember.float32 and float(st["step"]) == 2.0
        for k in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(arr(st[k]), expected[f"adam.{i}.{k}"])
    p4 = ember.load(os.path.join(FIXTURES, "proto4.pt"))
    same(p4["x"], ember.arange(3))
    assert p4["s"] == "protocol 4"


def test_fixture_whole_torch_module_is_refused():
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL torch\.nn\.modules\.linear\.Linear"):
        ember.load(os.path.join(FIXTURES, "module_linear.pt"))
    with pytest.raises(pickle.UnpicklingError, match="no ember equivalent"):
        ember.load(os.path.join(FIXTURES, "module_linear.pt"), weights_only=False)


def test_fixtures_stay_small():
    assert sum(os.path.getsize(os.path.join(FIXTURES, f)) for f in os.listdir(FIXTURES)
               if not f.endswith(".py")) < 50_000


# ---- safetensors -----------------------------------------------------------------------------------------------------
def test_safetensors_roundtrip(tmp_path):
    pytest.importorskip("safetensors")
    from ember.utils.safetensors import load, load_file, save, save_file
    tensors = {"w": ember.arange(6.0).reshape(2, 3).t(), "i": ember.tensor(3), "b": ember.tensor([True, False]),
               "h": ember.tensor([1.5], dtype=ember.float16)}
    save_file(tensors, tmp_path / "m.safetensors", metadata={"format": "pt"})
    out = load_file(tmp_path / "m.safetensors")
    assert set(out) == set(tensors)
    for k in tensors:
        same(out[k], tensors[k])
    out["w"].add_(1)  # loaded tensors are writable
    same(load(save(tensors))["i"], tensors["i"])
    same(ember.load(tmp_path / "m.safetensors")["w"], tensors["w"])
    with pytest.raises(TypeError, match="str, Tensor"):
        save_file({"a": 1}, tmp_path / "bad.safetensors")
    with pytest.raises(ValueError, match="invalid safetensors"):
        load(b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage")


def test_safetensors_missing_package_names_the_extra(monkeypatch):
    from ember.utils import safetensors as est
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(ImportError, match=r"pip install 'ember\[safetensors\]'"):
        est.save({"a": ember.ones(1)})


# ---- interop with torch ----------------------------------------------------------------------------------------------
def _torch_models():
    return {
        "linear": (lambda: torch.nn.Linear(4, 3), (2, 4), "Linear", (4, 3), {}),
        "conv": (lambda: torch.nn.Conv2d(2, 3, 3, padding=1), (1, 2, 5, 5), "Conv2d", (2, 3, 3), {"padding": 1}),
        "batchnorm": (lambda: torch.nn.BatchNorm1d(3), (4, 3), "BatchNorm1d", (3,), {}),
        "lstm": (lambda: torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True), (5, 2, 3), "LSTM", (3, 4),
                 {"num_layers": 2, "bidirectional": True}),
        "transformer": (lambda: torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0), (5, 2, 8),
                        "TransformerEncoderLayer", (8, 2), {"dim_feedforward": 16, "dropout": 0.0}),
    }


def _first(out):
    return out[0] if isinstance(out, tuple) else out


@requires_torch
@pytest.mark.parametrize("name", ["linear", "conv", "batchnorm", "lstm", "transformer"])
def test_torch_state_dicts_load_in_ember_and_back(tmp_path, name):
    make, shape, ember_cls, args, kwargs = _torch_models()[name]
    torch.manual_seed(0)
    tm = make()
    x = torch.randn(*shape)
    tm.train()
    tm(x)  # moves BatchNorm's running stats and its 0-d num_batches_tracked
    tm.eval()
    with torch.no_grad():
        want = _first(tm(x))
    torch.save(tm.state_dict(), tmp_path / "t.pt")
    sd = ember.load(tmp_path / "t.pt")
    tsd = tm.state_dict()
    assert list(sd) == list(tsd) and sd._metadata == tsd._metadata
    for k in tsd:
        same(sd[k], tsd[k])
    if hasattr(ember.nn, ember_cls):  # compare outputs where ember has the layer
        em = getattr(ember.nn, ember_cls)(*args, **kwargs)
        em.load_state_dict(sd)
        em.eval()
        with ember.no_grad():
            got = _first(em(ember.from_numpy(x.numpy())))
        np.testing.assert_allclose(arr(got), want.numpy(), rtol=1e-4, atol=1e-5)
    ember.save(sd, tmp_path / "e.pt")  # ember -> torch, weights-only
    tm2 = make()
    tm2.load_state_dict(torch.load(tmp_path / "e.pt", weights_only=True))
    tm2.eval()
    with torch.no_grad():
        assert torch.equal(_first(tm2(x)), want)


@requires_torch
def test_ember_module_state_dict_loads_in_torch(tmp_path):
    ember.manual_seed(0)
    em = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.BatchNorm1d(3))
    em(ember.randn(5, 4))
    em.eval()
    ember.save(em.state_dict(), tmp_path / "e.pt")
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    sd = torch.load(tmp_path / "e.pt", weights_only=True)
    assert sd._metadata == em.state_dict()._metadata
    assert sd["1.num_batches_tracked"].dtype == torch.int64 and sd["1.num_batches_tracked"].shape == ()
    tm.load_state_dict(sd)
    tm.eval()
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_allclose(tm(torch.from_numpy(x)).detach().numpy(), arr(em(ember.from_numpy(x))),
                               rtol=1e-5, atol=1e-6)


def _torch_adam(steps=2):
    torch.manual_seed(0)
    m = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(m.parameters(), lr=0.01)
    xs = [torch.randn(4, 3) for _ in range(steps + 1)]
    for x in xs[:steps]:
        opt.zero_grad()
        m(x).pow(2).sum().backward()
        opt.step()
    return m, opt, xs[steps]


@requires_torch
def test_adam_state_roundtrip_torch_ember_torch(tmp_path):
    m, opt, x = _torch_adam()
    torch.save(opt.state_dict(), tmp_path / "t.pt")
    osd = ember.load(tmp_path / "t.pt")
    assert osd["param_groups"][0]["betas"] == (0.9, 0.999)
    for i, st in opt.state_dict()["state"].items():
        for k, v in st.items():
            same(osd["state"][i][k], v)
    ember.save(osd, tmp_path / "e.pt")
    m2 = torch.nn.Linear(3, 2)
    m2.load_state_dict(m.state_dict())
    opt2 = torch.optim.Adam(m2.parameters(), lr=0.5)
    opt2.load_state_dict(torch.load(tmp_path / "e.pt", weights_only=True))
    for mod, o in ((m, opt), (m2, opt2)):
        o.zero_grad()
        mod(x).pow(2).sum().backward()
        o.step()
    for a, b in zip(m.parameters(), m2.parameters()):
        assert torch.equal(a, b)


@requires_torch
def test_adam_state_drives_ember_adam(tmp_path):
    m, opt, x = _torch_adam()
    torch.save({"model": m.state_dict(), "opt": opt.state_dict()}, tmp_path / "t.pt")
    ck = ember.load(tmp_path / "t.pt")
    em = ember.nn.Linear(3, 2)
    em.load_state_dict(ck["model"])
    eopt = ember.optim.Adam(em.parameters(), lr=0.5)
    eopt.load_state_dict(ck["opt"])
    opt.zero_grad()
    m(x).pow(2).sum().backward()
    opt.step()
    eopt.zero_grad()
    em(ember.from_numpy(x.numpy())).pow(2).sum().backward()
    eopt.step()
    for (k, a), b in zip(m.state_dict().items(), em.state_dict().values()):
        np.testing.assert_allclose(arr(b), a.numpy(), rtol=1e-6, atol=1e-7, err_msg=k)
    ember.save(eopt.state_dict(), tmp_path / "e.pt")
    back = torch.load(tmp_path / "e.pt", weights_only=True)
    torch.optim.Adam(m.parameters()).load_state_dict(back)
    assert back["state"][0]["step"].dtype == torch.float32 and float(back["state"][0]["step"]) == 3.0


@requires_torch
def test_scheduler_state_roundtrip(tmp_path):
    opt = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.step()
        sched.step()
    torch.save(sched.state_dict(), tmp_path / "t.pt")
    ember.save(ember.load(tmp_path / "t.pt"), tmp_path / "e.pt")
    assert torch.load(tmp_path / "e.pt", weights_only=True) == sched.state_dict()


@requires_torch
def test_shared_storage_both_ways(tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"base": base, "t": base.t(), "row": base[1]}, tmp_path / "t.pt")
    d = ember.load(tmp_path / "t.pt")
    assert np.shares_memory(arr(d["base"]), arr(d["t"])) and np.shares_memory(arr(d["base"]), arr(d["row"]))
    eb = ember.arange(12.0).reshape(3, 4)
    ember.save({"base": eb, "t": eb.t(), "row": eb[1], "p": ember.nn.Parameter(eb[2])}, tmp_path / "e.pt")
    t = torch.load(tmp_path / "e.pt", weights_only=True)
    ptr = t["base"].untyped_storage().data_ptr()
    assert all(t[k].untyped_storage().data_ptr() == ptr for k in ("t", "row", "p"))
    assert t["t"].stride() == (1, 4) and t["row"].storage_offset() == 4 and t["p"].storage_offset() == 8
    assert isinstance(t["p"], torch.nn.Parameter)


@requires_torch
def test_bytes_identical_to_torch_save(tmp_path):
    torch.manual_seed(0)
    sd = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)).state_dict()
    x = torch.arange(12.0).reshape(3, 4)
    obj = {"sd": sd, "t": x.t(), "v": x[1], "p": torch.nn.Parameter(torch.ones(2)), "size": torch.Size([2, 3]),
           "dt": torch.float16, "dev": torch.device("cpu"), "s": {1, 2}, "c": 1 + 2j, "b": b"ab\xff",
           "e": torch.empty(0), "i": torch.tensor(3), "l": [1, 2.5, None, True, "x", (1, 2)]}
    (tmp_path / "t").mkdir()
    (tmp_path / "e").mkdir()
    torch.save(obj, tmp_path / "t" / "ck.pt")
    ember.save(ember.load(tmp_path / "t" / "ck.pt"), tmp_path / "e" / "ck.pt")
    a, b = (tmp_path / "t" / "ck.pt").read_bytes(), (tmp_path / "e" / "ck.pt").read_bytes()
    sid = zipfile.ZipFile(io.BytesIO(a)).getinfo("ck/.data/serialization_id").header_offset
    assert len(a) == len(b) and a[:sid] == b[:sid]  # identical up to torch's random serialization id


@requires_torch
def test_torch_mmap_computes_ember_offsets(tmp_path, monkeypatch):
    from torch.utils.serialization import config
    base = ember.arange(100.0)
    ember.save({"a": base, "b": base[3:7], "c": ember.ones(17, dtype=ember.int16), "e": ember.empty(0)},
               tmp_path / "e.pt")
    monkeypatch.setenv("TORCH_SERIALIZATION_DEBUG", "1")  # torch asserts its miniz-layout offsets match ours
    monkeypatch.setattr(config.load, "calculate_storage_offsets", True)
    t = torch.load(tmp_path / "e.pt", weights_only=True, mmap=True)
    assert torch.equal(t["b"], torch.arange(3.0, 7.0)) and t["c"].dtype == torch.int16


@requires_torch
def test_torch_only_dtypes_are_widened(tmp_path):
    torch.save({"bf": torch.tensor([1.5, -0.0078125], dtype=torch.bfloat16),
                "u16": torch.tensor([65535], dtype=torch.uint16),
                "u32": torch.tensor([2 ** 32 - 1], dtype=torch.uint32)},
               tmp_path / "t.pt")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        d = ember.load(tmp_path / "t.pt")
    assert sorted(str(x.message).split()[3] for x in w) == ["bfloat16", "uint16", "uint32"]
    assert d["bf"].dtype is ember.float32 and arr(d["bf"]).tolist() == [1.5, -0.0078125]
    assert d["u16"].dtype is ember.int32 and int(d["u16"]) == 65535
    assert d["u32"].dtype is ember.int64 and int(d["u32"]) == 2 ** 32 - 1


@requires_torch
def test_safetensors_interop(tmp_path):
    st = pytest.importorskip("safetensors.torch")
    from ember.utils.safetensors import load_file, save_file
    st.save_file({"w": torch.randn(2, 3), "bf": torch.tensor([1.5], dtype=torch.bfloat16)}, tmp_path / "t.safetensors")
    with pytest.warns(UserWarning, match="BF16"):
        d = load_file(tmp_path / "t.safetensors")
    assert arr(d["bf"]).tolist() == [1.5]
    save_file({"w": d["w"]}, tmp_path / "e.safetensors")
    assert torch.equal(st.load_file(tmp_path / "e.safetensors")["w"], st.load_file(tmp_path / "t.safetensors")["w"])
