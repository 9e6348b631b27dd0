"""brief: the monthly livelihood briefing and the quarterly briefing on all tasks, as Word documents."""

from __future__ import annotations

import re
from datetime import datetime

from office.atomic import atomic_path, free_name
from office.errors import DubanError
from office.model import Report
from office.month import build_month
from sheets.briefing import NO_FONT_WARNING, monthly_facts, quarterly_facts, render_chart, write_briefing
from office.workspace import Workspace

_QUARTER = re.compile(r"^\s*(\d{4})\s*(?:[Qq]|年第?)\s*([1-4一二三四])\s*(?:季度)?\s*$")
CN = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_quarter(text: str) -> tuple[int, int]:
    m = _QUARTER.match(text or "")
    if not m:
        raise DubanError(f"季度“{text}”无法识别，请写成 2025Q1 的形式。")
    q = m.group(2)
    return int(m.group(1)), CN.get(q) or int(q)


def run(ws: Workspace, *, month: str | None = None, quarter: str | None = None, now: datetime) -> Report:
    if now is None:
        raise DubanError("生成通报需要指定时间（--now），用来判断迟报和未报。")
    if bool(month) == bool(quarter):
        raise DubanError("请指定 --month（月度为民办实事通报）或 --quarter（季度通报）其中之一。")
    folder = ws.folder("briefings")
    if month:
        data = build_month(ws, month, now)
        facts = monthly_facts(data, ws.settings.brief, ws.settings.office)
        wanted = folder / f"{data.year}年{data.month}月_为民办实事进展通报.docx"
        months = [data]
        scope = f"{data.year}年{data.month}月"
    else:
        year, q = parse_quarter(quarter)
        if year != ws.settings.year:
            raise DubanError(f"季度 {quarter} 不属于本工作区的年度（{ws.settings.year}年）。")
        months = [build_month(ws, f"{year}-{m:02d}", now) for m in range(3 * q - 2, 3 * q + 1)]
        facts = quarterly_facts(months, ws.settings.brief, ws.settings.office)
        wanted = folder / f"{year}年第{'一二三四'[q - 1]}季度_重点任务落实情况通报.docx"
        scope = f"{year}年第{'一二三四'[q - 1]}季度"
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
