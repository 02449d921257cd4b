"""The zip container of the .pt format.

`ZipWriter` lays records out the way torch.save's writer (miniz) does, byte for byte apart from the random
serialization id: stored (uncompressed) records, local headers with zeroed sizes and a data-descriptor flag, each
payload padded to a 64-byte boundary through an ``FB`` extra field, and a zip64 end record. torch can therefore
compute record offsets itself (``.format_version`` 1), and mmap-ed loads land on aligned storage.

`ZipReader` wraps `zipfile` for reading and turns every container problem into a `RuntimeError`.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

ALIGNMENT = 64
_U32 = 0xFFFFFFFF
_CHUNK = 1 << 24  # write and CRC big storages in 16 MiB pieces
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
    """Checked access to the records of a .pt archive held in the seekable binary stream `fp`."""

    def __init__(self, fp, name: str = "<stream>"):
        self.name, self.fp = name, fp
        try:
            start = fp.tell()
            self.size = fp.seek(0, io.SEEK_END)  # absolute end: zipfile's offsets are absolute too
            fp.seek(start)
            self.zf = zipfile.ZipFile(fp)
            names = self.zf.namelist()
        except Exception as e:  # BadZipFile, struct.error, EOFError, ...: all mean a damaged archive
            raise RuntimeError(f"failed reading zip archive {name}: {e}. The checkpoint is truncated or "
                               "corrupted.") from None
        if not names:
            raise RuntimeError(f"failed reading zip archive {name}: the archive has no records")
        self.prefix = names[0].split("/", 1)[0]  # the folder every record sits in: never assume 'archive'
        self._info = {n[len(self.prefix) + 1:]: i for n, i in zip(names, self.zf.infolist())
                      if n.startswith(self.prefix + "/")}

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
        if info.compress_type == zipfile.ZIP_STORED and info.header_offset + info.file_size > self.size:
            raise RuntimeError(f"record '{info.filename}' in {self.name} claims {info.file_size} bytes past the end "
                               "of the file: the checkpoint is truncated")
        return info

    def read(self, name: str) -> bytes:
        """The whole record (for the small ones: data.pkl, byteorder, ...)."""
        info = self._record(name)
        try:
            return self.zf.read(info)
        except Exception as e:
            raise RuntimeError(f"failed reading record '{info.filename}' of {self.name}: {e}") from None

    def read_into(self, name: str, out) -> None:
        """Fill the writable 1-D uint8 buffer `out` (exactly the record's size) from record `name`."""
        info = self._record(name)
        view = memoryview(out).cast("B")
        if info.compress_type == zipfile.ZIP_STORED and hasattr(self.fp, "readinto"):
            self.fp.seek(self.data_offset(name))  # straight into `out`: one copy, then the CRC check
            pos = 0
            while pos < len(view):
                got = self.fp.readinto(view[pos:pos + _CHUNK])
                if not got:
                    raise RuntimeError(f"record '{info.filename}' of {self.name} is truncated")
                pos += got
            if zlib.crc32(view) != info.CRC:
                raise RuntimeError(f"failed reading record '{info.filename}' of {self.name}: Bad CRC-32: the "
                                   "checkpoint is corrupted")
            return
        try:
            with self.zf.open(info) as src:
                pos = 0
                while pos < len(view):
                    piece = src.read(min(_CHUNK, len(view) - pos))
                    if not piece:
                        raise EOFError("unexpected end of record")
                    view[pos:pos + len(piece)] = piece
                    pos += len(piece)
                if src.read(1):
                    raise ValueError("record is longer than declared")
        except Exception as e:  # Bad CRC-32, truncated data, zlib errors
            raise RuntimeError(f"failed reading record '{info.filename}' of {self.name}: {e}") from None

    def data_offset(self, name: str) -> int:
        """Byte offset of a stored record's payload from the start of the archive (for mmap)."""
        info = self._record(name)
        if info.compress_type != zipfile.ZIP_STORED:
            raise RuntimeError(f"record '{info.filename}' is compressed; mmap=True needs stored records")
        try:
            self.fp.seek(info.header_offset)
            head = self.fp.read(_LOCAL.size)
            sig, *_, nlen, elen = _LOCAL.unpack(head)
        except Exception as e:
            raise RuntimeError(f"failed reading the header of '{info.filename}' in {self.name}: {e}") from None
        if sig != 0x04034B50:
            raise RuntimeError(f"bad local header for '{info.filename}' in {self.name}")
        off = info.header_offset + _LOCAL.size + nlen + elen
        if off + info.file_size > self.size:
            raise RuntimeError(f"record '{info.filename}' runs past the end of {self.name}")
        return off
