"""import: build the task register from a decomposition table or annotated prose."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from office.atomic import atomic_path
from office.errors import DubanError, InputFileError
from office.ledger import tasks as ledger_tasks
from office.model import KIND_LABELS, Report, Task
from sheets.decomposition import read_decomposition
from sheets.register import write_tasks_xlsx
from office.units import clean_person, mark_notes_shown
from office.workspace import Workspace

TASKS_XLSX = "tasks.xlsx"


def build_tasks(ws: Workspace, path: Path) -> tuple[list[Task], list[str]]:
    """Read the file and normalize its units against the registry."""
    raws, warnings = read_decomposition(path)
    if not raws:
        raise InputFileError(f"{Path(path).name}：没有读到任何任务。请检查文件内容。")
    tasks: list[Task] = []
    unit_notes: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    dupes: list[str] = []
    for raw in raws:
        where = f"{Path(path).name}，{raw.source}" if raw.source else Path(path).name
        leads, w1 = ws.registry.normalize(raw.lead_units)
        cos, w2 = ws.registry.normalize(raw.co_units)
        for w in w1 + w2:
            unit_notes.setdefault(w, []).append(raw.source or f"{KIND_LABELS[raw.kind]}{raw.seq}")
        task = Task(
            kind=raw.kind,
            seq=raw.seq,
            text=raw.text,
            category=raw.category,
            leaders=tuple(dict.fromkeys(p for p in (clean_person(x) for x in raw.leaders) if p)),
            lead_units=tuple(leads),
            co_units=tuple(u for u in cos if u not in leads),
            note=raw.note,
        )
        if task.id in seen:
            dupes.append(f"{where}：{KIND_LABELS[task.kind]}序号 {task.seq} 与{seen[task.id]}重复。")
        seen[task.id] = raw.source or "前面的任务"
        tasks.append(task)
    for note, places in unit_notes.items():
        places = list(dict.fromkeys(places))
        shown = "、".join(places[:5]) + (f"等{len(places)}处" if len(places) > 5 else "")
        warnings.append(f"{Path(path).name}（{shown}）：{note}")
    if dupes:
        raise InputFileError("任务序号重复，无法区分任务，请修改后重新导入：\n" + "\n".join(dupes))
    return tasks, list(dict.fromkeys(warnings))


def diff_tasks(old: list[Task], new: list[Task]) -> dict[str, list[str]]:
    before = {t.id: t for t in old}
    after = {t.id: t for t in new}
    return {
        "added": [i for i in after if i not in before],
        "removed": [i for i in before if i not in after],
        "changed": [i for i in after if i in before and after[i] != before[i]],
    }


@dataclass(frozen=True)
class Request:
    file: Path  # the decomposition table (or annotated prose)
    replace: bool = False  # tasks that already have returns may be removed


def run(ws: Workspace, request: Request, now: datetime) -> Report:
    path, replace = Path(request.file), request.replace
    if not path.is_file():
        raise InputFileError(f"找不到文件 {path}。请确认路径和文件名。")
    tasks, warnings = build_tasks(ws, path)
    old = ws.ledger.tasks()
    changes = diff_tasks(old, tasks)
    if changes["removed"] and not replace:
        with_returns = sorted(set(changes["removed"]) & ws.ledger.tasks_with_returns())
        if with_returns:
            raise DubanError(
                "新文件中缺少以下已有报送内容的任务：" + "、".join(with_returns)
                + "。为避免丢失已收到的报送，本次未做任何改动。确需删除请加 --replace 重新导入。"
            )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with atomic_path(ws.root / TASKS_XLSX) as tmp:
        write_tasks_xlsx(tmp, tasks, ws.registry, warnings)
        with ws.ledger.transaction() as con:
            ws.ledger.replace_tasks(con, tasks)
            ledger_tasks.record_import(con, path.name, digest, now.isoformat(timespec="seconds"), len(changes["added"]),
                                       len(changes["removed"]), len(changes["changed"]))
    mark_notes_shown(ws.ledger, ws.registry, tasks)  # shown here, where they arise; later commands stay quiet
    counts = Counter(t.kind for t in tasks)
    summary = (
        f"已从 {path.name} 导入 {len(tasks)} 项任务：年度工作任务 {counts['annual']} 项，为民办实事 {counts['livelihood']} 项。"
    )
    if old:
        summary += f"与上次相比：新增 {len(changes['added'])} 项，删除 {len(changes['removed'])} 项，修改 {len(changes['changed'])} 项。"
    return Report(
        job="import",
        summary=summary,
        data={"file": str(path), "tasks": len(tasks), "by_kind": dict(counts), **changes,
              "register": str(ws.root / TASKS_XLSX)},
        warnings=warnings,
    )
