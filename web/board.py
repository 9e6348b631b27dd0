"""What the pages show, built from the month's facts (office.month.build_month) and the ledger views.

Nothing here reads a workbook or writes SQL: the facts are those the tracker is written
from, computed the same way merge computes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from office.errors import CalendarGap, DubanError
from office.ledger.views import Periods, ReturnFile, returned_to, status_periods
from office.model import Finding, KIND_LABELS, Task
from office.month import FINDING_LABELS, MonthData, UnitState, build_month
from office.month_data import Progress
from office.progress import RULE_LABELS, gap_text, percent_text, schedule_pct
from office.workdays import parse_period
from office.workspace import Workspace

WEEKDAYS = "一二三四五六日"
STATUS_CLASS = {"on_time": "ok", "late": "late", "missing": "missing", "pending": "pending",
                "not_issued": "muted", "returned": "returned", "blank": "missing"}


def cn_day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日（星期{WEEKDAYS[d.weekday()]}）"


def month_label(period: str) -> str:
    y, m = parse_period(period)
    return f"{y}年{m}月"


@dataclass
class BoardRow:
    no: int
    unit: str
    group: str
    state: str  # on_time | late | missing | pending | not_issued | returned
    label: str
    css: str
    received_at: str = ""
    file: str = ""
    findings: int = 0
    returned: ReturnFile | None = None


@dataclass
class FindingGroup:
    kind: str
    label: str
    items: list[Finding]


@dataclass
class Board:
    period: str
    label: str
    deadline: date
    deadline_text: str
    days_text: str
    past_deadline: bool
    counts: dict
    rows: list[BoardRow]
    findings: list[FindingGroup]
    warnings: list[str] = field(default_factory=list)
    issued: bool = True
    schedule_text: str = ""  # the month's 序时进度 ("25%"), of a task without its own 完成时限


@dataclass(frozen=True)
class Light:
    """A task's light in a month as the pages show it: 红/黄/绿, its 完成进度 against 序时进度 and
    which rule decided it (office.progress.RULE_LABELS)."""

    status: str
    percent: str = "—"  # the lead's 完成进度, "—" when none was reported
    schedule: str = ""  # 序时进度
    gap: str = "—"  # "落后15个百分点"
    rule: str = ""  # RULE_LABELS[...]
    done: bool = False  # 已完成 (销号)
    done_since: str = ""  # "2025年3月"
    css: str = ""  # r | y | g

    @property
    def title(self) -> str:
        """One line for a tooltip: 完成进度 55%，序时进度 25%（落后…）；判定依据：…."""
        if not self.schedule:
            return ""
        head = f"完成进度 {self.percent}，序时进度 {self.schedule}"
        if self.gap != "—":
            head += f"（{self.gap}）"
        if self.done:
            head += f"；{self.done_since}起已完成（销号）" if self.done_since else "；已完成（销号）"
        return f"{head}；判定依据：{self.rule}" if self.rule else head


LIGHT_CSS = {"红": "r", "黄": "y", "绿": "g"}


def light_of(status: str, p: Progress | None) -> Light:
    """The :class:`Light` of a task row (``p`` None for a month made without progress)."""
    css = LIGHT_CSS.get(status, "")
    if p is None:
        return Light(status, css=css)
    since = month_label(p.done_period) if p.done and p.done_period else ""
    return Light(status, percent_text(p.percent), percent_text(p.schedule), gap_text(p.gap),
                 RULE_LABELS.get(p.rule, p.rule), p.done, since, css)


def default_period(ws: Workspace, now: datetime, periods: Periods | None = None) -> str:
    """The month the clerk most likely looks at: the latest month whose form went out (or
    came back); else the month before ``now`` within the workspace's year."""
    periods = periods or status_periods(ws.ledger)
    year = ws.settings.year
    mine = [p for p in periods.all if p.startswith(f"{year}-")]
    if mine:
        return mine[-1]
    if now.year < year:
        return f"{year}-01"
    if now.year > year:
        return f"{year}-12"
    return f"{year}-{max(1, now.month - 1):02d}"


def pick_period(ws: Workspace, wanted: str | None, now: datetime) -> str:
    """The month asked for (2025-03 or 2025年3月), which must be of the workspace's year."""
    if not wanted:
        return default_period(ws, now)
    y, m = parse_period(wanted)
    if y != ws.settings.year:
        raise DubanError(f"{y}年{m}月不属于本工作区的年度（{ws.settings.year}年）。")
    return f"{y}-{m:02d}"


