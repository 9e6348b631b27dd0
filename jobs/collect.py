"""collect: take in returned workbooks from inbox/; archive every original, trust none."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
import time as _time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from office.errors import TemplateMismatch
from office.ledger import mailbox
from office.model import Finding, Report
from sheets.identity import Verifier, verifier
from sheets.returns import ReturnRead, read_return
from sheets.collect_report import write_collect_report
from sheets.safety import Sniff, is_temp_file, sniff
from office.workers import WorkerCrashed, auto_workers, ordered_map
from office.workspace import Workspace

REPORT_NAME = "报送检查结果.xlsx"
# Ledger writes of this many files go into one transaction (one commit, one fsync of the
# WAL); their inbox originals are removed only after that commit. Fewer files when they
# carry many rows (the queued rows are held in memory until the commit).
BATCH_FILES = 50
BATCH_ROWS = 5000
ARCHIVE_THREADS = 4
EXT = {"xlsx": ".xlsx", "xls": ".xls"}
# json.dumps(x, ensure_ascii=False) builds a new encoder on every call; same output, built once
_dumps_text = json.JSONEncoder(ensure_ascii=False).encode
_MONTH = re.compile(r"(\d{1,2})\s*月")
_YEAR = re.compile(r"(20\d\d)\s*年")


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
    source: str = ""  # where the received time came from (office.ledger.mailbox.SOURCE_LABELS)
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


def archive_path(ws: Workspace, sha: str, fmt: str) -> Path:
    return ws.root / "archive" / sha[:2] / f"{sha}{EXT.get(fmt, '.bin')}"


@dataclass
class _Batch:
    """Ledger writes not yet committed, and the inbox originals to remove once they are.

    Every file's archive copy is written and fsynced before its writes are queued here.
    If the run dies before the batch commits, the originals are still in the inbox and a
    rerun redoes them (the archive copy is found by its sha256 name); nothing is removed
    from the inbox before the ledger says where its copy is.
    """

    ops: list[Callable[[sqlite3.Connection], None]] = field(default_factory=list)
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
        self.writes.append(self.writer.submit(_archive, ws, data, sha, fmt, self.dirs))
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


def _archive(ws: Workspace, data: bytes, sha: str, fmt: str, dirs: set[Path] | None = None) -> Path:
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


def _rel(ws: Workspace, p: Path) -> str:
    try:
        return str(p.relative_to(ws.root / "inbox"))
    except ValueError:
        return p.name


KIND_WORDS = {"plan": "计划表", "status": "落实情况表"}


def _period_in_year(ws: Workspace, kind: str, period: str) -> str:
    """The same kind of form of this workspace's year (plan, or the same month)."""
    year = ws.settings.year
    if kind == "plan":
        return str(year)
    m = re.match(r"^\d{4}-(\d{2})$", period or "")
    return f"{year}-{m.group(1)}" if m else ""


def guess_sender(ws: Workspace, name: str) -> tuple[str, str, str]:
    """(unit, kind, period) guessed from a file's name and folder, for answering a file that
    could not be read; "" where the name says nothing."""
    unit = ""
    for u in sorted(ws.registry.units, key=lambda u: -len(u.name)):
        if any(n and n in name for n in (u.name, *u.aliases)):
            unit = u.name
            break
    kind = period = ""
    base = Path(name).name
    if "计划" in base:
        kind, period = "plan", str(ws.settings.year)
    else:
        m = _MONTH.search(base)
        if m and 1 <= int(m.group(1)) <= 12:
            kind, period = "status", f"{ws.settings.year}-{int(m.group(1)):02d}"
    return unit, kind, period


