"""Read the task decomposition (任务分解表) into plain ``RawTask`` records.

Accepted: workbooks (.xlsx/.xlsm/.xls/.ods, told apart by content, not by name), CSV (UTF-8, UTF-8
with BOM or GBK), Word (.docx: tables, else annotated paragraphs) and plain text or Markdown
(annotated prose, see ``prose.py``, or a pipe table). Headers are found by their labels, never by
position. Unit names are kept raw: matching them against the unit registry is the caller's job.

Nothing here prints. A file that cannot be imported raises ``InputFileError`` whose message lists
every problem; what the office should merely know comes back as Chinese warning strings.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from office.errors import InputFileError
from sheets.cells import clean_text as _stripped_text
from sheets.cells import parse_seq


@dataclass
class RawTask:
    kind: str  # "annual" | "livelihood"
    seq: int  # 序号; for prose the order in the document, 1..N
    category: str  # 类别 (filled down); for prose the section heading; "" for livelihood
    text: str  # task text, whitespace-normalized, Chinese punctuation kept
    leaders: list[str]
    lead_units: list[str]  # raw unit names, not yet matched against a registry
    co_units: list[str]
    note: str = ""  # 备注
    source: str = ""  # where it came from, e.g. 工作表“年度工作任务”第5行


# --------------------------------------------------------------------------- text helpers

_CJK = (
    "\u2010-\u206f\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_ENUM = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十百\d]+\s*[）)]|[一二三四五六七八九十百]+\s*[、.．]"
    r"|\d+\s*[、．]|\d+\s*\.(?!\d))\s*"
)
_LIVELIHOOD = re.compile(r"为民办.{0,6}实事|民生实事|实事项目")
_ANNUAL = re.compile(r"年度(?:重点)?(?:工作)?任务|重点工作任务|重点任务")


def cell_str(value) -> str:
    """A cell value as text, ends stripped: 12.0 -> "12", None -> "", dates as ISO dates."""
    return _stripped_text(value) or ""


def clean_text(value) -> str:
    """Collapse whitespace; drop it entirely next to a Chinese character or punctuation mark."""
    s = cell_str(value)

    def join(m: re.Match) -> str:
        before = s[m.start() - 1] if m.start() else ""
        after = s[m.end()] if m.end() < len(s) else ""
        if not before or not after or _CJK_CHAR.match(before) or _CJK_CHAR.match(after):
            return ""
        return " "

    return _SPACE.sub(join, s)


def strip_enum(text: str) -> str:
    """Drop a leading “一、”, “（一）”, “1.” or “1、”."""
    return _ENUM.sub("", text, count=1)


def kind_of_title(text: str) -> str | None:
    """'livelihood' or 'annual' when a title or section row names one kind only."""
    live, annual = bool(_LIVELIHOOD.search(text)), bool(_ANNUAL.search(text))
    if live != annual:
        return "livelihood" if live else "annual"
    return None


def split_top(text: str, seps: str) -> list[tuple[int, int]]:
    """Spans of ``text`` between separators that stand outside parentheses."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in seps:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(text)))
    return spans


