"""tasks.xlsx: the task register as a clerk reads it."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from office.model import KIND_LABELS, Task
from office.units import Registry

HEADERS = ("任务编号", "类型", "序号", "类别", "重点任务、民生实事内容", "牵头领导", "牵头单位", "配合单位", "备注")
WIDTHS = (14, 12, 6, 24, 60, 12, 24, 40, 16)


def write_tasks_xlsx(path: Path, tasks: list[Task], registry: Registry, warnings: list[str]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    head = wb.add_format({"bold": True, "font_name": "黑体", "bg_color": "#D9E1F2", "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True})
    body = wb.add_format({"font_name": "仿宋_GB2312", "border": 1, "valign": "top", "text_wrap": True})
    ws = wb.add_worksheet("任务登记")
    ws.write_row(0, 0, HEADERS, head)
    for i, t in enumerate(tasks, start=1):
        ws.write_string(i, 0, t.id, body)
        ws.write_string(i, 1, KIND_LABELS[t.kind], body)
        ws.write_number(i, 2, t.seq, body)
        ws.write_string(i, 3, t.category, body)
        ws.write_string(i, 4, t.text, body)
        ws.write_string(i, 5, "\n".join(t.leaders), body)
        ws.write_string(i, 6, "、".join(t.lead_units), body)
        ws.write_string(i, 7, "、".join(t.co_units), body)
        ws.write_string(i, 8, t.note, body)
    for j, w in enumerate(WIDTHS):
        ws.set_column(j, j, w)
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, max(len(tasks), 1), len(HEADERS) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    units: dict[str, list[int]] = {}
    for t in tasks:
        for u in t.units:
            units.setdefault(u, [0, 0])
            units[u][0 if u in t.lead_units else 1] += 1
    us = wb.add_worksheet("单位任务")
    us.write_row(0, 0, ("单位", "牵头任务数", "配合任务数", "是否已登记"), head)
    for i, u in enumerate(sorted(units, key=registry.order_key), start=1):
        us.write_string(i, 0, u, body)
        us.write_number(i, 1, units[u][0], body)
        us.write_number(i, 2, units[u][1], body)
        us.write_string(i, 3, "是" if registry.get(u) else "否（请在 units.xlsx 中登记）", body)
    us.set_column(0, 0, 36)
    us.set_column(1, 3, 14)
    us.freeze_panes(1, 0)
    if warnings:
        wsw = wb.add_worksheet("导入提示")
        wsw.write_string(0, 0, "提示", head)
        for i, w in enumerate(warnings, start=1):
            wsw.write_string(i, 0, w, body)
        wsw.set_column(0, 0, 120)
    wb.close()
