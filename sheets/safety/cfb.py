"""Just enough of the compound file format [MS-CFB] (the OLE container of .xls, .doc,
.msg …) to list the root's streams and read one of them, every chain bounded and
checked for loops."""

from __future__ import annotations

import struct
from dataclasses import dataclass

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_NOSTREAM = 0xFFFFFFFF


class Malformed(Exception):
    """Internal: the compound file does not hold together."""


@dataclass
class _DirEntry:
    name: str
    kind: int
    left: int
    right: int
    child: int
    start: int
    size: int


class Cfb:
    """Just enough of [MS-CFB] to list root streams and read one of them."""

    def __init__(self, data) -> None:
        self.data = data
        n = len(data)
        if n < 512:
            raise Malformed("short header")
        if data[:8] != OLE_MAGIC:
            raise Malformed("magic")
        major, byte_order, shift, mini_shift = struct.unpack_from("<HHHH", data, 0x1A)
        if byte_order != 0xFFFE or shift not in (9, 12) or mini_shift != 6:
            raise Malformed("header")
        self.major = major
        self.ss = 1 << shift
        self.mss = 1 << mini_shift
        (n_fat, first_dir, _sig, cutoff, first_minifat, n_minifat, first_difat, n_difat) = struct.unpack_from(
            "<IIIIIIII", data, 0x2C
        )
        self.cutoff = cutoff
        self.first_minifat = first_minifat
        self.n_minifat = n_minifat
        self.n_sectors = max(0, (n - self.ss + self.ss - 1) // self.ss)
        if n_fat > self.n_sectors or n_fat == 0:
            raise Malformed("fat count")
        # FAT sector list: 109 in the header, then the DIFAT chain.
        fat_sids = list(struct.unpack_from("<109I", data, 0x4C))
        sid = first_difat
        per = self.ss // 4 - 1
        seen: set[int] = set()
        for _ in range(n_difat):
            if sid in (_ENDOFCHAIN, _FREESECT):
                break
            if sid >= self.n_sectors or sid in seen:
                raise Malformed("difat")
            seen.add(sid)
            sec = self._sector(sid)
            vals = struct.unpack_from(f"<{per + 1}I", sec)
            fat_sids.extend(vals[:per])
            sid = vals[per]
        fat_sids = fat_sids[:n_fat]
        if len(fat_sids) < n_fat:
            raise Malformed("fat list")
        fat = bytearray()
        for s in fat_sids:
            if s >= self.n_sectors:
                raise Malformed("fat sector")
            fat += self._sector(s)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", bytes(fat))
        self.dir_bytes = self._read_chain(first_dir, self.fat, self._sector, self.n_sectors)
        self.n_entries = len(self.dir_bytes) // 128
        if self.n_entries == 0:
            raise Malformed("no directory")
        self.root = self.entry(0)
        if self.root.kind != 5:
            raise Malformed("root")
        self._mini = None

    def _sector(self, sid: int) -> bytes:
        off = (sid + 1) * self.ss
        sec = self.data[off:off + self.ss]
        if len(sec) < self.ss:
            if off >= len(self.data):
                raise Malformed("sector past end")
            sec = bytes(sec) + b"\x00" * (self.ss - len(sec))
        return sec

    def _chain(self, start: int, table, limit: int) -> list[int]:
        chain: list[int] = []
        seen: set[int] = set()
        sid = start
        while sid != _ENDOFCHAIN:
            if sid >= len(table) or sid >= limit or sid in seen:
                raise Malformed("chain")
            seen.add(sid)
            chain.append(sid)
            sid = table[sid]
        return chain

    def _read_chain(self, start: int, table, reader, limit: int, size: int | None = None) -> bytes:
        if start == _ENDOFCHAIN or (size == 0):
            return b""
        out = bytearray()
        for sid in self._chain(start, table, limit):
            out += reader(sid)
            if size is not None and len(out) >= size:
                break
        if size is not None:
            if len(out) < size:
                raise Malformed("stream shorter than its size")
            del out[size:]
        return bytes(out)

    def entry(self, i: int) -> _DirEntry:
        if i >= self.n_entries:
            raise Malformed("directory index")
        raw, off = self.dir_bytes, i * 128
        name_len = struct.unpack_from("<H", raw, off + 64)[0]
        name = ""
        if 2 <= name_len <= 64:
            name = raw[off:off + name_len - 2].decode("utf-16-le", "replace")
        kind = raw[off + 66]
        left, right, child = struct.unpack_from("<III", raw, off + 68)
        start = struct.unpack_from("<I", raw, off + 116)[0]
        size = struct.unpack_from("<Q", raw, off + 120)[0]
        if self.major == 3:
            size &= 0xFFFFFFFF
        return _DirEntry(name, kind, left, right, child, start, size)

    def root_children(self) -> dict[str, _DirEntry]:
        """Streams and storages directly under the root, by upper-cased name."""
        out: dict[str, _DirEntry] = {}
        stack = [self.root.child]
        seen: set[int] = set()
        while stack:
            i = stack.pop()
            if i == _NOSTREAM:
                continue
            if i in seen:
                raise Malformed("directory loop")
            seen.add(i)
            e = self.entry(i)
            if e.kind in (1, 2):
                out.setdefault(e.name.upper(), e)
            stack.append(e.left)
            stack.append(e.right)
        return out

    def read_stream(self, e: _DirEntry) -> bytes:
        size = min(e.size, len(self.data))
        if size < self.cutoff:
            return self._read_mini(e.start, size)
        return self._read_chain(e.start, self.fat, self._sector, self.n_sectors, size)

    def _read_mini(self, start: int, size: int) -> bytes:
        if self._mini is None:
            root = self.root
            stream = self._read_chain(root.start, self.fat, self._sector, self.n_sectors,
                                      min(root.size, len(self.data)))
            minifat_raw = self._read_chain(self.first_minifat, self.fat, self._sector, self.n_sectors)
            minifat = struct.unpack(f"<{len(minifat_raw) // 4}I", minifat_raw)
            self._mini = (stream, minifat)
        stream, minifat = self._mini
        n_mini = len(stream) // self.mss

        def mini_sector(sid: int) -> bytes:
            return stream[sid * self.mss:(sid + 1) * self.mss]

        return self._read_chain(start, minifat, mini_sector, n_mini, size)
