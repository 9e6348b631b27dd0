"""The column vocabulary of the two forms: what a column means, found by its header text.

One vocabulary serves the form writer (which column of a template gets the task text,
which ones a unit fills in), the return reader (which cell holds which answer) and the
tracker (what a value is called). A column's *meaning* is a short key ("progress"); its
*label* is the header text a form shows ("完成情况"), which may vary ("工作完成情况",
"下一步工作打算" ...) without changing the meaning.

A header that names no known meaning is an *extra* column: its values are carried as free
text under the key ``extra:<header>`` (:func:`extra_key`), with the header as label.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sheets.cells import clean_text, label_key

PLAN = "plan"
STATUS = "status"
EXTRA_PREFIX = "extra:"


@dataclass(frozen=True)
class Meaning:
    key: str
    label: str  # the header of the official form
    kinds: tuple[str, ...]  # the forms that have this column
    prefilled: bool = False  # written by the office (task, role, quarter target), not by the unit
    required: bool = False  # the office's rules need it: a template without it is refused
    yes_no: bool = False  # read as 是/否


MEANINGS: tuple[Meaning, ...] = (
    Meaning("seq", "序号", (PLAN, STATUS), prefilled=True, required=True),
    Meaning("text", "重点任务、民生实事内容", (PLAN, STATUS), prefilled=True, required=True),
    Meaning("role", "本单位职责", (PLAN, STATUS), prefilled=True),
    Meaning("q1", "一季度", (PLAN,), required=True),
    Meaning("q2", "二季度", (PLAN,), required=True),
    Meaning("q3", "三季度", (PLAN,), required=True),
    Meaning("q4", "四季度", (PLAN,), required=True),
    Meaning("main_leader", "主要负责人", (PLAN,), required=True),
    Meaning("deputy", "分管负责人", (PLAN,), required=True),
    Meaning("note", "备注", (PLAN, STATUS)),
    Meaning("due_by", "完成时限", (PLAN,)),  # optional: the task's own deadline (office.progress.parse_due)
    Meaning("target", "季度计划完成目标", (STATUS,), prefilled=True),
    Meaning("progress", "完成情况", (STATUS,), required=True),
    Meaning("percent", "完成进度（%）", (STATUS,)),
    Meaning("problems", "存在问题", (STATUS,), required=True),
    Meaning("next_steps", "下一步计划", (STATUS,), required=True),
    Meaning("achieved", "是否完成阶段任务目标", (STATUS,), required=True, yes_no=True),
)
BY_KEY = {m.key: m for m in MEANINGS}
LABELS = {m.key: m.label for m in MEANINGS}  # the official header of each meaning
PREFILLED = frozenset(m.key for m in MEANINGS if m.prefilled)

# The answers each form always carries (None when empty), in form order: what a return is
# read into. Optional meanings (percent, a 备注 on the status form, due_by on the plan) and
# extra columns are read only when the form has them.
PLAN_FIELDS = ("q1", "q2", "q3", "q4", "main_leader", "deputy", "note")
STATUS_FIELDS = ("target", "progress", "problems", "next_steps", "achieved")
FIELDS = {PLAN: PLAN_FIELDS, STATUS: STATUS_FIELDS}
REQUIRED = {k: tuple(m.key for m in MEANINGS if m.required and k in m.kinds and not m.prefilled) for k in (PLAN, STATUS)}
QUARTERS = ("q1", "q2", "q3", "q4")
GROUP = "group"  # meaning_of() of the label over 一季度…四季度 (季度目标及推进计划)

_QUARTER_RE = re.compile(r"^第?([一二三四1234])季度")
_QUARTER_KEYS = {"一": "q1", "1": "q1", "二": "q2", "2": "q2", "三": "q3", "3": "q3", "四": "q4", "4": "q4"}
_PERCENT_KEYS = ("完成进度", "完成进度%", "进度%", "完成进度百分比")
_DUE_KEYS = ("时限", "完成期限", "时限要求", "完成时间节点")


def meaning_of(label: object) -> str | None:
    """The meaning of a header cell ("完成情况" -> "progress"), :data:`GROUP` for the group
    label over the quarters, None for a header that names no known meaning (or no header)."""
    return meaning_of_key(label_key(label))


def meaning_of_key(key: str) -> str | None:
    """:func:`meaning_of` of an already reduced label (cells.label_key)."""
    if not key:
        return None
    if "序号" in key:
        return "seq"
    if "重点任务" in key or "民生实事" in key:
        return "text"
    if "职责" in key:
        return "role"
    m = _QUARTER_RE.match(key)
    if m:
        return _QUARTER_KEYS[m.group(1)]
    if "是否完成" in key or "阶段任务目标" in key or "阶段目标" in key:
        return "achieved"
    if "推进计划" in key:
        return GROUP
    if key in _PERCENT_KEYS or key.startswith("完成进度") or key.startswith("完成比例"):
        return "percent"
    if key.startswith("完成时限") or key in _DUE_KEYS:
        return "due_by"
    if "计划完成目标" in key or ("目标" in key and "季度" in key):
        return "target"
    if "完成情况" in key or "进展情况" in key:
        return "progress"
    if "存在问题" in key or key == "问题":
        return "problems"
    if "下一步" in key:
        return "next_steps"
    if "主要负责人" in key:
        return "main_leader"
    if "分管负责人" in key:
        return "deputy"
    if "备注" in key:
        return "note"
    return None


def header_text(label: object) -> str:
    """A header cell as a label: cleaned, inner spaces and line breaks removed ("佐证\\n材料" -> "佐证材料")."""
    text = clean_text(label)
    return re.sub(r"\s+", "", text) if text else ""


def extra_key(label: object) -> str:
    """The key an extra column's values are carried under: ``extra:<header>``."""
    return EXTRA_PREFIX + header_text(label)


