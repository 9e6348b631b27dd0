"""receipts (回执): after collect, each unit whose file was taken or refused gets one reply.

- refused: the reason and what to do, with the unit's own blank form attached again;
- taken with problems: every problem by cell (下一步计划未填写 at G12, 是否完成 not 是/否 at H9,
  task text changed at C7), asking for a corrected file before the deadline;
- taken and complete: a short receipt with the file's SHA-256 and received time.

``[mail] receipts`` chooses: "problems" (default: the first two), "all", "off".

Never two receipts for one file: every file a reply answers is recorded in the ``receipts``
table (keyed by the file's sha256) as 发送中 before the message goes to the mailer and as sent
after; a reply left 发送中 by a crash is listed once as 待确认 and never sent again by itself.
Replies that failed (server down) are tried again at the next run, at most ``MAX_TRIES`` times.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterable

from office.errors import DubanError
from office.dates import cn_date, cn_datetime, template_period
from office.placeholders import fill
from office.mailer import Outgoing, addresses_of, deliver
from office.ledger import entries as ledger_entries, files as ledger_files, generated as ledger_generated, mail as ledger_mail
from office.ledger import receipts as ledger_receipts
from office.model import KIND_LABELS, Report, Task
from office.month import FIELD_LABELS, REQUIRED, squash
from office.workspace import Workspace
from jobs.generate import deadline_for, outbox_dir
from jobs.send import form_label

PREVIEW_FOLDER = "回执预览"  # under outbox/: .eml previews of a dry run
PLAN_REQUIRED = ("q1", "q2", "q3", "q4", "main_leader", "deputy")
MAX_TRIES = 3
# A reply's file states. queued: planned, not yet handed over (a run that dies leaves it for the
# next); sending: handed to the mailer, outcome not yet recorded; sent; failed: to try again;
# preview: written as .eml only (a real run sends it); unconfirmed: left sending by a crash and
# reported; none: no reply (complete under "problems", no unit or address, gave up).
QUEUED, SENDING, SENT, FAILED, PREVIEW, UNCONFIRMED, NONE = (
    "queued", "sending", "sent", "failed", "preview", "unconfirmed", "none")
RETRY = (QUEUED, FAILED, PREVIEW)
ORDER = {"rejected": 0, "problems": 1, "complete": 2}
VERDICT_WORDS = {"rejected": "退回", "problems": "需补正", "complete": "已收妥"}
# Hosts that can never be a real mail server (RFC 2606): the sample duban.toml until it is edited.
_PLACEHOLDER_HOSTS = (".example.org", ".example.com", ".example.net", ".example", ".invalid", ".test")
_BAD_YES_NO = re.compile(r"([A-Z]{1,3}[0-9]+)：“(.*?)”不是“是/否”")
_CELL = re.compile(r"^([A-Z]{1,3})([0-9]+)$")


# -- the problems of one accepted file (pure) ----------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing a unit must complete or correct: the cell, the task, what is wrong."""

    cell: str  # "G12", or "" when there is no cell (a task row missing from the file)
    task: str  # "年度工作任务3"
    message: str

    def line(self) -> str:
        return f"{self.cell}（{self.task}）：{self.message}" if self.cell else f"{self.task}：{self.message}"


def _cell_order(cell: str) -> tuple[int, int, str]:
    m = _CELL.match(cell or "")
    return (int(m.group(2)), len(m.group(1)), m.group(1)) if m else (1 << 30, 0, "")


