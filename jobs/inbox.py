"""The inbox: which files in it are returns, when a file has stopped changing (settled),
and taking a settled file's bytes once, with the time it counts as received."""

from __future__ import annotations

import hashlib
import os
import time as _time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from office.ledger import files as ledger_files, mailbox
from office.workspace import Workspace
from sheets.safety import is_temp_file

REPORT_NAME = "报送检查结果.xlsx"


@dataclass
class Outcome:
    file: str
    sha256: str = ""
    verdict: str = ""  # accepted | rejected | duplicate | waiting
    unit: str = ""
    kind: str = ""
    period: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    mtime: float = 0.0  # the file's own time: orders two versions taken in the same run
    at: str = ""  # received time as recorded
    source: str = ""  # where the received time came from (office.month_data.RECEIVED_SOURCES)
    sender: dict = field(default_factory=dict)  # mailed files: the sender check (jobs.fetch.check_sender)


def inbox_files(inbox: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(inbox):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.parent == inbox and name == REPORT_NAME:
                continue
            if is_temp_file(name) or name.startswith(".tmp-"):
                continue
            if name.lower().endswith(".eml"):  # a saved message: opened by jobs.fetch, its workbooks taken from it
                continue
            out.append(p)
    return out


def relative_name(ws: Workspace, p: Path) -> str:
    try:
        return str(p.relative_to(ws.root / "inbox"))
    except ValueError:
        return p.name


def file_time(path: Path) -> tuple[float, str]:
    try:
        return path.stat().st_mtime, str(path)
    except OSError:  # gone meanwhile: its turn says so
        return float("inf"), str(path)


def settled(ws: Workspace, path: Path, settle: float) -> tuple[bool, os.stat_result]:
    """Whether the file has been quiet for ``settle`` seconds. Its age is measured on the real
    clock, not the run's ``now``: the mtime is real time, and a run replayed with an earlier
    ``--now`` must still see a quiet file as settled (the settling timer, not a "now")."""
    st = path.stat()
    key = str(path)
    row = ledger_files.pending(ws.ledger, key)
    young = (_time.time() - st.st_mtime) < settle
    # Grew or shrank since last seen: still copying, whatever its (possibly preserved) mtime says.
    # A new mtime alone is judged by its age above: quiet for settle seconds means done.
    if row is not None and row["size"] != st.st_size:
        young = True
    return not young, st


@dataclass
class Taken:
    """One inbox file as taken: its bytes and when it counts as received, or why it waits."""

    path: Path
    out: Outcome
    data: bytes = b""
    at: str = ""
    known: bool = False  # the same bytes are already recorded, or earlier in this run: no parsing
    recorded: dict | None = None  # the ledger's record of these bytes, from before this run
    pending_row: tuple | None = None  # (path, size, mtime, first_seen) of a file still being copied
    origin: dict | None = None  # the message it was taken from (office.ledger.mailbox.mail_origin)


def take(ws: Workspace, path: Path, now: datetime, received: datetime | None, settle: float, seen: set[str]) -> Taken:
    """Read one inbox file once it has stopped changing; the ledger is not written here."""
    item = Taken(path, Outcome(file=relative_name(ws, path)))
    out = item.out
    try:
        ok, st = settled(ws, path, settle)
    except FileNotFoundError:
        out.verdict, out.reason = "waiting", "文件已被移走。"
        return item
    if not ok:
        item.pending_row = (str(path), st.st_size, st.st_mtime, now.isoformat(timespec="seconds"))
        out.verdict, out.reason = "waiting", "文件仍在变化（可能正在复制），下次运行时再处理。"
        return item
    try:
        data = path.read_bytes()
        changed = len(data) != st.st_size or path.stat().st_mtime != st.st_mtime
    except FileNotFoundError:
        out.verdict, out.reason = "waiting", "文件已被移走。"
        return item
    if changed:
        out.verdict, out.reason = "waiting", "文件仍在变化（可能正在复制），下次运行时再处理。"
        return item
    sha = hashlib.sha256(data).hexdigest()
    out.sha256 = sha
    out.mtime = st.st_mtime
    item.origin = mailbox.mail_origin(ws.ledger, sha)  # taken from a message: its received time and sender
    if received is not None:
        got, out.source = received, "given"
    elif item.origin is not None:
        got, out.source = datetime.fromisoformat(item.origin["received_at"]), item.origin["received_from"]
    elif ws.settings.received_time == "file_mtime":
        got, out.source = datetime.fromtimestamp(st.st_mtime), "file_mtime"
    else:
        pend = ledger_files.pending(ws.ledger, str(path))
        got, out.source = (datetime.fromisoformat(pend["first_seen"]) if pend else now), "first_seen"
    item.data, item.at = data, got.isoformat(timespec="seconds")
    out.at = item.at
    item.recorded = ledger_files.known(ws.ledger, sha)
    item.known = sha in seen or item.recorded is not None
    seen.add(sha)
    return item