def is_extra(key: str) -> bool:
    return key.startswith(EXTRA_PREFIX)


def label_of(key: str) -> str:
    """The label to show for a key: the official header, or an extra column's own header."""
    if is_extra(key):
        return key[len(EXTRA_PREFIX):]
    return LABELS.get(key, key)


def key_of(label: object) -> str | None:
    """The key of a header cell: a known meaning, an ``extra:`` key, or None (no header, or
    the group label over the quarters)."""
    m = meaning_of(label)
    if m == GROUP:
        return None
    if m is not None:
        return m
    text = header_text(label)
    return extra_key(text) if text else None


def belongs_to(key: str, kind: str) -> bool:
    """Whether a key may appear on a form of `kind` (extras may appear on both)."""
    m = BY_KEY.get(key)
    return m is None or kind in m.kinds


# ---------------------------------------------------------------- rows around the table

_SECTION_RE = re.compile(
    r"^(?:[一二三四五六七八九十\d]+[、.．]?)?(?:(年度工作任务)|(为民办(?:\d+件)?实事|民生实事))"
)
_SIGN_RE = re.compile(r"^(填\s*报\s*人|联\s*系\s*电\s*话|负\s*责\s*人\s*签\s*字)\s*([:：]|$)")
_NOTE_RE = re.compile(r"^(填\s*表\s*说\s*明|说\s*明|注)\s*([:：]|$)")


def section_kind(text: str) -> str | None:
    """The task kind a section row names (“一、年度工作任务” -> "annual"), else None."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    m = _SECTION_RE.match(text)
    if not m or len(text) > 30:
        return None
    return "annual" if m.group(1) else "livelihood"


def is_sign_text(text: str) -> bool:
    """A footer label: 填报人 / 联系电话 / 负责人签字 (with or without a colon)."""
    return bool(text) and text[0] in "填联负" and _SIGN_RE.match(text) is not None


def is_note_text(text: str) -> bool:
    """The start of the instructions under a form: 说明：… / 填表说明：… / 注：…"""
    return bool(text) and text[0] in "填说注" and _NOTE_RE.match(text) is not None
