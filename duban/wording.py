"""Words shared by every document: what counts as "no problem", and how a rate is written."""

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