def return_problems(kind: str, entries: Iterable[dict], tasks: dict[str, Task], warnings: Iterable[str]) -> list[Problem]:
    """What a unit must complete or correct in an accepted return, by row and cell.

    ``entries``: the rows read from the file ({"task_id", "text", "values", "cells"});
    ``tasks``: the unit's tasks (id -> Task); ``warnings``: collect's notes on the file (a 是/否
    cell holding something else is named there, with what it held). Required are 完成情况,
    下一步计划 and 是否完成阶段任务目标 (status) or the four quarters and both leaders (plan).
    """
    bad = {m.group(1): m.group(2) for w in warnings for m in _BAD_YES_NO.finditer(w)}
    required = REQUIRED if kind == "status" else PLAN_REQUIRED
    got = {e["task_id"]: e for e in entries}
    out: list[Problem] = []
    for tid, task in tasks.items():
        label = f"{KIND_LABELS.get(task.kind, '')}{task.seq}"
        e = got.get(tid)
        if e is None:
            out.append(Problem("", label, "表中没有这一行（可能被删除，或序号被改动），请在下发的原表中补填"))
            continue
        values, cells = e.get("values") or {}, e.get("cells") or {}
        text = e.get("text") or ""
        if text and squash(text) != squash(task.text):
            out.append(Problem(cells.get("text", ""), label, "任务内容被改动，请恢复为下发时的内容（台账以任务分解表为准）"))
        for f in required:
            if str(values.get(f) or "").strip():
                continue
            cell = cells.get(f, "")
            if f == "achieved" and cell in bad:
                out.append(Problem(cell, label, f"“{FIELD_LABELS[f]}”填的是“{bad[cell]}”，应为“是”或“否”（请从下拉列表选择）"))
            else:
                out.append(Problem(cell, label, f"“{FIELD_LABELS[f]}”未填写"))
    out.sort(key=lambda p: _cell_order(p.cell))
    return out


# -- planning the replies --------------------------------------------------------------------


@dataclass
class Section:
    """What a reply says about one return (one unit, kind and period)."""

    verdict: str  # rejected | problems | complete
    sha256: str
    file: str
    kind: str
    period: str
    received_at: str
    reason: str = ""
    problems: list[Problem] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # other versions of this run, not the one that counts
    still_valid: str = ""  # a refused file: the earlier accepted file that still counts
    attachment: Path | None = None


@dataclass
class Reply:
    unit: str
    sections: list[Section]
    shas: list[str]  # every file this reply answers

    @property
    def main(self) -> Section:
        return self.sections[0]

    @property
    def stage(self) -> str:
        return f"receipt-{self.main.sha256[:16]}"


def _states(ws: Workspace, shas: list[str]) -> dict[str, dict]:
    return ledger_receipts.states(ws.ledger, shas)


def _file_rows(ws: Workspace, shas: list[str]) -> dict[str, dict]:
    return ledger_files.by_sha(ws.ledger, shas)


def _blank_form(ws: Workspace, unit: str, kind: str, period: str) -> tuple[Path | None, str, str]:
    """The unit's generated form to send again: for the kind and period, else its newest one."""
    row = ledger_generated.form_of(ws.ledger, unit, kind, period)
    if row is None:
        return None, kind, period
    path = outbox_dir(ws, row["kind"], row["period"]) / row["file"]
    return (path if path.is_file() else None), row["kind"], row["period"]


def _entries(ws: Workspace, sha: str) -> list[dict]:
    return ledger_entries.of_file(ws.ledger, sha)


