"""Test helpers: fill a generated form like a unit would, and convert with LibreOffice.

The locator here is deliberately independent of sheets.returns: it finds the
fill-in cells of a generated workbook by the known header labels with openpyxl.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import MergedCell

LABELS = {
    "seq": ("序号", "分解序号"),
    "text": ("重点任务、民生实事内容",),
    "role": ("本单位职责",),
    "q1": ("一季度",),
    "q2": ("二季度",),
    "q3": ("三季度",),
    "q4": ("四季度",),
    "main_leader": ("主要负责人",),
    "deputy": ("分管负责人",),
    "note": ("备注",),
    "due_by": ("完成时限",),
    "target": ("季度计划完成目标",),
    "progress": ("完成情况",),
    "percent": ("完成进度（%）",),
    "problems": ("存在问题",),
    "next_steps": ("下一步计划",),
    "achieved": ("是否完成阶段任务目标",),
}
SECTIONS = {"年度工作任务": "annual", "为民办实事": "livelihood"}


def _squash(value) -> object:
    """A header cell's text without spaces or line breaks (a clerk's Alt+Enter in a label)."""
    return "".join(value.split()) if isinstance(value, str) else value


def form_sheet(wb):
    """The worksheet holding the form (the one with a 重点任务 header)."""
    for ws in wb.worksheets:
        if ws.title == "_duban":
            continue
        for row in ws.iter_rows(min_row=1, max_row=15, values_only=True):
            if "重点任务、民生实事内容" in (_squash(v) for v in row):
                return ws
    raise LookupError("no form sheet")


def locate(ws, labels: dict[str, tuple[str, ...]] | None = None) -> tuple[dict[str, int], dict[str, int], int]:
    """({field: 1-based column}, {task_id: 1-based row}, last header row), the columns found by
    their header text (``labels`` adds or renames fields: {field: (header text, ...)})."""
    vocabulary = {**LABELS, **(labels or {})}
    cols: dict[str, int] = {}
    header_last = None
    for r in range(1, 16):
        for c in range(1, ws.max_column + 1):
            v = _squash(ws.cell(r, c).value)
            for f, names in vocabulary.items():
                if v in names and f not in cols:
                    cols[f] = c
                    header_last = max(header_last or 0, r)
    assert header_last, "header not found"
    rows: dict[str, int] = {}
    kind = None
    for r in range(header_last + 1, ws.max_row + 1):
        v = ws.cell(r, cols["seq"]).value
        if isinstance(v, str):
            for label, k in SECTIONS.items():
                if label in v:
                    kind = k
            continue
        if isinstance(v, (int, float)) and kind:
            rows[f"{kind}-{int(v)}"] = r
    return cols, rows, header_last


def task_ids(path: Path) -> list[str]:
    """The task ids of a generated form, in sheet order (found by header text, not by the reader)."""
    _, rows, _ = locate(form_sheet(openpyxl.load_workbook(path)))
    return sorted(rows, key=rows.get)


def set_text(cell, value) -> None:
    """Write a value the way a unit's typed text ends up: always as a string cell
    (a leading "=" must not turn into a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def fill_form(src: Path, dst: Path, values: dict[str, dict[str, object]], footer: dict[str, str] | None = None, *,
              edit_text: dict[str, str] | None = None, labels: dict[str, tuple[str, ...]] | None = None) -> Path:
    """Copy `src` to `dst` with `values` ({task_id: {field: value}}) written into the
    fill-in cells; `footer` may hold 填报人/联系电话/填报时间 values; `edit_text`
    ({task_id: text}) overwrites task texts (a unit editing its task); `labels` as in locate()."""
    wb = openpyxl.load_workbook(src)
    ws = form_sheet(wb)
    cols, rows, _ = locate(ws, labels)
    for tid, fields in values.items():
        for f, v in fields.items():
            set_text(ws.cell(rows[tid], cols[f]), v)
    for tid, text in (edit_text or {}).items():
        set_text(ws.cell(rows[tid], cols["text"]), text)
    for label, v in (footer or {}).items():
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(label):
                    # the first writable cell to the right of the label
                    c = cell.column + 1
                    while isinstance(ws.cell(cell.row, c), MergedCell):
                        c += 1
                    set_text(ws.cell(cell.row, c), v)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def fill_every_row(src: Path, dst: Path, fields: dict[str, object], **kwargs) -> Path:
    """fill_form with the same ``fields`` in every task row; a None value leaves that cell as generated."""
    values = {tid: {f: v for f, v in fields.items() if v is not None} for tid in task_ids(src)}
    return fill_form(src, dst, values, **kwargs)


def edit(src: Path, dst: Path, fn) -> Path:
    """Load `src` with openpyxl, call fn(wb, ws_form), save to `dst`."""
    wb = openpyxl.load_workbook(src)
    fn(wb, form_sheet(wb))
    wb.save(dst)
    return dst


def insert_rows(ws, idx: int, amount: int = 1) -> None:
    """ws.insert_rows that also shifts merged ranges (openpyxl does not)."""
    ranges = [mr for mr in ws.merged_cells.ranges if mr.min_row >= idx]
    for mr in ranges:
        ws.merged_cells.remove(mr)
    ws.insert_rows(idx, amount)
    for mr in ranges:
        mr.shift(row_shift=amount)
        ws.merge_cells(mr.coord)


def swap_rows(ws, r1: int, r2: int) -> None:
    """Swap the values of two rows (a unit reordering tasks)."""
    for c in range(1, ws.max_column + 1):
        a, b = ws.cell(r1, c), ws.cell(r2, c)
        if isinstance(a, MergedCell) or isinstance(b, MergedCell):
            continue
        va, vb = a.value, b.value
        set_text(a, vb)
        set_text(b, va)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def lo_convert(src: Path | list[Path], fmt: str, outdir: Path, timeout: int = 120) -> list[Path]:
    """Convert file(s) with headless LibreOffice to xlsx|xls|pdf in `outdir`, using a
    private user profile. Returns the converted paths (same stem, new extension)."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("soffice not found")
    srcs = [Path(s) for s in (src if isinstance(src, list) else [src])]
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97", "pdf": "pdf:calc_pdf_Export"}
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.gettempdir()) / f"duban-lo-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    cmd = [
        exe,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--nologo",
        "--convert-to",
        filters[fmt],
        "--outdir",
        str(outdir),
        *[str(s) for s in srcs],
    ]
    # own process group, so a hung conversion can be killed with all its children
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise RuntimeError(f"soffice timed out after {timeout}s")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    outs = [outdir / f"{s.stem}.{fmt}" for s in srcs]
    missing = [o for o in outs if not o.exists()]
    if missing:
        raise RuntimeError(f"soffice failed ({proc.returncode}): {out}\n{err}")
    return outs


def replace_in_package(src: Path, dst: Path, old: str, new: str) -> Path:
    """Rewrite an xlsx with `old` replaced by `new` in its XML parts: how to get values
    into a file that openpyxl refuses to write (text over 32767 characters)."""
    import html
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith(".xml"):
                data = data.replace(old.encode(), html.escape(new, quote=False).encode())
            zout.writestr(item, data)
    return dst
