r"""Saving and loading: PyTorch's ``.pt`` checkpoint format, safe by default, written atomically.

A checkpoint is an uncompressed zip archive. ``data.pkl`` pickles the object (protocol 2) with torch's global names,
and each tensor storage is a raw record ``data/<key>``. Files written by ``torch.save`` load here, and files written
here load in ``torch.load(weights_only=True)``.

``load`` resolves only an allowlist of globals by default, so a checkpoint cannot run code. ``save`` to a path writes
a temporary file next to the target, fsyncs it, then renames it over the target: the target is either the old file
or the complete new one, never a partial write. Temporary files that killed saves left behind are removed by the next
save to the same target, and a target the user may not write is refused, not replaced.

Loading is bounded by the file size: records may not overlap, only stored or (within an allowance) deflated records
are read, every record is CRC-checked before a tensor views it (mmap included), and the weights-only unpickler
charges each instruction's allocations against a budget.
"""
from __future__ import annotations

import errno
import io
import os
import pickle
import re
import secrets
import stat
import time
import warnings

from .._backend import device
from ._pickler import dumps, write_checkpoint
from ._storage import Loader
from ._unpickler import FullUnpickler, UnpicklingError, WeightsUnpickler, _USER
from ._zip import ZipReader

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]

DEFAULT_PROTOCOL = 2
_UNSAFE = ("Re-running `ember.load` with `weights_only` set to `False` will likely succeed, but it can result in "
           "arbitrary code execution. Do it only if you got the file from a trusted source.")


# ---- allowlist management ------------------------------------------------------------------------------------------
def _check_entry(g) -> None:
    if isinstance(g, tuple):
        if len(g) != 2:
            raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple of "
                             f"length: {len(g)}")
        if type(g[1]) is not str:
            raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: {type(g[1])}")
    elif not hasattr(g, "__module__") or not hasattr(g, "__qualname__"):
        raise TypeError(f"safe globals must be classes or functions (or (obj, 'module.name') tuples), got {g!r}")


def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes/functions (or ``(obj, "module.name")`` pairs) in ``weights_only`` loads.

    Only add globals you trust: a weights-only load may call them with arguments taken from the file.
    """
    for g in safe_globals:
        _check_entry(g)
        if not any(g is u for u in _USER):
            _USER.append(g)


def get_safe_globals() -> list:
    """The globals added with `add_safe_globals`."""
    return list(_USER)


def clear_safe_globals() -> None:
    """Forget every global added with `add_safe_globals`."""
    _USER.clear()


class safe_globals:
    """Context manager: allow `safe_globals` in weights-only loads inside the ``with`` block only."""

    def __init__(self, safe_globals: list):
        self.safe_globals = list(safe_globals)

    def __enter__(self):
        self._added = [g for g in self.safe_globals if not any(g is u for u in _USER)]
        add_safe_globals(self._added)

    def __exit__(self, *exc):
        _USER[:] = [u for u in _USER if not any(u is g for g in self._added)]


# ---- save ----------------------------------------------------------------------------------------------------------
def _path_error(e: OSError, path: str) -> OSError:
    """`e` re-raised with the target path (OSError(errno, ...) picks the matching subclass)."""
    return OSError(e.errno, f"ember.save could not write {path!r}: {e.strerror or e}", path)


_TEMP = re.compile(r"(\d{1,7})-[0-9a-f]{12}\.tmp")  # after ".<target name>.": the writer's pid and a random tag


def _temp_name(target: str) -> str:
    return f".{os.path.basename(target)[:200]}.{os.getpid()}-{secrets.token_hex(6)}.tmp"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, under another user
        return True
    return True


def _lock(fd: int) -> bool:
    """Take flock(LOCK_EX) on `fd` without waiting; False if another open file holds it (True without flock)."""
    try:
        import fcntl
    except ImportError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without flock
        return True
    return True


def _remove_stale_temps(folder: str, target: str, started: float) -> None:
    """Delete temporary files that earlier saves to `target` left behind when they were killed.

    Only ember's own names for this exact target are considered, and a file is removed only if it is older than
    this save, owned by this user, its writer's pid is no live process, and no one holds its write lock.
    """
    if os.name != "posix":  # os.kill(pid, 0) is not a probe on Windows
        return
    prefix = f".{os.path.basename(target)[:200]}."
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for n in names:
        m = _TEMP.fullmatch(n, len(prefix))
        if m is None or int(m.group(1)) in (0, os.getpid()) or _pid_alive(int(m.group(1))):
            continue
        p = os.path.join(folder, n)
        try:
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and st.st_mtime < started and st.st_uid == os.geteuid() \
                    and _lock(fd):
                now = os.lstat(p)
                if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
                    os.unlink(p)
        except OSError:
            pass
        finally:
            os.close(fd)


class SavePermissionError(PermissionError, RuntimeError):
    """Saving over a file this user may not write: a PermissionError that is also torch's RuntimeError."""


