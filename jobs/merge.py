"""merge: the month's tracker (台账) from the accepted returns; with ``year``, the year tracker
(jobs.merge_year)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jobs.merge_year import merge_year
from office.atomic import atomic_path, free_name
from office.errors import DubanError
from office.model import Report
from office.month import MonthData, build_month
from sheets.template import load_template
from sheets.tracker import write_tracker
from office.workspace import Workspace


def tracker_path(ws: Workspace, data: MonthData) -> Path:
    return ws.root / "trackers" / f"{data.year}年{data.month}月_台账.xlsx"


@dataclass(frozen=True)
class Request:
    """One of the two: ``month`` (the month's tracker) or ``year`` (the year tracker)."""

    month: str | None = None  # 2025-03 or 2025年3月
    year: int | None = None


def run(ws: Workspace, request: Request, now: datetime) -> Report:
    if bool(request.month) == (request.year is not None):
        raise DubanError("请指定 --month（月度台账，如 --month 2025-03）或 --year（全年台账，如 --year 2025）其中之一。")
    if request.year is not None:
        return merge_year(ws, request.year, now)
    data = build_month(ws, request.month, now)
    wanted = tracker_path(ws, data)
    path = free_name(wanted)
    with atomic_path(path) as tmp:
        # 牵头领导 from the rows' tasks: build_month read them from this very ledger (reading
        # the task list a second time cost ~50 MB at 100,000 tasks).
        # The answer columns are headed and extended as the workspace's status form template has them.
        form = load_template(ws.template_file("status"), "status", ws.template_cache)
        write_tracker(tmp, data, ws.settings.office, labels=form.labels, extras=form.extras)
    data.close()  # written: the month's lines are not read again
    warnings = ([data.not_issued_note] if data.not_issued_note else []) + list(data.warnings)
    if path != wanted:
        warnings.append(f"{wanted.name} 正在被 Excel/WPS 打开，本次台账另存为 {path.name}。")
    c = data.counts
    summary = f"{data.year}年{data.month}月台账已生成：{path}。"
    if not data.issued:
        summary += f"本月落实情况表未下发给任何单位，各单位均记为“未下发”，不计未报、迟报；"
    else:
        summary += (f"应报 {c['units']} 个单位，已报 {c['reported']} 个（按时 {c['on_time']}，迟报 {c['late']}），"
                    f"未报 {c['missing']} 个，未到截止日 {c['pending']} 个")
        if c["blank"]:
            summary += f"（其中报送空表 {c['blank']} 个，视同未报）"
        if c["not_issued"]:
            summary += f"；另有 {c['not_issued']} 个单位未下发，不计入"
        summary += "；"
    summary += (f"任务 {c['tasks']} 项：绿 {c['green']}、黄 {c['yellow']}、红 {c['red']}；发现问题 {len(data.findings)} 条。")
    return Report(job="merge", summary=summary, warnings=warnings, data={
        "tracker": str(path),
        "deadline": data.deadline.isoformat(),
        "counts": c,
        "issued": data.issued,
        "not_issued_note": data.not_issued_note,
        "findings": [f.as_json() for f in data.findings],
    })
