"""run-due: work out which jobs are due at a moment and run each once per period.

Month boundaries and deadlines come from our own calendar code; the jobs run through the
command table (jobs/commands.py). The `schedule` command wakes this at an interval.

After each merge (of the months a collect touched, and the final one after a deadline) whose
month shows tasks that became 已完成, the 完成事项通报 is drafted (``brief --done --month``) for
those not yet announced: once per task and month (the ledger's notices), recorded as the run
``brief-done``; nothing is drafted, and nothing recorded, when every completion was announced.

After December's deadline (in January of the next year) the year's documents are made once
(``year-end``): the year tracker (``merge --year``), the 考核 scores (``score --year``) and the
annual briefing (``brief --year``).
"""

from __future__ import annotations

import time as _time
import traceback
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable

from office.errors import CalendarGap, DubanError
from office.mailer import issued_units
from office.ledger import files as ledger_files
from office.model import Report
from office.month import end_of, month_deadline
from office.workdays import plan_deadline
from office.workspace import Workspace
from jobs import receipts
from jobs.commands import call
from jobs.fetch import dropped_mail
from jobs.inbox import inbox_files


@dataclass(frozen=True)
class Due:
    job: str  # send-plan | send-status | remind | overdue | collect | merge | brief-month | brief-quarter | year-end
    period: str
    at: datetime

    def as_json(self) -> dict:
        return {"job": self.job, "period": self.period, "at": self.at.isoformat(timespec="minutes")}


def _hm(text: str) -> time:
    try:
        h, m = text.split(":")
        return time(int(h), int(m))
    except ValueError:
        raise DubanError(f"duban.toml 中 [schedule] status_send_time 的值“{text}”不是“时:分”格式，如 \"09:00\"。") from None


def calendar_of_year(ws: Workspace) -> list[Due]:
    """Every dated job of the workspace's year, in time order (collect runs whenever files arrive)."""
    s = ws.settings
    y = s.year
    cal = ws.calendar
    send_at = _hm(s.status_send_time)
    out: list[Due] = [Due("send-plan", str(y), datetime.combine(date.fromisoformat(f"{y}-{s.plan_send}"), send_at))]
    for m in range(1, 13):
        period = f"{y}-{m:02d}"
        try:
            first = cal.first_workday(y, m)
            out.append(Due("send-status", period, datetime.combine(first, send_at)))
            due = month_deadline(ws, y, m)
            before = cal.workdays_before(due, s.remind_before_workdays) if s.remind_before_workdays > 0 else due
            out.append(Due("remind", period, datetime.combine(before, send_at)))
            after = cal.add_workdays(due, max(s.overdue_after_workdays, 1))
            out.append(Due("overdue", period, datetime.combine(after, send_at)))
            out.append(Due("merge", period, end_of(due) + timedelta(seconds=1)))
            out.append(Due("brief-month", period, end_of(due) + timedelta(seconds=1)))
            if m % 3 == 0:
                out.append(Due("brief-quarter", f"{y}Q{m // 3}", end_of(due) + timedelta(seconds=1)))
            if m == 12:
                out.append(Due("year-end", str(y), end_of(due) + timedelta(seconds=1)))
        except CalendarGap:
            continue  # reported by `deadlines`; nothing can be scheduled past the known calendar
    out.sort(key=lambda d: (d.at, list(JOB_ORDER).index(d.job)))
    return out


JOB_ORDER = ("collect", "merge", "brief-month", "brief-quarter", "year-end", "send-plan", "send-status", "remind", "overdue")
MAIL_JOBS = ("send-plan", "send-status", "remind", "overdue")
WINDOW_DAYS = 40  # a missed job is caught up within this many days, not forever


@dataclass(frozen=True)
class Request:
    dry_run: bool = False  # mail only as .eml previews; a preview is once per period too, apart from the real run


# What each dated job runs, in order: (command of jobs/commands.py, its request fields).
STEPS: dict[str, Callable[[str, bool], list[tuple[str, dict]]]] = {
    "send-plan": lambda p, dry: [("generate", {"kind": "plan"}), ("send", {"kind": "plan", "dry_run": dry})],
    "send-status": lambda p, dry: [("generate", {"kind": "status", "month": p}),
                                   ("send", {"kind": "status", "month": p, "dry_run": dry})],
    "remind": lambda p, dry: [("remind", {"month": p, "dry_run": dry})],
    "overdue": lambda p, dry: [("remind", {"month": p, "dry_run": dry})],
    "merge": lambda p, dry: [("merge", {"month": p})],
    "brief-month": lambda p, dry: [("brief", {"month": p})],
    "brief-quarter": lambda p, dry: [("brief", {"quarter": p})],
    "year-end": lambda p, dry: [("merge", {"year": int(p)}), ("score", {"year": int(p)}), ("brief", {"year": int(p)})],
}


def wanted(ws: Workspace, due: Due, now: datetime, issued: Callable[[str], bool]) -> bool:
    """Whether a due job still makes sense at ``now``: a missed send is caught up only while
    its deadline has not passed; reminders, the final tracker and the briefings of a month
    never issued are not made (and not used up)."""
    if due.job == "send-plan":
        return now.date() <= plan_deadline(ws.settings.year, ws.settings.plan_deadline)
    if due.job == "send-status":
        y, m = (int(x) for x in due.period.split("-"))
        return now <= end_of(month_deadline(ws, y, m))
    if due.job == "brief-quarter":
        return any(issued(f"{y_}-{m_:02d}") for y_, m_ in _quarter_months(due.period))
    if due.job == "year-end":
        return any(issued(f"{due.period}-{m:02d}") for m in range(1, 13))
    return issued(due.period)