def identify(ws: Workspace, read: ReturnRead, name: str) -> tuple[str, str, str, list[str], str]:
    """(unit, kind, period, warnings, rejection reason). Identity sheet first, visible cells and name as fallback.

    A rejected file still names the unit (and kind, period) it is attributed to where that
    is known, so that the unit can be answered; "" otherwise.
    """
    year = ws.settings.year
    ident = read.identity
    vis = read.visible or {}
    unit_text = (vis.get("unit") or "").strip()
    visible_unit = ws.registry.canonical(unit_text) if unit_text else None
    if ident:
        unit = ws.registry.canonical(ident.get("unit", "")) or ident.get("unit", "")
        ours = ws.registry.canonical(ident.get("unit", "")) or visible_unit or ""
        kind = ident.get("kind", "")
        # refused below: answered (with this year's form of the same kind) if the unit is ours
        same = (kind, _period_in_year(ws, kind, ident.get("period", ""))) if ours else ("", "")
        if ident.get("workspace_id") and ident.get("workspace_id") != ws.id:
            return ours, *same, [], f"该表来自其他工作区（编号 {ident.get('workspace_id')}，{ident.get('year', '')}年），不是本督查室本年度下发的报送表，未导入。请确认单位是否误用了其他表格。"
        if str(ident.get("year", year)) != str(year):
            return ours, *same, [], f"该表是{ident.get('year')}年度的报送表，本工作区为{year}年度，未导入。"
        if visible_unit and visible_unit != unit:
            return visible_unit, kind, ident.get("period", ""), [], (
                f"这是{unit}的报送表（表内识别信息记载的单位），但填报单位写的是“{unit_text}”"
                f"{'' if unit_text == visible_unit else f'（{visible_unit}）'}。"
                f"请{visible_unit}使用督查室发给本单位的报送表重新填报，不要借用其他单位的表格；"
                f"本文件未导入，{unit}的报送不受影响。")
        return unit, kind, ident.get("period", ""), [], ""
    found = []
    unit = visible_unit
    if not unit:  # the file name often carries the unit
        for u in sorted(ws.registry.units, key=lambda u: -len(u.name)):
            if any(n and n in name for n in (u.name, *u.aliases)):
                unit = u.name
                break
    kind = read.kind or vis.get("kind") or ""
    month = vis.get("month")
    if not month and kind == "status":
        m = _MONTH.search(name)
        month = int(m.group(1)) if m else None
    vyear = vis.get("year")
    if not vyear:
        y = _YEAR.search(name)
        vyear = int(y.group(1)) if y else None
    found.append(f"填报单位“{unit_text or '（空）'}”")
    found.append(f"表格类型“{ {'plan': '计划表', 'status': '落实情况表'}.get(kind, '（无法判断）') }”")
    if kind == "status":
        found.append(f"月份“{month or '（空）'}”")
    period = "" if kind not in ("plan", "status") else str(year) if kind == "plan" else f"{year}-{int(month):02d}" if month else ""
    if vyear and int(vyear) != year:
        return unit or "", kind if period else "", period, [], f"该表是{vyear}年度的报送表，本工作区为{year}年度，未导入。"
    if not unit or kind not in ("plan", "status") or (kind == "status" and not month):
        return unit or "", kind if period else "", period, [], "无法识别：隐藏的识别页已丢失，且从表内标题、填报单位和文件名中识别不全（找到：" + "，".join(found) + "）。请让单位用本次下发的原表重新填报。"
    what = "计划表" if kind == "plan" else f"{int(month)}月落实情况表"
    if read.identity_note == "tampered":
        warn = (f"{name}：表内隐藏识别页的校验码不符（识别页被改动过，或复制自其他表格），未采用；"
                f"已根据标题、填报单位和文件名识别为{unit}的{what}，请核对。")
    else:
        warn = f"{name}：表内隐藏识别页已丢失，已根据标题、填报单位和文件名识别为{unit}的{what}，请核对。"
    return unit, kind, period, [warn], ""


def _tasks_by_unit(ws: Workspace) -> dict[str, dict[str, str]]:
    """Each unit's task ids and texts, read once per run."""
    out: dict[str, dict[str, str]] = {}
    for t in ws.ledger.tasks():
        for u in t.units:
            out.setdefault(u, {})[t.id] = t.text
    return out


