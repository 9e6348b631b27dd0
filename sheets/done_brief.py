"""The 完成事项通报: a one-page Word document announcing the tasks that became 已完成 (销号) in a month.

``newly_done(data, announced)`` chooses the tasks from MonthData alone (those whose Progress is
``done`` since this very month, less the ones already announced), so the choice can be checked on
a month made by hand; ``done_facts`` reads the chosen tasks' lines (only theirs: a big month's
lines are not all read) for what their lead units reported; ``write_done_brief`` writes the
document in the official style of the briefing (sheets.briefing_docx): title, 主送, the
introduction, a table (序号, 任务, 牵头单位, 完成时间, 完成情况), the closing request, signature and
date, on one A4 page (the texts are shortened to fit, for up to about a dozen tasks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from office.atomic import atomic_path
from office.dates import cn_date, period_label
from office.model import KIND_LABELS
from sheets.tracker.cell_text import task_label
from office.month_data import MonthData
from sheets.briefing_docx import SIZE_BODY, _cell, _fit, _para, _row_flags, header_table, sign, start_document
from sheets.briefing_facts import shorten

# header, width (cm): the portrait type area is 15.6 cm wide
COLUMNS = (("序号", 1.0), ("任务", 4.8), ("牵头单位", 2.6), ("完成时间", 2.4), ("完成情况", 4.8))
TABLE_CM = 9.0  # height the table may take on the page
LINE_CM = 0.44  # one line of 五号 text at 12.5 pt
ROW_PAD_CM = 0.15
CLOSING = ("以上任务的牵头单位要认真总结经验做法，巩固完成成果，建立长效机制，防止问题反弹；"
           "其他任务的责任单位要对照序时进度，倒排工期、加快推进，确保按期保质完成。")


@dataclass(frozen=True)
class DoneItem:
    """One task announced as 已完成."""

    task_id: str
    kind: str
    seq: int
    text: str
    leads: str  # 牵头单位, "、"-joined
    completed: str  # 完成时间: the month it was reported complete (2025年6月)
    progress: str  # what its lead units reported under 完成情况

    @property
    def label(self) -> str:
        return f"{KIND_LABELS.get(self.kind, '')}第{self.seq}项"

    @property
    def short_label(self) -> str:
        """年度1, 实事2: for a table whose cells have one line."""
        return task_label(self.task_id)


@dataclass
class DoneFacts:
    title: str
    period: str  # 2025-06
    period_label: str  # 2025年6月
    office: str
    date: date | None
    items: list[DoneItem] = field(default_factory=list)
    closing: str = CLOSING

    @property
    def intro(self) -> str:
        return (f"根据各责任单位报送的{self.period_label}落实情况表，经核对，以下{len(self.items)}项重点任务的牵头单位"
                "报告完成进度达到100%，并完成阶段任务目标，任务已全部完成，予以销号。现将有关情况通报如下：")


def newly_done(data: MonthData, announced: Iterable[str] = ()) -> list[int]:
    """Positions (in ``data.rows``) of the tasks that became 已完成 in ``data``'s month and are not
    among ``announced`` (task ids); read from the rows' Progress, no line is read."""
    seen = set(announced)
    rows = data.rows
    return [i for i, (t, p) in enumerate(zip(rows.tasks, rows.progress))
            if p is not None and p.done and p.done_period == data.period and t.id not in seen]


def done_facts(data: MonthData, office: str, announced: Iterable[str] = ()) -> DoneFacts:
    """The 完成事项通报 of ``data``'s month: the tasks :func:`newly_done` chooses, with what their
    lead units reported (their lines only are read)."""
    label = period_label(data.period)
    items = []
    for i in newly_done(data, announced):
        row = data.rows[i]
        t = row.task
        leads = [ln for ln in row.lines if ln.role == "牵头"] or row.lines[:1]
        said = [(ln.unit, shorten(ln.values.get("progress") if isinstance(ln.values.get("progress"), str) else "", 300))
                for ln in leads]
        said = [(u, p) for u, p in said if p]
        progress = said[0][1] if len(said) == 1 else "；".join(f"{u}：{p.rstrip('。；;')}" for u, p in said) + "。"
        items.append(DoneItem(t.id, t.kind, t.seq, t.text, "、".join(t.lead_units) or "未明确", label, progress))
    return DoneFacts(f"关于{label}已完成重点任务的通报", data.period, label, office, data.now.date(), items)


def _lines_per_cell(n: int) -> int:
    """Lines a cell may take so that ``n`` rows fit the page."""
    return max(1, min(6, int((TABLE_CM / max(n, 1) - ROW_PAD_CM) / LINE_CM)))


def row_values(n: int, item: DoneItem, lines: int) -> tuple[str, ...]:
    """The table row of the ``n``-th task: 序号 is the running number; the task is named by its
    kind and 序号, then its text."""
    w = dict(COLUMNS)
    label = item.label if lines > 1 else item.short_label
    return (str(n), _fit(f"{label}：{item.text}", w["任务"], lines), item.leads, item.completed,
            _fit(item.progress or "—", w["完成情况"], lines))


def write_done_brief(path: Path, facts: DoneFacts) -> None:
    """Write the 完成事项通报 .docx atomically."""
    doc = start_document(facts.title, facts.office, facts.intro, page_numbers=False)  # one page: no number
    table, widths = header_table(doc, COLUMNS)
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    aligns = (center, left, left, center, left)
    lines = _lines_per_cell(len(facts.items))
    for n, item in enumerate(facts.items, start=1):
        row = table.add_row()
        _row_flags(row)
        for cell, v, a, w in zip(row.cells, row_values(n, item, lines), aligns, widths):
            cell.width = w
            _cell(cell, v, a)

    closing = _para(doc, facts.closing, keep=True)
    closing.paragraph_format.space_before = Pt(SIZE_BODY.pt / 2)
    sign(doc, facts.office, cn_date(facts.date) if facts.date else "", blanks=1)
    with atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))


__all__ = ["DoneItem", "DoneFacts", "newly_done", "done_facts", "write_done_brief", "row_values", "COLUMNS", "CLOSING"]