def run(ws: Workspace, request: Request, now: datetime, *, sleep: Callable[[float], None] = _time.sleep) -> Report:
    """Run every job that is due at `now` and has not yet run for its period."""
    dry_run = request.dry_run
    hooks = {"sleep": sleep}
    ran: list[dict] = []
    warnings: list[str] = []
    try:
        tasks_known = bool(ws.ledger.tasks())
    except Exception:  # noqa: BLE001 - unreadable tasks: each due job fails below and is recorded in runs
        tasks_known = True
    calendar = calendar_of_year(ws)

    def attempt(job: str, period: str, func: Callable[[], Report],
                quiet: Callable[[Report], bool] = lambda r: False) -> Report | None:
        """Run ``func`` and record it; a result ``quiet`` says did nothing is neither recorded nor reported."""
        stamp = now.isoformat(timespec="seconds")
        try:
            result = func()
        except DubanError as exc:
            ws.ledger.record_run(job, period, stamp, str(exc), ok=False)
            ran.append({"job": job, "period": period, "result": f"失败：{exc}", "ok": False})
            return None
        except Exception as exc:  # noqa: BLE001 - a failing job is recorded and the run goes on
            ws.ledger.record_run(job, period, stamp, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", ok=False)
            ran.append({"job": job, "period": period, "result": f"失败：{type(exc).__name__}: {exc}", "ok": False})
            return None
        if quiet(result):
            return result
        ok = result.ok or job in ("collect", "fetch")  # a rejected file or refused message is a finding, not a failed job
        ws.ledger.record_run(job, period, stamp, result.summary, ok=ok)
        ran.append({"job": job, "period": period, "result": result.summary, "ok": ok})
        warnings.extend(f"{job}（{period}）：{w}" for w in result.warnings)
        return result

    def announce_done(merged: Report | None, period: str) -> None:
        """A merge of ``period`` found tasks that became 已完成 this month: the 完成事项通报 of those
        not yet announced (the brief job finds nothing new when every one was)."""
        if merged is None or not merged.data.get("counts", {}).get("done_new"):
            return
        attempt("brief-done", period, lambda: call("brief", ws, now, hooks, month=period, done=True),
                quiet=lambda r: not r.data.get("briefing"))

    def steps(due: Due) -> Report:
        """The due job's commands in turn; the report is the last one's (send's, after generate),
        or for the year's documents all three summaries."""
        reports = [call(name, ws, now, hooks, **fields) for name, fields in STEPS[due.job](due.period, dry_run)]
        if due.job != "year-end":
            return reports[-1] if reports else Report(job=due.job)
        return Report(job=due.job, summary="".join(r.summary if r.summary.endswith("。") else r.summary + "。" for r in reports),
                      warnings=[w for r in reports for w in r.warnings], data={"steps": [r.data for r in reports]})

    issued_months: dict[str, bool] = {}

    def issued(period: str) -> bool:
        """Was the month's status form issued to anyone (or returned by anyone)?"""
        if period not in issued_months:
            issued_months[period] = bool(issued_units(ws, "status", period)) or ledger_files.any_accepted(ws.ledger, "status", period)
        return issued_months[period]

    # Returns first: the office mailbox is fetched ([mail.imap]), whatever arrived is collected,
    # and the months it touches re-merged.
    stamp = now.strftime("%Y-%m-%dT%H:%M")
    if ws.settings.mail.imap.configured:
        attempt("fetch", stamp, lambda: call("fetch", ws, now, hooks, dry_run=dry_run))
    result: Report | None = None
    inbox = ws.root / "inbox"
    if inbox.is_dir() and (inbox_files(inbox) or dropped_mail(inbox)):
        result = attempt("collect", now.strftime("%Y-%m-%dT%H:%M"), lambda: call("collect", ws, now, hooks))
        accepted = result.data["accepted"] if result else []
        touched = sorted({a["period"] for a in accepted if a["kind"] == "status"})
        for period in touched:
            announce_done(attempt("merge", period, lambda p=period: call("merge", ws, now, hooks, month=p)), period)
    answer = receipts.Request(files=receipts.collected_files(result), dry_run=dry_run)
    if receipts.due(ws, answer):  # 回执 for what was just collected, and earlier ones that failed
        attempt("receipts", now.strftime("%Y-%m-%dT%H:%M"),
                lambda: call("receipts", ws, now, hooks, files=answer.files, dry_run=dry_run))

    for due in calendar:
        if due.at > now or now - due.at > timedelta(days=WINDOW_DAYS):
            continue
        key = "merge-final" if due.job == "merge" else due.job
        if dry_run and key in MAIL_JOBS:
            key += "-dry-run"  # a preview sends nothing: it must neither use up nor be blocked by the real run
        if ws.ledger.has_run(key, due.period):
            continue
        if not tasks_known and due.job != "collect":
            continue
        if wanted(ws, due, now, issued):
            done = attempt(key, due.period, lambda d=due: steps(d))
            if due.job == "merge":
                announce_done(done, due.period)

    upcoming = [d.as_json() for d in calendar if d.at > now][:5]
    summary = "；".join(f"{r['job']}（{r['period']}）：{r['result']}" for r in ran) if ran else "当前没有到期的任务。"
    return Report(job="run-due", summary=summary, ok=all(r["ok"] for r in ran), warnings=warnings,
                  data={"ran": [{k: r[k] for k in ("job", "period", "result")} for r in ran], "next": upcoming})


def _quarter_months(quarter: str) -> list[tuple[int, int]]:
    year, q = quarter.split("Q")
    return [(int(year), m) for m in range(3 * int(q) - 2, 3 * int(q) + 1)]
