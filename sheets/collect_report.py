"""inbox/报送检查结果.xlsx: every received file, its verdict and the reason a clerk can forward."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import xlsxwriter

from office.atomic import atomic_path

VERDICTS = {"accepted": "已接收", "superseded": "已被新版本替代", "rejected": "退回", "duplicate": "重复，只记一次"}
HEADERS = ("收到时间", "文件名", "单位", "类型", "期次", "结果", "原因或提示", "大小（字节）", "SHA-256", "归档位置")
WIDTHS = (18, 40, 26, 10, 10, 14, 70, 12, 20, 40)


def report_rows(files: Iterable[dict], names: Iterable[tuple[str, str, str]]) -> list[dict]:
    """One row per received file, newest first: every recorded file (``files``: the ledger's file
    records, ``warnings`` a list), and every further copy of the same bytes under another name
    (``names``: (sha256, name, at) of each arrival, first ones first) as a duplicate: recorded
    once, listed where it arrived."""
    rows = [dict(r) for r in files]
    by_sha = {r["sha256"]: r for r in rows}
    seen = {(r["sha256"], r["name"]) for r in rows}
    for sha, name, at in names:
        first = by_sha.get(sha)
        if first is None or (sha, name) in seen:
            continue
        seen.add((sha, name))
        when = first["received_at"].replace("T", " ")
        rows.append(first | {"name": name, "received_at": at, "verdict": "duplicate", "warnings": [],
                             "reason": f"与 {first['name']}（{when} 收到）完全相同，只记录一次。"})
    rows.sort(key=lambda r: r["name"])
    rows.sort(key=lambda r: r["received_at"], reverse=True)
    return rows


def write_collect_report(path: Path, rows: list[dict], now: datetime) -> None:
    """Write the check results (``rows`` from :func:`report_rows`) to ``path``, atomically."""
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                                      "in_memory": True})
        head = wb.add_format({"bold": True, "font_name": "黑体", "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
        body = wb.add_format({"font_name": "仿宋_GB2312", "border": 1, "text_wrap": True, "valign": "top"})
        bad = wb.add_format({"font_name": "仿宋_GB2312", "border": 1, "text_wrap": True, "valign": "top", "bg_color": "#F8CBAD"})
        ws = wb.add_worksheet("报送检查结果")
        ws.write_string(0, 0, f"报送文件检查结果（统计时间：{now:%Y-%m-%d %H:%M}）", wb.add_format({"bold": True, "font_size": 14, "font_name": "黑体"}))
        ws.write_row(1, 0, HEADERS, head)
        for i, r in enumerate(rows, start=2):
            fmt = bad if r["verdict"] == "rejected" else body
            notes = r["reason"] or "；".join(r["warnings"] or [])
            values = (r["received_at"].replace("T", " "), r["name"], r["unit"] or "", {"plan": "计划表", "status": "落实情况表"}.get(r["kind"] or "", ""),
                      r["period"] or "", VERDICTS.get(r["verdict"], r["verdict"]), notes[:32000])
            for j, v in enumerate(values):
                ws.write_string(i, j, v, fmt)
            ws.write_number(i, 7, r["size"], fmt)
            ws.write_string(i, 8, r["sha256"], fmt)
            ws.write_string(i, 9, r["archive"], fmt)
        for j, w in enumerate(WIDTHS):
            ws.set_column(j, j, w)
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, max(len(rows) + 1, 2), len(HEADERS) - 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        wb.close()
