"""brief: the monthly livelihood briefing and the quarterly briefing on all tasks, as Word documents;
with ``year``, the annual briefing (jobs.brief_year); with ``--done``, the 完成事项通报 on the tasks
that became 已完成 in a month (:func:`run_done`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jobs.brief_year import brief_year
from office.atomic import atomic_path, free_name
from office.dates import parse_quarter, period_label, quarter_label
from office.errors import DubanError, command
from office.ledger import files as ledger_files, notices
from office.model import KIND_LABELS, Report
from office.month import build_month
from office.workdays import parse_period
from sheets.briefing import NO_FONT_WARNING, monthly_facts, quarterly_facts, render_chart, write_briefing
from sheets.done_brief import done_facts, write_done_brief
from office.workspace import Workspace

DONE_NOTICE = "done"  # office.ledger.notices kind of a 完成事项通报


@dataclass(frozen=True)
class Request:
    """One of: ``month`` (the monthly livelihood briefing), ``quarter`` (2025Q1) or ``year`` (the
    annual briefing); or ``done`` (the 完成事项通报 of ``month``, or of the latest month with a
    completion not yet announced)."""

    month: str | None = None
    quarter: str | None = None
    year: int | None = None
    done: bool = False


def run(ws: Workspace, request: Request, now: datetime) -> Report:
    if request.done:
        if request.year is not None:
            raise DubanError("完成事项通报按月生成：--done 不能与 --year 同时使用，可以加 --month 指定月份。")
        return run_done(ws, request, now)
    if request.year is not None:
        return run_year(ws, request, now)
    month, quarter = request.month, request.quarter
    if bool(month) == bool(quarter):
        raise DubanError("--month、--quarter、--year 必须指定其中之一：--month 为月度为民办实事通报，--quarter 为季度通报，"
                         f"--year 为年度通报；完成事项通报用 --done（可加 --month）。请运行 {command('brief -h')} 查看用法。")
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


# --------------------------------------------------------------------------- 完成事项通报


def done_brief_path(ws: Workspace, period: str) -> Path:
    """briefings/2025年6月_完成事项通报.docx; a later notice of the same month gets （2）, （3）…"""
    folder = ws.folder("briefings")
    stem = f"{period_label(period)}_完成事项通报"
    wanted, n = folder / f"{stem}.docx", 2
    while wanted.exists():
        wanted, n = folder / f"{stem}（{n}）.docx", n + 1
    return wanted


def run_done(ws: Workspace, request: Request, now: datetime) -> Report:
    """The 完成事项通报: the tasks that became 已完成 in ``request.month`` (without it: in the latest
    month of the year that has such tasks not yet announced), each announced once: the ledger
    records every (task, month) announced (office.ledger.notices). Nothing new: no document."""
    if request.quarter:
        raise DubanError("完成事项通报按月生成：--done 不能与 --quarter 同时使用，可以加 --month 指定月份。")
    year, m = parse_period(request.month) if request.month else (ws.settings.year, 0)
    reported = [p for p in (f"{year}-{k:02d}" for k in range(12, 0, -1)) if ledger_files.any_accepted(ws.ledger, "status", p)]
    periods = [f"{year}-{m:02d}"] if request.month else reported
    office = ws.settings.office
    # A task announced must still be 已完成 in the latest month reported: one that became so and was
    # reported as not done since (a reopened finding) is left out, and named in a warning. The
    # latest month is built once: its own completions are read from the same facts.
    latest = reported[0] if reported else None
    still_done: set[str] | None = None
    latest_found = None
    if latest is not None:
        with build_month(ws, latest, now) as current:
            still_done = {t.id for t, pr in zip(current.rows.tasks, current.rows.progress) if pr is not None and pr.done}
            if latest in periods:
                latest_found = done_facts(current, office, notices.announced(ws.ledger, DONE_NOTICE, latest))
    facts = None
    dropped: list[str] = []
    for period in periods:
        if period == latest:
            found = latest_found
        else:
            with build_month(ws, period, now) as data:
                announced = set(notices.announced(ws.ledger, DONE_NOTICE, period))
                if still_done is not None:
                    gone = [(t, pr) for t, pr in zip(data.rows.tasks, data.rows.progress)
                            if pr is not None and pr.done and pr.done_period == period and t.id not in still_done
                            and t.id not in announced]
                    announced |= {t.id for t, _ in gone}
                    dropped += [f"{KIND_LABELS[t.kind]}第{t.seq}项{period_label(period)}已完成，但此后报告未完成"
                                f"（{period_label(latest)}），不列入完成事项通报。" for t, _ in gone]
                found = done_facts(data, office, announced)
        if found.items:
            facts = found
            break
    if facts is None:
        where = period_label(periods[0]) if request.month else f"{ws.settings.year}年各月"
        return Report(job="brief", summary=f"{where}没有新完成、尚未通报的任务，未生成完成事项通报。", warnings=dropped,
                      data={"briefing": None, "period": periods[0] if request.month else "", "tasks": []})
    wanted = done_brief_path(ws, facts.period)
    path = free_name(wanted)
    write_done_brief(path, facts)
    ids = [it.task_id for it in facts.items]
    with ws.ledger.transaction() as con:
        notices.record(con, DONE_NOTICE, facts.period, ids, path.name, now.isoformat(timespec="seconds"))
    warnings = [f"{wanted.name} 正在被打开，本次通报另存为 {path.name}。"] if path != wanted else []
    warnings += dropped
    named = "、".join(it.label for it in facts.items[:5]) + (f"等{len(ids)}项" if len(ids) > 5 else "")
    return Report(job="brief", summary=f"{facts.period_label}完成事项通报已生成：{path}（{len(ids)}项任务：{named}）",
                  warnings=warnings, data={"briefing": str(path), "period": facts.period, "tasks": ids,
                                           "title": facts.title})