def days_text(ws: Workspace, due: date, now: datetime) -> tuple[str, bool]:
    """("还剩 3 个工作日（截止日当天 24 时前）", past) and the like."""
    today = now.date()
    cal = ws.calendar
    try:
        if today <= due:
            left = cal.workdays_between(today - timedelta(days=1), due)
            if today == due:
                return "今天截止", False
            return f"还剩 {left} 个工作日（{(due - today).days} 天）", False
        late = cal.workdays_between(due, today)
        return f"已过截止日 {late} 个工作日（{(today - due).days} 天）", True
    except CalendarGap:
        n = (due - today).days
        return (f"还剩 {n} 天", False) if n >= 0 else (f"已过截止日 {-n} 天", True)


def _row(no: int, s: UnitState, group: str, n_findings: int, back: ReturnFile | None) -> BoardRow:
    state, label = s.state, s.label
    if s.state == "on_time":
        label = "已报 · 按时"
    elif s.state == "late":
        label = f"迟报 {s.late_days} 个工作日"
    elif back is not None and s.state in ("missing", "pending"):
        state, label = "returned", "已退回"
    css = "missing" if s.blank and state != "returned" else STATUS_CLASS[state]
    at = s.received_at.strftime("%m-%d %H:%M") if s.received_at else (back.received_at.replace("T", " ")[5:16] if back else "")
    return BoardRow(no, s.unit, group, state, label, css, at, s.file, n_findings, back)


def build_board(ws: Workspace, period: str, now: datetime) -> tuple[Board, MonthData]:
    data = build_month(ws, period, now)
    back = returned_to(ws.ledger, "status", data.period)
    per_unit: dict[str, int] = {}
    for f in data.findings:
        if f.period == data.period:
            per_unit[f.unit] = per_unit.get(f.unit, 0) + 1
    rows = []
    for i, s in enumerate(data.units, 1):
        unit = ws.registry.get(s.unit)
        rows.append(_row(i, s, unit.group if unit else "", per_unit.get(s.unit, 0), back.get(s.unit)))
    counts = dict(data.counts)
    counts["returned"] = sum(1 for r in rows if r.state == "returned")
    groups = []
    for kind, label in FINDING_LABELS.items():
        items = [f for f in data.findings if f.kind == kind]
        if items:
            groups.append(FindingGroup(kind, label, items))
    text, past = days_text(ws, data.deadline, now)
    warnings = ([data.not_issued_note] if data.not_issued_note else []) + list(data.warnings)
    board = Board(data.period, month_label(data.period), data.deadline, cn_day(data.deadline), text, past, counts, rows,
                  groups, warnings, data.issued, percent_text(schedule_pct(data.year, data.month)))
    return board, data


@dataclass
class UnitLine:
    task: Task
    task_label: str
    role: str
    status: str
    values: dict
    cells: dict
    file: str
    reported: bool
    light: Light = Light("")


def unit_lines(data: MonthData, unit: str) -> list[UnitLine]:
    """The unit's answers of the month, task by task (as read from its return)."""
    out = []
    for row in data.rows:
        for ln in row.lines:
            if ln.unit == unit:
                out.append(UnitLine(row.task, f"{KIND_LABELS[row.task.kind]}{row.task.seq}", ln.role, row.status,
                                    ln.values, ln.cells, ln.file, ln.reported, light_of(row.status, row.progress)))
    return out


def month_statuses(ws: Workspace, periods: list[str], now: datetime) -> dict[str, dict[str, Light]]:
    """period -> {task id: its Light} for the given months (no line is read)."""
    out: dict[str, dict[str, Light]] = {}
    for p in periods:
        with build_month(ws, p, now) as data:
            rows = data.rows
            out[p] = {t.id: light_of(s, pr) for t, s, pr in zip(rows.tasks, rows.statuses, rows.progress)}
    return out


def task_matches(t: Task, q: str, unit: str, leader: str, category: str, kind: str) -> bool:
    if kind and t.kind != kind:
        return False
    if category and t.category != category:
        return False
    if leader and leader not in t.leaders:
        return False
    if unit and unit not in t.units:
        return False
    if q:
        q = q.strip()
        hay = " ".join((t.text, t.category, t.note, " ".join(t.leaders), " ".join(t.units),
                        f"{KIND_LABELS[t.kind]}{t.seq}", t.id))
        if not all(word in hay for word in q.split()):
            return False
    return True