def plan_replies(ws: Workspace, shas: list[str], mode: str) -> tuple[list[Reply], list[dict], dict[str, str]]:
    """(replies, skipped files, {sha256: note} of files that need no reply), for files in the
    order collect took them. One reply per unit; per return the version that counts."""
    rows = _file_rows(ws, shas)
    by_unit: dict[str, dict[tuple, list[dict]]] = {}
    skipped: list[dict] = []
    quiet: dict[str, str] = {}
    for sha in shas:
        r = rows.get(sha)
        if r is None:
            continue
        if not r["unit"]:
            skipped.append({"unit": "", "file": r["name"], "reason": "无法确定报送单位，未发回执，请督查室直接联系。"})
            quiet[sha] = "无法确定报送单位"
            continue
        key = (r["kind"], r["period"]) if r["kind"] and r["period"] else ("", "", sha)
        by_unit.setdefault(r["unit"], {}).setdefault(key, []).append(r)
    tasks: list[Task] | None = None
    replies: list[Reply] = []
    for unit, groups in by_unit.items():
        sections: list[Section] = []
        answered: list[str] = []
        for key, files in groups.items():
            accepted = [f for f in files if f["verdict"] == "accepted"]
            decider = accepted[-1] if accepted else None  # the version that counts
            at = files.index(decider) if decider is not None else -1
            older = [f["name"] for i, f in enumerate(files) if f is not decider and (f["verdict"] != "rejected" or i < at)]
            refused = [f for i, f in enumerate(files) if f["verdict"] == "rejected" and i > at]
            if decider is None and not refused:  # only older versions of a return already answered
                for f in files:
                    quiet[f["sha256"]] = "已被新版本替代"
                continue
            found: list[Section] = []
            if decider is not None:
                kind, period = decider["kind"] or "", decider["period"] or ""
                sec = Section("", decider["sha256"], decider["name"], kind, period, decider["received_at"], others=older)
                if tasks is None:
                    tasks = ws.ledger.tasks()
                mine = {t.id: t for t in tasks if unit in t.units}
                sec.problems = return_problems(kind, _entries(ws, decider["sha256"]), mine, decider["warnings"])
                sec.verdict = "problems" if sec.problems else "complete"
                found.append(sec)
            for f in refused:  # a refused file newer than any accepted one: answered on its own
                kind, period = f["kind"] or "", f["period"] or ""
                sec = Section("rejected", f["sha256"], f["name"], kind, period, f["received_at"], reason=f["reason"])
                sec.attachment, sec.kind, sec.period = _blank_form(ws, unit, kind, period)
                if kind and period:
                    valid = ledger_files.current(ws.ledger, unit, kind, period)
                    sec.still_valid = valid["name"] if valid else ""
                found.append(sec)
            if mode != "all":
                found = [x for x in found if x.verdict != "complete"]
            if not found:
                for f in files:
                    quiet[f["sha256"]] = "内容完整（[mail] receipts = \"problems\"，不发回执）"
                continue
            sections += found
            answered += [f["sha256"] for f in files]
        if sections:
            sections.sort(key=lambda s: ORDER[s.verdict])
            replies.append(Reply(unit, sections, answered))
    return replies, skipped, quiet


# -- wording -----------------------------------------------------------------------------------


def _when_text(iso: str) -> str:
    try:
        t = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    return cn_datetime(t)


def _deadline(ws: Workspace, kind: str, period: str) -> date | None:
    if kind not in ("plan", "status") or not period:
        return None
    try:
        return deadline_for(ws, kind, period)
    except (DubanError, ValueError):
        return None


def _by_when(due: date | None, today: date) -> str:
    if due is None:
        return "请尽快"
    if today <= due:
        return f"请于{cn_date(due)}前"
    return f"请尽快（截止日期{cn_date(due)}已过）"


def _form(kind: str, period: str) -> str:
    return form_label(kind, period) if kind in ("plan", "status") and period else "报送表"


def section_text(ws: Workspace, sec: Section, today: date) -> str:
    got = _when_text(sec.received_at)
    form = _form(sec.kind, sec.period)
    ask = _by_when(_deadline(ws, sec.kind, sec.period), today)
    lines: list[str] = []
    if sec.verdict == "rejected":
        lines.append(f"贵单位{got}报送的文件“{sec.file}”未能接收。")
        lines.append(f"原因：{sec.reason}")
        how = f"用附件中的原表（{sec.attachment.name}）" if sec.attachment is not None else f"用督查室下发的{form}"
        if sec.still_valid:
            lines.append(f"贵单位此前报送的“{sec.still_valid}”仍然有效；如需更正，{ask}{how}重新填报后回复本邮箱。")
        else:
            lines.append(f"{ask}{how}重新填报后回复本邮箱。")
    elif sec.verdict == "problems":
        lines.append(f"已收到贵单位{got}报送的“{sec.file}”（{form}），已登记，但有以下 {len(sec.problems)} 处需要补充或更正：")
        lines += [f"  {i}. {p.line()}" for i, p in enumerate(sec.problems, start=1)]
        lines.append(f"{ask}在原文件上补充更正后重新报送（以最后收到的文件为准）。")
    else:
        lines.append(f"已收到贵单位报送的“{sec.file}”（{form}），内容完整，已登记。")
        lines.append(f"收到时间：{got}")
        lines.append(f"文件 SHA-256：{sec.sha256}")
    if sec.others:
        lines.append("同时收到的" + "、".join(f"“{o}”" for o in sec.others) + "不是最后报送的版本，以上述文件为准。")
    return "\n".join(lines)


