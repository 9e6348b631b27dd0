"""generate: one pre-filled plan or status workbook per unit, in outbox/."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from office.dates import form_label
from office.errors import DubanError, command
from office.ledger import generated as ledger_generated, mail as ledger_mail, meta
from office.model import KIND_LABELS, Report, Task
from office.month import entries, line_units, quarter_target, reporting_units, submissions, via_lead
from sheets import identity
from sheets.forms import FormRow, FormSpec, form_filename, ordered_rows, prefilled_checksum, write_form
from sheets.template import FormTemplate, load_template
from office.units import notes_once
from office.workdays import parse_period, plan_deadline, status_deadline
from office.workspace import Workspace

KIND_ORDER = {"annual": 0, "livelihood": 1}


def outbox_dir(ws: Workspace, kind: str, period: str) -> Path:
    return ws.root / "outbox" / ("plan" if kind == "plan" else period)


def normalize_period(ws: Workspace, kind: str, month: str | None) -> str:
    if kind == "plan":
        return str(ws.settings.year)
    if not month:
        raise DubanError("生成落实情况表需要指定月份，例如 --month 2025-03。")
    year, m = parse_period(month)
    if year != ws.settings.year:
        raise DubanError(f"月份 {month} 不属于本工作区的年度（{ws.settings.year}年）。每个年度请使用单独的工作区。")
    return f"{year}-{m:02d}"


def deadline_for(ws: Workspace, kind: str, period: str) -> date:
    if kind == "plan":
        return plan_deadline(ws.settings.year, ws.settings.plan_deadline)
    year, m = parse_period(period)
    return status_deadline(ws.calendar, year, m, ws.settings.status_workdays)


def tasks_by_unit(tasks: list[Task]) -> dict[str, list[Task]]:
    """unit -> the tasks naming it, in task order (the same as ``[t for t in tasks if unit in t.units]``).

    One pass over the tasks instead of one scan of all tasks per unit.
    """
    index: dict[str, list[Task]] = {}
    for t in tasks:
        us = t.units
        if len(us) > 1 and len(set(us)) < len(us):  # a unit named twice on one task lists it once
            us = tuple(dict.fromkeys(us))
        for u in us:
            mine = index.get(u)
            if mine is None:
                index[u] = [t]
            else:
                mine.append(t)
    return index


def _task_order(t: Task) -> tuple[int, int]:
    return (KIND_ORDER[t.kind], t.seq)


def unit_rows(
    tasks: list[Task],
    unit: str,
    targets: dict[str, str | None] | None,
    index: dict[str, list[Task]] | None = None,
    lead_only: bool = False,
) -> tuple[FormRow, ...]:
    """The rows of `unit`'s form. `index` (from tasks_by_unit(tasks)) avoids scanning all tasks.

    ``lead_only`` (``[workflow] co_units = "via_lead"``, status forms): only the tasks the unit
    reports for (those it leads), each row listing the co-units whose work it gathers.
    """
    candidates = (t for t in tasks if unit in t.units) if index is None else index.get(unit, ())
    if lead_only:
        candidates = (t for t in candidates if unit in line_units(t, True))
    mine = sorted(candidates, key=_task_order)
    rows = []
    for t in mine:
        role = t.role_of(unit) or "配合"
        if lead_only:
            role = "牵头"
            partners = tuple(u for u in t.units if u not in line_units(t, True))
        else:  # every other unit on the task, its lead units first (the form names them as such)
            partners = tuple(u for u in t.units if u != unit)
        rows.append(FormRow(task=t, role=role, target=None if targets is None else targets.get(t.id), partners=partners,
                            gather=lead_only))
    return tuple(rows)


def build_specs(ws: Workspace, kind: str, period: str, deadline: date) -> tuple[list[FormSpec], list[str]]:
    tasks = ws.ledger.tasks()
    if not tasks:
        raise DubanError(f"任务登记为空。请先运行 {command('import 任务分解表.xlsx')} 导入任务。")
    warnings: list[str] = []
    plan_subs = submissions(ws, "plan", str(ws.settings.year)) if kind == "status" else {}
    month = parse_period(period)[1] if kind == "status" else 0
    specs = []
    index = tasks_by_unit(tasks)
    lead_only = kind == "status" and via_lead(ws)
    for unit in reporting_units(ws, tasks, lead_only):
        targets = None
        if kind == "status":
            plan = entries(ws, plan_subs.get(unit))
            targets = {tid: quarter_target(e["values"], month) or "（计划中未填写本季度目标）" for tid, e in plan.items()} if plan else {}
        rows = unit_rows(tasks, unit, targets, index, lead_only)
        if ws.registry.units and ws.registry.get(unit) is None:
            warnings.append(f"单位“{unit}”不在单位名册中：仍生成报送表，但无法发送邮件。请在 units.xlsx 中登记。")
        specs.append(FormSpec(
            workspace_id=ws.id, office=ws.settings.office, year=ws.settings.year, unit=unit,
            kind=kind, period=period, deadline=deadline, rows=rows,
        ))
    made = {s.unit for s in specs}
    skipped: dict[str, list[str]] = {}
    for t in tasks:
        for u in line_units(t, lead_only):
            if u not in made:
                skipped.setdefault(u, []).append(f"{KIND_LABELS[t.kind]}{t.seq}")
    for u, where in skipped.items():
        warnings.append(f"“{u}”是未定义成员的单位分组（见{'、'.join(where)}），没有为其生成报送表。请在 units.xlsx 的“分组”列中登记其成员单位。")
    return specs, list(dict.fromkeys(warnings))


def plans_notice(ws: Workspace, kind: str, specs: list[FormSpec]) -> tuple[str, list[str], list[str]]:
    """For status forms: (a sentence for the summary, warnings, units without a returned plan).

    A unit whose plan has not come back gets “（未报送计划）” as its quarter targets; the
    office may wait for the plans and generate again, or send as it is."""
    if kind != "status" or not specs:
        return "", [], []
    returned = submissions(ws, "plan", str(ws.settings.year))
    missing = [s.unit for s in specs if s.unit not in returned]
    if not missing:
        return "", [], missing
    placeholder = "“季度计划完成目标”一栏为“（未报送计划）”"
    later = f"可以等计划表报回并运行 {command('collect')} 后再生成一次，也可以现在就发送，不影响各单位填写完成情况。"
    if len(missing) == len(specs):
        return f"尚未收到任何单位报回的年度落实计划表，各单位表中{placeholder}。{later}", [], missing
    shown = "、".join(missing[:10]) + (f"等 {len(missing)} 个单位" if len(missing) > 10 else "")
    return "", [f"{len(missing)} 个单位尚未报回年度落实计划表，其落实情况表中{placeholder}：{shown}。{later}"], missing


# -- replacing an outbox folder -------------------------------------------------------------------

REPLACED = ".replaced-"
# Called between the two renames of replace_folder (tests crash a run there).
between_renames: Callable[[], None] | None = None


def kept_folders(target: Path) -> list[Path]:
    """The earlier versions of an outbox folder kept beside it, oldest first by when their forms
    were written (a ``.old`` left by an earlier release counts as the oldest)."""
    legacy = target.with_name(f".{target.name}.old")
    kept = sorted((p for p in target.parent.glob(f".{target.name}{REPLACED}*") if p.is_dir()),
                  key=lambda p: (p.stat().st_mtime, p.name))
    return ([legacy] if legacy.is_dir() else []) + kept


def previous_folder(target: Path) -> Path | None:
    """Where the forms issued last time are: the folder itself, or, when a run died between
    its renames, the newest version kept aside."""
    if target.is_dir():
        return target
    kept = kept_folders(target)
    return kept[-1] if kept else None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _digests(folder: Path) -> set[str]:
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.xlsx") if p.is_file()}


def mailed_digests(ws: Workspace) -> set[str]:
    """sha256 of every file the ledger says was attached to a message (sent or being sent)."""
    return ledger_mail.attached_digests(ws.ledger)


def replace_folder(ws: Workspace, staging: Path, target: Path, now: datetime) -> None:
    """Put ``staging`` in place of ``target`` so that no issued form is ever lost.

    The old folder is renamed aside to ``.<name>.replaced-<time>`` and kept; then the new one
    is renamed in. A run that dies between the two renames leaves every file in place (the
    next run takes the kept folder as the previous version). Afterwards a kept folder is
    removed only when every mailed form in it is also, byte for byte, in the new folder.
    """
    if target.exists():
        aside = target.with_name(f".{target.name}{REPLACED}{now:%Y%m%dT%H%M%S}")
        n = 2
        while aside.exists():
            aside = target.with_name(f".{target.name}{REPLACED}{now:%Y%m%dT%H%M%S}-{n}")
            n += 1
        target.rename(aside)
    if between_renames is not None:
        between_renames()
    staging.rename(target)
    _fsync_dir(target.parent)
    kept = kept_folders(target)
    if not kept:
        return
    mailed = mailed_digests(ws)
    current: set[str] | None = None
    for folder in kept:
        sent_here = (_digests(folder) & mailed) if mailed else set()
        if sent_here:
            if current is None:
                current = _digests(target)
            if not sent_here <= current:
                continue  # holds forms a unit was mailed and the new folder no longer has: kept
        shutil.rmtree(folder)


def form_template(ws: Workspace, kind: str) -> FormTemplate:
    """The template the workspace's forms of `kind` are made from: its own templates/ copy, or
    the packaged official one (read once per run; a broken one is refused with ConfigError)."""
    return load_template(ws.template_file(kind), kind, ws.template_cache)


@dataclass(frozen=True)
class Request:
    kind: str  # plan | status
    month: str | None = None  # status: the month, 2025-03 or 2025年3月


def run(ws: Workspace, request: Request, now: datetime) -> Report:
    kind = request.kind
    if kind not in ("plan", "status"):
        raise DubanError(f"未知的报送表类型“{kind}”，应为 plan（计划表）或 status（落实情况表）。")
    period = normalize_period(ws, kind, request.month)
    deadline = deadline_for(ws, kind, period)
    template = form_template(ws, kind)
    specs, warnings = build_specs(ws, kind, period, deadline)
    no_plan_sentence, no_plan_warnings, no_plan = plans_notice(ws, kind, specs)
    warnings += no_plan_warnings
    warnings = notes_once(ws.ledger, ws.registry, ws.ledger.tasks(), warnings)  # shown once, at import
    secret = meta.seal_key(ws.ledger).secret
    target = outbox_dir(ws, kind, period)
    staging = target.with_name(f".{target.name}.new")
    if staging.exists():  # left by a run that died before its swap: never mailed, made again below
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    source = previous_folder(target)  # the forms issued last time (after a crash: the copy kept aside)
    old = ledger_generated.forms(ws.ledger, kind, period)
    files: list[dict] = []
    changed: list[str] = []
    added: list[str] = []
    for spec in specs:
        name = form_filename(spec)
        prefilled = prefilled_checksum(spec)
        checksum = f"{prefilled}/{spec.deadline.isoformat()}/{template.version}"
        previous = (source or target) / name
        if spec.unit in old and old[spec.unit]["checksum"] == checksum and previous.exists():
            shutil.copy2(previous, staging / name)  # unchanged: keep the very file already sent
        else:
            write_form(spec, staging / name, template=template, checksum=identity.seal(
                secret, workspace_id=spec.workspace_id, unit=spec.unit, kind=spec.kind, period=spec.period, year=spec.year,
                template_version=template.version, task_ids=[r.task.id for r in ordered_rows(spec)]))
            (changed if spec.unit in old else added).append(spec.unit)
        files.append({"unit": spec.unit, "file": str(target / name), "tasks": len(spec.rows), "checksum": checksum})
    made = {s.unit for s in specs}
    removed = [u for u in old if u not in made]
    replace_folder(ws, staging, target, now)
    with ws.ledger.transaction() as con:
        ledger_generated.replace(con, kind, period, [
            (f["unit"], Path(f["file"]).name, f["checksum"], now.isoformat(timespec="seconds")) for f in files])
    label = form_label(kind, period)
    summary = f"已生成 {len(files)} 个单位的{label}，位于 {target}。"
    if old:
        summary += f"与上次相比：新增 {len(added)} 个，内容变化 {len(changed)} 个，删除 {len(removed)} 个，其余未变。"
    summary += no_plan_sentence
    return Report(job="generate", summary=summary, warnings=warnings, data={
        "kind": kind, "period": period, "folder": str(target), "deadline": deadline.isoformat(),
        "files": files, "added": added, "changed": changed, "removed": removed, "no_plan": no_plan,
    })
