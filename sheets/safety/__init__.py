"""First look at a returned file: what it really is, and whether it is safe to open.

Units email back whatever their computer produced: real workbooks, but also web pages
renamed to .xls, CSV text, PDFs, Word files, encrypted workbooks, half-copied files,
and now and then something hostile (zip bombs, XML entity bombs, sheets that declare
a million rows so a reader allocates a huge grid).  ``sniff`` looks at the bytes only,
never at the name, reads a bounded amount of memory, and answers with a ``Sniff``:
the format it found, whether a reader may go on, and one Chinese sentence telling the
unit what to do.  It never opens a workbook with a spreadsheet library and never runs
anything in it.

``sniff`` does not raise on any content; it raises ``InputFileError`` only when the
path itself cannot be read (missing, a folder, no permission).

The checks live one module each: :mod:`~sheets.safety.names` (temporary files),
:mod:`~sheets.safety.workbook_zip` and :mod:`~sheets.safety.xml_scan` (.xlsx),
:mod:`~sheets.safety.cfb`, :mod:`~sheets.safety.biff` and :mod:`~sheets.safety.ole`
(.xls), :mod:`~sheets.safety.text` (everything else), :mod:`~sheets.safety.reasons`
(the sentences), :mod:`~sheets.safety.limits` (the bounds).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from office.errors import InputFileError
from sheets.safety.cfb import OLE_MAGIC
from sheets.safety.limits import DEFAULT_LIMITS, HEAD, Limits
from sheets.safety.names import is_temp_file
from sheets.safety.ole import sniff_ole
from sheets.safety.reasons import R_EMPTY, too_big
from sheets.safety.text import sniff_head
from sheets.safety.verdict import FORMATS, Sniff, bad
from sheets.safety.workbook_zip import sniff_zip

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "Limits",
    "Sniff",
    "is_temp_file",
    "sniff",
]

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def sniff(path: str | Path, *, limits: Limits = DEFAULT_LIMITS, data: bytes | None = None) -> Sniff:
    """Tell what the file at ``path`` really is, by its bytes.

    ``data``: the file's bytes when the caller has already read them (collect does, to
    hash and archive them); the path is then not opened again and only names the file.

    Never raises on content: any malformed structure becomes a not-ok ``Sniff``.
    Raises ``InputFileError`` when the path cannot be read at all.
    """
    p = Path(path)
    try:
        if data is not None:
            return _sniff_open(io.BytesIO(data), len(data), limits)
        with open(p, "rb") as f:
            return _sniff_open(f, os.fstat(f.fileno()).st_size, limits)
    except IsADirectoryError as e:
        raise InputFileError(f"“{p.name}”是文件夹，不是文件。") from e
    except FileNotFoundError as e:
        raise InputFileError(f"找不到文件“{p.name}”，可能已被移走或删除。") from e
    except PermissionError as e:
        raise InputFileError(f"没有权限读取文件“{p.name}”，请检查文件是否被其他程序占用。") from e
    except OSError as e:
        raise InputFileError(f"无法读取文件“{p.name}”：{e.strerror or e}。") from e


def _sniff_open(f, size: int, limits: Limits) -> Sniff:
    """``sniff`` on an open binary file (or BytesIO) of ``size`` bytes, positioned at 0."""
    if size == 0:
        return bad("empty", R_EMPTY)
    if size > limits.max_file_bytes:
        return bad("unknown", too_big(size, limits.max_file_bytes))
    head = f.read(HEAD)
    if not head:
        return bad("empty", R_EMPTY)
    if head[:4] in _ZIP_MAGICS:
        return sniff_zip(f, size, limits)
    if head[:8] == OLE_MAGIC:
        return sniff_ole(f, size, limits)
    return sniff_head(head, complete=size <= len(head), limits=limits)