def _dedupe(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def split_people(value) -> list[str]:
    """Leaders: one per line or separated by 、，,;； — padding inside a name is removed."""
    text = cell_str(value).replace("\u3000", " ").replace("\xa0", " ")
    names = []
    for part in re.split(r"[\r\n、，,;；/]+", text):
        words = part.split()
        if len(words) > 1 and all(len(w) >= 2 for w in words):
            names.extend(words)  # "栾长征 王延安": two names side by side
        else:
            names.append("".join(words))  # "王  莹": one padded name
    return _dedupe(names)


_UNIT_SEPS = "\r\n、，,;；"
_LEAD_MARK = re.compile(r"[（(]\s*(牵头|牵头单位|主责)\s*[）)]$")
_CO_MARK = re.compile(r"[（(]\s*(配合|配合单位|协办|参与)\s*[）)]$")


def split_units(segments: list[tuple[str, bool | None]]) -> list[tuple[str, bool, bool]]:
    """Units of a cell given as (text, bold) runs: [(name, marked_lead, bold)], in order.

    A unit counts as bold when most of its characters are; ``marked_lead`` is a “（牵头）”
    suffix, which is removed from the name like any whitespace inside it.
    """
    raw = "".join(t for t, _ in segments)
    bold = [bool(b) for t, b in segments for _ in t]
    units = []
    for a, b in split_top(raw, _UNIT_SEPS):
        chars = [i for i in range(a, b) if not raw[i].isspace()]
        name = _SPACE.sub("", raw[a:b]).strip("。.")
        lead = bool(_LEAD_MARK.search(name))
        name = _CO_MARK.sub("", _LEAD_MARK.sub("", name))
        if name and name not in {u[0] for u in units}:
            units.append((name, lead, sum(bold[i] for i in chars) * 2 > len(chars)))
    return units


def assign_lead(units: list[tuple[str, bool, bool]]) -> tuple[list[str], list[str]]:
    """(lead, co) from one 责任单位 cell: units marked （牵头） or set in bold lead, unless every
    unit (or none) is bold: then the first listed unit leads."""
    names = [u[0] for u in units]
    marked = [u[0] for u in units if u[1]]
    bold = [u[0] for u in units if u[2]]
    lead = marked or (bold if 0 < len(bold) < len(units) else names[:1])
    return lead, [n for n in names if n not in lead]


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
    text = re.sub(r"[（(][^）)]*[）)]", "", _SPACE.sub("", text))
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


def _label_row(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, text in enumerate(cells):
        f = _LABEL_FIELD.get(_label(text))
        if f and f not in found:
            found[f] = c
    return found


def _header_at(cells: list[list[str]], i: int) -> _Header | None:
    """The header starting at row i (with a sub-header row such as 牵头单位|配合单位 below it)."""
    cols = _label_row(cells[i])
    if len(cols) < 2:
        return None
    end = i + 1
    if end < len(cells):
        sub = _label_row(cells[end])
        if sub and "seq" not in sub and "text" not in sub:
            cols = {f: c for f, c in cols.items() if c not in sub.values()} | sub
            end += 1
    labels = {_label(t) for row in cells[i:end] for t in row}
    kind = "livelihood" if labels & _LIVELIHOOD_LABELS else None
    bold = any("加黑" in t or "加粗" in t for row in cells[i:end] for t in row)
    return _Header(cols, kind, bold, end)


# --------------------------------------------------------------------------- tables

Runs = list[tuple[str, bool | None]]


@dataclass
class Table:
    """One sheet or table: cell values (merged cells filled down) and, where known, bold runs."""

    where: str  # 工作表“年度工作任务” / 第1个表格 / ""
    rows: list[list]
    runs: Callable[[int, int], Runs | None] | None = None
    kind: str | None = None  # from the sheet name
    row_numbers: list[int] | None = None  # shown row numbers, when not i + 1
    continues: bool = False  # without a header of its own it may go on the table before it

    def label(self, i: int) -> str:
        n = self.row_numbers[i] if self.row_numbers else i + 1
        return f"{self.where}第{n}行"


@dataclass
class _Result:
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
    return not in_text or len(text) <= 30 or bool(_ENUM.match(text))


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


def read_table(table: Table, out: _Result, carry: _State | None = None) -> _State | None:
    """Append the tasks of one table to ``out``. A table without a header in its first rows
    is read on with ``carry`` (a Word table split in two) when it has as many columns; else
    it is left alone and None returned."""
    cells = [[clean_text(v) for v in row] for row in table.rows]
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


def _read_row(table: Table, i: int, state: _State, out: _Result, bold_seen: set) -> None:
    task, problems, bold = _task_of(table, i, state.header, state.kind)
    bold_seen.add(bold)
    c = state.header.cols.get("category")
    value = clean_text(table.rows[i][c]) if c is not None and c < len(table.rows[i]) else ""
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
    text, seq_text = clean_text(raw("text")), clean_text(raw("seq"))
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
    co = _dedupe(u for u in co if u not in lead)
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
        kind=kinds.get(clean_text(raw("kind")), kind), seq=seq, category="", text=text,
        leaders=split_people(raw("leaders")), lead_units=lead, co_units=co,
        note=clean_text(raw("note")), source=table.label(i),
    )
    return task, problems, bold


def _found_headers(table: Table) -> str | None:
    """The row of a table that looks most like a header, for the refusal message."""
    cells = [[clean_text(v) for v in row] for row in table.rows[:15]]
    candidates = [(len(_label_row(r)), -i, i) for i, r in enumerate(cells) if any(r)]
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
    out = _Result()
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


# --------------------------------------------------------------------------- workbooks


def _fill_merged(rows: list[list], ranges) -> dict[tuple[int, int], tuple[int, int]]:
    """Copy the value of each merged range down its first column; map cells to their top-left."""
    top_left = {}
    for (r0, c0), (r1, c1) in ranges or []:
        while len(rows) <= r1:
            rows.append([])
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                top_left[(r, c)] = (r0, c0)
            if r > r0:
                rows[r].extend([""] * (c0 + 1 - len(rows[r])))
                if rows[r][c0] in ("", None):
                    rows[r][c0] = value
    return top_left


class _Bold:
    """Bold runs of cells, to tell the lead unit: openpyxl for .xlsx, xlrd for .xls. The
    workbook is opened on first use, once per file; bold is a nicety, values come from calamine."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt = path, fmt
        self.book, self.opened, self.bold_fonts = None, False, []

    def _open(self):
        if not self.opened:
            self.opened = True
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
                    if self.fmt == "xlsx":
                        import openpyxl

                        with self.path.open("rb") as fh:  # a file object: a misnamed .xls opens too
                            self.book = openpyxl.load_workbook(fh, rich_text=True)
                    else:
                        import xlrd

                        data = self.path.read_bytes()
                        self.book = xlrd.open_workbook(file_contents=data, formatting_info=True)
                        # LibreOffice marks bold by the weight only
                        self.bold_fonts = [f.bold or f.weight >= 700 for f in self.book.font_list]
            except Exception:
                self.book = None
        return self.book

    def sheet(self, name: str, top_left: dict) -> Callable[[int, int], Runs | None]:
        def runs(r: int, c: int) -> Runs | None:
            book = self._open()
            if book is None:
                return None
            r, c = top_left.get((r, c), (r, c))
            try:
                return self._xlsx(book[name], r, c) if self.fmt == "xlsx" else self._xls(book, name, r, c)
            except (KeyError, IndexError, ValueError):
                return None

        return runs

    @staticmethod
    def _xlsx(ws, r: int, c: int) -> Runs:
        from openpyxl.cell.rich_text import CellRichText

        cell = ws.cell(r + 1, c + 1)
        bold = bool(cell.font and cell.font.b)
        if isinstance(cell.value, CellRichText):
            return [(b, bold) if isinstance(b, str) else (b.text, bool(b.font and b.font.b))
                    for b in cell.value]
        return [(cell_str(cell.value), bold)]

    def _xls(self, book, name: str, r: int, c: int) -> Runs:
        sh = book.sheet_by_name(name)
        text = str(sh.cell_value(r, c))  # unstripped: the run offsets count from its start
        cell_bold = self.bold_fonts[book.xf_list[sh.cell_xf_index(r, c)].font_index]
        marks = [(0, None)] + list(sh.rich_text_runlist_map.get((r, c), []))
        out = []
        for k, (start, font) in enumerate(marks):
            end = marks[k + 1][0] if k + 1 < len(marks) else len(text)
            out.append((text[start:end], cell_bold if font is None else self.bold_fonts[font]))
        return out


def workbook_tables(path: Path, fmt: str) -> tuple[list[Table], list[str]]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:  # from a file object: calamine then goes by content, not by the extension
        with path.open("rb") as fh:
            wb = CalamineWorkbook.from_filelike(fh)
        metas = wb.sheets_metadata
    except Exception as exc:
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise InputFileError(f"文件“{path.name}”设置了密码，请去掉密码后重新导入。") from exc
        raise InputFileError(
            f"文件“{path.name}”无法作为Excel工作簿读取，文件可能已损坏，请用Excel打开后另存为.xlsx再导入。"
        ) from exc
    tables, notes = [], []
    bold = _Bold(path, fmt) if fmt in ("xlsx", "xls") else None
    for meta in metas:
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue  # chartsheets and the like hold no cells
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
        except Exception:
            notes.append(f"工作表“{meta.name}”无法读取，已跳过。")
            continue
        try:
            ranges = sheet.merged_cell_ranges
        except Exception:  # not every format reports merged cells
            ranges = None
        top_left = _fill_merged(rows, ranges)
        where = f"工作表“{meta.name}”"
        table = Table(where, rows, bold.sheet(meta.name, top_left) if bold else None,
                      kind_of_title(meta.name))
        if meta.visible != SheetVisibleEnum.Visible:
            if read_table(table, _Result()):
                notes.append(f"{where}是隐藏的工作表，未导入；如需导入请先取消隐藏。")
            continue
        tables.append(table)
    return tables, notes


# --------------------------------------------------------------------------- Word


def _run_bold(run, paragraph) -> bool:
    for font in (run.font, getattr(run.style, "font", None), getattr(paragraph.style, "font", None)):
        if font is not None and font.bold is not None:
            return bool(font.bold)
    return False


def _cell_runs(cell) -> Runs:
    from docx.text.run import Run

    out: Runs = []
    for k, p in enumerate(cell.paragraphs):
        if k:
            out.append(("\n", False))
        for item in p.iter_inner_content():
            for run in [item] if isinstance(item, Run) else item.runs:
                out.append((run.text, _run_bold(run, p)))
    return out


def docx_tables(doc) -> list[Table]:
    from docx.table import _Cell

    tables = []
    for k, t in enumerate(doc.tables, 1):
        rows, grid = [], []
        for tr in t.rows:
            try:
                cells = tr.cells
            except ValueError:  # a merge continued from a table above: read the row as it is
                cells = [_Cell(tc, t) for tc in tr._tr.tc_lst for _ in range(tc.grid_span)]
            row, kept, prev = [], [], None
            for cell in cells:
                same = prev is not None and cell._tc is prev._tc
                row.append("" if same else cell.text)
                kept.append(None if same else cell)
                prev = cell
            rows.append(row)
            grid.append(kept)

        def runs(r: int, c: int, grid=grid) -> Runs | None:
            cell = grid[r][c] if c < len(grid[r]) else None
            return _cell_runs(cell) if cell is not None else None

        tables.append(Table(f"第{k}个表格", rows, runs, continues=True))
    return tables


# --------------------------------------------------------------------------- text files


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's “Unicode 文本”) or GBK."""
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputFileError(f"文件“{name}”不是UTF-8或GBK编码的文本，无法读取。")


def csv_table(text: str, name: str) -> Table:
    """Comma, tab or semicolon separated: whichever the first lines use most."""
    head = text.splitlines()[:15]
    delimiter = max(",\t;", key=lambda d: sum(line.count(d) for line in head))
    try:
        return Table("", list(csv.reader(io.StringIO(text), delimiter=delimiter)))
    except csv.Error as exc:
        raise InputFileError(f"文件“{name}”无法按CSV表格读取：{exc}。") from exc


def pipe_tables(text: str) -> list[Table]:
    """Markdown pipe tables: | 序号 | 重点任务 | … | (the |---| line dropped)."""
    tables, rows, numbers = [], [], []
    for n, line in enumerate(text.splitlines() + [""], 1):
        s = line.strip()
        if s.startswith("|") and s.endswith("|") and len(s) > 1:
            cells = [c.strip() for c in s[1:-1].split("|")]
            if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                rows.append([c.replace("<br>", "\n").replace("<br/>", "\n") for c in cells])
                numbers.append(n)
        elif rows:
            tables.append(Table("", rows, row_numbers=numbers))
            rows, numbers = [], []
    return tables


# --------------------------------------------------------------------------- entry point

_REFUSALS = {
    "encrypted": "设置了打开密码，请在Excel或WPS中取消密码后重新导入。",
    "pdf": "是PDF文件，无法读取其中的表格，请提供Excel或Word版本。",
    "empty": "是空文件（0字节），可能没有保存成功。",
    "doc": "是旧版Word文档（.doc），请另存为.docx后重新导入。",
}


def _zip_kind(path: Path) -> str | None:
    """docx, ods or xlsb for a zip that ``sniff`` did not take for an .xlsx."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            mime = z.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if b"opendocument.spreadsheet" in mime:
        return "ods"
    return None


def read_decomposition(path: str | Path) -> tuple[list[RawTask], list[str]]:
    """Tasks of a decomposition file and Chinese warnings; InputFileError if it cannot be imported."""
    from sheets import prose
    from sheets.safety import sniff

    path = Path(path)
    name = path.name
    found = sniff(path)  # raises InputFileError when the path cannot be read at all
    fmt = found.format
    if fmt == "zip":
        fmt = _zip_kind(path) or fmt
    elif fmt == "ole" and "WordDocument".encode("utf-16-le") in path.read_bytes():
        fmt = "doc"
    if fmt in _REFUSALS:
        raise InputFileError(f"文件“{name}”{_REFUSALS[fmt]}")
    if fmt in ("xlsx", "xls", "xlsb", "ods"):
        if fmt in ("xlsx", "xls") and not found.ok:  # bounds checks: bombs, giant sheets
            raise InputFileError(f"文件“{name}”：{found.reason}")
        tables, notes = workbook_tables(path, fmt)
        tasks, more = read_tables(tables, name)
        return tasks, notes + more
    if fmt == "docx":
        try:
            import docx

            doc = docx.Document(str(path))
            tables = docx_tables(doc)
            paragraphs = prose.docx_paragraphs(doc)
        except Exception as exc:
            raise InputFileError(f"文件“{name}”无法作为Word文档读取，文件可能已损坏。") from exc
        return read_tables(tables, name, lambda: prose.read_prose(paragraphs, name), prose.NO_NOTES)
    if fmt not in ("csv", "unknown"):
        raise InputFileError(f"文件“{name}”：{found.reason.replace('报送', '导入')}")
    text = decode_text(path.read_bytes(), name)
    if "\x00" in text:
        raise InputFileError(f"文件“{name}”不是Excel、Word或文本文件，无法识别。")
    if path.suffix.lower() in (".csv", ".tsv"):
        return read_tables([csv_table(text, name)], name)
    tables = pipe_tables(text) or ([] if prose.has_notes(text) else [csv_table(text, name)])
    paragraphs = prose.text_paragraphs(text)
    return read_tables(tables, name, lambda: prose.read_prose(paragraphs, name), prose.NO_NOTES)
