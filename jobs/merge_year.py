"""merge --year: the year tracker (全年台账) from the months' facts (office.year)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from office.atomic import atomic_path, free_name
from office.model import Report
from office.score import compute as compute_scores
from office.workspace import Workspace
from office.year import build_year
from office.year_data import YearData, month_span
from sheets.score_book import add_score_sheets
from sheets.year_tracker import AddSheet, write_year_tracker


def year_tracker_path(ws: Workspace, year: int) -> Path:
    return ws.root / "trackers" / f"{year}年_全年台账.xlsx"


def year_sheets(ws: Workspace, data: YearData, now: datetime) -> tuple[list[AddSheet], list[str]]:
    """Sheets appended to the year tracker after its own, each a function of the open Workbook:
    the year's 考核评分 and 扣分明细 (office.score, as `score --year` writes them), and the notes
    on the periods not scored. The score reuses the months ``data`` already took (its score_months)."""
    scores = compute_scores(ws, data.year, now, months=data.score_months)

    def add(workbook) -> None:  # noqa: ANN001 - an open xlsxwriter Workbook
        add_score_sheets(workbook, scores, office=ws.settings.office)

    return [add], list(scores.not_scored)


def merge_year(ws: Workspace, year: int, now: datetime) -> Report:
    data = build_year(ws, year, now)
    wanted = year_tracker_path(ws, year)
    path = free_name(wanted)
    with atomic_path(path) as tmp:
        sheets, score_notes = year_sheets(ws, data, now)
        write_year_tracker(tmp, data, ws.settings.office, add_sheets=sheets)
    warnings = list(data.notes) + list(data.warnings) + [f"考核评分：{n}" for n in score_notes if n not in data.notes]
    if path != wanted:
        warnings.append(f"{wanted.name} 正在被 Excel/WPS 打开，本次台账另存为 {path.name}。")
    c = data.counts
    summary = f"{year}年全年台账已生成：{path}。汇总{month_span(data.built)}"
    if data.not_issued_months:
        summary += f"（其中{month_span(data.not_issued_months)}落实情况表未下发）"
    summary += "；"
    if data.issued_months:
        summary += (f"全年应报 {c['due']} 次，已报 {c['reported']} 次（按时 {c['on_time']}，迟报 {c['late']}），"
                    f"未报 {c['missing']} 次，未到截止日 {c['pending']} 次；报送率 {c['submission_pct']}，按时报送率 {c['on_time_pct']}；"
                    f"任务 {c['tasks']} 项（截至{data.final_month}月）：绿 {c['green']}、黄 {c['yellow']}、红 {c['red']}，"
                    f"已完成 {c['done']} 项。")
    else:
        summary += f"各月落实情况表均未下发，不统计报送情况；任务 {c['tasks']} 项。"
    return Report(job="merge", summary=summary, warnings=warnings, data={
        "tracker": str(path),
        "year": year,
        "counts": c,
        "months": {"built": data.built, "issued": data.issued_months, "not_issued": data.not_issued_months,
                   "final": data.final_month},
    })