def reply_message(ws: Workspace, reply: Reply, to: list[str], today: date) -> Outgoing:
    tpl = ws.settings.mail.templates
    main = reply.main
    subject_tpl, body_tpl = {
        "rejected": (tpl.receipt_rejected_subject, tpl.receipt_rejected_body),
        "problems": (tpl.receipt_problems_subject, tpl.receipt_problems_body),
        "complete": (tpl.receipt_ok_subject, tpl.receipt_ok_body),
    }[main.verdict]
    texts = [section_text(ws, s, today) for s in reply.sections]
    items = texts[0] if len(texts) == 1 else "\n\n".join(f"{i}. {t}" for i, t in enumerate(texts, start=1))
    due = _deadline(ws, main.kind, main.period)
    values = dict(unit=reply.unit, office=ws.settings.office, contact=ws.settings.contact, items=items,
                  form=_form(main.kind, main.period),
                  period=template_period(main.kind, main.period) if main.kind in ("plan", "status") and main.period else "",
                  deadline=cn_date(due) if due else "", file=main.file, received=_when_text(main.received_at),
                  sha256=main.sha256, count=sum(len(s.problems) for s in reply.sections))
    attachments: list[Path] = []
    for s in reply.sections:
        if s.attachment is not None and s.attachment not in attachments:
            attachments.append(s.attachment)
    return Outgoing(unit=reply.unit, to=to, subject=fill(subject_tpl, **values), body=fill(body_tpl, **values),
                    attachments=attachments, eml_name=f"{reply.unit}（回执）.eml")


# -- the run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """``files``: the sha256 of the files just collected (taken or refused) to answer;
    earlier replies that failed are tried again whatever they are (not in a dry run)."""

    files: tuple[str, ...] = ()
    dry_run: bool = False


def collected_files(report: Report | None) -> tuple[str, ...]:
    """The files a collect report took or refused, by sha256: what its receipts answer."""
    if report is None:
        return ()
    shas = [a["sha256"] for a in report.data.get("accepted", [])] + [r["sha256"] for r in report.data.get("rejected", [])]
    return tuple(dict.fromkeys(s for s in shas if s))


def _candidates(ws: Workspace, files: tuple[str, ...], retry: bool = True) -> list[str]:
    """This run's files not yet answered, then (``retry``) earlier replies to try again."""
    fresh = list(files)
    states = _states(ws, fresh)
    out = [s for s in fresh if s not in states or states[s]["state"] in RETRY]
    if retry:
        out += [r["sha256"] for r in ledger_receipts.in_states(ws.ledger, RETRY)]
    return list(dict.fromkeys(out))


def mail_configured(ws: Workspace) -> bool:
    host = (ws.settings.mail.host or "").strip().lower()
    return bool(host) and not host.endswith(_PLACEHOLDER_HOSTS) and host not in ("example.org", "example.com")


def due(ws: Workspace, request: Request) -> bool:
    """Whether a run now would answer anything (or has a crashed reply to report). A dry run
    previews only what was just collected, not the replies waiting to be tried again."""
    dry_run = request.dry_run
    if ws.settings.mail.receipts == "off":
        return False
    if not dry_run and ledger_receipts.any_in(ws.ledger, SENDING):
        return True
    shas = _candidates(ws, request.files, retry=not dry_run)
    if not shas:
        return False
    replies, _, _ = plan_replies(ws, shas, ws.settings.mail.receipts)
    return bool(replies)


