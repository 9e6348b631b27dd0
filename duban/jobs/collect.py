"""collect: take in returned workbooks from inbox/; archive every original, trust none."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time as _time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from ..errors import TemplateMismatch
from ..model import Report
from ..sheets.returns import ReturnRead, read_return
from ..sheets.safety import is_temp_file, sniff
from ..sheets.collect_report import write_collect_report
from ..workspace import Workspace

REPORT_NAME = "报送检查结果.xlsx"
EXT = {"xlsx": ".xlsx", "xls": ".xls"}
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
            out.append(p)
    return out


def archive_path(ws: Workspace, sha: str, fmt: str) -> Path:
    return ws.root / "archive" / sha[:2] / f"{sha}{EXT.get(fmt, '.bin')}"


def _archive(ws: Workspace, data: bytes, sha: str, fmt: str) -> Path:
    dest = archive_path(ws, sha, fmt)
    if dest.exists() and hashlib.sha256(dest.read_bytes()).hexdigest() == sha:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
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


def identify(ws: Workspace, read: ReturnRead, name: str) -> tuple[str, str, str, list[str], str]:
    """(unit, kind, period, warnings, rejection reason). Identity sheet first, visible cells and name as fallback."""
    year = ws.settings.year
    ident = read.identity
    if ident:
        if ident.get("workspace_id") and ident.get("workspace_id") != ws.id:
            return "", "", "", [], f"该表来自其他工作区（编号 {ident.get('workspace_id')}，{ident.get('year', '')}年），不是本督查室本年度下发的报送表，未导入。请确认单位是否误用了其他表格。"
        if str(ident.get("year", year)) != str(year):
            return "", "", "", [], f"该表是{ident.get('year')}年度的报送表，本工作区为{year}年度，未导入。"
        unit = ws.registry.canonical(ident.get("unit", "")) or ident.get("unit", "")
        return unit, ident.get("kind", ""), ident.get("period", ""), [], ""
    vis = read.visible or {}
    found = []
    unit_text = (vis.get("unit") or "").strip()
    unit = ws.registry.canonical(unit_text) if unit_text else None
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
    if vyear and int(vyear) != year:
        return "", "", "", [], f"该表是{vyear}年度的报送表，本工作区为{year}年度，未导入。"
    if not unit or kind not in ("plan", "status") or (kind == "status" and not month):
        return "", "", "", [], "无法识别：隐藏的识别页已丢失，且从表内标题、填报单位和文件名中识别不全（找到：" + "，".join(found) + "）。请让单位用本次下发的原表重新填报。"
    period = str(year) if kind == "plan" else f"{year}-{int(month):02d}"
    warn = f"{name}：表内隐藏识别页已丢失，已根据标题、填报单位和文件名识别为{unit}的{'计划表' if kind == 'plan' else f'{int(month)}月落实情况表'}，请核对。"
    return unit, kind, period, [warn], ""


def _tasks_by_unit(ws: Workspace) -> dict[str, dict[str, str]]:
    """Each unit's task ids and texts, read once per run."""
    out: dict[str, dict[str, str]] = {}
    for t in ws.ledger.tasks():
        for u in t.units:
            out.setdefault(u, {})[t.id] = t.text
    return out


def run(ws: Workspace, *, now: datetime | None = None, received: datetime | None = None,
        progress: Callable[[int, int, str], None] | None = None) -> Report:
    now = now or datetime.now()
    inbox = ws.folder("inbox")
    files = inbox_files(inbox)
    outcomes: list[Outcome] = []
    settle = ws.settings.settle_seconds
    by_unit = _tasks_by_unit(ws) if files else {}
    for i, path in enumerate(files):
        if progress:
            progress(i, len(files), path.name)
        outcomes.append(_collect_one(ws, path, now, received, settle, by_unit))
    if progress:
        progress(len(files), len(files), "")
    accepted = [o for o in outcomes if o.verdict == "accepted"]
    rejected = [o for o in outcomes if o.verdict == "rejected"]
    waiting = [o for o in outcomes if o.verdict == "waiting"]
    dupes = [o for o in outcomes if o.verdict == "duplicate"]
    superseded = []
    for o in accepted:
        superseded += [{"file": r["name"], "unit": r["unit"], "kind": r["kind"], "period": r["period"]} for r in ws.ledger.db.execute(
            "SELECT name, unit, kind, period FROM files WHERE verdict='superseded' AND unit=? AND kind=? AND period=?", (o.unit, o.kind, o.period))]
    report_file = ""
    if outcomes:
        report_file = str(inbox / REPORT_NAME)
        write_collect_report(Path(report_file), ws.ledger, now)
        summary = (f"本次处理 {len(outcomes)} 个文件：接收 {len(accepted)} 个，退回 {len(rejected)} 个，"
                   f"重复 {len(dupes)} 个，被新版本替代的旧版本 {len(superseded)} 个，等待复制完成 {len(waiting)} 个。结果已写入 {report_file}。")
    else:
        summary = "收件箱中没有新文件，无需处理。"
    warnings = [w for o in accepted for w in o.warnings]
    return Report(job="collect", summary=summary, warnings=warnings, ok=not rejected, data={
        "accepted": [{"file": o.file, "unit": o.unit, "kind": o.kind, "period": o.period, "sha256": o.sha256, "warnings": o.warnings} for o in accepted],
        "rejected": [{"file": o.file, "reason": o.reason, "sha256": o.sha256} for o in rejected],
        "waiting": [{"file": o.file, "reason": o.reason} for o in waiting],
        "duplicates": [{"file": o.file, "sha256": o.sha256} for o in dupes],
        "superseded": superseded,
        "report": report_file,
    })


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


