"""Words shared by every document: what counts as "no problem", how a rate is written, what 红/黄/绿 mean."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

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


# What 红/黄/绿 mean (the rule is office.month.traffic_light): the legend of every document.
STATUS_RULES = {
    "红": "牵头单位报告未完成阶段任务目标，或过了截止日仍未报送",
    "黄": "推进中或信息不全：牵头单位未填“是否完成”、尚未到截止日、配合单位报告未完成，或任务没有应报单位",
    "绿": "牵头单位报告完成阶段任务目标，且没有配合单位报告未完成",
}
# The same, short enough for a page footer.
STATUS_SHORT = {"红": "未完成或未报送", "黄": "推进中或信息不全", "绿": "完成阶段目标"}


def status_legend(short: bool = False, sep: str = "；") -> str:
    """"红：…；黄：…；绿：…" in that order."""
    rules = STATUS_SHORT if short else STATUS_RULES
    return sep.join(f"{k}：{rules[k]}" for k in ("红", "黄", "绿"))
