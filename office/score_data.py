"""The records of a 考核 score (:class:`Scores` and its parts) and the rules as printed.

Plain data: nothing here reads the workspace or the ledger (:func:`office.score.compute`
fills them), so the score book writer (sheets/score_book.py) and another workbook that
includes its sheets import these alone.

Points are :class:`~decimal.Decimal` throughout: ``-0.1 * 3`` is exactly ``-0.3`` and every
sum is exact. Negative points deduct; ``UnitScore.score = base + total``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from office.model import Finding
from office.month_data import FINDING_LABELS, MonthData, UnitState
from office.settings import SCORE_KINDS, ScoreSettings

# The reporting events scored per report ([score] late / missing), and the finding kinds
# they come from (a blank return 空表 counts as 未报; 计划未报 is the plan's 未报).
EVENT_LABELS = {"late": "迟报", "missing": "未报"}
EVENT_FINDINGS = {"late": ("late",), "missing": ("missing", "blank", "no_plan")}
# Deduction kinds in the order they are listed: the events, then the finding kinds.
KIND_ORDER = ("late", "missing") + SCORE_KINDS


def points_text(value: Decimal | float | int) -> str:
    """Points as printed: "−0.1", "+2", "0" (a true minus sign, no trailing zeros)."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if d == 0:
        return "0"
    text = format(abs(d).normalize(), "f")
    return ("−" if d < 0 else "+") + text


