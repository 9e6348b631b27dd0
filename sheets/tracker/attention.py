"""The tasks that need attention (红 and 黄), for 总览: gathered during the 台账 pass, sorted by
how far each is behind 序时进度 (largest gap first; tasks without a gap after, in table order)."""

from __future__ import annotations

from dataclasses import dataclass

from office.model import Task
from office.month_data import Progress, TaskRow
from office.wording import not_green_reasons

ATTENTION = ("红", "黄")


@dataclass(frozen=True)
class AttentionItem:
    position: int  # in table order
    task: Task
    status: str  # 红 | 黄
    progress: Progress | None
    reason: str  # what the lead units (and co-units) reported, one short clause

    @property
    def gap(self) -> float | None:
        return self.progress.gap if self.progress is not None else None


def _answer(value: object) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def reason_of(tr: TaskRow, state_of: dict[str, str]) -> str:
    """Why a task is not green, from its lines: who did not report, who reported 否 or left it empty."""
    leads = [ln for ln in tr.lines if ln.role == "牵头"] or tr.lines[:1]
    if not leads:
        return "没有应报单位"
    behind = [ln.unit for ln in tr.lines if ln not in leads and _answer(ln.values.get("achieved")) == "否"]
    gap = tr.progress.gap if tr.progress is not None else None
    return "；".join(not_green_reasons(((ln.unit, state_of.get(ln.unit, ""), ln.reported, _answer(ln.values.get("achieved")))
                                       for ln in leads), behind, gap))


def attention_item(position: int, tr: TaskRow, state_of: dict[str, str]) -> AttentionItem | None:
    """The task's entry of the attention list, None for a green (or unlit) task."""
    if tr.status not in ATTENTION:
        return None
    return AttentionItem(position, tr.task, tr.status, tr.progress, reason_of(tr, state_of))


def by_gap(items: list[AttentionItem]) -> list[AttentionItem]:
    """Largest gap (points behind 序时进度) first; those without a 完成进度 after, in table order."""
    return sorted(items, key=lambda it: (it.gap is None, -(it.gap or 0.0), it.position))