def _mark(ws: Workspace, shas: Iterable[str], unit: str, stage: str, state: str, at: str, note: str = "",
          tried: bool = False) -> None:
    with ws.ledger.transaction() as con:
        for sha in shas:
            ledger_receipts.mark(con, sha, unit, stage, state, at, note, tried)


def _settle_crashed(ws: Workspace, stamp: str) -> list[str]:
    """Replies left 发送中 by a run that died: sent if the mail ledger has them, else 待确认 (once)."""
    warnings: list[str] = []
    rows = ledger_receipts.in_states(ws.ledger, (SENDING,))
    by_stage: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        by_stage.setdefault((r["unit"], r["stage"]), []).append(r["sha256"])
    for (unit, stage), shas in by_stage.items():
        # a mail row still 'sending' is the crash itself: the server may or may not have the message
        if ledger_mail.sent_at_stage(ws.ledger, unit, stage):
            _mark(ws, shas, unit, stage, SENT, stamp)
            continue
        names = [r["name"] for r in _file_rows(ws, shas).values()]
        warnings.append(f"待确认：给{unit}的回执（{'、'.join(f'“{n}”' for n in names)}）在上次运行中断时正在发送，"
                        "无法确认是否已经发出，未自动重发。请向该单位确认。")
        _mark(ws, shas, unit, stage, UNCONFIRMED, stamp)
    return warnings