def run(ws: Workspace, *, now: datetime | None = None, received: datetime | None = None,
        progress: Callable[[int, int, str], None] | None = None, workers: int | None = None) -> Report:
    """Take in every settled file of inbox/.

    ``workers``: processes that parse the files (None: ``[collect] workers`` of
    duban.toml, 0 there meaning one per CPU, and none for a small inbox).  The ledger
    is written in inbox order whatever the number.
    """
    now = now or datetime.now()
    inbox = ws.folder("inbox")
    from jobs import fetch

    mail = fetch.open_dropped_mail(ws, now)  # .eml files saved by hand: their workbooks join the inbox first
    # Oldest first by each file's own time (never by its path): of two versions of one return
    # taken in the same run, the later one is recorded last and counts.
    files = sorted(inbox_files(inbox), key=_file_time)
    check = verifier(ws.ledger, ws.id)
    outcomes: list[Outcome] = []
    settle = ws.settings.settle_seconds
    by_unit: dict[str, dict[str, str]] | None = None  # read after the workers start: they need none of it
    batch = _Batch()
    seen: set[str] = set()  # sha256 of the files taken so far: a second copy is not parsed
    taken = (_take(ws, path, now, received, settle, seen) for path in files)
    n_workers = workers if workers is not None else auto_workers(len(files), ws.settings.collect_workers)
    try:
        for i, (item, parsed) in enumerate(ordered_map(parse_file, taken, lambda it: _parse_args(it, check), workers=n_workers)):
            if progress:
                progress(i, len(files), item.path.name)
            if by_unit is None:
                by_unit = _tasks_by_unit(ws)
            outcomes.append(_finish(ws, item, parsed, by_unit, batch))
            if len(batch.done) >= BATCH_FILES or batch.rows >= BATCH_ROWS:
                batch.flush(ws)
    except BaseException:
        # Keep what was done before the failure, as the per-file transactions did.
        try:
            batch.flush(ws)
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise
    else:
        batch.flush(ws)
    finally:
        batch.writer.shutdown(wait=True)
    if progress:
        progress(len(files), len(files), "")
    accepted = [o for o in outcomes if o.verdict == "accepted"]
    rejected = [o for o in outcomes if o.verdict == "rejected"]
    waiting = [o for o in outcomes if o.verdict == "waiting"]
    dupes = [o for o in outcomes if o.verdict == "duplicate"]
    superseded = []
    if accepted:
        # One pass over the superseded files (table order), grouped by unit/kind/period,
        # instead of one scan of the files table per accepted file.
        older: dict[tuple, list[dict]] = {}
        for r in ws.ledger.db.execute("SELECT name, unit, kind, period FROM files WHERE verdict='superseded'"):
            older.setdefault((r["unit"], r["kind"], r["period"]), []).append(
                {"file": r["name"], "unit": r["unit"], "kind": r["kind"], "period": r["period"]})
        for o in accepted:
            superseded += [dict(d) for d in older.get((o.unit, o.kind, o.period), ())]
    report_file = ""
    if outcomes:
        report_file = str(inbox / REPORT_NAME)
        write_collect_report(Path(report_file), ws.ledger, now)
        summary = (f"本次处理 {len(outcomes)} 个文件：接收 {len(accepted)} 个，退回 {len(rejected)} 个，"
                   f"重复 {len(dupes)} 个，被新版本替代的旧版本 {len(superseded)} 个，等待复制完成 {len(waiting)} 个。结果已写入 {report_file}。")
    else:
        summary = "收件箱中没有新文件，无需处理。"
    versions = counted_versions(ws, accepted)
    senders = [o.sender for o in outcomes if o.sender.get("check") in ("mismatch", "unknown")]
    warnings = ([w for o in accepted for w in o.warnings] + [v["note"] for v in versions] + mail["warnings"]
                + [x["note"] for x in senders])
    if mail["messages"]:
        summary = f"打开 inbox 中保存的邮件 {len(mail['messages'])} 封。" + summary
    return Report(job="collect", summary=summary, warnings=warnings, ok=not rejected, data={
        "accepted": [{"file": o.file, "unit": o.unit, "kind": o.kind, "period": o.period, "sha256": o.sha256, "warnings": o.warnings} for o in accepted],
        # every file taken this run: its received time as recorded and where it came from (SOURCE_LABELS)
        "received": [{"file": o.file, "sha256": o.sha256, "at": o.at, "source": o.source}
                     for o in outcomes if o.verdict in ("accepted", "rejected")],
        "mail": mail["messages"],
        "senders": senders,
        "findings": [Finding("sender_mismatch", x["unit"], "", x["period"], x["file"], "", x["note"]).as_json()
                     for x in senders if x["check"] == "mismatch"],  # this run's; all: mailbox.sender_findings
        "rejected": [{"file": o.file, "reason": o.reason, "sha256": o.sha256} for o in rejected],
        "versions": versions,
        "waiting": [{"file": o.file, "reason": o.reason} for o in waiting],
        "duplicates": [{"file": o.file, "sha256": o.sha256} for o in dupes],
        "superseded": superseded,
        "report": report_file,
    })


def _file_time(path: Path) -> tuple[float, str]:
    try:
        return path.stat().st_mtime, str(path)
    except OSError:  # gone meanwhile: its turn says so
        return float("inf"), str(path)


