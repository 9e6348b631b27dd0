"""collect: take in returned workbooks from inbox/; archive every original, trust none."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from office.dates import form_label
from office.errors import TemplateMismatch
from office.ledger import Connection, entries as ledger_entries, files as ledger_files, findings as ledger_findings, mailbox, meta
from office.model import Finding, Report
from office.reading import found_in
from sheets.identity import Verifier
from sheets.returns import ReturnRead, read_return
from sheets.collect_report import report_rows, write_collect_report
from sheets.safety import Sniff, sniff
from office.workers import WorkerCrashed, auto_workers, ordered_map
from office.workspace import Workspace
from jobs.archive import Batch
from jobs.identify import guess_sender, identify
from jobs.inbox import REPORT_NAME, Outcome, Taken, file_time, inbox_files, take  # noqa: F401  (REPORT_NAME, inbox_files: used by other jobs)

# Ledger writes of this many files go into one transaction (one commit, one fsync of the
# WAL); their inbox originals are removed only after that commit. Fewer files when they
# carry many rows (the queued rows are held in memory until the commit).
BATCH_FILES = 50
BATCH_ROWS = 5000


def _tasks_by_unit(ws: Workspace) -> dict[str, dict[str, str]]:
    """Each unit's task ids and texts, read once per run."""
    out: dict[str, dict[str, str]] = {}
    for t in ws.ledger.tasks():
        for u in t.units:
            out.setdefault(u, {})[t.id] = t.text
    return out


@dataclass(frozen=True)
class Request:
    """``received``: the received time of every file taken now (else as ``[collect]
    received_time`` says). ``receipts``: then answer the units (回执, see jobs/receipts.py),
    ``dry_run`` writing those answers as .eml previews only. ``workers``: processes that
    parse the files (None: ``[collect] workers`` of duban.toml, 0 there meaning one per
    CPU, and none for a small inbox); the ledger is written in inbox order whatever the number.
    """

    received: datetime | None = None
    receipts: bool = False
    dry_run: bool = False
    workers: int | None = None