def as_decimal(value: float | int | Decimal) -> Decimal:
    """A setting's number as the Decimal it was written as (0.1 -> Decimal("0.1"), not 0.1000000000000000055...)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def kind_label(kind: str) -> str:
    return EVENT_LABELS.get(kind) or FINDING_LABELS.get(kind, kind)


def rule_text(kind: str, points: Decimal) -> str:
    """迟报一次 −0.1 分 / 内容不全每条 −0.05 分."""
    if kind in EVENT_LABELS:
        return f"{EVENT_LABELS[kind]}一次 {points_text(points)} 分"
    return f"{kind_label(kind)}每条 {points_text(points)} 分"


def rules_table(settings: ScoreSettings) -> list[tuple[str, str, str]]:
    """The rules in force as (项目, 分值, 说明) rows, in Chinese; a kind worth 0 points is 不计分."""
    factor = as_decimal(settings.co_unit_factor)
    rows = [
        ("基础分", format(as_decimal(settings.base).normalize(), "f"), "每个应报单位从基础分起算，按下列规则加减分（负数为扣分）。"),
        ("迟报", f"{points_text(as_decimal(settings.late))} 分/次" if settings.late else "不计分",
         "一个月的落实情况表或年度落实计划表晚于截止日期报送，每次计分一次。"),
        ("未报", f"{points_text(as_decimal(settings.missing))} 分/次" if settings.missing else "不计分",
         "过了截止日期仍未报送，每次计分一次；报送空表（各项任务均未填写）视同未报；年度落实计划表未报同样计分。"),
    ]
    for kind in SCORE_KINDS:
        p = settings.points(kind)
        rows.append((FINDING_LABELS.get(kind, kind), f"{points_text(as_decimal(p))} 分/条" if p else "不计分",
                     "按台账“发现问题”中的条数计分。" if p else "台账照常列出此类问题，考核不计分。"))
    rows.append(("配合单位系数", f"×{format(factor.normalize(), 'f')}",
                 "问题出在本单位只作为配合单位的任务上时，分值乘以此系数；不牵头任何任务的单位，其迟报、未报"
                 "（及不涉及具体任务的问题）也乘以此系数。"))
    rows.append(("未下发", "不计分", "某期报送表未下发给该单位的，该期不计未报、迟报，也不计其他问题。"))
    rows.append(("未到截止日", "不计分", "截止日期尚未过去的期次不计分，过了截止日期后重新计算。"))
    return rows


@dataclass(frozen=True)
class MonthFacts:
    """What the score takes of one month's facts (:class:`~office.month_data.MonthData`): the
    units' states of the month's form and the month's findings (those on the year's plan
    included, as every month repeats them). No lines: twelve of these are small."""

    period: str  # "2025-03"
    units: tuple[UnitState, ...]
    findings: tuple[Finding, ...]

    @classmethod
    def of(cls, data: MonthData) -> MonthFacts:
        return cls(data.period, tuple(data.units), tuple(data.findings))


@dataclass(frozen=True)
class Deduction:
    """One scored item, with the finding it came from: where to show the unit why."""

    unit: str
    period: str  # "2025-03", or "2025" for the year's plan
    period_label: str  # 2025年3月 / 2025年度计划
    kind: str  # late | missing | a SCORE_KINDS kind
    kind_label: str  # 迟报 / 未报 / FINDING_LABELS[kind]
    finding: str  # the kind of the finding it came from (late, missing, blank, no_plan, incomplete, ...)
    rule: str  # 迟报一次 −0.1 分；配合单位 ×0.5
    points: Decimal
    message: str
    file: str = ""
    cell: str = ""
    task: str = ""  # task id, "" for a unit's report as a whole
    task_label: str = ""  # 年度工作任务3

    def as_json(self) -> dict:
        return {"unit": self.unit, "period": self.period, "period_label": self.period_label, "kind": self.kind,
                "kind_label": self.kind_label, "finding": self.finding, "rule": self.rule, "points": float(self.points),
                "message": self.message, "file": self.file, "cell": self.cell, "task": self.task, "task_label": self.task_label}


@dataclass
class UnitScore:
    """One unit's score for the period: ``total`` is the sum of its deductions' points."""

    unit: str
    base: Decimal
    late: int = 0  # 迟报次数
    missing: int = 0  # 未报次数 (空表 and 计划未报 included)
    other: Decimal = Decimal(0)  # points of every other deduction
    other_count: int = 0
    total: Decimal = Decimal(0)
    leads: bool = True  # leads at least one task (else its reporting events count × co_unit_factor)
    not_issued: list[str] = field(default_factory=list)  # period labels whose form was not issued to it
    co_unit_factor: Decimal = Decimal(1)  # what its reporting events count for when it leads no task

    @property
    def score(self) -> Decimal:
        return self.base + self.total

    @property
    def note(self) -> str:
        """The 说明 of its row: periods not issued to it; a unit that only co-operates."""
        parts = []
        if self.not_issued:
            parts.append(f"{'、'.join(self.not_issued)}报送表未下发给本单位，不计分")
        if not self.leads and self.co_unit_factor != 1:
            parts.append(f"仅作配合单位：迟报、未报×{format(self.co_unit_factor.normalize(), 'f')}")
        return "；".join(parts)

    def as_json(self) -> dict:
        return {"unit": self.unit, "base": float(self.base), "late": self.late, "missing": self.missing,
                "other": float(self.other), "other_count": self.other_count, "total": float(self.total),
                "score": float(self.score), "leads": self.leads, "not_issued": list(self.not_issued), "note": self.note}


@dataclass
class Scores:
    """The 考核 scores of a year or a quarter at ``now``."""

    year: int
    quarter: int | None
    label: str  # 2025年度 / 2025年第三季度
    now: datetime
    rules: ScoreSettings
    units: list[UnitScore]  # official order
    deductions: list[Deduction]  # by unit (official order), period, kind, task
    scored: list[str] = field(default_factory=list)  # period labels scored (2025年度计划, 2025年1月, ...)
    not_scored: list[str] = field(default_factory=list)  # why a period of the scope was not scored, one sentence each

    def of(self, unit: str) -> list[Deduction]:
        return [d for d in self.deductions if d.unit == unit]

    def as_json(self) -> dict:
        return {"year": self.year, "quarter": self.quarter, "label": self.label, "now": self.now.isoformat(),
                "rules": {"base": self.rules.base, "late": self.rules.late, "missing": self.rules.missing,
                          "co_unit_factor": self.rules.co_unit_factor, "kinds": dict(self.rules.kinds)},
                "scored": list(self.scored), "not_scored": list(self.not_scored),
                "units": [u.as_json() for u in self.units], "deductions": [d.as_json() for d in self.deductions]}
