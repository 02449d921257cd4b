"""Hostile checkpoints and crash leftovers: memory stays bounded, mmap never returns wrong data, killed saves are
cleaned up, write-protected files are not replaced.

Memory cases run in a forked child under an address-space limit (its usage + 64 MiB + 64x the file size) and must
end in ember's own clean refusal, not in MemoryError. Runs without torch.
"""
import bz2
import io
import json
import lzma
import os
import pickle
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import ember
from ember.serialization._pickler import _V2, TorchPickler, _Storage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
U32 = 0xFFFFFFFF
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs fork, rlimits and /proc")


# ---- building hostile files --------------------------------------------------------------------------------------
class _FakeTensor:
    """Pickles like a float32 tensor viewing all `numel` elements of storage `key`, without allocating them."""

    def __init__(self, key: str, numel: int):
        self.st = _Storage(key, ember.float32, "cpu", np.empty(0, np.uint8))
        self.st.numel, self.numel = numel, numel

    def __reduce__(self):
        return _V2, (self.st, 0, (self.numel,), (1,), False, OrderedDict())


def _pickle(obj) -> bytes:
    buf = io.BytesIO()
    TorchPickler(buf, 2).dump(obj)
    return buf.getvalue()


def _record(name: str, payload: bytes, method: int = 0, size=None, crc=None, plain=None, csize=None) -> dict:
    """A zip record: `payload` as stored in the file; `size`, `crc` and `csize` as declared (by default those of
    `plain` and of the payload)."""
    plain = payload if plain is None else plain
    return {"name": name, "payload": payload, "method": method, "size": len(plain) if size is None else size,
            "crc": zlib.crc32(plain) if crc is None else crc, "csize": len(payload) if csize is None else csize}


def build_zip(records, aliases=(), prefix: str = "archive") -> bytes:
    """Local headers + payloads, then a central directory; `aliases` adds (name, index) entries that point at the
    local header of records[index]."""
    out, central = bytearray(), []
    for r in records:
        name = f"{prefix}/{r['name']}".encode()
        off, csize = len(out), r["csize"]
        out += _LOCAL.pack(0x04034B50, 45, 0x800, r["method"], 0, 0, r["crc"], min(csize, U32), min(r["size"], U32),
                           len(name), 0) + name + r["payload"]
        central.append((name, r["method"], r["crc"], csize, r["size"], off))
    for alias, index in aliases:
        central.append((f"{prefix}/{alias}".encode(),) + central[index][1:])
    start = len(out)
    for name, method, crc, csize, size, off in central:
        z64 = [v for v in (size, csize, off) if v >= U32]  # zipfile reads them in this order
        extra = struct.pack("<HH" + "Q" * len(z64), 1, 8 * len(z64), *z64) if z64 else b""
        out += _CENTRAL.pack(0x02014B50, 45, 45, 0x800, method, 0, 0, crc, min(csize, U32), min(size, U32),
                             len(name), len(extra), 0, 0, 0, 0, min(off, U32)) + name + extra
    n = len(central)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(out) - start, start, 0)
    return bytes(out)


def checkpoint(pkl: bytes, storages: dict, byteorder=None, aliases=()) -> bytes:
    recs = [_record("data.pkl", pkl), byteorder or _record("byteorder", b"little")]
    recs += [_record(f"data/{k}", v) if isinstance(v, bytes) else v for k, v in storages.items()]
    return build_zip(recs + [_record("version", b"3\n")], aliases)


_BOMB = {}


def _deflated_zeros(n: int) -> bytes:
    """Raw deflate stream of `n` zero bytes (~1000x smaller)."""
    if n not in _BOMB:
        c, zero, parts = zlib.compressobj(9, zlib.DEFLATED, -15), bytes(1 << 22), []
        for _ in range(n >> 22):
            parts.append(c.compress(zero))
        _BOMB[n] = b"".join(parts) + c.flush()
    return _BOMB[n]


def _flood(body: bytes, prefix: bytes = b"") -> bytes:
    return checkpoint(b"\x80\x02" + prefix + body + b"N.", {})