def _collect_one(ws: Workspace, path: Path, now: datetime, received: datetime | None, settle: float,
                 by_unit: dict[str, dict[str, str]]) -> Outcome:
    name = _rel(ws, path)
    out = Outcome(file=name)
    try:
        ok, st = _settled(ws, path, settle)
    except FileNotFoundError:
        out.verdict, out.reason = "waiting", "文件已被移走。"
        return out
    db = ws.ledger.db
    if not ok:
        db.execute("INSERT INTO pending (path, size, mtime, first_seen) VALUES (?,?,?,?) ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime=excluded.mtime",
                   (str(path), st.st_size, st.st_mtime, now.isoformat(timespec="seconds")))
        out.verdict, out.reason = "waiting", "文件仍在变化（可能正在复制），下次运行时再处理。"
        return out
    data = path.read_bytes()
    if len(data) != st.st_size or path.stat().st_mtime != st.st_mtime:
        out.verdict, out.reason = "waiting", "文件仍在变化（可能正在复制），下次运行时再处理。"
        return out
    sha = hashlib.sha256(data).hexdigest()
    out.sha256 = sha
    pend = db.execute("SELECT first_seen FROM pending WHERE path=?", (str(path),)).fetchone()
    if received is not None:
        got = received
    elif ws.settings.received_time == "file_mtime":
        got = datetime.fromtimestamp(st.st_mtime)
    else:
        got = datetime.fromisoformat(pend["first_seen"]) if pend else now
    at = got.isoformat(timespec="seconds")

    known = db.execute("SELECT verdict, unit, kind, period FROM files WHERE sha256=?", (sha,)).fetchone()
    if known is not None:
        # Same bytes already recorded (a resend, or a run killed before it could tidy the inbox).
        with ws.ledger.transaction() as con:
            con.execute("INSERT INTO file_names (sha256, name, at) VALUES (?,?,?)", (sha, name, at))
            con.execute("DELETE FROM pending WHERE path=?", (str(path),))
        path.unlink(missing_ok=True)
        out.verdict, out.unit, out.kind, out.period = "duplicate", known["unit"] or "", known["kind"] or "", known["period"] or ""
        out.reason = "与已收到的文件完全相同，只记录一次。"
        return out

    sn = sniff(path)
    dest = _archive(ws, data, sha, sn.format)
    read: ReturnRead | None = None
    reason = "" if sn.ok else sn.reason
    if not reason:
        try:
            read = read_return(dest, sn.format)
        except TemplateMismatch as exc:
            reason = f"不是本工作区的报送表：{str(exc).replace(dest.name, path.name)}"  # the unit's name, not the archive's
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not stop the run
            reason = f"文件无法读取（{type(exc).__name__}），可能已损坏。请在 Excel 或 WPS 中打开检查后另存为 .xlsx 重新报送。"
    unit = kind = period = ""
    warnings: list[str] = []
    if read is not None and not reason:
        unit, kind, period, warnings, reason = identify(ws, read, path.name)
    if read is not None and not reason:
        if sn.macros:
            warnings.append(f"{name}：文件含有宏，宏未被运行，只读取了单元格内容。")
        expected = by_unit.get(unit, {})
        if not expected:
            reason = f"单位“{unit}”在任务登记中没有承担任务，无法导入。请核对填报单位。"
        else:
            got_ids = {r.task_id for r in read.rows}
            unknown = sorted(got_ids - set(expected))
            deleted = [tid for tid in expected if tid not in got_ids]
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
    with ws.ledger.transaction() as con:
        con.execute(
            "INSERT INTO files (sha256, name, size, received_at, archive, format, unit, kind, period, verdict, reason, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha, name, len(data), at, str(dest.relative_to(ws.root)), sn.format, unit, kind, period, verdict, reason,
             json.dumps(warnings, ensure_ascii=False)))
        con.execute("INSERT INTO file_names (sha256, name, at) VALUES (?,?,?)", (sha, name, at))
        if verdict == "accepted":
            con.executemany("INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?,?,?)", [
                (sha, unit, kind, period, r.task_id, r.text, json.dumps(r.values, ensure_ascii=False), json.dumps(r.cells))
                for r in read.rows if r.task_id in expected])
            # The newest return for the same unit and period is the one merged; older ones stay recorded.
            rows = con.execute("SELECT sha256, received_at, name FROM files WHERE unit=? AND kind=? AND period=? AND verdict IN ('accepted','superseded') ORDER BY received_at, rowid",
                               (unit, kind, period)).fetchall()
            newest = rows[-1]["sha256"]
            for r in rows:
                con.execute("UPDATE files SET verdict=? WHERE sha256=?", ("accepted" if r["sha256"] == newest else "superseded", r["sha256"]))
        con.execute("DELETE FROM pending WHERE path=?", (str(path),))
    path.unlink(missing_ok=True)
    out.verdict, out.unit, out.kind, out.period, out.reason, out.warnings = verdict, unit, kind, period, reason, warnings
    return out
