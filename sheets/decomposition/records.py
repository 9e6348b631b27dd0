"""The plain records of a decomposition: a task as read (``RawTask``) and a table of cells."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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