def hostile_files() -> dict:
    """name -> (file bytes, regex the refusal must match)."""
    n = 1 << 28  # 256 MiB of zeros: ~256 KiB deflated
    bomb = _deflated_zeros(n)
    tiny = _pickle({"w": _FakeTensor("0", 4)})
    files = {
        "byteorder_deflate_declared_4g": (checkpoint(tiny, {"0": bytes(16)}, _record(
            "byteorder", bomb, zipfile.ZIP_DEFLATED, size=1 << 32, crc=0)), r"byteorder.*at most 16"),
        "byteorder_deflate_declared_6": (checkpoint(tiny, {"0": bytes(16)}, _record(
            "byteorder", bomb, zipfile.ZIP_DEFLATED, size=6, crc=0)), r"byteorder.*(longer than declared)"),
        "data_pkl_deflate_bomb": (build_zip([_record("data.pkl", bomb, zipfile.ZIP_DEFLATED, size=n, crc=0)]),
                                  r"deflated record .*data\.pkl.* expands"),
        "storage_deflate_bomb": (checkpoint(_pickle({"w": _FakeTensor("0", n // 4)}), {"0": _record(
            "data/0", bomb, zipfile.ZIP_DEFLATED, size=n, crc=0)}), r"deflated record .*data/0.* expands"),
    }
    # 1,500 central entries sharing one 256 KiB payload: 375 MiB of tensors from a ~0.5 MiB file
    many = {f"t{i}": _FakeTensor(str(i), 1 << 16) for i in range(1500)}
    files["shared_payload_1500"] = (checkpoint(_pickle(many), {"0": bytes(1 << 18)},
                                               aliases=[(f"data/{i}", 2) for i in range(1, 1500)]), r"overlaps")
    # record 1 starts inside record 0's payload
    two = _pickle([_FakeTensor("0", 1 << 16), _FakeTensor("1", 1 << 16)])
    good = checkpoint(two, {"0": bytes(1 << 18), "1": bytes(1 << 18)})
    zf = zipfile.ZipFile(io.BytesIO(good))
    off0 = zf.getinfo("archive/data/0").header_offset
    at = good.rfind(b"PK\x01\x02", 0, good.rfind(b"archive/data/1"))
    files["overlapping_records"] = (good[:at + 42] + struct.pack("<I", off0 + 4096) + good[at + 46:], r"overlaps")
    # the last record's declared size runs into the central directory
    at = good.rfind(b"PK\x01\x02", 0, good.rfind(b"archive/version"))
    into = len(good) - zf.getinfo("archive/version").header_offset - 30 - len(b"archive/version") - 8
    files["record_into_central_directory"] = (good[:at + 20] + struct.pack("<II", into, into) + good[at + 28:],
                                              r"overlaps the central directory")
    # declared sizes far beyond the file, matching what the pickle declares
    huge = _pickle({"w": _FakeTensor("0", 1 << 38)})
    files["oversized_declared"] = (checkpoint(huge, {"0": _record("data/0", bytes(64), size=1 << 40, csize=1 << 40)}),
                                   r"past the end")
    files["stored_sizes_disagree"] = (checkpoint(huge, {"0": _record("data/0", bytes(64), size=1 << 40)}),
                                      r"declares 64 bytes but 1099511627776")
    # pickle floods: one opcode repeated; each allocates far more than its byte
    k = 1 << 20
    files["flood_empty_set"] = (_flood(pickle.EMPTY_SET * k), r"expands to far more memory")
    files["flood_empty_dict"] = (_flood(pickle.EMPTY_DICT * k), r"expands to far more memory")
    files["flood_empty_list"] = (_flood(pickle.EMPTY_LIST * k), r"expands to far more memory")
    files["flood_mark"] = (_flood(pickle.MARK * k), r"expands to far more memory")
    files["flood_memoize"] = (_flood(pickle.MEMOIZE * k, pickle.NONE), r"expands to far more memory")
    files["flood_empty_list_memoize"] = (_flood((pickle.EMPTY_LIST + pickle.MEMOIZE) * (k // 2)),
                                         r"expands to far more memory")
    items = b"".join(pickle.BININT + struct.pack("<i", 1000 + i) for i in range(20000))
    set_of = (b"c__builtin__\nset\n" + pickle.MEMOIZE + pickle.EMPTY_LIST + pickle.MARK + items + pickle.APPENDS
              + pickle.TUPLE1 + pickle.MEMOIZE + pickle.REDUCE)
    files["flood_reduce_set"] = (_flood((pickle.POP + pickle.BINGET + b"\x00" + pickle.BINGET + b"\x01"
                                         + pickle.REDUCE) * 20000, set_of), r"expands to far more memory")
    files["long_binunicode"] = (_flood(pickle.BINUNICODE + struct.pack("<I", U32) + b"a" * 1000),
                                r"truncated")
    files["long_binunicode8"] = (_flood(pickle.BINUNICODE8 + struct.pack("<Q", 1 << 62) + b"a" * 1000),
                                 r"truncated")
    return files


_HARNESS = r"""
import json, os, resource, sys
import ember

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024

for path in sys.argv[1:]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child measures one load and always exits here
        try:
            os.close(r)
            allow = (64 << 20) + 64 * os.path.getsize(path)
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            limit = status("VmSize:") + allow
            limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
            try:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")  # reset the peak RSS to the current RSS
                base = status("VmRSS:")
            except OSError:
                base = None
            try:
                ember.load(path, weights_only=True)
                out = ["ok", ""]
            except BaseException as e:
                out = [type(e).__name__, str(e)[:400]]
            os.write(w, json.dumps(out + [None if base is None else status("VmHWM:") - base, allow]).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        data += chunk
    os.close(r)
    _, st = os.waitpid(pid, 0)
    print(json.dumps([os.path.basename(path), st, json.loads(data) if data else None]), flush=True)
"""


@linux_only
def test_hostile_files_are_refused_within_memory_bounds(tmp_path):
    files = hostile_files()
    paths = []
    for name, (data, _) in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    r = subprocess.run([sys.executable, "-c", _HARNESS, *paths], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": ROOT})
    assert r.returncode == 0, r.stderr[-3000:]
    results = {name: (st, out) for name, st, out in map(json.loads, r.stdout.splitlines())}
    assert set(results) == set(files)
    for name, (st, out) in results.items():
        assert st == 0 and out is not None, f"{name}: child died (status {st})"
        kind, message, growth, allow = out
        assert kind in ("UnpicklingError", "RuntimeError"), f"{name}: {kind}: {message}"
        assert "MemoryError" not in message and "not enough memory" not in message, f"{name}: {message}"
        assert re.search(files[name][1], message), f"{name}: {message}"
        assert growth is None or growth <= allow, f"{name}: peak RSS grew {growth} bytes, over {allow}"


def test_unsupported_compression_methods_are_refused():
    """torch (miniz) reads stored and deflated records only: bzip2 and lzma are refused before decompressing."""
    tiny = _pickle({"w": _FakeTensor("0", 4)})
    for method, compress in ((zipfile.ZIP_BZIP2, bz2.compress), (zipfile.ZIP_LZMA, lzma.compress)):
        for where, plain in (("byteorder", b"little"), ("data/0", bytes(16))):
            rec = _record(where, compress(plain), method, plain=plain)
            data = checkpoint(tiny, {"0": rec if where == "data/0" else bytes(16)},
                              rec if where == "byteorder" else None)
            with pytest.raises(RuntimeError, match="unsupported compression method"):
                ember.load(io.BytesIO(data))


def test_deflated_records_load_like_torch(tmp_path):
    """torch reads deflated records (miniz inflates them): so does ember, within its allowance, CRC-checked."""
    w = np.arange(12, dtype=np.float32)
    raw = w.tobytes()
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    pkl = _pickle({"w": _FakeTensor("0", 12)})
    recs = {"0": _record("data/0", c.compress(raw) + c.flush(), zipfile.ZIP_DEFLATED, plain=raw)}
    out = ember.load(io.BytesIO(checkpoint(pkl, recs)))
    np.testing.assert_array_equal(out["w"].numpy(), w)
    bad = dict(recs["0"], crc=recs["0"]["crc"] ^ 1)
    with pytest.raises(RuntimeError, match="CRC"):
        ember.load(io.BytesIO(checkpoint(pkl, {"0": bad})))
    path = tmp_path / "deflated.pt"
    path.write_bytes(checkpoint(pkl, recs))
    with pytest.raises(RuntimeError, match="mmap=True needs stored records"):  # torch maps them as garbage
        ember.load(path, mmap=True)


def test_duplicate_record_names_are_refused():
    tiny = _pickle({"w": _FakeTensor("0", 4)})
    data = build_zip([_record("data.pkl", tiny), _record("data/0", bytes(16)), _record("data/0", bytes(16))])
    with pytest.raises(RuntimeError, match="twice"):
        ember.load(io.BytesIO(data))


def test_legitimate_pickles_fit_the_budget():
    """Dense but honest pickles (many containers, views, small tensors) still load."""
    t = ember.ones(2000, 4)
    objs = [[[] for _ in range(50000)], [{i} for i in range(20000)], [t[i] for i in range(2000)],
            {f"k{i}": (i, float(i), str(i)) for i in range(50000)}, OrderedDict((str(i), [i]) for i in range(50000))]
    for obj in objs:
        buf = io.BytesIO()
        ember.save(obj, buf)
        buf.seek(0)
        out = ember.load(buf)
        assert len(out) == len(obj)


# ---- mmap integrity ----------------------------------------------------------------------------------------------
def _saved(tmp_path, name="m.pt"):
    path = tmp_path / name
    ember.save({"w": ember.arange(64.0), "b": ember.ones(3)}, path)
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(f"{name[:-3]}/data/0")
    return path, data, info.header_offset


@pytest.mark.parametrize("mmap", [True, False])
def test_flipped_tensor_byte_is_an_error(tmp_path, mmap):
    path, data, off = _saved(tmp_path)
    nlen, elen = struct.unpack("<HH", data[off + 26:off + 30])
    data[off + 30 + nlen + elen + 17] ^= 0x40  # inside element 4 of 'w'
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="CRC"):
        ember.load(path, mmap=mmap)


@pytest.mark.parametrize("mmap", [True, False])
@pytest.mark.parametrize("dn, de", [(4, 0), (1, -1), (-1, 1), (0, 4)])
def test_tampered_local_header_lengths_are_an_error(tmp_path, mmap, dn, de):
    path, data, off = _saved(tmp_path)
    nlen, elen = struct.unpack("<HH", data[off + 26:off + 30])
    data[off + 26:off + 30] = struct.pack("<HH", nlen + dn, elen + de)
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="local header|CRC|overlaps"):
        ember.load(path, mmap=mmap)


def test_mmap_load_of_intact_file_still_works(tmp_path):
    path, _, _ = _saved(tmp_path)
    out = ember.load(path, mmap=True)
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(64.0, dtype=np.float32))


# ---- temporary files of killed saves ------------------------------------------------------------------------------
def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _temps(folder) -> list:
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


@pytest.mark.skipif(os.name != "posix", reason="pid probing and flock are POSIX")
def test_stale_temps_of_dead_writers_are_removed_and_others_kept(tmp_path):
    path = tmp_path / "ckpt.pt"
    old = time.time() - 3600
    dead = _dead_pid()
    stale = [f".ckpt.pt.{dead}-{'ab' * 6}.tmp", f".ckpt.pt.{dead}-{'cd' * 6}.tmp"]
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import fcntl, sys, time
        f = open(sys.argv[1], "ab")
        fcntl.flock(f, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(60)
        """), str(tmp_path / f".ckpt.pt.{dead}-{'ef' * 6}.tmp")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        keep = [f".ckpt.pt.{holder.pid}-{'01' * 6}.tmp",  # its writer is alive
                f".ckpt.pt.{dead}-{'ef' * 6}.tmp",  # its lock is held (a writer in another pid namespace)
                f".ckpt.pt.{dead}-{'23' * 6}.tmp",  # newer than the save below
                f".other.pt.{dead}-{'45' * 6}.tmp",  # another target
                f".ckpt.pt.{'67' * 6}.tmp",  # not ember's current pattern
                f".ckpt.pt.{dead}-{'89' * 6}.tmp.bak", "ckpt.pt.tmp", f".ckpt.pt.{dead}-xyz.tmp"]
        for n in stale + keep:
            (tmp_path / n).write_bytes(b"partial")
            if n != keep[2]:
                os.utime(tmp_path / n, (old, old))
        future = time.time() + 3600
        os.utime(tmp_path / keep[2], (future, future))
        ember.save({"w": ember.ones(2)}, path)
        left = set(os.listdir(tmp_path))
        assert not left & set(stale)
        assert set(keep) <= left
        assert float(ember.load(path)["w"].sum()) == 2.0
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


@pytest.mark.skipif(os.name != "posix" or not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_save_leftover_is_cleaned_by_next_save(tmp_path):
    path = tmp_path / "big.pt"
    code = f"""
        import numpy as np
        import ember
        sd = {{f"layer{{i}}": ember.from_numpy(np.full((256, 1024), i, np.float32)) for i in range(48)}}
        print("ready", flush=True)
        while True:
            ember.save(sd, {str(path)!r})
        """
    for _ in range(5):  # the kill must land while a temporary file exists
        proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": ROOT})
        try:
            assert proc.stdout.readline().strip() == b"ready"
            deadline = time.time() + 20
            while not _temps(tmp_path) and time.time() < deadline:
                time.sleep(0.002)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stdout.close()
        if _temps(tmp_path):
            break
    leftover = _temps(tmp_path)
    assert leftover and all(n.startswith(f".big.pt.{proc.pid}-") for n in leftover)
    ember.save({"w": ember.zeros(3)}, path)
    assert _temps(tmp_path) == []
    assert float(ember.load(path)["w"].sum()) == 0.0


# ---- write-protected targets -------------------------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_write_protected_checkpoint_is_not_replaced():
    """As a non-root user (uid 65534 when the tests run as root), saving over a 0444 file is refused like torch."""
    folder = Path(tempfile.mkdtemp(prefix="ember_perm_"))  # under /tmp: reachable by the unprivileged user
    try:
        _check_write_protected(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_write_protected(folder):
    target = folder / "ro.pt"
    ember.save({"v": ember.tensor(1)}, target)
    os.chmod(target, 0o444)
    before = target.read_bytes()
    if os.geteuid() == 0:
        os.chown(folder, 65534, 65534)
        os.chown(target, 65534, 65534)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child reports one line and exits without running pytest's teardown
        try:
            os.close(r)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            try:
                ember.save({"v": ember.tensor(2)}, target)
                out = "saved"
            except PermissionError as e:  # also torch's RuntimeError, for scripts that catch that
                out = f"PermissionError {e.errno} {e.filename} runtime={isinstance(e, RuntimeError)}"
            ember.save({"v": ember.tensor(3)}, folder / "new.pt")  # the folder itself is writable
            os.write(w, out.encode())
        except BaseException as e:
            os.write(w, f"skip {type(e).__name__}: {e}".encode())
        finally:
            os._exit(0)
    os.close(w)
    out = os.read(r, 4096).decode()
    os.close(r)
    os.waitpid(pid, 0)
    if out.startswith("skip"):
        pytest.skip(f"cannot run as a non-root user: {out}")
    assert out == f"PermissionError 13 {target} runtime=True"
    assert target.read_bytes() == before and oct(os.stat(target).st_mode & 0o777) == "0o444"
    assert float(ember.load(folder / "new.pt")["v"]) == 3.0
    assert _temps(folder) == []
