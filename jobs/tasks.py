"""tasks: the task register as data and a readable summary (by kind, category and unit)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from office.model import KIND_LABELS, Report
from office.units import notes_once, unresolved_names
from office.workspace import Workspace
from jobs.importer import TASKS_XLSX


@dataclass(frozen=True)
class Request:
    """The register has no options: all of it."""


def run(ws: Workspace, request: Request, now: datetime) -> Report:
    """The register as data and a readable summary."""
    tasks = ws.ledger.tasks()
    by_kind = Counter(KIND_LABELS[t.kind] for t in tasks)
    by_category = Counter(t.category for t in tasks if t.kind == "annual")
    per_unit: Counter[str] = Counter()
    lead_count: Counter[str] = Counter()
    for t in tasks:
        for u in t.units:
            per_unit[u] += 1
        for u in t.lead_units:
            lead_count[u] += 1
    warnings: list[str] = []
    for u in per_unit:
        if ws.registry.get(u) is None:
            warnings.append(f"单位“{u}”不在单位名册中，无法发送报送表。")
    unresolved = unresolved_names(ws.registry, tasks)
    fresh = notes_once(ws.ledger, ws.registry, tasks, warnings, record=False)
    if len(fresh) < len(warnings):
        fresh.append(f"另有 {len(warnings) - len(fresh)} 个单位名称不在单位名册中，导入时已提示（见 {TASKS_XLSX} 的“导入提示”工作表）。")
    warnings = fresh
    units = sorted(per_unit, key=ws.registry.order_key)
    return Report(
        job="tasks",
        summary=f"任务登记：共 {len(tasks)} 项，涉及 {len(per_unit)} 个单位。",
        data={
            "tasks": [t.as_json() for t in tasks],
            "by_kind": dict(by_kind),
            "by_category": dict(by_category),
            "units": [{"unit": u, "tasks": per_unit[u], "lead": lead_count[u]} for u in units],
            "unregistered": unresolved,
        },
        warnings=warnings,
    )
