"""The plain spec of a form template (:class:`FormTemplate`), and the same as JSON.

:mod:`sheets.template` reads a template workbook into it; :mod:`sheets.forms` writes every
unit's form from it. Everything here is tuples of plain values (a cell format is a sorted
tuple of xlsxwriter format options), so a spec is hashable, comparable and kept as JSON.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from sheets import columns as C

SPEC_VERSION = "3"  # bump when the way a template is read, or the spec, changes

# A style: xlsxwriter format options as sorted (name, value) pairs (hashable, plain data).
Style = tuple


def style(options: dict) -> Style:
    return tuple(sorted(options.items()))


def options(s: Style) -> dict:
    return dict(s)


def restyle(s: Style, **changes) -> Style:
    """`s` with some options set (a value of None removes the option)."""
    d = dict(s)
    for k, v in changes.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return style(d)


@dataclass(frozen=True)
class FixedCell:
    col: int  # 0-based
    value: object  # str, int, float or None
    style: Style


@dataclass(frozen=True)
class FixedRow:
    height: float | None
    cells: tuple[FixedCell, ...]


@dataclass(frozen=True)
class Block:
    """Rows copied as they are (placeholders aside); merges are (row, col, row, col), rows
    counted from the block's first row."""

    rows: tuple[FixedRow, ...]
    merges: tuple[tuple[int, int, int, int], ...]


@dataclass(frozen=True)
class Column:
    col: int  # 0-based
    key: str | None  # a meaning (sheets.columns), "extra:<header>", or None (a column without header)
    label: str  # its header text in the template
    cell: str  # the header cell ("D5"), for messages
    width: float
    style: Style  # the sample task row's cell
    font_size: float


@dataclass(frozen=True)
class Validation:
    col: int
    options: tuple  # xlsxwriter data_validation options as sorted pairs (lists as tuples)


@dataclass(frozen=True)
class Page:
    landscape: bool = True
    paper: int = 9
    fit_width: int | None = 1  # None: no fit-to-page
    fit_height: int = 0
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.6, 0.6)  # left, right, top, bottom (inches)
    header_margin: float = 0.3
    footer_margin: float = 0.3
    header: str = ""
    footer: str = "&C第 &P 页，共 &N 页"
    center_horizontally: bool = True
    center_vertically: bool = False


@dataclass(frozen=True)
class FormTemplate:
    kind: str  # "plan" | "status"
    name: str  # the template's file name, for messages
    sheet: str  # the form sheet's name
    version: str  # changes whenever anything below changes
    ncols: int
    widths: tuple[float, ...]  # per column
    top: Block  # rows above the table and the header rows
    header_first: int  # 0-based, within top
    header_last: int
    columns: tuple[Column, ...]
    section_style: Style
    section_height: float | None
    row_height: float  # the sample task row's height: the least a task row gets
    validations: tuple[Validation, ...]
    tail: Block  # rows under the table, from the first row after the last task
    page: Page
    fill_color: str  # background of the cells a unit fills in

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.key)

    @property
    def extras(self) -> tuple[tuple[str, str], ...]:
        """(key, header) of the extra columns, in form order."""
        return tuple((c.key, c.label) for c in self.columns if c.key and C.is_extra(c.key))

    @property
    def labels(self) -> dict[str, str]:
        """key -> the template's header for it."""
        return {c.key: c.label for c in self.columns if c.key}


# ---------------------------------------------------------------- the spec as JSON
#
# Reading a template needs openpyxl, whose import (numpy with it) takes longer than writing
# dozens of forms; so a template read once is kept as JSON, keyed by the sha256 of the
# template's bytes: beside the packaged templates (``落实情况表.spec.json``, made by
# make_templates.py) and, for a workspace's own, in a cache folder the caller names.

_TYPES = {t.__name__: t for t in (FormTemplate, Block, FixedRow, FixedCell, Column, Validation, Page)}


def _encode(x: object) -> object:
    if dataclasses.is_dataclass(x):
        return {"__t": type(x).__name__, **{f.name: _encode(getattr(x, f.name)) for f in dataclasses.fields(x)}}
    if isinstance(x, tuple):
        return [_encode(v) for v in x]
    return x


def _decode(x: object) -> object:
    if isinstance(x, list):
        return tuple(_decode(v) for v in x)
    if isinstance(x, dict):
        d = dict(x)
        t = _TYPES[d.pop("__t")]
        return t(**{k: _decode(v) for k, v in d.items()})
    return x


def to_json(tpl: FormTemplate, sha256: str) -> str:
    """The spec as JSON, for the template file whose bytes have `sha256`."""
    return json.dumps({"format": SPEC_VERSION, "sha256": sha256, "kind": tpl.kind, "template": _encode(tpl)},
                      ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def from_json(text: str, sha256: str, kind: str) -> FormTemplate | None:
    """The spec in `text` if it is the one of the template with `sha256` for `kind`, else None."""
    try:
        got = json.loads(text)
        if got.get("format") != SPEC_VERSION or got.get("sha256") != sha256 or got.get("kind") != kind:
            return None
        tpl = _decode(got["template"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return tpl if isinstance(tpl, FormTemplate) and tpl.kind == kind else None


def spec_file(path: Path) -> Path:
    """Where the spec of a packaged template is kept: 落实情况表.xlsx -> 落实情况表.spec.json."""
    return path.with_name(path.stem + ".spec.json")
