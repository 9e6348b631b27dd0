"""Words shared by every document: what counts as "no problem", how a rate is written, what 红/黄/绿 mean."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from office.progress import ProgressSettings

_SPACE_PUNCT = re.compile(r"[\s。．.，,；;：:！!、]+")

# What units write when they have nothing to report in 存在问题 (compared after removing
# whitespace and punctuation). One list for the tracker, the briefing and every rule.
NO_PROBLEM_WORDS = frozenset({
    "无", "暂无", "没有", "无问题", "暂无问题", "没有问题", "暂未发现问题", "未发现问题", "无明显问题",
    "无困难", "暂无困难", "无困难问题", "暂无困难问题", "无困难和问题", "暂无困难和问题", "无无",
    "/", "-", "—", "——", "无。", "暂无。",
})
_NO_PROBLEM_SQUASHED = frozenset(_SPACE_PUNCT.sub("", w) or w for w in NO_PROBLEM_WORDS)


def is_no_problem(text: str | None) -> bool:
    """True for an empty answer or one of the "no problem" words (无, 暂无, 暂未发现问题, 无困难, ...)."""
    raw = (text or "").strip()
    if not raw:
        return True
    squashed = _SPACE_PUNCT.sub("", raw)
    return (squashed or raw) in _NO_PROBLEM_SQUASHED


def rate(numerator: int, denominator: int) -> float:
    """A share in [0, 1], 0.0 when nothing is due."""
    return numerator / denominator if denominator else 0.0


def percent(numerator: int, denominator: int) -> str:
    """The one way every document writes a rate: one decimal, half up ("93.8%"); "—" when nothing is due."""
    if not denominator:
        return "—"
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


def _points(x: float) -> str:
    return f"{x:g}"


def status_rules(settings: ProgressSettings | None = None) -> dict[str, str]:
    """What 红/黄/绿 mean under ``settings`` ([progress]; the defaults when None): the legend of
    every document. Two rules (office.month.task_progress): a task whose lead units report a
    完成进度 is banded against 序时进度; one without, by 是/否 as before."""
    s = settings or ProgressSettings()
    y, r = _points(s.yellow_gap), _points(s.red_gap)
    red_no = "或报告未完成阶段任务目标，" if s.no_forces_red else ""
    red_no_yes_no = "" if s.no_forces_red else "；未填完成进度的，报告未完成阶段任务目标"
    return {
        "红": f"牵头单位过了截止日仍未报送，{red_no}或完成进度落后序时进度超过{r}个百分点{red_no_yes_no}",
        "黄": f"完成进度落后序时进度{y}至{r}个百分点；未填完成进度的，推进中或信息不全：牵头单位未填“是否完成”、"
              "尚未到截止日、配合单位报告未完成，或任务没有应报单位",
        "绿": f"已完成（销号），或完成进度落后序时进度不到{y}个百分点；未填完成进度的，牵头单位报告完成阶段任务目标"
              "且没有配合单位报告未完成",
    }


# What 红/黄/绿 mean with the default bands (the rule is office.month.task_progress).
STATUS_RULES = status_rules()
# The same, short enough for a page footer.
STATUS_SHORT = {"红": "未完成或未报送、进度严重落后", "黄": "推进中或信息不全、进度落后", "绿": "完成阶段目标、进度正常或已完成"}


def status_legend(short: bool = False, sep: str = "；", settings: ProgressSettings | None = None) -> str:
    """"红：…；黄：…；绿：…" in that order (``settings``: the workspace's [progress] bands)."""
    rules = STATUS_SHORT if short else status_rules(settings)
    return sep.join(f"{k}：{rules[k]}" for k in ("红", "黄", "绿"))


def not_green_reasons(leads, co_behind, gap: float | None) -> list[str]:  # noqa: ANN001 - iterables of tuples / names
    """Why a task is not green, one clause per cause, for the tracker's attention list and the
    briefing: ``leads`` are (unit, state, reported, 是/否 answer) of its lead units (state as
    office.month_data.UnitState), ``co_behind`` the co-units that report 否, ``gap`` its points
    behind 序时进度 (said only when nothing else explains it)."""
    why = []
    for unit, state, reported, answer in leads:
        if state == "missing":
            why.append(f"{unit}未报送")
        elif state == "pending":
            why.append(f"{unit}尚未到报送截止日期")
        elif state == "not_issued":
            why.append(f"{unit}的落实情况表未下发")
        elif not reported:
            why.append(f"{unit}报送的表中缺少该项")
        elif answer == "否":
            why.append(f"{unit}报告未完成阶段任务目标")
        elif answer != "是":
            why.append(f"{unit}未填写是否完成阶段任务目标")
    behind = list(co_behind)
    if behind:
        why.append(f"配合单位{'、'.join(behind)}报告未完成")
    if not why and gap is not None and gap > 0:
        why.append("完成进度落后于序时进度")
    return why
