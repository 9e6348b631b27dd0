"""Tables of a decomposition read into tasks: headers found by their labels (never by
position), sections and 类别 headings, continued tables, every bad row listed at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from office.errors import InputFileError
from sheets.cells import parse_seq
from sheets.decomposition.records import RawTask, Table
from sheets.decomposition.text import (ENUM, SPACE, assign_lead, cell_str, dedupe, kind_of_title, normalize_spaces,
                                       split_people, split_units, strip_enum)

# --------------------------------------------------------------------------- header labels

_LABELS = {
    "seq": {"序号", "编号", "分解序号", "任务序号", "任务编号", "seq"},
    "category": {"类别", "类型", "板块", "任务类别", "category"},
    "text": {"重点任务", "工作任务", "年度工作任务", "重点工作任务", "任务内容", "具体任务",
             "民生实事内容", "实事内容", "民生实事", "实事项目", "text"},
    "leaders": {"牵头领导", "分管区领导", "分管领导", "责任领导", "牵头区领导", "leaders"},
    "units": {"责任单位", "责任部门", "units"},
    "lead": {"牵头单位", "牵头部门", "lead_units"},
    "co": {"配合单位", "协办单位", "参与单位", "配合部门", "co_units"},
    "note": {"备注", "note"},
    "kind": {"kind"},
}
_LABEL_FIELD = {label: f for f, labels in _LABELS.items() for label in labels}
_LIVELIHOOD_LABELS = {"民生实事内容", "实事内容", "民生实事", "实事项目"}
NEEDED = "序号、重点任务（或工作任务、民生实事内容）、责任单位（或牵头单位）"
_FOOTER = re.compile(
    r"^(填报人|填表人|制表人|审核人|联系人|联系电话|负责人|单位负责人|填报单位|填报日期|制表日期"
    r"|日期|注|说明)\s*[：:]"
)


def _label(text: str) -> str:
    text = re.sub(r"[（(][^）)]*[）)]", "", SPACE.sub("", text))
    return text.strip("：:*").lower()


@dataclass
class _Header:
    cols: dict[str, int]
    kind: str | None  # a 民生实事内容 column says livelihood
    bold_rule: bool  # the header says 加黑的为牵头单位
    data_start: int

    @property
    def complete(self) -> bool:
        return {"seq", "text"} <= self.cols.keys() and bool({"units", "lead"} & self.cols.keys())


def label_row(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, text in enumerate(cells):
        f = _LABEL_FIELD.get(_label(text))
        if f and f not in found:
            found[f] = c
    return found


def _header_at(cells: list[list[str]], i: int) -> _Header | None:
    """The header starting at row i (with a sub-header row such as 牵头单位|配合单位 below it)."""
    cols = label_row(cells[i])
    if len(cols) < 2:
        return None
    end = i + 1
    if end < len(cells):
        sub = label_row(cells[end])
        if sub and "seq" not in sub and "text" not in sub:
            cols = {f: c for f, c in cols.items() if c not in sub.values()} | sub
            end += 1
    labels = {_label(t) for row in cells[i:end] for t in row}
    kind = "livelihood" if labels & _LIVELIHOOD_LABELS else None
    bold = any("加黑" in t or "加粗" in t for row in cells[i:end] for t in row)
    return _Header(cols, kind, bold, end)


@dataclass
class Result:
    tasks: list[RawTask] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seen: dict[tuple[str, int], str] = field(default_factory=dict)
    headers: int = 0


def _is_section(values: list[tuple[int, str]], h: _Header) -> bool:
    """A row with one value only, such as “一、年度工作任务” or a 类别 heading, is no task."""
    texts = {t for _, t in values}
    if len(texts) != 1:
        return False
    text = texts.pop()
    if parse_seq(text) is not None:
        return False
    if {c for c, _ in values} & {h.cols.get(f) for f in ("leaders", "units", "lead", "co")}:
        return False
    in_text = all(c == h.cols["text"] for c, _ in values)
    return not in_text or len(text) <= 30 or bool(ENUM.match(text))


def _find_header(cells: list[list[str]], search: int = 15) -> tuple[int, _Header] | None:
    for i in range(min(search, len(cells))):
        h = _header_at(cells, i)
        if h and h.complete:
            return i, h
    return None


@dataclass
class _State:
    """Where reading stands at the end of a table, for a table that continues it."""

    header: _Header
    kind: str
    width: int
    category: dict[str, str] = field(default_factory=dict)  # per kind: 类别 filled down


def _width(table: Table) -> int:
    return max((len(r) for r in table.rows), default=0)


def read_table(table: Table, out: Result, carry: _State | None = None) -> _State | None:
    """Append the tasks of one table to ``out``. A table without a header in its first rows
    is read on with ``carry`` (a Word table split in two) when it has as many columns; else
    it is left alone and None returned."""
    cells = [[normalize_spaces(v) for v in row] for row in table.rows]
    found = _find_header(cells)
    if found is not None:
        start, header = found
        titles = (kind_of_title(t) for row in cells[:start] for t in row if t)
        kind = header.kind or next((k for k in titles if k), None) or table.kind or "annual"
        state = _State(header, kind, _width(table))
    elif carry is not None and carry.width == _width(table):
        state = _State(carry.header, carry.kind, carry.width, carry.category)
        header = _Header(carry.header.cols, carry.header.kind, carry.header.bold_rule, 0)
    else:
        return None
    out.headers += 1
    bold_seen: set[bool] = set()
    seq_only: list[str] = []  # numbered rows left blank: an error only if tasks follow
    i = header.data_start
    while i < len(cells):
        row = cells[i]
        values = [(c, t) for c, t in enumerate(row) if t]
        if not values or _FOOTER.match(values[0][1]):
            i += 1
            continue
        h = _header_at(cells, i)
        if h:  # a header repeated after a page break, or the header of a second table
            if h.complete:
                state.header, state.kind = h, h.kind or state.kind
            i = h.data_start
            continue
        if _is_section(values, state.header):
            text = values[0][1]
            new_kind = kind_of_title(text) if len(text) <= 30 else None
            if new_kind:
                state.kind = new_kind
            else:
                state.category[state.kind] = strip_enum(text).rstrip("：:。")
            i += 1
            continue
        if [c for c, _ in values] == [state.header.cols["seq"]]:
            seq_only.append(table.label(i))
            i += 1
            continue
        out.errors += [f"{where}：缺少任务内容和责任单位。" for where in seq_only]
        seq_only = []
        _read_row(table, i, state, out, bold_seen)
        i += 1
    if seq_only:
        out.warnings.append(f"{seq_only[0]}起有{len(seq_only)}行只有序号，没有内容，已忽略。")
    if state.header.bold_rule and False in bold_seen and True not in bold_seen:
        how = "但没有找到加黑的单位" if table.runs else "但无法从这种文件读出加黑"
        out.warnings.append(
            f"{table.where or '表格'}的表头写明“加黑的为牵头单位”，{how}，已按每行第一个单位为牵头单位。"
        )
    return state


def _read_row(table: Table, i: int, state: _State, out: Result, bold_seen: set) -> None:
    task, problems, bold = _task_of(table, i, state.header, state.kind)
    bold_seen.add(bold)
    c = state.header.cols.get("category")
    value = normalize_spaces(table.rows[i][c]) if c is not None and c < len(table.rows[i]) else ""
    if value:
        state.category[task.kind if task else state.kind] = value
    if task:
        task.category = state.category.get(task.kind, "")
        key = (task.kind, task.seq)
        if key in out.seen:
            problems.append(f"序号{task.seq}与{out.seen[key]}重复")
        else:
            out.seen[key] = table.label(i)
    if problems:
        out.errors.append(f"{table.label(i)}：{'；'.join(problems)}。")
    elif task:
        out.tasks.append(task)


def _task_of(table: Table, i: int, h: _Header, kind: str):
    """(task or None, problems, bold) for one data row; ``bold`` is None unless the lead unit
    was taken from a 责任单位 cell of several units, else whether any of them is bold."""
    raw_row = table.rows[i]

    def raw(f: str):
        c = h.cols.get(f)
        return raw_row[c] if c is not None and c < len(raw_row) else None

    def units(f: str) -> list[str]:
        return [u[0] for u in split_units([(cell_str(raw(f)), None)])]

    problems, bold = [], None
    text, seq_text = normalize_spaces(raw("text")), normalize_spaces(raw("seq"))
    seq = parse_seq(raw("seq"))
    if not seq_text:
        problems.append("缺少序号")
    elif seq is None:
        problems.append(f"序号“{seq_text}”不是正整数")
    lead, co = units("lead"), units("co")
    if not lead and "units" in h.cols:
        runs = table.runs(i, h.cols["units"]) if table.runs else None
        found = split_units(runs or [(cell_str(raw("units")), None)])
        if len(found) > 1:
            bold = any(u[2] for u in found)
        lead, more = assign_lead(found)
        co = more + co
    elif "units" in h.cols:
        co = units("units") + co
    co = dedupe(u for u in co if u not in lead)
    missing = [name for name, ok in (("任务内容", text), ("责任单位", lead or co)) if not ok]
    if missing:
        problems.append("缺少" + "和".join(missing))
    elif not lead:
        problems.append("缺少牵头单位")
    if problems:
        return None, problems, bold
    kinds = {"annual": "annual", "livelihood": "livelihood", "年度工作任务": "annual",
             "为民办实事": "livelihood"}
    task = RawTask(
        kind=kinds.get(normalize_spaces(raw("kind")), kind), seq=seq, category="", text=text,
        leaders=split_people(raw("leaders")), lead_units=lead, co_units=co,
        note=normalize_spaces(raw("note")), source=table.label(i),
    )
    return task, problems, bold


def _found_headers(table: Table) -> str | None:
    """The row of a table that looks most like a header, for the refusal message."""
    cells = [[normalize_spaces(v) for v in row] for row in table.rows[:15]]
    candidates = [(len(label_row(r)), -i, i) for i, r in enumerate(cells) if any(r)]
    if not candidates:
        return None
    _, _, i = max(candidates)
    shown = [t if len(t) <= 20 else t[:20] + "…" for t in cells[i] if t][:10]
    text = f"{table.label(i)}：{'、'.join(shown)}"
    h = _header_at(cells, i)
    if h:
        lacking = [name for name, ok in (("序号", "seq" in h.cols), ("重点任务", "text" in h.cols),
                                         ("责任单位", {"units", "lead"} & h.cols.keys())) if not ok]
        text += f"（缺少{'、'.join(lacking)}）"
    return text


def read_tables(
    tables: list[Table], name: str, fallback: Callable[[], tuple | None] | None = None, extra: str = ""
) -> tuple[list[RawTask], list[str]]:
    """Tasks of all tables of one file. Without any header, ``fallback()`` may read the file
    another way; else InputFileError names the headers found. Bad rows are all listed at once."""
    out = Result()
    skipped, state = [], None
    for t in tables:
        state = read_table(t, out, state if t.continues else None)
        if state is None and any(map(any, t.rows)):
            skipped.append(t)
    if not out.headers:
        result = fallback() if fallback else None
        if result is not None:
            return result
        filled = [f for f in map(_found_headers, tables) if f]
        found = "；".join(filled[:5]) or "无（文件中没有任何内容）"
        if len(filled) > 5:
            found += f"；……（共{len(filled)}处）"
        raise InputFileError(
            f"文件“{name}”中未找到任务分解表的表头。找到的表头：{found}；需要包含：{NEEDED}。{extra}"
        )
    if out.errors:
        raise InputFileError(
            f"任务分解表“{name}”有{len(out.errors)}处问题，请修改后重新导入：\n" + "\n".join(out.errors)
        )
    if not out.tasks:
        raise InputFileError(f"任务分解表“{name}”的表头下面没有任务。")
    out.warnings += [f"{t.where}中没有任务分解表的表头，已跳过。" for t in skipped if t.where]
    return out.tasks, out.warnings