def run(ws: Workspace, request: Request, now: datetime, *, progress: Callable[[int, int, str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep) -> Report:
    """Take in every settled file of inbox/ (and, with ``request.receipts``, answer the units)."""
    report = _collect(ws, now, request.received, progress, request.workers)
    if not request.receipts:
        return report
    from jobs import receipts

    return receipts.after_collect(ws, report, now, dry_run=request.dry_run, sleep=sleep)


def _collect(ws: Workspace, now: datetime, received: datetime | None, progress: Callable[[int, int, str], None] | None,
             workers: int | None) -> Report:
    inbox = ws.folder("inbox")
    from jobs import fetch

    mail = fetch.open_dropped_mail(ws, now)  # .eml files saved by hand: their workbooks join the inbox first
    # Oldest first by each file's own time (never by its path): of two versions of one return
    # taken in the same run, the later one is recorded last and counts.
    files = sorted(inbox_files(inbox), key=file_time)
    check = Verifier(ws.id, *meta.seal_key(ws.ledger))
    outcomes: list[Outcome] = []
    settle = ws.settings.settle_seconds
    by_unit: dict[str, dict[str, str]] | None = None  # read after the workers start: they need none of it
    batch = Batch()
    seen: set[str] = set()  # sha256 of the files taken so far: a second copy is not parsed
    taken = (take(ws, path, now, received, settle, seen) for path in files)
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
        for r in ledger_files.superseded(ws.ledger):
            older.setdefault((r["unit"], r["kind"], r["period"]), []).append(
                {"file": r["name"], "unit": r["unit"], "kind": r["kind"], "period": r["period"]})
        for o in accepted:
            superseded += [dict(d) for d in older.get((o.unit, o.kind, o.period), ())]
    report_file = ""
    # Written after every run that handled a file, and whenever it is missing although files were
    # recorded (a run killed while writing it leaves none; the next run has nothing new to handle).
    missing_report = not (inbox / REPORT_NAME).exists() and ledger_files.all_files(ws.ledger)
    if outcomes or missing_report:
        report_file = str(inbox / REPORT_NAME)
        rows = report_rows(ledger_files.all_files(ws.ledger), ledger_files.all_names(ws.ledger))
        write_collect_report(Path(report_file), rows, now, origins=mailbox.origins(ws.ledger),
                             messages=mailbox.messages(ws.ledger), refused=mailbox.refused(ws.ledger))
    if outcomes:
        summary = (f"本次处理 {len(outcomes)} 个文件：接收 {len(accepted)} 个，退回 {len(rejected)} 个，"
                   f"重复 {len(dupes)} 个，被新版本替代的旧版本 {len(superseded)} 个，等待复制完成 {len(waiting)} 个。结果已写入 {report_file}。")
    else:
        summary = "收件箱中没有新文件，无需处理。" + (f"检查结果已重新写入 {report_file}。" if report_file else "")
    versions = counted_versions(ws, accepted)
    senders = [o.sender for o in outcomes if o.sender.get("check") in ("mismatch", "unknown")]
    warnings = ([w for o in accepted for w in o.warnings] + [v["note"] for v in versions] + mail["warnings"]
                + [x["note"] for x in senders])
    if mail["messages"]:
        summary = f"打开 inbox 中保存的邮件 {len(mail['messages'])} 封。" + summary
    return Report(job="collect", summary=summary, warnings=warnings, ok=not rejected, data={
        "accepted": [{"file": o.file, "unit": o.unit, "kind": o.kind, "period": o.period, "sha256": o.sha256, "warnings": o.warnings} for o in accepted],
        # every file taken this run: its received time as recorded and where it came from (RECEIVED_SOURCES)
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
        current = {r["sha256"] for r in [ledger_files.current(ws.ledger, unit, kind, period)] if r}
        counts = next((o for o in got if o.sha256 in current), got[-1])
        others = [o for o in got if o is not counts]

        def when(o: Outcome) -> str:
            return datetime.fromtimestamp(o.mtime).strftime("%m-%d %H:%M:%S") if o.mtime else o.at.replace("T", " ")

        note = (f"{unit}的{form_label(kind, period)}本次收到 {len(got)} 个版本，按文件时间以“{counts.file}”（{when(counts)}）为准；"
                + "、".join(f"“{o.file}”（{when(o)}）" for o in others) + "已被替代，仍保留在归档中。")
        out.append({"unit": unit, "kind": kind, "period": period, "counts": counts.file, "sha256": counts.sha256,
                    "replaced": [o.file for o in others], "note": note})
    return out


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


def _parse_args(item: Taken, check: Verifier | None = None) -> tuple | None:
    if item.out.verdict or item.known:
        return None
    return (item.path.name, item.data) if check is None else (item.path.name, item.data, check)


def _finish(ws: Workspace, item: Taken, parsed: Parsed | WorkerCrashed | None,
            by_unit: dict[str, dict[str, str]], batch: Batch) -> Outcome:
    """Judge one taken file in inbox order. Its archive copy is written (and fsynced) here;
    its ledger writes are queued on ``batch`` and its original is removed after the batch commits."""
    path, out, data, at = item.path, item.out, item.data, item.at
    name, key = out.file, str(path)
    if out.verdict == "waiting":
        if item.pending_row is not None:
            pend_row = item.pending_row
            batch.ops.append(lambda con: ledger_files.set_pending(con, *pend_row))
        return out
    sha = out.sha256
    # Bytes new when taken cannot have been recorded since: only a known file is looked up again.
    first = batch.seen.get(sha) if item.known else None  # same bytes earlier in this (uncommitted) batch
    known = item.recorded
    if item.known and first is None and known is None:  # an earlier copy of this run, already committed
        known = ledger_files.known(ws.ledger, sha)
    if first is not None or known is not None:
        # Same bytes already recorded (a resend, or a run killed before it could tidy the inbox).
        def dup(con: Connection) -> None:
            ledger_files.add_name(con, sha, name, at)
            ledger_files.forget_pending(con, key)
        batch.ops.append(dup)
        batch.done.append(path)
        if first is not None:
            out.verdict, out.unit, out.kind, out.period = "duplicate", first.unit, first.kind, first.period
        else:
            out.verdict, out.unit, out.kind, out.period = "duplicate", known["unit"] or "", known["kind"] or "", known["period"] or ""
        out.reason = "与已收到的文件完全相同，只记录一次。"
        return out

    if parsed is None:  # taken as a copy of a file that was not recorded after all
        parsed = parse_file(path.name, data, Verifier(ws.id, *meta.seal_key(ws.ledger)))
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
            warnings.extend(f"{name}：{p}" for p in read.problems + read.extra_rows)
    verdict = "rejected" if reason else "accepted"
    origin_row = _origin(ws, item, unit, kind, period)
    file_row = {"sha256": sha, "name": name, "size": len(data), "received_at": at, "archive": str(dest.relative_to(ws.root)),
                "format": sn.format, "unit": unit, "kind": kind, "period": period, "verdict": verdict, "reason": reason,
                "warnings": warnings}
    entry_rows = [(r.task_id, r.text, r.values, r.cells) for r in read.rows if r.task_id in expected] if verdict == "accepted" else []
    found = found_in(read, unit, expected) if verdict == "accepted" else []

    def record(con: Connection) -> None:
        ledger_files.record(con, file_row)
        ledger_files.add_name(con, sha, name, at)
        if verdict == "accepted":
            ledger_entries.add(con, sha, unit, kind, period, entry_rows)
            ledger_findings.add(con, sha, found)
            # The newest return for the same unit and period is the one merged; older ones stay recorded
            # (earlier files of the same batch included: their writes ran before these in this transaction).
            ledger_files.settle_versions(con, unit, kind, period)
        ledger_files.forget_pending(con, key)
        mailbox.record_origin(con, sha, out.source, **origin_row)

    batch.ops.append(record)
    batch.done.append(path)
    batch.rows += len(entry_rows)
    batch.seen[sha] = out
    out.verdict, out.unit, out.kind, out.period, out.reason, out.warnings = verdict, unit, kind, period, reason, warnings
    return out


def _origin(ws: Workspace, item: Taken, unit: str, kind: str, period: str) -> dict:
    """The ledger's origin record of a new file: for a mailed one, the sender checked against the
    registry (confirmed / mismatch / unknown) once the form's unit is known; also kept on the
    outcome for the report."""
    o = item.origin
    if o is None:
        return {}
    from jobs.fetch import check_sender, sender_note

    row = {"message": o["message"], "sender": o["sender"]}
    if unit:
        check, sender, sender_unit = check_sender(ws, unit, o["senders"] or [o["sender"]])
        note = sender_note(check, unit=unit, form=form_label(kind, period), file=item.out.file, sender=sender,
                           sender_unit=sender_unit, subject=o["subject"], received=o["received_at"])
        row |= {"sender": sender, "sender_unit": sender_unit, "check": check, "note": note}
        item.out.sender = {"file": item.out.file, "unit": unit, "kind": kind, "period": period, "sender": sender,
                           "sender_unit": sender_unit, "check": check, "note": note, "subject": o["subject"]}
    return row
