"""send: mail each unit its generated workbook, once; --dry-run writes .eml previews instead;
--record-only records forms the office delivered by other means, mailing nothing.

Under ``[workflow] co_units = "via_lead"`` the status forms go to lead units only, and each
co-unit gets a short notice (stage ``notice``) naming the lead unit it reports through.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from office.errors import DubanError, command
from office.dates import cn_date, period_label, template_period
from office.placeholders import fill
from office.mailer import (PREVIEW_DIR, Outgoing, addresses_of, deliver, failure_lines, last_sent, record_delivered,
                           sha256_file, unconfirmed_lines, unconfirmed_row)
from office.ledger import generated as ledger_generated
from office.model import KIND_LABELS, Report, Task
from office.month import via_lead
from office.workspace import Workspace
from jobs.generate import deadline_for, normalize_period, outbox_dir

STAGE = "send"
NOTICE_STAGE = "notice"
KIND_NAMES = {"plan": "年度落实计划表", "status": "落实情况表"}
_NAME_SPLIT = re.compile(r"[、，,；;\s]+")


def form_label(kind: str, period: str) -> str:
    """“2025年度工作任务落实计划表” / “2025年3月工作任务落实情况表”."""
    return f"{period_label(period)}工作任务{'落实计划表' if kind == 'plan' else '落实情况表'}"


def split_names(wanted: list[str] | None) -> list[str]:
    """``--unit 区商务局 --unit 区财政局`` or ``--unit 区商务局、区财政局``: the names, in order."""
    out: list[str] = []
    for item in wanted or []:
        out += [n for n in _NAME_SPLIT.split(item or "") if n]
    return out


def select_units(ws: Workspace, available: list[str], wanted: list[str] | None) -> list[str]:
    """The generated units to handle, in registry order; unknown names are an error naming them."""
    names = split_names(wanted)
    if not names:
        return available
    chosen: list[str] = []
    unknown: list[str] = []
    for name in names:
        canonical = ws.registry.canonical(name) or name.strip()
        if canonical in available:
            if canonical not in chosen:
                chosen.append(canonical)
        else:
            unknown.append(name)
    if unknown:
        raise DubanError(f"以下单位没有本期的报送表：{'、'.join(unknown)}。请核对单位名称（可用 units.xlsx 中登记的简称）。")
    return [u for u in available if u in chosen]


def send_command(ws: Workspace, kind: str, period: str, *options: str) -> str:
    """The command line a clerk types for this form, e.g. for --resend hints."""
    month = f" --month {period}" if kind == "status" else ""
    return command(f"send {kind}{month} {' '.join(options)} -w {ws.root}".replace("  ", " "))


def notice_tasks(ws: Workspace, tasks: list[Task]) -> dict[str, list[Task]]:
    """via_lead: each co-unit -> the tasks on which it only assists (it reports them through the lead)."""
    out: dict[str, list[Task]] = {}
    for t in tasks:
        if not t.lead_units:
            continue
        for u in t.co_units:
            if u not in t.lead_units and (ws.registry.get(u) is not None):
                out.setdefault(u, []).append(t)
    return out


def _record_only(ws: Workspace, kind: str, period: str, label: str, chosen: list[str], files: dict, *, now: datetime,
                 dry_run: bool, base: dict) -> Report:
    recorded: list[str] = []
    skipped: list[dict] = []
    missing: list[dict] = []
    for unit in chosen:
        before = last_sent(ws, kind, period, unit, STAGE)
        if before is not None:
            how = "已登记为下发" if before["recorded_only"] else "已通过邮件发送"
            skipped.append({"unit": unit, "reason": f"{how}（{before['sent_at'].replace('T', ' ')}），无需再登记。"})
            continue
        path = files[unit]
        if not path.is_file():
            missing.append({"unit": unit, "reason": f"报送表文件 {path.name} 不在 {path.parent} 中，无法登记。请重新运行 generate。"})
            continue
        if not dry_run:
            record_delivered(ws, kind, period, unit, [{"file": path.relative_to(ws.root).as_posix(), "sha256": sha256_file(path)}],
                             now, "未经本系统发送：由督查室以其他方式下发（send --record-only 登记）")
        recorded.append(unit)
    if dry_run:
        summary = f"预览：将把 {len(recorded)} 个单位的{label}登记为已下发，未登记、未发送任何邮件。"
    else:
        summary = f"{label}：已登记 {len(recorded)} 个单位为已下发（未发送邮件，按督查室已通过其他方式下发处理）。"
    if skipped:
        summary += f"跳过 {len(skipped)} 个（此前已下发）。"
    if missing:
        summary += f"{len(missing)} 个单位的报送表文件缺失，未登记。"
    base.update(recorded=recorded, skipped=skipped, failed=missing, record_only=True)
    return Report(job="send", summary=summary, ok=not missing, data=base,
                  warnings=[f"{m['unit']}：{m['reason']}" for m in missing])


@dataclass(frozen=True)
class Request:
    """The period's forms to send (or, with ``record_only``, to record as issued).

    ``units``: only these units (names or aliases; a value may hold several, 、-separated).
    ``resend``: send again to units already sent; a message left 待确认 by a crash is sent
    again only when its unit is named in ``units``.
    """

    kind: str  # plan | status
    month: str | None = None
    dry_run: bool = False
    resend: bool = False
    units: tuple[str, ...] | None = None
    record_only: bool = False


def run(ws: Workspace, request: Request, now: datetime, *, sleep: Callable[[float], None] = time.sleep) -> Report:
    """Send (or record as issued) the period's forms; see :class:`Request`."""
    kind, month, dry_run, resend, record_only = (request.kind, request.month, request.dry_run, request.resend,
                                                 request.record_only)
    units = list(request.units) if request.units else None
    if kind not in KIND_NAMES:
        raise DubanError(f"未知的报送表类型“{kind}”，应为 plan（计划表）或 status（落实情况表）。")
    if record_only and resend:
        raise DubanError("--record-only 只登记、不发送，不能与 --resend 同时使用。")
    period = normalize_period(ws, kind, month)
    label = form_label(kind, period)
    rows = [{"unit": u, "file": f["file"]} for u, f in ledger_generated.forms(ws.ledger, kind, period).items()]
    if not rows:
        how = command("generate plan" if kind == "plan" else f"generate status --month {period}")
        raise DubanError(f"尚未生成{label}，没有可发送的文件。请先运行 {how}。")
    folder = outbox_dir(ws, kind, period)
    files = {r["unit"]: folder / r["file"] for r in rows}
    form_units = sorted(files, key=ws.registry.order_key)
    tasks = ws.ledger.tasks()
    notices = notice_tasks(ws, tasks) if kind == "status" and via_lead(ws) and not record_only else {}
    notice_units = sorted(notices, key=ws.registry.order_key)
    chosen_all = select_units(ws, list(dict.fromkeys(form_units + notice_units)), units)
    chosen = [u for u in chosen_all if u in files]
    chosen_notices = [u for u in chosen_all if u in notices]
    named = set(chosen_all) if split_names(units) else set()
    deadline = deadline_for(ws, kind, period)
    base = {"kind": kind, "period": period, "deadline": deadline.isoformat(), "folder": str(folder),
            "sent": [], "failed": [], "skipped": [], "dry_run": dry_run, "eml": [], "preview": [], "unconfirmed": [],
            "notices": [], "record_only": False}
    if record_only:
        return _record_only(ws, kind, period, label, chosen, files, now=now, dry_run=dry_run, base=base)

    tpl = ws.settings.mail.templates
    subject_tpl, body_tpl = (tpl.plan_subject, tpl.plan_body) if kind == "plan" else (tpl.status_subject, tpl.status_body)
    lead_only = kind == "status" and via_lead(ws)
    task_count: dict[str, int] = {}
    for t in tasks:
        for u in (t.lead_units or t.units) if lead_only else t.units:
            task_count[u] = task_count.get(u, 0) + 1

    outgoing: list[Outgoing] = []
    skipped: list[dict] = []
    failed: list[dict] = []
    warnings: list[str] = []

    def already(unit: str, stage: str) -> bool:
        before = last_sent(ws, kind, period, unit, stage)
        if before is None or resend:
            return False
        if unconfirmed_row(ws, kind, period, unit, stage) is not None:
            return False  # a resend that was interrupted: reported as 待确认 by deliver
        how = "已登记为下发" if before["recorded_only"] else "已发送"
        skipped.append({"unit": unit, "reason": f"{how}（{before['sent_at'].replace('T', ' ')}），未重复发送。"
                                                f"如需重发请运行 {send_command(ws, kind, period, '--resend', '--unit', unit)}。"})
        if stage == STAGE and not before["recorded_only"]:
            sent_sha = {f.get("file"): f.get("sha256") for f in json.loads(before["files"] or "[]") if isinstance(f, dict)}
            rel_path = files[unit].relative_to(ws.root).as_posix()
            if rel_path in sent_sha and files[unit].is_file() and sent_sha[rel_path] != sha256_file(files[unit]):
                warnings.append(f"{unit}：报送表在发送后已重新生成且内容有变化，单位手中仍是旧表。如需发送新表，请运行 "
                                f"{send_command(ws, kind, period, '--resend', '--unit', unit)}。")
        return True

    for unit in chosen:
        path = files[unit]
        to, why, more = addresses_of(ws.registry, unit)
        warnings.extend(more)
        if why:
            skipped.append({"unit": unit, "reason": why + f"如已通过其他方式下发，可运行 {send_command(ws, kind, period, '--record-only', '--unit', unit)} 登记。"})
            continue
        if not path.is_file():
            failed.append({"unit": unit, "reason": f"报送表文件 {path.name} 不在 {folder} 中（可能被移动或删除）。请重新运行 generate 后再发送。",
                           "tried": False})
            continue
        if already(unit, STAGE):
            continue
        values = dict(unit=unit, office=ws.settings.office, contact=ws.settings.contact, deadline=cn_date(deadline),
                      period=template_period(kind, period), items=f"· {label}（涉及{task_count.get(unit, 0)}项任务）")
        outgoing.append(Outgoing(unit=unit, to=to, subject=fill(subject_tpl, **values), body=fill(body_tpl, **values),
                                 attachments=[path], eml_name=f"{unit}.eml"))

    force = named if resend else set()
    done = deliver(ws, kind, period, STAGE, outgoing, now=now, dry_run=dry_run, preview_dir=folder / PREVIEW_DIR,
                   sleep=sleep, force=force)

    # via_lead: the co-units' notices, after the forms (a server that failed the forms is not tried again)
    notice_out: list[Outgoing] = []
    for unit in chosen_notices:
        to, why, more = addresses_of(ws.registry, unit)
        warnings.extend(more)
        if why:
            skipped.append({"unit": unit, "reason": "告知（配合单位）未发送：" + why})
            continue
        if already(unit, NOTICE_STAGE):
            continue
        items = "\n".join(f"· {KIND_LABELS[t.kind]}第{t.seq}项“{_short(t.text)}”：牵头单位{'、'.join(t.lead_units)}"
                          for t in notices[unit])
        leads = "、".join(dict.fromkeys(u for t in notices[unit] for u in t.lead_units))
        values = dict(unit=unit, office=ws.settings.office, contact=ws.settings.contact, deadline=cn_date(deadline),
                      period=template_period(kind, period), items=items, leads=leads)
        notice_out.append(Outgoing(unit=unit, to=to, subject=fill(tpl.notice_subject, **values),
                                   body=fill(tpl.notice_body, **values), attachments=[], eml_name=f"{unit}（告知）.eml"))
    if done.fatal:
        notice_done = None  # the server could not be used: the notices wait for the next run
        failed += [{"unit": o.unit, "reason": done.fatal, "tried": False, "notice": True} for o in notice_out]
    else:
        notice_done = deliver(ws, kind, period, NOTICE_STAGE, notice_out, now=now, dry_run=dry_run,
                              preview_dir=folder / PREVIEW_DIR, sleep=sleep, force=force)

    failed += done.failed
    warnings += done.warnings
    unconfirmed = list(done.unconfirmed)
    if notice_done is not None:
        failed += [dict(f, notice=True) for f in notice_done.failed]
        warnings += notice_done.warnings
        unconfirmed += [dict(u, notice=True) for u in notice_done.unconfirmed]
    already_n = sum(1 for s in skipped if s["reason"].startswith(("已发送", "已登记")))
    if dry_run:
        summary = (f"预览：{label}将发给 {len(done.preview)} 个单位，邮件已写入 {folder / PREVIEW_DIR}（可用邮件程序打开检查），"
                   f"未发送任何邮件。")
        if notice_done is not None and notice_done.preview:
            summary += f"另有 {len(notice_done.preview)} 个配合单位将收到告知邮件（由牵头单位汇总报送）。"
    else:
        summary = f"{label}：已发送 {len(done.sent)} 个单位。"
        if notice_done is not None and notice_done.sent:
            summary += f"已向 {len(notice_done.sent)} 个配合单位发送告知（由牵头单位汇总报送）。"
    if failed:
        summary += f"发送失败 {len(failed)} 个（原因见下），处理后重新运行 send（已发送的不会重复发送）。"
        warnings = failure_lines(failed) + warnings
    if unconfirmed:
        summary += f"待确认 {len(unconfirmed)} 个（上次发送中断，未重发，见下）。"
        names = [u["unit"] for u in unconfirmed]
        warnings = unconfirmed_lines(unconfirmed, send_command(ws, kind, period, "--resend", "--unit", *names),
                                     send_command(ws, kind, period, "--record-only", "--unit", *names)) + warnings
    if skipped:
        summary += f"跳过 {len(skipped)} 个（其中此前已下发 {already_n} 个）。"
    base.update(sent=done.sent, failed=failed, skipped=skipped, eml=done.eml + (notice_done.eml if notice_done else []),
                preview=done.preview, unconfirmed=unconfirmed,
                notices=(notice_done.sent if notice_done else []) + (notice_done.preview if notice_done and dry_run else []))
    return Report(job="send", summary=summary, warnings=warnings, ok=not failed and not unconfirmed, data=base)


def _short(text: str, n: int = 30) -> str:
    text = "".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"