def form_name(kind: str, period: str) -> str:
    """“2025年3月落实情况表” / “2025年度计划表”."""
    if kind == "plan":
        return f"{period}年度计划表"
    if re.match(r"^\d{4}-\d{2}$", period or ""):
        return f"{period[:4]}年{int(period[5:])}月落实情况表"
    return KIND_WORDS.get(kind, "报送表")


def counted_versions(ws: Workspace, accepted: list[Outcome]) -> list[dict]:
    """For each return of which this run took several versions: which one counts (the
    ledger's accepted one, the latest by received time and then by the file's own time)."""
    groups: dict[tuple[str, str, str], list[Outcome]] = {}
    for o in accepted:
        groups.setdefault((o.unit, o.kind, o.period), []).append(o)
    out: list[dict] = []
    for (unit, kind, period), got in groups.items():
        if len(got) < 2:
            continue
        current = {r["sha256"] for r in ws.ledger.db.execute(
            "SELECT sha256 FROM files WHERE unit=? AND kind=? AND period=? AND verdict='accepted'", (unit, kind, period))}
        counts = next((o for o in got if o.sha256 in current), got[-1])
        others = [o for o in got if o is not counts]

        def when(o: Outcome) -> str:
            return datetime.fromtimestamp(o.mtime).strftime("%m-%d %H:%M:%S") if o.mtime else o.at.replace("T", " ")

        note = (f"{unit}的{form_name(kind, period)}本次收到 {len(got)} 个版本，按文件时间以“{counts.file}”（{when(counts)}）为准；"
                + "、".join(f"“{o.file}”（{when(o)}）" for o in others) + "已被替代，仍保留在归档中。")
        out.append({"unit": unit, "kind": kind, "period": period, "counts": counts.file, "sha256": counts.sha256,
                    "replaced": [o.file for o in others], "note": note})
    return out


def _settled(ws: Workspace, path: Path, settle: float) -> tuple[bool, os.stat_result]:
    st = path.stat()
    key = str(path)
    row = ws.ledger.db.execute("SELECT size, mtime FROM pending WHERE path=?", (key,)).fetchone()
    young = (_time.time() - st.st_mtime) < settle
    # Grew or shrank since last seen: still copying, whatever its (possibly preserved) mtime says.
    # A new mtime alone is judged by its age above: quiet for settle seconds means done.
    if row is not None and row["size"] != st.st_size:
        young = True
    return not young, st


@dataclass
class _Item:
    """One inbox file as taken: its bytes and when it counts as received, or why it waits."""

    path: Path
    out: Outcome
    data: bytes = b""
    at: str = ""
    known: bool = False  # the same bytes are already recorded, or earlier in this run: no parsing
    recorded: sqlite3.Row | None = None  # the ledger's row for these bytes, from before this run
    pending_row: tuple | None = None  # (path, size, mtime, first_seen) of a file still being copied
    origin: dict | None = None  # the message it was taken from (office.ledger.mailbox.mail_origin)


@dataclass
class Parsed:
    """What a file's bytes are (``sniff``), and its form as read, or why it was refused."""

    sniff: Sniff
    read: ReturnRead | None
    reason: str


def parse_file(name: str, data: bytes, check: Verifier | None = None) -> Parsed:
    """Sniff and read one returned file from its bytes: a pure function, run in a worker
    process for a large inbox. ``name`` (the file's own name) only appears in messages.
    ``check``: the workspace's seal check; an identity sheet it does not trust is read as lost."""
    sn = sniff(name, data=data)
    if not sn.ok:
        return Parsed(sn, None, sn.reason)
    try:
        read = read_return(Path(name), sn.format, data=data)
        if check is not None and read.identity and not check.trusts(read.identity):
            read = read_return(Path(name), sn.format, data=data, ignore_identity=True)
            read.identity_note = "tampered"
        return Parsed(sn, read, "")
    except TemplateMismatch as exc:
        return Parsed(sn, None, f"不是本工作区的报送表：{exc}")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - one unreadable file must not stop the run; a panic
        # inside the Rust reader surfaces as pyo3's PanicException, which derives from BaseException
        return Parsed(sn, None, f"文件无法读取（{type(exc).__name__}），可能已损坏。请在 Excel 或 WPS 中打开检查后另存为 .xlsx 重新报送。")


