"""Read the task decomposition (任务分解表) into plain ``RawTask`` records.

Accepted: workbooks (.xlsx/.xlsm/.xls/.ods, told apart by content, not by name), CSV (UTF-8, UTF-8
with BOM or GBK), Word (.docx: tables, else annotated paragraphs) and plain text or Markdown
(annotated prose, see ``prose.py``, or a pipe table). Headers are found by their labels, never by
position. Unit names are kept raw: matching them against the unit registry is the caller's job.

Nothing here prints. A file that cannot be imported raises ``InputFileError`` whose message lists
every problem; what the office should merely know comes back as Chinese warning strings.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from office.errors import InputFileError
from sheets.decomposition import prose
from sheets.decomposition.records import RawTask, Table
from sheets.decomposition.sources import csv_table, decode_text, docx_tables, pipe_tables, workbook_tables
from sheets.decomposition.tables import read_tables
from sheets.safety import sniff

__all__ = ["RawTask", "Table", "read_decomposition"]

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
