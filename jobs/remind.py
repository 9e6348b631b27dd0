"""remind: a gentle reminder before the monthly deadline, a chase after it; each once per unit.

Only units the month's form was issued to are reminded (mailed by send, or recorded with
``send --record-only``); a unit whose return was blank is chased like one that sent nothing.
The overdue plan is mentioned only to units the plan form was issued to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from office.dates import cn_date, template_period
from office.placeholders import fill
from office.mailer import (PREVIEW_DIR, Outgoing, addresses_of, deliver, failure_lines, issued_units, last_sent,
                           unconfirmed_lines)
from office.ledger import generated as ledger_generated
from office.model import Report
from office.month import end_of, line_units, month_deadline, not_issued_note, reporting_units, submissions, via_lead
from office.workdays import parse_period, plan_deadline
from office.workspace import Workspace
from jobs.generate import normalize_period, outbox_dir
from jobs.send import form_label

STAGE_LABELS = {"remind": "提醒", "overdue": "催报"}


def windows(ws: Workspace, due: date) -> tuple[date, date]:
    """(first day of the reminder window, first day of the overdue chase)."""
    cal = ws.calendar
    n = ws.settings.remind_before_workdays
    remind_from = cal.workdays_before(due, n) if n >= 1 else due
    overdue_from = cal.add_workdays(due, max(1, ws.settings.overdue_after_workdays))
    return remind_from, overdue_from


def stage_for(ws: Workspace, due: date, today: date) -> str | None:
    remind_from, overdue_from = windows(ws, due)
    if today >= overdue_from:
        return "overdue"
    if remind_from <= today <= due:
        return "remind"
    return None


@dataclass(frozen=True)
class Request:
    month: str  # the status forms' month
    dry_run: bool = False  # write .eml previews, send nothing


def run(ws: Workspace, request: Request, now: datetime, *, sleep: Callable[[float], None] = time.sleep) -> Report:
    dry_run = request.dry_run
    period = normalize_period(ws, "status", request.month)
    year, m = parse_period(period)
    due = month_deadline(ws, year, m)
    remind_from, overdue_from = windows(ws, due)
    today = now.date()
    stage = stage_for(ws, due, today)
    label = form_label("status", period)
    base = {"period": period, "deadline": due.isoformat(), "stage": stage, "remind_from": remind_from.isoformat(),
            "overdue_from": overdue_from.isoformat(), "sent": [], "failed": [], "skipped": [], "dry_run": dry_run,
            "eml": [], "preview": [], "not_issued": [], "unconfirmed": []}
    if stage is None:
        when = "尚未到提醒时间" if today < remind_from else "已过截止日期，尚未到催报时间"
        summary = (f"{label}今天无需提醒或催报（{when}）：截止日期{cn_date(due)}，"
                   f"提醒时间为{cn_date(remind_from)}至{cn_date(due)}，逾期催报自{cn_date(overdue_from)}起。")
        return Report(job="remind", summary=summary, data=base)

    tasks = ws.ledger.tasks()
    lead_only = via_lead(ws)
    issued = issued_units(ws, "status", period)
    answered = submissions(ws, "status", period)
    units = reporting_units(ws, tasks, lead_only)
    base["not_issued"] = [u for u in units if u not in issued and u not in answered]
    if not issued and not answered:
        generated = ledger_generated.units(ws.ledger, "status", period)
        summary = f"{label}未下发（没有发送记录，也未用 --record-only 登记为已下发），不提醒、不催报。"
        note = not_issued_note(ws, "status", period, [u for u in units if u in generated], len(generated))
        return Report(job="remind", summary=summary, warnings=[note] if note else [], data=base)

    plan_period = str(year)
    p_due = plan_deadline(year, ws.settings.plan_deadline)
    plan_overdue = now > end_of(p_due)
    plans = submissions(ws, "plan", plan_period) if plan_overdue else {}
    plan_issued = issued_units(ws, "plan", plan_period) if plan_overdue else set()
    status_files = {u: f["file"] for u, f in ledger_generated.forms(ws.ledger, "status", period).items()}
    plan_files = {u: f["file"] for u, f in ledger_generated.forms(ws.ledger, "plan", plan_period).items()}
    folder = outbox_dir(ws, "status", period)
    plan_folder = outbox_dir(ws, "plan", plan_period)
    warnings: list[str] = []

    tpl = ws.settings.mail.templates
    subject_tpl, body_tpl = (tpl.remind_subject, tpl.remind_body) if stage == "remind" else (tpl.overdue_subject, tpl.overdue_body)
    outgoing: list[Outgoing] = []
    skipped: list[dict] = []
    answered_count = 0
    for unit in units:
        sub = answered.get(unit)
        if sub is not None and not sub.blank:
            answered_count += 1
            continue
        if sub is None and unit not in issued:
            continue  # never asked: 未下发, nothing to remind of
        to, why, more = addresses_of(ws.registry, unit)
        warnings.extend(more)
        if why:
            skipped.append({"unit": unit, "reason": why})
            continue
        before = last_sent(ws, "status", period, unit, stage)
        if before is not None:
            skipped.append({"unit": unit, "reason": f"已发送（本月{STAGE_LABELS[stage]}已于{before['sent_at'].replace('T', ' ')}发送，每月只发一次）。"})
            continue
        n = sum(1 for t in tasks if unit in line_units(t, lead_only))
        blank = "；已收到的表为空表，请填写后重新报送" if sub is not None else ""
        items = [f"· {label}（涉及{n}项任务{blank}）"]
        attachments = []
        if unit in status_files and (folder / status_files[unit]).is_file():
            attachments.append(folder / status_files[unit])
        plan = plans.get(unit)
        if plan_overdue and unit in plan_issued | set(plans) and (plan is None or plan.blank):
            items.append(f"· {form_label('plan', plan_period)}（截止日期{cn_date(p_due)}，已逾期"
                         + ("；已收到的表为空表" if plan is not None else "") + "）")
            if unit in plan_files and (plan_folder / plan_files[unit]).is_file():
                attachments.append(plan_folder / plan_files[unit])
        values = dict(unit=unit, office=ws.settings.office, contact=ws.settings.contact, deadline=cn_date(due),
                      period=template_period("status", period), items="\n".join(items))
        outgoing.append(Outgoing(unit=unit, to=to, subject=fill(subject_tpl, **values), body=fill(body_tpl, **values),
                                 attachments=attachments, eml_name=f"{unit}（{STAGE_LABELS[stage]}）.eml"))

    done = deliver(ws, "status", period, stage, outgoing, now=now, dry_run=dry_run, preview_dir=folder / PREVIEW_DIR, sleep=sleep)
    word = STAGE_LABELS[stage]
    if dry_run:
        summary = f"预览：{label}{word}邮件将发给 {len(done.preview)} 个单位，已写入 {folder / PREVIEW_DIR}，未发送任何邮件。"
    else:
        summary = f"{label}{word}：已发送 {len(done.sent)} 个单位。"
    summary += f"已报送 {answered_count} 个单位，不再提醒。"
    if base["not_issued"]:
        summary += f"另有 {len(base['not_issued'])} 个单位未下发本月报送表，不提醒。"
    if done.failed:
        summary += f"发送失败 {len(done.failed)} 个（原因见下），处理后重新运行 remind（已发送的不会重复发送）。"
    if done.unconfirmed:
        summary += f"待确认 {len(done.unconfirmed)} 个（上次发送中断，未重发，见下）。"
    if skipped:
        summary += f"跳过 {len(skipped)} 个。"
    warnings = unconfirmed_lines(done.unconfirmed, "") + failure_lines(done.failed) + warnings + done.warnings
    base.update(sent=done.sent, failed=done.failed, skipped=skipped, eml=done.eml, preview=done.preview,
                unconfirmed=done.unconfirmed, answered=sorted(answered, key=ws.registry.order_key))
    return Report(job="remind", summary=summary, warnings=warnings, ok=not done.failed and not done.unconfirmed, data=base)
