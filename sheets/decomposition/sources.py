"""Where a decomposition's tables come from: workbooks (values from python-calamine, bold
runs from openpyxl or xlrd), Word tables, CSV text and Markdown pipe tables."""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path
from typing import Callable

from office.errors import InputFileError
from sheets.decomposition.records import Runs, Table
from sheets.decomposition.tables import Result, read_table
from sheets.decomposition.text import cell_str, kind_of_title

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
            if read_table(table, Result()):
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