def _atomic_write(path: str, write_to) -> None:
    """Run `write_to(file)` on a temporary file next to `path`, fsync it, then rename it over `path`.

    The temporary file is named after the target and this process, and locked while it is written; temporary files
    of earlier, killed saves to the same target are removed first. An existing target this user may not write is
    refused with PermissionError, as torch refuses to open it, rather than replaced.
    """
    started = time.time()
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _path_error(e, path) from e
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, f"ember.save could not write {path!r}: Is a directory", path)
    if st is not None and not stat.S_ISREG(st.st_mode):  # /dev/null, a fifo: write in place, never replace
        try:
            with open(target, "wb") as f:
                write_to(f)
        except OSError as e:
            raise _path_error(e, path) from e
        return
    if st is not None and not os.access(target, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
        raise SavePermissionError(errno.EACCES, f"ember.save could not write {path!r}: Permission denied", path)
    folder = os.path.dirname(os.path.abspath(target))
    _remove_stale_temps(folder, target, started)
    tmp = os.path.join(folder, _temp_name(target))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:
        raise _path_error(e, path) from e
    try:
        _lock(fd)  # held until the file is closed, or its writer dies: cleaners skip it meanwhile
        with os.fdopen(fd, "wb") as f:
            write_to(f)
            f.flush()
            os.fsync(f.fileno())
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))  # keep the old file's permissions
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise _path_error(e, path) from e
        raise
    try:  # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _archive_name(path: str) -> str:
    """torch names the folder inside the zip after the file: its base name without the extension (ASCII only)."""
    name = os.path.basename(path)
    stem = name[:name.rfind(".")] if "." in name else name
    return stem if stem and stem.isascii() else "archive"


def save(obj, f, pickle_module=pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    r"""Save `obj` to `f` in PyTorch's checkpoint format.

    Args:
        obj: tensors, Parameters, state_dicts, optimizer state and nested dict/list/tuple/str/int/float/bool/None,
            Size, dtype, device; any other picklable object (e.g. a whole Module) needs ``weights_only=False`` on
            load.
        f: a path (str or os.PathLike) or a writable binary file object (e.g. ``io.BytesIO``). A path is written
            atomically: a temporary file in the same folder, fsync, then rename.
        pickle_protocol: 2 (torch's default; the only protocol torch's weights-only loader reads) up to 5.

    Example::

        >>> ember.save({"w": ember.ones(2)}, "ckpt.pt")
        >>> ember.load("ckpt.pt")["w"]
        tensor([1., 1.])
    """
    if pickle_module not in (None, pickle):
        raise ValueError("ember.save writes torch's format and only supports the standard pickle module")
    if not _use_new_zipfile_serialization:
        raise ValueError("the legacy (pre-1.6) checkpoint format is optional and not implemented in ember; "
                         "use the default _use_new_zipfile_serialization=True")
    if not 2 <= pickle_protocol <= pickle.HIGHEST_PROTOCOL:
        raise ValueError(f"pickle_protocol must be between 2 and {pickle.HIGHEST_PROTOCOL}, got {pickle_protocol}")
    data_pkl, storages = dumps(obj, pickle_protocol)  # pickle fully before touching the target

    def write_to(fh, prefix):
        write_checkpoint(fh.write, prefix, data_pkl, storages, not _disable_byteorder_record)

    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(f)
        _atomic_write(path, lambda fh: write_to(fh, _archive_name(path)))
    elif hasattr(f, "write"):
        write_to(f, "archive")
        if hasattr(f, "flush"):
            f.flush()
    else:
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' attribute, "
                             f"got {type(f).__name__}")


