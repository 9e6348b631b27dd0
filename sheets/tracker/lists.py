"""The list sheets: 报送情况 (each unit's history), 问题清单 (problems reported), 发现 (findings)."""

from __future__ import annotations

import re

from office.dates import period_label
from office.model import Task
from office.month_data import FIELD_LABELS, FINDING_LABELS
from sheets.tracker.cell_text import _put, task_label

_SPACE = re.compile(r"\s+")


class ListsMixin:
    """报送情况, 问题清单 and 发现 (mixed into the writer)."""

    # ------------------------------------------------------------ 报送情况
    def _history_sheet(self, ws) -> None:
        cols = list(self.data.history_columns)
        widths = [30] + [16] * len(cols)
        ncols = self._header(ws, ["单位", *cols], widths)
        r = 1
        for u in self.data.units:
            h = self.data.history.get(u.unit, {})
            values = [self.text(u.unit), *(self.text(h.get(c, "")) for c in cols)]
            self._fit_row(ws, r, zip(values, widths))
            _put(ws, r, 0, values[0], self.f_body)
            for j, value in enumerate(values[1:], start=1):
                _put(ws, r, j, value, self.f_center)
            r += 1
        last = max(r - 1, 1)
        ws.autofilter(0, 0, last, ncols - 1)
        if cols:
            rng = (1, 1, last, len(cols))
            ws.conditional_format(*rng, {"type": "cell", "criteria": "==", "value": '"未报"', "format": self.f_red})
            ws.conditional_format(*rng, {"type": "text", "criteria": "begins with", "value": "迟报", "format": self.f_yellow})
            ws.conditional_format(*rng, {"type": "text", "criteria": "begins with", "value": "按时", "format": self.f_green})
        self._page(ws)

    # ------------------------------------------------------------ 问题清单
    def _problems_sheet(self, ws, per_unit: dict[str, list[tuple[Task, object, str, object]]]) -> None:
        widths = [20, 8, 44, 50, 30]
        ncols = self._header(ws, ["单位", "序号", "任务", self.labels.get("problems", FIELD_LABELS["problems"]), "来源"], widths)
        r = 1
        for unit, items in per_unit.items():
            for task, problem, file, cell in items:
                ref = (f"{file}!{cell}" if file and "!" not in str(cell) else str(cell)) if cell else file
                values = (self.text(unit), task_label(task.id), self.text(task.text), self.text(problem), self.text(ref))
                self._fit_row(ws, r, zip(values, widths))
                for j, value in enumerate(values):
                    _put(ws, r, j, value, self.f_center if j == 1 else self.f_body)
                r += 1
        ws.autofilter(0, 0, max(r - 1, 1), ncols - 1)
        self._page(ws)

    # ---------------------------------------------------------------- 发现
    def _task_brief(self, tid: str) -> str:
        if not tid:
            return ""
        t = self.tasks.get(tid)
        label = task_label(tid)
        if t is None:
            return label
        head = _SPACE.sub("", t.text)
        return f"{label} {head[:20]}{'…' if len(head) > 20 else ''}"

    def _findings_sheet(self, ws) -> None:
        widths = [14, 20, 26, 11, 30, 10, 56]
        ncols = self._header(ws, ["类型", "单位", "任务", "期次", "文件", "单元格", "说明"], widths)
        centered = {0, 3}
        r = 1
        for f in self.data.findings:
            values = (self.text(FINDING_LABELS.get(f.kind, f.kind)), self.text(f.unit), self.text(self._task_brief(f.task)),
                      self.text(period_label(f.period)), self.text(f.file), self.text(f.cell), self.text(f.message))
            self._fit_row(ws, r, zip(values, widths))
            for j, value in enumerate(values):
                _put(ws, r, j, value, self.f_center if j in centered else self.f_body)
            r += 1
        ws.autofilter(0, 0, max(r - 1, 1), ncols - 1)
        self._page(ws)

