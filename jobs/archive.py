"""The archive: every original kept as it came, read-only, under its SHA-256, and the
ledger writes of a batch of files committed only once their copies are on disk."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from office.ledger import Connection
from office.workspace import Workspace
from jobs.inbox import Outcome

ARCHIVE_THREADS = 4
EXT = {"xlsx": ".xlsx", "xls": ".xls"}


def archive_path(ws: Workspace, sha: str, fmt: str) -> Path:
    return ws.root / "archive" / sha[:2] / f"{sha}{EXT.get(fmt, '.bin')}"


@dataclass
class Batch:
    """Ledger writes not yet committed, and the inbox originals to remove once they are.

    Every file's archive copy is written and fsynced before its writes are queued here.
    If the run dies before the batch commits, the originals are still in the inbox and a
    rerun redoes them (the archive copy is found by its sha256 name); nothing is removed
    from the inbox before the ledger says where its copy is.
    """

    ops: list[Callable[[Connection], None]] = field(default_factory=list)
    done: list[Path] = field(default_factory=list)  # inbox originals to remove after the commit
    seen: dict[str, Outcome] = field(default_factory=dict)  # sha256 -> outcome, files of this batch
    rows: int = 0  # entries queued
    dirs: set[Path] = field(default_factory=set)  # archive folders known to exist
    # Archive copies are written and fsynced by a few threads (fsync waits on the disk,
    # not on Python); every one of them has finished before the batch commits.
    writer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=ARCHIVE_THREADS))
    writes: list[Future] = field(default_factory=list)

    def archive(self, ws: Workspace, data: bytes, sha: str, fmt: str) -> Path:
        """Where the copy goes; it is written in the background and waited for by flush."""
        dest = archive_path(ws, sha, fmt)
        self.writes.append(self.writer.submit(write_archive, ws, data, sha, fmt, self.dirs))
        return dest

    def flush(self, ws: Workspace) -> None:
        writes, self.writes = self.writes, []
        for w in writes:  # an archive copy that failed stops the commit: its original stays in the inbox
            w.result()
        ops, done = self.ops, self.done
        self.ops, self.done, self.seen, self.rows = [], [], {}, 0
        if ops:
            with ws.ledger.transaction() as con:
                for op in ops:
                    op(con)
        for path in done:
            path.unlink(missing_ok=True)


_dirs_lock = threading.Lock()


def write_archive(ws: Workspace, data: bytes, sha: str, fmt: str, dirs: set[Path] | None = None) -> Path:
    dest = archive_path(ws, sha, fmt)
    if dest.exists() and hashlib.sha256(dest.read_bytes()).hexdigest() == sha:
        return dest
    if dirs is None or dest.parent not in dirs:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dirs is not None:
            with _dirs_lock:
                dirs.add(dest.parent)
    tmp = dest.with_name(f".tmp-{sha}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o444)
    os.replace(tmp, dest)
    return dest