# ---- load ----------------------------------------------------------------------------------------------------------
def _weights_only(weights_only, pickle_module) -> bool:
    truthy = ("1", "y", "yes", "true")
    force = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    force_no = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    if force and force_no:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` "
                           "should be set, but both were set.")
    if force:
        return True
    if weights_only is None:
        if force_no:
            warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the "
                          "`weights_only` argument was not explicitly passed to `ember.load`, forcing "
                          "weights_only=False.", UserWarning, stacklevel=3)
            return False
        return pickle_module is None
    return bool(weights_only)


def _weights_only_message(message: str) -> str:
    if "was not an allowed global by default" in message:
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, do those "
                f"steps only if you trust the source of the checkpoint.\n\t(1) {_UNSAFE}\n\t(2) Alternatively, to "
                "load with `weights_only=True` please check the recommended steps in the following error message."
                f"\n\tWeightsUnpickler error: {message}")
    return f"Weights only load failed. {_UNSAFE}\n\nWeightsUnpickler error: {message}"


def _is_path(f) -> bool:
    return isinstance(f, (str, bytes, os.PathLike))


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args):
    r"""Load an object saved with `ember.save` or ``torch.save``.

    Args:
        f: a path (str or os.PathLike) or a readable binary file object. A path ending in ``.safetensors`` is read
            with `ember.utils.safetensors.load_file`.
        map_location: where storages go: ``'cpu'``, a device, a dict ``{saved location: new location}``, or a
            callable ``(storage, location) -> storage or None``. Default: where they were saved.
        weights_only: True (the default) resolves only tensors, containers, Size/dtype/device and globals added
            with `add_safe_globals`; anything else raises ``pickle.UnpicklingError`` naming the global.
            ``weights_only=False`` unpickles arbitrary objects (e.g. whole Modules) and **can run arbitrary code
            from the file**: use it only for files you trust.
        mmap: map the file into memory (copy-on-write) instead of reading it; `f` must be a path. Each record's
            CRC is still checked (reading it once) before ``load`` returns.

    Raises:
        pickle.UnpicklingError: a disallowed global or malformed pickle data.
        RuntimeError: a damaged archive (truncated, missing records, inconsistent storages).
    """
    weights_only = _weights_only(weights_only, pickle_module)
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    if _is_path(f) and os.fsdecode(f).endswith(".safetensors"):
        from ..utils.safetensors import load_file
        if map_location is not None and not isinstance(map_location, (str, device)):
            raise RuntimeError("Loading a safetensors file supports only a device string or device as map_location")
        return load_file(f, device=str(map_location) if map_location is not None else "cpu")
    if mmap and not _is_path(f):
        raise ValueError("f must be a file path in order to use the mmap argument")
    if _is_path(f):
        name = os.fsdecode(f)
        with open(name, "rb") as fh:
            obj, loader = _load_stream(fh, repr(name), map_location, weights_only, mmap, pickle_load_args)
    elif hasattr(f, "read"):
        if not (hasattr(f, "seekable") and f.seekable()):
            f = io.BytesIO(f.read())
        obj, loader = _load_stream(f, "<file object>", map_location, weights_only, False, pickle_load_args)
    else:
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'read' attribute, got "
                             f"{type(f).__name__}")
    for message in loader.warned.values():
        warnings.warn(message, UserWarning, stacklevel=2)
    return obj


def _load_stream(fh, name: str, map_location, weights_only: bool, mmap, pickle_load_args: dict):
    start = fh.tell()
    magic = fh.read(4)
    fh.seek(start)
    if magic != b"PK\x03\x04":
        if not magic:
            raise RuntimeError(f"{name} is empty: not a checkpoint")
        if magic[:1] == b"\x80":
            raise RuntimeError(f"{name} looks like a legacy (pre-1.6) torch checkpoint; that format is optional and "
                               "not supported by ember. Re-save it with a current torch.save.")
        raise UnpicklingError(f"invalid load key, {magic[:1]!r}: {name} is not a PyTorch checkpoint (no zip "
                              "header)")
    reader = ZipReader(fh, name)
    if reader.has_record("constants.pkl"):
        raise RuntimeError(f"{name} is a TorchScript archive; ember.load reads torch.save checkpoints only")
    byteorder = reader.read("byteorder", 16).decode("ascii", "replace") if reader.has_record("byteorder") \
        else "little"
    mm = None
    if mmap:
        import mmap as _mmap
        mm = _mmap.mmap(fh.fileno(), 0, access=_mmap.ACCESS_COPY)
    loader = Loader(reader, map_location, byteorder, mm)
    data = reader.read("data.pkl")
    if not weights_only:
        pickle_load_args.setdefault("encoding", "utf-8")
        return FullUnpickler(io.BytesIO(data), loader.persistent_load, **pickle_load_args).load(), loader
    try:
        return WeightsUnpickler(data, loader.persistent_load, reader.size).load(), loader
    except UnpicklingError as e:
        raise UnpicklingError(_weights_only_message(str(e))) from None
