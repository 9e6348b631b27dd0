"""brief: the monthly livelihood briefing and the quarterly briefing on all tasks, as Word documents
(with ``year``, the annual briefing: jobs.brief_year)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jobs.brief_year import brief_year
from office.atomic import atomic_path, free_name
from office.dates import parse_quarter, period_label, quarter_label
from office.errors import DubanError
from office.model import Report
from office.month import build_month
from sheets.briefing import NO_FONT_WARNING, monthly_facts, quarterly_facts, render_chart, write_briefing
from office.workspace import Workspace



@dataclass(frozen=True)
class Request:
    """One of: ``month`` (the monthly livelihood briefing), ``quarter`` (2025Q1) or ``year`` (the annual briefing)."""

    month: str | None = None
    quarter: str | None = None
    year: int | None = None


def run(ws: Workspace, request: Request, now: datetime) -> Report:
    if request.year is not None:
        return run_year(ws, request, now)
    month, quarter = request.month, request.quarter
    if bool(month) == bool(quarter):
        raise DubanError("请指定 --month（月度为民办实事通报）或 --quarter（季度通报）其中之一。")
    folder = ws.folder("briefings")
    if month:
        data = build_month(ws, month, now)
        facts = monthly_facts(data, ws.settings.brief, ws.settings.office)
        scope = period_label(data.period)
        wanted = folder / f"{scope}_为民办实事进展通报.docx"
        months = [data]
    else:
        year, q = parse_quarter(quarter)
        if year != ws.settings.year:
            raise DubanError(f"季度 {quarter} 不属于本工作区的年度（{ws.settings.year}年）。")
        months = [build_month(ws, f"{year}-{m:02d}", now) for m in range(3 * q - 2, 3 * q + 1)]
        facts = quarterly_facts(months, ws.settings.brief, ws.settings.office)
        scope = quarter_label(year, q)
        wanted = folder / f"{scope}_重点任务落实情况通报.docx"
    for m in months:
        m.close()  # the facts are taken: the months' lines are not read again
    path = free_name(wanted)
    chart = render_chart(facts)
    with atomic_path(path) as tmp:
        write_briefing(tmp, facts, chart)
    warnings = [f"{wanted.name} 正在被打开，本次通报另存为 {path.name}。"] if path != wanted else []
    warnings += facts.notes  # forms generated but never sent: how to record them as issued
    for m in months:
        warnings += [w for w in m.warnings if w not in warnings]
    if chart is not None and chart.font is None:
        warnings.append(NO_FONT_WARNING)
    summary = f"{scope}通报已生成：{path}"
    if not facts.issued:
        summary += "（本期落实情况表未下发，通报中不统计报送情况）"
    elif facts.months_not_issued:
        summary += f"（{'、'.join(f'{m}月' for m in facts.months_not_issued)}落实情况表未下发，未计入）"
    t = facts.tally
    counts = dict(facts.counts)
    counts.update({"submission_rate_text": t.submission_rate, "on_time_rate_text": t.on_time_rate})
    return Report(job="brief", summary=summary, warnings=warnings,
                  data={"briefing": str(path), "counts": counts, "title": facts.title,
                        "months": facts.months_issued, "months_not_issued": facts.months_not_issued,
                        "chart_font": chart.font if chart else None})


def run_year(ws: Workspace, request: Request, now: datetime) -> Report:
    """brief --year: the annual briefing (jobs.brief_year); no other period may be given with it."""
    if request.month or request.quarter:
        raise DubanError("--year（年度通报）不能与 --month 或 --quarter 同时使用，请只指定其中之一。")
    return brief_year(ws, request.year, now)
