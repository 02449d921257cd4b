"""The zip container of the .pt format.

`ZipWriter` lays records out the way torch.save's writer (miniz) does, byte for byte apart from the random
serialization id: stored (uncompressed) records, local headers with zeroed sizes and a data-descriptor flag, each
payload padded to a 64-byte boundary through an ``FB`` extra field, and a zip64 end record. torch can therefore
compute record offsets itself (``.format_version`` 1), and mmap-ed loads land on aligned storage.

`ZipReader` parses the central directory with `zipfile`, reads records itself (stored, or deflated within a size
allowance), checks that records do not overlap and that local headers agree with the central directory, and turns
every container problem into a `RuntimeError`.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np

ALIGNMENT = 64
_U32 = 0xFFFFFFFF
_CHUNK = 1 << 24  # write and CRC big storages in 16 MiB pieces
INFLATE_BASE, INFLATE_RATIO = 16 << 20, 8  # deflated records may expand to 16 MiB + 8x the file size in all
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")


class ZipWriter:
    """Append records to a binary stream `write`; `close()` writes the central directory."""

    def __init__(self, write, prefix: str):
        self._write, self.prefix, self.pos, self._entries = write, prefix, 0, []

    def _out(self, b) -> None:
        self._write(b)
        self.pos += len(b)

    def write_record(self, name: str, data) -> None:
        """Write `data` (bytes, or a 1-D uint8 buffer) as record ``{prefix}/{name}``."""
        fname = f"{self.prefix}/{name}".encode("utf-8")
        offset, size = self.pos, len(data)
        pad = -(offset + _LOCAL.size + len(fname) + 4) % ALIGNMENT
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        flag = 0x0808 if size else 0x0800  # bit 3: sizes follow in a data descriptor; bit 11: utf-8 names
        self._out(_LOCAL.pack(0x04034B50, 0, flag, 0, 0, 0, 0, 0, 0, len(fname), len(extra)) + fname + extra)
        crc, view = 0, memoryview(data).cast("B")
        for i in range(0, size, _CHUNK):
            piece = view[i:i + _CHUNK]
            crc = zlib.crc32(piece, crc)
            self._out(piece)
        if size:
            big = offset >= _U32 or size >= _U32
            self._out(struct.pack("<IIQQ" if big else "<IIII", 0x08074B50, crc, size, size))
        self._entries.append((fname, flag, crc, size, offset))

    def close(self) -> None:
        start = self.pos
        for fname, flag, crc, size, offset in self._entries:
            z64 = [v for v in (size, size, offset) if v >= _U32]
            extra = struct.pack("<HH" + "Q" * len(z64), 1, 8 * len(z64), *z64) if z64 else b""
            s32, o32 = min(size, _U32), min(offset, _U32)
            self._out(_CENTRAL.pack(0x02014B50, 0, 0, flag, 0, 0, 0, crc, s32, s32, len(fname), len(extra), 0, 0,
                                    0, 0, o32) + fname + extra)
        n, cd_size, eocd64 = len(self._entries), self.pos - start, self.pos
        self._out(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 0x002D, 0, 0, n, n, cd_size, start))
        self._out(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
        self._out(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF), min(cd_size, _U32),
                              min(start, _U32), 0))


class ZipReader:
    """Checked access to the records of a .pt archive held in the seekable binary stream `fp`.

    Records must not overlap each other or the central directory, each local header must repeat its central entry's
    name, and only stored or deflated records are read: deflated bytes count against `inflate_left`, so a small file
    cannot expand into a large allocation. Every container problem is a `RuntimeError`.
    """

    def __init__(self, fp, name: str = "<stream>"):
        self.name, self.fp = name, fp
        try:
            start = fp.tell()
            self.size = fp.seek(0, io.SEEK_END)  # absolute end: zipfile's offsets are absolute too
            fp.seek(start)
            self.zf = zipfile.ZipFile(fp)
            infos = self.zf.infolist()
        except Exception as e:  # BadZipFile, struct.error, EOFError, ...: all mean a damaged archive
            raise RuntimeError(f"failed reading zip archive {name}: {e}. The checkpoint is truncated or "
                               "corrupted.") from None
        if not infos:
            raise RuntimeError(f"failed reading zip archive {name}: the archive has no records")
        self.prefix = infos[0].filename.split("/", 1)[0]  # the folder every record sits in: never assume 'archive'
        self._info, self._limit = {}, {}
        for info in infos:
            if info.filename in self._info:
                raise RuntimeError(f"zip archive {name} holds the record '{info.filename}' twice: the checkpoint is "
                                   "corrupted")
            self._info[info.filename] = info
        self._check_layout(infos)
        self._info = {n[len(self.prefix) + 1:]: i for n, i in self._info.items() if n.startswith(self.prefix + "/")}
        self.inflate_left = INFLATE_BASE + INFLATE_RATIO * self.size  # bytes all deflated records may expand to

    def _check_layout(self, infos) -> None:
        """Refuse records whose local header + data overlap each other or the central directory."""
        end_all = self.zf.start_dir
        order = sorted(infos, key=lambda i: i.header_offset)
        for k, info in enumerate(order):
            limit = order[k + 1].header_offset if k + 1 < len(order) else end_all
            raw = _raw_name(info)
            least = info.header_offset + _LOCAL.size + len(raw) + info.compress_size
            if least > self.size:
                raise RuntimeError(f"record '{info.filename}' in {self.name} claims {info.compress_size} bytes past "
                                   "the end of the file: the checkpoint is truncated")
            if info.header_offset < 0 or least > limit:
                what = "the central directory" if k + 1 == len(order) else f"record '{order[k + 1].filename}'"
                raise RuntimeError(f"record '{info.filename}' in {self.name} overlaps {what}: the checkpoint is "
                                   "corrupted or crafted")
            self._limit[info.filename] = (limit, raw)

    def has_record(self, name: str) -> bool:
        return name in self._info

    def record_size(self, name: str) -> int:
        return self._record(name).file_size

    def _record(self, name: str) -> zipfile.ZipInfo:
        info = self._info.get(name)
        if info is None:
            raise RuntimeError(f"{self.name} is missing the record '{self.prefix}/{name}': the checkpoint is "
                               "incomplete or corrupted")
        if info.flag_bits & 0x1:
            raise RuntimeError(f"record '{info.filename}' in {self.name} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RuntimeError(f"record '{info.filename}' in {self.name} uses an unsupported compression method "
                               f"({info.compress_type}); only stored and deflated records are read")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise RuntimeError(f"stored record '{info.filename}' in {self.name} declares {info.compress_size} "
                               f"bytes but {info.file_size} uncompressed: the checkpoint is corrupted")
        return info

    def read(self, name: str, cap: int | None = None) -> bytes:
        """The whole record, refused beyond `cap` bytes (for the small ones: data.pkl, byteorder, ...)."""
        info = self._record(name)
        if cap is not None and info.file_size > cap:
            raise RuntimeError(f"record '{info.filename}' in {self.name} declares {info.file_size} bytes; at most "
                               f"{cap} are allowed: the checkpoint is corrupted or crafted")
        out = bytearray(self._reserve(info))
        self._read_into(info, out)
        return bytes(out)

    def read_array(self, name: str) -> np.ndarray:
        """Record `name` as a fresh uint8 array, allocated only once its size is known to be plausible."""
        info = self._record(name)
        out = np.empty(self._reserve(info), np.uint8)
        self._read_into(info, out)
        return out

    def _reserve(self, info) -> int:
        """The record's size, after checking that reading it stays within the file or the inflate allowance."""
        n = info.file_size
        if info.compress_type == zipfile.ZIP_DEFLATED:
            if n > self.inflate_left:
                raise RuntimeError(f"deflated record '{info.filename}' in {self.name} expands to {n} bytes, more "
                                   "than a checkpoint of this size may hold: the checkpoint is corrupted or crafted")
            self.inflate_left -= n
        elif info.header_offset + n > self.size:
            raise RuntimeError(f"record '{info.filename}' in {self.name} claims {n} bytes past the end of the "
                               "file: the checkpoint is truncated")
        return n

    def _read_into(self, info, out) -> None:
        """Fill the writable 1-D uint8 buffer `out` (exactly the record's size) from the record, checking its CRC."""
        view = memoryview(out).cast("B")
        if len(view) != info.file_size:
            raise RuntimeError(f"record '{info.filename}' holds {info.file_size} bytes, not {len(view)}")
        self.fp.seek(self._data_offset(info))
        if info.compress_type == zipfile.ZIP_STORED:
            pos, readinto = 0, getattr(self.fp, "readinto", None) or self._readinto
            while pos < len(view):
                got = readinto(view[pos:pos + _CHUNK])
                if not got:
                    raise RuntimeError(f"record '{info.filename}' of {self.name} is truncated")
                pos += got
        else:
            self._inflate(info, view)
        self._check_crc(info, view)

    def _readinto(self, view) -> int:
        piece = self.fp.read(len(view))
        view[:len(piece)] = piece
        return len(piece)

    def _inflate(self, info, view) -> None:
        """Decompress a deflated record into `view`, never producing more than `len(view)` bytes."""
        d, left, pos = zlib.decompressobj(-15), info.compress_size, 0
        try:
            while not d.eof:
                chunk = d.unconsumed_tail
                if not chunk:
                    if not left:
                        break
                    chunk = self.fp.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    left -= len(chunk)
                piece = d.decompress(chunk, min(len(view) - pos, _CHUNK) or 1)
                if pos + len(piece) > len(view):
                    raise ValueError("record is longer than declared")
                view[pos:pos + len(piece)] = piece
                pos += len(piece)
        except (zlib.error, ValueError) as e:
            raise RuntimeError(f"failed reading record '{info.filename}' of {self.name}: {e}") from None
        if pos != len(view) or not d.eof:
            raise RuntimeError(f"failed reading record '{info.filename}' of {self.name}: its deflated data does not "
                               f"hold the declared {len(view)} bytes")

    def check_crc(self, name: str, data) -> None:
        """Raise unless `data` has the CRC-32 the central directory records for `name`."""
        self._check_crc(self._record(name), data)

    def _check_crc(self, info, data) -> None:
        if zlib.crc32(data) != info.CRC:
            raise RuntimeError(f"failed reading record '{info.filename}' of {self.name}: Bad CRC-32: the checkpoint "
                               "is corrupted")

    def data_offset(self, name: str) -> int:
        """Byte offset of a stored record's payload from the start of the archive (for mmap)."""
        info = self._record(name)
        if info.compress_type != zipfile.ZIP_STORED:
            raise RuntimeError(f"record '{info.filename}' is compressed; mmap=True needs stored records")
        return self._data_offset(info)

    def _data_offset(self, info) -> int:
        """Where the payload starts, once the local header is found to agree with the central directory."""
        limit, raw = self._limit[info.filename]
        try:
            self.fp.seek(info.header_offset)
            head = self.fp.read(_LOCAL.size + len(raw))
            sig, *_, nlen, elen = _LOCAL.unpack(head[:_LOCAL.size])
        except Exception as e:
            raise RuntimeError(f"failed reading the header of '{info.filename}' in {self.name}: {e}") from None
        if sig != 0x04034B50:
            raise RuntimeError(f"bad local header for '{info.filename}' in {self.name}")
        if nlen != len(raw) or head[_LOCAL.size:] != raw:
            raise RuntimeError(f"the local header of '{info.filename}' in {self.name} names a different record than "
                               "the central directory: the checkpoint is corrupted")
        off = info.header_offset + _LOCAL.size + nlen + elen
        if off + info.compress_size > limit:
            raise RuntimeError(f"record '{info.filename}' in {self.name} overlaps the next record or the central "
                               "directory: the checkpoint is corrupted")
        return off


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    """The record name as the central directory stores it."""
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
