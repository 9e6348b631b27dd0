"""Findings of reading a return: the problems the reader found in a cell, as records to store
with the file when it is accepted (:mod:`office.ledger.findings`), so that the month's
tracker and briefing show them (:func:`office.month.build_month`).

The reader gives its cell-level problems as ``read.findings`` (objects with ``kind``,
``task`` or ``task_id``, ``cell`` and ``message``). A reader without that list gives them as
text only (``read.problems``, also kept in ``files.warnings``); of those, the ones that
name a cell are taken here: a 是/否 cell holding something else (``bad_choice``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from office.model import KIND_LABELS

Found = tuple[str, str, str, str]  # (kind, task_id, cell, message)
# The reader's kinds (sheets.returns.READ_FINDING_LABELS) stored as findings of the month, by the
# month's kind (a 完成进度 that is not a number: bad_percent -> bad_progress). An edited task text is left to the month's rules (one finding, not two); rows
# too long, unknown or repeated stay warnings of the file (the collect report shows them).
READER_KINDS = {"bad_yes_no": "bad_choice", "bad_choice": "bad_choice", "bad_percent": "bad_progress",
                "bad_progress": "bad_progress"}
_BAD_YES_NO = re.compile(r"([A-Z]{1,3}[0-9]+)：“(.*?)”不是“是/否”")


def task_label(task_id: str) -> str:
    """“年度工作任务3” for "annual-3"; the id itself when it is not one."""
    kind, _, seq = (task_id or "").rpartition("-")
    return f"{KIND_LABELS[kind]}{seq}" if kind in KIND_LABELS and seq.isdigit() else task_id or ""


def _bare(cell: str) -> str:
    return (cell or "").rpartition("!")[2]


def found_in(read, unit: str, tasks: Iterable[str]) -> list[Found]:  # noqa: ANN001 - a sheets.returns.ReturnRead
    """The cell-level findings of ``read`` (a return of ``unit``) on the unit's ``tasks``."""
    mine = set(tasks)
    listed = getattr(read, "findings", None)
    out: list[Found] = []
    if listed is not None:
        for p in listed:
            task = getattr(p, "task", "") or getattr(p, "task_id", "") or ""
            kind = READER_KINDS.get(getattr(p, "kind", "") or "")
            if kind is None or (task and task not in mine):
                continue  # the month's rules judge it (an edited task text), or it stays a warning of the file
            out.append((kind, task, _bare(getattr(p, "cell", "")), getattr(p, "message", "") or str(p)))
        return out
    by_cell = {r.cells.get("achieved"): r.task_id for r in read.rows if r.task_id in mine and r.cells.get("achieved")}
    return from_texts(read.problems, unit, by_cell)


def from_texts(texts: Iterable[str], unit: str, task_of_cell: dict[str, str]) -> list[Found]:
    """The findings that problem texts of a return name with a cell (``task_of_cell``: the
    是否完成 cell of each task row -> its task id)."""
    out: list[Found] = []
    for text in texts:
        m = _BAD_YES_NO.search(text)
        if m is None:
            continue
        cell, value = m.group(1), m.group(2)
        task = task_of_cell.get(cell, "")
        what = f"{unit}关于{task_label(task)}的" if task else f"{unit}报送的表中{cell}单元格"
        out.append(("bad_choice", task, cell, f"{what}“是否完成阶段任务目标”填写为“{value}”，不是“是”或“否”，无法识别，按未填写处理。"))
    return out