def _parse_args(item: _Item, check: Verifier | None = None) -> tuple | None:
    if item.out.verdict or item.known:
        return None
    return (item.path.name, item.data) if check is None else (item.path.name, item.data, check)


def _take(ws: Workspace, path: Path, now: datetime, received: datetime | None, settle: float, seen: set[str]) -> _Item:
    """Read one inbox file once it has stopped changing; the ledger is not written here."""
    item = _Item(path, Outcome(file=_rel(ws, path)))
    out = item.out
    try:
        ok, st = _settled(ws, path, settle)
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
    db = ws.ledger.db
    item.origin = mailbox.mail_origin(db, sha)  # taken from a message: its received time and sender
    if received is not None:
        got, out.source = received, "given"
    elif item.origin is not None:
        got, out.source = datetime.fromisoformat(item.origin["received_at"]), item.origin["received_from"]
    elif ws.settings.received_time == "file_mtime":
        got, out.source = datetime.fromtimestamp(st.st_mtime), "file_mtime"
    else:
        pend = db.execute("SELECT first_seen FROM pending WHERE path=?", (str(path),)).fetchone()
        got, out.source = (datetime.fromisoformat(pend["first_seen"]) if pend else now), "first_seen"
    item.data, item.at = data, got.isoformat(timespec="seconds")
    out.at = item.at
    item.recorded = db.execute("SELECT verdict, unit, kind, period FROM files WHERE sha256=?", (sha,)).fetchone()
    item.known = sha in seen or item.recorded is not None
    seen.add(sha)
    return item


