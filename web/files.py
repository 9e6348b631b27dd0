"""Downloads by id: a page links to ``/download/<id>``, never to a path.

Two kinds of id:

* ``a`` + SHA-256: an archived original (``archive/``), found through the ledger;
* ``f`` + a keyed digest of the file's path inside ``trackers/``, ``briefings/`` or
  ``outbox/``: found by listing those folders and comparing digests, so that nothing
  from the request is ever used as a path.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

from office.ledger.views import archived_file
from office.workspace import Workspace

LISTED = ("trackers", "briefings", "outbox")  # found by digest
ARCHIVE = "archive"  # found through the ledger
_SHA = re.compile(r"^a([0-9a-f]{64})$")
_DIGEST = re.compile(r"^f([0-9a-f]{32})$")


@dataclass(frozen=True)
class Download:
    path: Path
    name: str  # the name the browser saves it under


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve(strict=True).relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
    return path.is_file()


def _digest(secret: bytes, rel: str) -> str:
    return hmac.new(secret, rel.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def file_id(ws: Workspace, secret: bytes, path: str | Path | None) -> str | None:
    """The id of a file in trackers/, briefings/ or outbox/ (absolute, or relative to the
    workspace), or None for any other path."""
    if not path:
        return None
    p = Path(path)
    if not p.is_absolute():
        p = ws.root / p
    try:
        rel = p.resolve().relative_to(ws.root.resolve())
    except (OSError, ValueError):
        return None
    if not rel.parts or rel.parts[0] not in LISTED:
        return None
    return "f" + _digest(secret, rel.as_posix())


def archive_id(sha256: str) -> str:
    return "a" + sha256


def resolve(ws: Workspace, secret: bytes, ident: str) -> Download | None:
    """The file an id names, or None (unknown id, or a file outside the four folders)."""
    m = _SHA.match(ident or "")
    if m:
        rec = archived_file(ws.ledger, m.group(1))
        if rec is None or not rec.archive:
            return None
        path = ws.root / rec.archive
        if not _inside(path, ws.root / ARCHIVE):
            return None
        return Download(path, Path(rec.name.replace("\\", "/")).name or path.name)
    m = _DIGEST.match(ident or "")
    if not m:
        return None
    wanted = m.group(1)
    for top in LISTED:
        folder = ws.root / top
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if name.startswith((".", "~$")):
                    continue
                p = Path(dirpath) / name
                rel = p.relative_to(ws.root).as_posix()
                if hmac.compare_digest(_digest(secret, rel), wanted):
                    return Download(p, name) if _inside(p, folder) else None
    return None
