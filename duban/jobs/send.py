"""send: mail each unit its generated workbook, once; --dry-run writes .eml previews instead."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Callable

from ..errors import DubanError, command
from ..mailer import PREVIEW_DIR, Outgoing, cn_date, deliver, last_sent, period_label, render, sha256_file, addresses_of
from ..model import Report
from ..workspace import Workspace
from .generate import deadline_for, normalize_period, outbox_dir

STAGE = "send"
KIND_NAMES = {"plan": "年度落实计划表", "status": "落实情况表"}


def form_label(kind: str, period: str) -> str:
    """“2025年度工作任务落实计划表” / “2025年3月工作任务落实情况表”."""
    if kind == "plan":
        return f"{period}年度工作任务落实计划表"
    return f"{period_label(kind, period)}工作任务落实情况表"


def select_units(ws: Workspace, available: list[str], wanted: list[str] | None) -> list[str]:
    """The generated units to handle, in registry order; unknown names are an error naming them."""
    if not wanted:
        return available
    chosen: list[str] = []
    unknown: list[str] = []
    for name in wanted:
        canonical = ws.registry.canonical(name) or name.strip()
        if canonical in available:
            if canonical not in chosen:
                chosen.append(canonical)
        else:
            unknown.append(name)
    if unknown:
        raise DubanError(f"以下单位没有本期的报送表：{'、'.join(unknown)}。请核对单位名称（可用 units.xlsx 中登记的简称）。")
    return [u for u in available if u in chosen]


def run(ws: Workspace, kind: str, month: str | None = None, *, now: datetime, dry_run: bool = False,
        resend: bool = False, units: list[str] | None = None, sleep: Callable[[float], None] = time.sleep) -> Report:
    if kind not in KIND_NAMES:
        raise DubanError(f"未知的报送表类型“{kind}”，应为 plan（计划表）或 status（落实情况表）。")
    period = normalize_period(ws, kind, month)
    label = form_label(kind, period)
    rows = ws.ledger.db.execute("SELECT unit, file FROM generated WHERE kind=? AND period=?", (kind, period)).fetchall()
    if not rows:
        how = command("generate plan" if kind == "plan" else f"generate status --month {period}")
        raise DubanError(f"尚未生成{label}，没有可发送的文件。请先运行 {how}。")
    folder = outbox_dir(ws, kind, period)
    files = {r["unit"]: folder / r["file"] for r in rows}
    chosen = select_units(ws, sorted(files, key=ws.registry.order_key), units)
    deadline = deadline_for(ws, kind, period)
    tpl = ws.settings.mail.templates
    subject_tpl, body_tpl = (tpl.plan_subject, tpl.plan_body) if kind == "plan" else (tpl.status_subject, tpl.status_body)
    task_count: dict[str, int] = {}
    for t in ws.ledger.tasks():
        for u in t.units:
            task_count[u] = task_count.get(u, 0) + 1

    outgoing: list[Outgoing] = []
    skipped: list[dict] = []
    failed: list[dict] = []
    warnings: list[str] = []
    for unit in chosen:
        path = files[unit]
        to, why, more = addresses_of(ws.registry, unit)
        warnings.extend(more)
        if why:
            skipped.append({"unit": unit, "reason": why})
            continue
        if not path.is_file():
            failed.append({"unit": unit, "reason": f"报送表文件 {path.name} 不在 {folder} 中（可能被移动或删除）。请重新运行 generate 后再发送。"})
            continue
        before = last_sent(ws, kind, period, unit, STAGE)
        if before is not None and not resend:
            skipped.append({"unit": unit, "reason": f"已发送（{before['sent_at'].replace('T', ' ')}），未重复发送。如需重发请加 --resend。"})
            sent_sha = {f.get("file"): f.get("sha256") for f in json.loads(before["files"] or "[]") if isinstance(f, dict)}
            rel_path = path.relative_to(ws.root).as_posix()
            if rel_path in sent_sha and sent_sha[rel_path] != sha256_file(path):
                warnings.append(f"{unit}：报送表在发送后已重新生成且内容有变化，单位手中仍是旧表。如需发送新表，请运行 send {kind} --resend --unit {unit}。")
            continue
        values = dict(unit=unit, office=ws.settings.office, contact=ws.settings.contact, deadline=cn_date(deadline),
                      period=period_label(kind, period), items=f"· {label}（涉及{task_count.get(unit, 0)}项任务）")
        outgoing.append(Outgoing(unit=unit, to=to, subject=render(subject_tpl, **values), body=render(body_tpl, **values),
                                 attachments=[path], eml_name=f"{unit}.eml"))

    done = deliver(ws, kind, period, STAGE, outgoing, now=now, dry_run=dry_run, preview_dir=folder / PREVIEW_DIR, sleep=sleep)
    failed += done.failed
    warnings += done.warnings
    already = sum(1 for s in skipped if s["reason"].startswith("已发送"))
    if dry_run:
        summary = (f"预览：{label}将发给 {len(done.preview)} 个单位，邮件已写入 {folder / PREVIEW_DIR}（可用邮件程序打开检查），"
                   f"未发送任何邮件。")
    else:
        summary = f"{label}：已发送 {len(done.sent)} 个单位。"
    if failed:
        summary += f"发送失败 {len(failed)} 个，请查看失败原因，处理后重新运行 send（已发送的不会重复发送）。"
    if skipped:
        summary += f"跳过 {len(skipped)} 个（其中此前已发送 {already} 个）。"
    return Report(job="send", summary=summary, warnings=warnings, ok=not failed, data={
        "kind": kind, "period": period, "deadline": deadline.isoformat(), "folder": str(folder),
        "sent": done.sent, "failed": failed, "skipped": skipped, "dry_run": dry_run, "eml": done.eml,
        "preview": done.preview,
    })