def _finish(ws: Workspace, item: _Item, parsed: Parsed | WorkerCrashed | None,
            by_unit: dict[str, dict[str, str]], batch: _Batch) -> Outcome:
    """Judge one taken file in inbox order. Its archive copy is written (and fsynced) here;
    its ledger writes are queued on ``batch`` and its original is removed after the batch commits."""
    path, out, data, at = item.path, item.out, item.data, item.at
    name, key = out.file, str(path)
    if out.verdict == "waiting":
        if item.pending_row is not None:
            pend_row = item.pending_row
            batch.ops.append(lambda con: con.execute(
                "INSERT INTO pending (path, size, mtime, first_seen) VALUES (?,?,?,?) ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime=excluded.mtime",
                pend_row))
        return out
    sha = out.sha256
    # Bytes new when taken cannot have been recorded since: only a known file is looked up again.
    first = batch.seen.get(sha) if item.known else None  # same bytes earlier in this (uncommitted) batch
    known = item.recorded
    if item.known and first is None and known is None:  # an earlier copy of this run, already committed
        known = ws.ledger.db.execute("SELECT verdict, unit, kind, period FROM files WHERE sha256=?", (sha,)).fetchone()
    if first is not None or known is not None:
        # Same bytes already recorded (a resend, or a run killed before it could tidy the inbox).
        def dup(con: sqlite3.Connection) -> None:
            con.execute("INSERT INTO file_names (sha256, name, at) VALUES (?,?,?)", (sha, name, at))
            con.execute("DELETE FROM pending WHERE path=?", (key,))
        batch.ops.append(dup)
        batch.done.append(path)
        if first is not None:
            out.verdict, out.unit, out.kind, out.period = "duplicate", first.unit, first.kind, first.period
        else:
            out.verdict, out.unit, out.kind, out.period = "duplicate", known["unit"] or "", known["kind"] or "", known["period"] or ""
        out.reason = "与已收到的文件完全相同，只记录一次。"
        return out

    if parsed is None:  # taken as a copy of a file that was not recorded after all
        parsed = parse_file(path.name, data, verifier(ws.ledger, ws.id))
    if isinstance(parsed, WorkerCrashed):
        sn = sniff(path.name, data=data)  # bounded pure Python; the crash was in the reader
        read: ReturnRead | None = None
        reason = sn.reason or "读取该文件时读取程序异常退出，文件可能已损坏或结构异常。请在 Excel 或 WPS 中打开检查后另存为 .xlsx 重新报送。"
    else:
        sn, read, reason = parsed.sniff, parsed.read, parsed.reason
    dest = batch.archive(ws, data, sha, sn.format)
    unit = kind = period = ""
    warnings: list[str] = []
    if read is not None and not reason:
        unit, kind, period, warnings, reason = identify(ws, read, path.name)
    elif reason:  # unreadable: answer the unit its name or folder points to, if any
        unit, kind, period = guess_sender(ws, name)
    if read is not None and not reason:
        if sn.macros:
            warnings.append(f"{name}：文件含有宏，宏未被运行，只读取了单元格内容。")
        expected = by_unit.get(unit, {})
        if not expected:
            reason = f"单位“{unit}”在任务登记中没有承担任务，无法导入。请核对填报单位。"
        else:
            got_ids = {r.task_id for r in read.rows}
            unknown = sorted(got_ids - set(expected))
            issued_ids = set((read.identity or {}).get("task_ids") or ())  # the rows of the form as issued (via_lead: led tasks only)
            deleted = [tid for tid in expected if tid not in got_ids and (not issued_ids or tid in issued_ids)]
            if unknown:
                warnings.append(f"{name}：表中有不属于本单位的任务序号（{'、'.join(unknown)}），已忽略。")
            if deleted:
                warnings.append(f"{name}：表中删除了本单位的任务（{'、'.join(deleted)}），按未填写处理。")
            if not got_ids & set(expected):
                reason = "表中没有本单位任何任务的序号，无法对应。请用下发的原表填写，不要改动序号列。"
            for r in read.rows:
                if r.task_id in expected and r.text and "".join(r.text.split()) != "".join(expected[r.task_id].split()):
                    warnings.append(f"{name}，{read.sheet}!{r.cells.get('text', '')}：任务内容被改动，台账以任务分解表为准。")
            warnings.extend(f"{name}：{p}" for p in read.problems + read.extra_rows)
    verdict = "rejected" if reason else "accepted"
    origin_row = _origin(ws, item, unit, kind, period)
    file_row = (sha, name, len(data), at, str(dest.relative_to(ws.root)), sn.format, unit, kind, period, verdict, reason,
                _dumps_text(warnings))
    entry_rows = [
        (sha, unit, kind, period, r.task_id, r.text, _dumps_text(r.values), json.dumps(r.cells))
        for r in read.rows if r.task_id in expected] if verdict == "accepted" else []

    def record(con: sqlite3.Connection) -> None:
        con.execute(
            "INSERT INTO files (sha256, name, size, received_at, archive, format, unit, kind, period, verdict, reason, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            file_row)
        con.execute("INSERT INTO file_names (sha256, name, at) VALUES (?,?,?)", (sha, name, at))
        if verdict == "accepted":
            con.executemany("INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?,?,?)", entry_rows)
            # The newest return for the same unit and period is the one merged; older ones stay recorded
            # (earlier files of the same batch included: their writes ran before these in this transaction).
            rows = con.execute("SELECT sha256, received_at, name FROM files WHERE unit=? AND kind=? AND period=? AND verdict IN ('accepted','superseded') ORDER BY received_at, rowid",
                               (unit, kind, period)).fetchall()
            newest = rows[-1]["sha256"]
            for r in rows:
                con.execute("UPDATE files SET verdict=? WHERE sha256=?", ("accepted" if r["sha256"] == newest else "superseded", r["sha256"]))
        con.execute("DELETE FROM pending WHERE path=?", (key,))
        mailbox.record_origin(con, sha, out.source, **origin_row)

    batch.ops.append(record)
    batch.done.append(path)
    batch.rows += len(entry_rows)
    batch.seen[sha] = out
    out.verdict, out.unit, out.kind, out.period, out.reason, out.warnings = verdict, unit, kind, period, reason, warnings
    return out


def _origin(ws: Workspace, item: _Item, unit: str, kind: str, period: str) -> dict:
    """The ledger's origin record of a new file: for a mailed one, the sender checked against the
    registry (confirmed / mismatch / unknown); also kept on the outcome for the report."""
    o = item.origin
    if o is None:
        return {}
    from jobs.fetch import check_sender, sender_note

    row = {"message": o["message"], "sender": o["sender"]}
    if unit:
        check, sender, sender_unit = check_sender(ws, unit, o["senders"] or [o["sender"]])
        note = sender_note(check, unit=unit, form=form_name(kind, period), file=item.out.file, sender=sender,
                           sender_unit=sender_unit, subject=o["subject"], received=o["received_at"])
        row |= {"sender": sender, "sender_unit": sender_unit, "check": check, "note": note}
        item.out.sender = {"file": item.out.file, "unit": unit, "kind": kind, "period": period, "sender": sender,
                           "sender_unit": sender_unit, "check": check, "note": note, "subject": o["subject"]}
    return row
