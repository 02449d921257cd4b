"""Hostile checkpoints: a seeded fuzzer over valid files and a corpus of hand-made malicious pickles.

Every damaged or malicious file must end in `pickle.UnpicklingError`, `RuntimeError` or `ValueError` (or load as
plain data): no code from the file runs, the interpreter does not crash, and memory stays within the file's
declared sizes. Runs without torch.
"""
import io
import os
import pickle
import random
import struct
import time
import tracemalloc
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember.serialization._pickler import dumps, write_checkpoint

ALLOWED_ERRORS = (pickle.UnpicklingError, RuntimeError, ValueError)
SENTINEL = []


def sentinel(*args):
    """Stands for any code an attacker wants to run: records that it ran."""
    SENTINEL.append(args)
    return 0


def _load(data: bytes, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ember.load(io.BytesIO(data), **kwargs)


def _outcome(data: bytes, **kwargs) -> str:
    """'ok' or the name of the allowed error; anything else fails the test with its traceback."""
    try:
        _load(data, **kwargs)
        return "ok"
    except ALLOWED_ERRORS as e:
        return type(e).__name__


def _seeds():
    """A few valid checkpoints covering state dicts, views, 0-d, Parameters, metadata and plain containers."""
    sd = OrderedDict([("fc.weight", ember.arange(12.0).reshape(3, 4)), ("fc.bias", ember.tensor([0.5, -1.0, 2.0])),
                      ("bn.num_batches_tracked", ember.tensor(3))])
    sd._metadata = OrderedDict([("", {"version": 1}), ("fc", {"version": 1}), ("bn", {"version": 2})])
    base = ember.arange(10, dtype=ember.int16)
    objs = [sd,
            {"t": base, "v": base[2:5], "p": ember.nn.Parameter(ember.ones(2, 2)), "m": ember.tensor([True, False])},
            [1, 2.5, "x", None, (1, 2), {"k": ember.tensor(1.5, dtype=ember.float64)}, ember.Size([2]),
             ember.float16, ember.device("cpu"), b"\x00\x01", {3}],
            {"state": {0: {"step": ember.tensor(2.0), "exp_avg": ember.zeros(3)}},
             "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]}]
    out = []
    for protocol in (2, 4):
        for obj in objs:
            buf = io.BytesIO()
            ember.save(obj, buf, pickle_protocol=protocol)
            out.append(buf.getvalue())
    for name in ("tensors.pt", "adam.pt", "proto4.pt"):  # written by torch
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", name), "rb") as f:
            out.append(f.read())
    return out, objs


SEEDS, SEED_OBJS = _seeds()
_INTERESTING = (0x00, 0xFF, 0x7F, 0x80, 0x01, 0x2E, 0x28, 0x52, 0x63, 0x71, 0x68)


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to four random edits: bit flips, interesting bytes, truncation, extension, insertion, deletion."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        i = rng.randrange(len(b)) if b else 0
        if op == 0 and b:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            b[i] = rng.choice(_INTERESTING)
        elif op == 2:
            del b[rng.randrange(len(b) + 1):]
        elif op == 3:
            b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif op == 4:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 5 and b:
            del b[i:i + rng.randint(1, 32)]
        elif b:
            j = rng.randrange(len(b))
            b[i:i + 4] = b[j:j + 4]  # copy a nearby word: plausible-looking sizes and offsets
    return bytes(b)


def test_seeds_are_valid():
    for data in SEEDS:
        assert _outcome(data) == "ok"
    assert float(_load(SEEDS[0])["fc.weight"].sum()) == 66.0


def test_fuzz_whole_file_bytes():
    rng = random.Random(20240607)
    t0, seen = time.perf_counter(), {}
    for _ in range(3000):
        out = _outcome(mutate(rng, rng.choice(SEEDS)))
        seen[out] = seen.get(out, 0) + 1
    assert time.perf_counter() - t0 < 15
    assert seen.get("RuntimeError", 0) > 100  # the container checks fire (CRC, truncation, missing records)


def test_fuzz_pickle_stream_with_valid_container():
    """Mutate data.pkl only and re-zip it with correct CRCs, so the restricted unpickler sees every mutation."""
    rng = random.Random(7)
    parsed = [dumps(obj, protocol) for obj in SEED_OBJS for protocol in (2, 4)]
    t0, seen = time.perf_counter(), {}
    for _ in range(3000):
        pkl, storages = rng.choice(parsed)
        buf = io.BytesIO()
        write_checkpoint(buf.write, "archive", mutate(rng, pkl), storages)
        out = _outcome(buf.getvalue())
        seen[out] = seen.get(out, 0) + 1
    assert time.perf_counter() - t0 < 15
    assert seen.get("UnpicklingError", 0) > 1000 and seen.get("ok", 0) > 50, seen
    assert SENTINEL == []


def test_fuzz_storage_records_and_mmap(tmp_path):
    """Shorten, lengthen or corrupt storage records; every 10th case goes through mmap=True."""
    rng = random.Random(99)
    pkl, storages = dumps(SEED_OBJS[1])
    for case in range(500):
        buf = io.BytesIO()
        k = rng.randrange(len(storages))
        raw = bytearray(storages[k].data.tobytes())
        cut = rng.randrange(len(raw) + 8)
        raw = raw[:cut] if cut <= len(raw) else raw + bytes(cut - len(raw))
        if raw and rng.random() < 0.5:
            raw[rng.randrange(len(raw))] ^= 0xFF

        class Fake:
            key, data = storages[k].key, np.frombuffer(bytes(raw), np.uint8)
        write_checkpoint(buf.write, "archive", pkl, [Fake if s is storages[k] else s for s in storages])
        if case % 10 == 0:
            path = tmp_path / f"c{case}.pt"
            path.write_bytes(buf.getvalue())
            try:
                ember.load(path, mmap=True)
            except ALLOWED_ERRORS:
                pass
        else:
            _outcome(buf.getvalue())


# ---- malicious pickles -----------------------------------------------------------------------------------------------
def G(module, name):
    return b"c" + f"{module}\n{name}\n".encode()


def S(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def I(n):
    return b"J" + struct.pack("<i", n)


def T(*parts):
    return b"(" + b"".join(parts) + b"t"


def P(body, proto=2):
    return bytes([0x80, proto]) + body + b"."


def call(g, *args):
    return g + T(*args) + b"R"


def storage(key="0", numel=2, stype="FloatStorage"):
    return T(S("storage"), G("torch", stype), S(key), S("cpu"), I(numel)) + b"Q"


ODICT = G("collections", "OrderedDict") + b")R"


def v2(st, offset=0, size=(2,), stride=(1,)):
    return call(G("torch._utils", "_rebuild_tensor_v2"), st, I(offset), T(*map(I, size)), T(*map(I, stride)),
                b"\x89", ODICT)


def _corpus(marker: str) -> dict:
    shell = f"touch {marker}"
    big_list = b"]q\x00(" + b"".join(b"M" + struct.pack("<H", i) for i in range(2000)) + b"e"  # memo slot 0
    laughs = b"]" + b"(" + (G("builtins", "set") + b"h\x00\x85R") * 30000 + b"e"  # 30000 sets of 2000 ints
    return {
        "os.system": P(call(G("os", "system"), S(shell))),
        "posix.system": P(call(G("posix", "system"), S(shell))),
        "nt.system": P(call(G("nt", "system"), S(shell))),
        "sys.modules": P(G("sys", "modules")),
        "builtins.eval": P(call(G("builtins", "eval"), S(f"__import__('os').system('{shell}')"))),
        "__builtin__.eval": P(call(G("__builtin__", "eval"), S(f"__import__('os').system('{shell}')"))),
        "builtins.exec": P(call(G("builtins", "exec"), S(f"__import__('os').system('{shell}')"))),
        "builtins.getattr": P(call(G("builtins", "getattr"), G("collections", "OrderedDict"), S("__init__"))),
        "builtins.__import__": P(call(G("builtins", "__import__"), S("os"))),
        "subprocess.Popen": P(call(G("subprocess", "Popen"), S(shell))),
        "importlib.import_module": P(call(G("importlib", "import_module"), S("os"))),
        "pickle.loads": P(call(G("pickle", "loads"), G("_codecs", "encode") + T(S("x"), S("latin1")) + b"R")),
        "copyreg._reconstructor": P(call(G("copyreg", "_reconstructor"), G("os", "system"), S("x"), S(shell))),
        "functools.partial": P(call(G("functools", "partial"), S(shell))),
        "runpy._run_code": P(call(G("runpy", "_run_code"), S(shell), b"}")),
        "numpy reconstruct": P(call(G("numpy.core.multiarray", "_reconstruct"), S("x"))),
        "ember.load": P(call(G("ember", "load"), S("/etc/passwd"))),
        "torch.load": P(call(G("torch", "load"), S("/etc/passwd"))),
        "sentinel": P(call(G(__name__, "sentinel"), S("ran"))),
        "dotted getattr": P(G("collections", "OrderedDict.fromkeys")),
        "STACK_GLOBAL": P(b"\x8c\x02os\x8c\x06system\x93" + b"\x8c\x04true\x85R", proto=4),
        "INST (protocol 0)": b"(ios\nsystem\n.",
        "OBJ": b"\x80\x02(" + G("os", "system") + S(shell) + b"o.",
        "EXT1": b"\x80\x02\x82\x01.",
        "PERSID text": b"P0\n.",
        "BINPERSID not a storage": P(T(S("module"), S("os")) + b"Q"),
        "REDUCE on a str": P(S("os.system") + T(S(shell)) + b"R"),
        "REDUCE on torch.Tensor (8 GB)": P(call(G("torch", "Tensor"), I(2 ** 31 - 1))),
        "NEWOBJ torch.Tensor": P(G("torch", "Tensor") + T(I(1 << 30), I(1 << 30)) + b"\x81"),
        "bytearray(length)": P(call(G("builtins", "bytearray"), I(2 ** 31 - 1))),
        "encode with a binary codec": P(call(G("_codecs", "encode"), S("x"), S("zlib_codec"))),
        "BUILD dunder on OrderedDict": P(ODICT + b"}" + S("__class__") + S("x") + b"sb"),
        "BUILD on a list": P(b"]}b"),
        "from_type_v2 with set": P(call(G("torch._tensor", "_rebuild_from_type_v2"), G("builtins", "set"),
                                        G("torch", "Tensor"), T(), b"}")),
        "parameter state overwrites _data": P(call(G("torch._utils", "_rebuild_parameter_with_state"),
                                                   v2(storage()), b"\x88", ODICT, b"}" + S("_data") + I(1) + b"s")),
        "sparse tensor": P(G("torch._utils", "_rebuild_sparse_tensor")),
        "tuple recursion bomb (dict key)": P(b"}" + b"N" + b"\x85" * 100_000 + b"N" + b"s"),
        "tuple recursion bomb (set)": P(call(G("builtins", "set"), b"]" + b"N" + b"\x85" * 100_000 + b"a")),
        "huge memo index": P(b"N" + b"r\xff\xff\xff\xff" + b"j\xff\xff\xff\xff"),
        "missing memo index": P(b"j\x00\x00\x00\x10"),
        "billion laughs": P(big_list + b"0" + laughs),
        "BINUNICODE length past the end": P(b"X\xf0\xff\xff\xff" + b"abc"),
        "LONG4 length past the end": P(b"\x8b\xff\xff\xff\x7f\x00"),
        "BYTEARRAY8 (protocol 5)": b"\x80\x05\x96\x00\x00\x00\x00\x00\x00\x00\x10.",
        "NEXT_BUFFER (protocol 5)": b"\x80\x05\x97.",
        "unknown protocol": b"\x80\x63N.",
        "storage key path traversal": P(v2(storage(key="../../../../etc/passwd"))),
        "storage numel 2**60": P(v2(T(S("storage"), G("torch", "FloatStorage"), S("0"), S("cpu"),
                                      b"\x8a\x08" + (1 << 60).to_bytes(8, "little")) + b"Q")),
        "tensor from a str storage": P(v2(S("x"))),
        "Size of strings": P(call(G("torch", "Size"), T(S("a")))),
        "device 'evil'": P(call(G("torch", "device"), S("evil"))),
        "stack underflow": P(b"R"),
        "unmatched MARK": P(b"(N"),
        "no STOP": b"\x80\x02N",
    }


MALICIOUS = list(_corpus("PLACEHOLDER"))


@pytest.mark.parametrize("name", MALICIOUS)
def test_malicious_pickle_is_refused(name, tmp_path):
    marker = tmp_path / "pwned"
    body = _corpus(str(marker))[name]
    storages = {"0": b"\0" * 8}
    buf = io.BytesIO()
    from ember.serialization._zip import ZipWriter
    z = ZipWriter(buf.write, "archive")
    z.write_record("data.pkl", body)
    z.write_record("byteorder", b"little")
    for k, v in storages.items():
        z.write_record(f"data/{k}", v)
    z.close()
    SENTINEL.clear()
    tracemalloc.start()
    try:
        with pytest.raises(ALLOWED_ERRORS):
            _load(buf.getvalue())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"{name}: {peak} bytes allocated"
    assert SENTINEL == [] and not marker.exists()


def test_sentinel_detects_execution_when_unsafe(tmp_path):
    """The corpus would be caught running: the unsafe loader and an explicit allowlist do execute it."""
    body = _corpus(str(tmp_path / "x"))["sentinel"]
    buf = io.BytesIO()
    from ember.serialization._zip import ZipWriter
    z = ZipWriter(buf.write, "archive")
    z.write_record("data.pkl", body)
    z.close()
    SENTINEL.clear()
    assert _load(buf.getvalue(), weights_only=False) == 0 and SENTINEL == [("ran",)]
    with ember.serialization.safe_globals([sentinel]):
        assert _load(buf.getvalue()) == 0 and len(SENTINEL) == 2
    SENTINEL.clear()


def test_deep_lists_load_as_data_without_crashing():
    """Nested lists are plain data (no hashing): they load; consumers hit RecursionError, not a crash."""
    n = 50_000
    from ember.serialization._zip import ZipWriter
    buf = io.BytesIO()
    z = ZipWriter(buf.write, "archive")
    z.write_record("data.pkl", P(b"]" * n + b"a" * (n - 1)))
    z.close()
    deep = _load(buf.getvalue())
    depth = 0
    while deep:
        deep, depth = deep[0], depth + 1
    assert depth == n - 1


def test_truncation_at_every_offset_of_a_small_file():
    data = SEEDS[2]
    outcomes = {_outcome(data[:cut]) for cut in range(0, len(data), 7)}
    assert outcomes <= {"RuntimeError", "UnpicklingError", "ValueError"}


def test_zip_bomb_record_sizes_are_checked_before_allocating():
    """A central directory that lies about a stored record's size is refused before any allocation."""
    data = bytearray(SEEDS[0])
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(b"archive/data/0"))  # its central directory entry
    data[at + 20:at + 28] = struct.pack("<II", 0x7FFFFFFF, 0x7FFFFFFF)  # compressed and uncompressed size
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="past the end"):
            _load(bytes(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20