def run(ws: Workspace, request: Request, now: datetime, *, sleep: Callable[[float], None] = time.sleep) -> Report:
    """Answer the files of ``request`` and retry earlier failed replies."""
    dry_run = request.dry_run
    mode = ws.settings.mail.receipts
    data: dict = {"mode": mode, "dry_run": dry_run, "sent": [], "failed": [], "skipped": [], "preview": [], "eml": []}
    if mode == "off":
        return Report(job="receipts", summary="", data=data)
    stamp = now.isoformat(timespec="seconds")
    warnings = [] if dry_run else _settle_crashed(ws, stamp)
    shas = _candidates(ws, request.files, retry=not dry_run)
    replies, skipped, quiet = plan_replies(ws, shas, mode) if shas else ([], [], {})
    data["skipped"] = skipped
    if not dry_run:
        with ws.ledger.transaction() as con:
            for sha, note in quiet.items():
                ledger_receipts.set_state(con, sha, "", "", NONE, stamp, note)
    configured = mail_configured(ws)
    preview_dir = ws.root / "outbox" / PREVIEW_FOLDER
    if not dry_run and configured:
        for reply in replies:  # all of them on record first: a run that dies midway leaves the rest queued
            states = _states(ws, reply.shas)
            _mark(ws, [x for x in reply.shas if x not in states], reply.unit, reply.stage, QUEUED, stamp)
    stop = ""
    for reply in replies:
        to, why, more = addresses_of(ws.registry, reply.unit)
        from jobs.fetch import senders_for_reply

        sender = [a for a in senders_for_reply(ws, reply.shas) if a.lower() not in {t.lower() for t in to}]
        if sender:  # the address the file was mailed from is answered too (and alone if none is registered)
            to, why = to + sender, ""
        warnings.extend(more)
        names = [s.file for s in reply.sections]
        if why:
            skipped.append({"unit": reply.unit, "file": "、".join(names), "reason": why})
            if not dry_run:
                _mark(ws, reply.shas, reply.unit, reply.stage, NONE, stamp, why)
            continue
        out = reply_message(ws, reply, to, now.date())
        entry = {"unit": reply.unit, "to": to, "verdict": reply.main.verdict, "files": names, "subject": out.subject,
                 "attachments": [p.name for p in out.attachments],
                 "problems": [p.line() for s in reply.sections for p in s.problems]}
        if dry_run:
            done = deliver(ws, reply.main.kind, reply.main.period, reply.stage, [out], now=now, dry_run=True,
                           preview_dir=preview_dir, sleep=sleep)
            data["preview"].append({**entry, "eml": done.eml[0] if done.eml else ""})
            data["eml"] += done.eml
            states = _states(ws, reply.shas)
            _mark(ws, [x for x in reply.shas if x not in states or states[x]["state"] in RETRY],
                  reply.unit, reply.stage, PREVIEW, stamp)  # a real run sends it
            continue
        if not configured:
            reason = f"邮件服务器尚未配置（duban.toml [mail] host 仍是示例地址“{ws.settings.mail.host}”），未发送。"
            skipped.append({"unit": reply.unit, "file": "、".join(names), "reason": reason})
            _mark(ws, reply.shas, reply.unit, reply.stage, NONE, stamp, reason)
            continue
        if stop:
            data["failed"].append({"unit": reply.unit, "reason": f"未发送：{stop}（下次运行时重试）"})
            _mark(ws, reply.shas, reply.unit, reply.stage, FAILED, stamp, stop)
            continue
        _mark(ws, reply.shas, reply.unit, reply.stage, SENDING, stamp)
        try:
            done = deliver(ws, reply.main.kind, reply.main.period, reply.stage, [out], now=now, dry_run=False,
                           preview_dir=preview_dir, sleep=sleep)
        except DubanError as exc:  # the message could not even be built (no sender configured, ...)
            done = None
            reason = str(exc)
        else:
            reason = done.failed[0]["reason"] if done.failed else ""
            warnings.extend(done.warnings)
        if done is not None and done.sent:
            _mark(ws, reply.shas, reply.unit, reply.stage, SENT, stamp)
            data["sent"].append({**entry, "to": done.sent[0]["to"]})
            continue
        tries = max((r["tries"] for r in _states(ws, reply.shas).values()), default=0) + 1
        final = tries >= MAX_TRIES
        _mark(ws, reply.shas, reply.unit, reply.stage, NONE if final else FAILED, stamp, reason, tried=True)
        data["failed"].append({"unit": reply.unit, "reason": reason + ("（已尝试 %d 次，不再自动重试）" % tries if final else "")})
        stop = reason or "回执发送失败"
    if not dry_run and not configured and any(s["reason"].startswith("邮件服务器尚未配置") for s in skipped):
        warnings.append(f"邮件服务器尚未配置（duban.toml [mail] host 仍是示例地址），回执未发送；可用 collect --dry-run 预览回执。")
    counts = {v: sum(1 for s in data["sent"] if s["verdict"] == v) for v in ORDER}
    parts = []
    if dry_run and data["preview"]:
        parts.append(f"回执预览 {len(data['preview'])} 封，已写入 {preview_dir}，未发送。")
    if data["sent"]:
        detail = "，".join(f"{VERDICT_WORDS[v]} {n}" for v, n in counts.items() if n)
        parts.append(f"回执：已发给 {len(data['sent'])} 个单位（{detail}）。")
    if data["failed"]:
        parts.append(f"回执发送失败 {len(data['failed'])} 个：" + "；".join(f"{f['unit']}：{f['reason']}" for f in data["failed"]))
    return Report(job="receipts", summary="".join(parts), warnings=warnings, ok=not data["failed"], data=data)


def after_collect(ws: Workspace, report: Report, now: datetime, *, dry_run: bool = False,
                  sleep: Callable[[float], None] = time.sleep) -> Report:
    """The collect report with the receipts sent for it (data["receipts"]); failures make it not ok."""
    r = run(ws, Request(collected_files(report), dry_run), now, sleep=sleep)
    report.data["receipts"] = r.data
    if r.summary:
        report.summary = f"{report.summary}{r.summary}"
    report.warnings = report.warnings + r.warnings
    report.ok = report.ok and r.ok
    return report
