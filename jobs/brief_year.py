"""brief --year: the annual briefing (年度通报) from the months' facts (office.year)."""

from __future__ import annotations

from datetime import datetime

from office.atomic import atomic_path, free_name
from office.model import Report
from office.workspace import Workspace
from office.year import build_year
from office.year_data import month_span
from sheets.briefing_chart import NO_FONT_WARNING
from sheets.briefing_year import yearly_facts
from sheets.briefing_year_doc import render_year_charts, write_year_briefing


def brief_year(ws: Workspace, year: int, now: datetime) -> Report:
    data = build_year(ws, year, now)
    facts = yearly_facts(data, ws.settings.brief, ws.settings.office, ws.settings.progress)
    wanted = ws.folder("briefings") / f"{year}年度_重点任务落实情况通报.docx"
    path = free_name(wanted)
    charts = render_year_charts(facts)
    with atomic_path(path) as tmp:
        write_year_briefing(tmp, facts, charts)
    warnings = [f"{wanted.name} 正在被打开，本次通报另存为 {path.name}。"] if path != wanted else []
    warnings += list(data.notes) + [w for w in data.warnings if w not in data.notes]
    if any(c.font is None for c in charts.values()):
        warnings.append(NO_FONT_WARNING)
    summary = f"{year}年度通报已生成：{path}（汇总{month_span(data.built)}"
    if data.not_issued_months:
        summary += f"，其中{month_span(data.not_issued_months)}落实情况表未下发，未计入"
    summary += "）"
    if not data.issued_months:
        summary += "；各月落实情况表均未下发，通报中不统计报送情况"
    c = data.counts
    return Report(job="brief", summary=summary, warnings=warnings,
                  data={"briefing": str(path), "counts": c, "title": facts.title, "months": data.issued_months,
                        "months_not_issued": data.not_issued_months, "final_month": data.final_month,
                        "chart_font": next((ch.font for ch in charts.values()), None)})
