"""run-due and schedule: work out which jobs are due at a moment and run each once per period.

Month boundaries and deadlines come from our own calendar code; the `schedule`
library only wakes the runner at an interval.
"""

from __future__ import annotations

import logging
import signal
import time as _time
import traceback
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable

from office.errors import CalendarGap, DubanError
from office.mailer import issued_units
from office.model import Report
from office.month import end_of, month_deadline
from office.workdays import plan_deadline
from office.workspace import Workspace
from jobs import collect as collect_job


@dataclass(frozen=True)
class Due:
    job: str  # send-plan | send-status | remind | overdue | collect | merge | brief-month | brief-quarter
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
        except CalendarGap:
            continue  # reported by `deadlines`; nothing can be scheduled past the known calendar
    out.sort(key=lambda d: (d.at, list(JOB_ORDER).index(d.job)))
    return out


JOB_ORDER = ("collect", "merge", "brief-month", "brief-quarter", "send-plan", "send-status", "remind", "overdue")
MAIL_JOBS = ("send-plan", "send-status", "remind", "overdue")
WINDOW_DAYS = 40  # a missed job is caught up within this many days, not forever


def run_due(ws: Workspace, now: datetime, *, dry_run: bool = False, sleep: Callable[[float], None] = _time.sleep) -> Report:
    """Run every job that is due at `now` and has not yet run for its period."""
    from jobs import brief, generate, merge, receipts, remind, send

    ran: list[dict] = []
    warnings: list[str] = []
    try:
        tasks_known = bool(ws.ledger.tasks())
    except Exception:  # noqa: BLE001 - unreadable tasks: each due job fails below and is recorded in runs
        tasks_known = True
    calendar = calendar_of_year(ws)

    def attempt(job: str, period: str, func: Callable[[], Report]) -> Report | None:
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
        ok = result.ok or job in ("collect", "fetch")  # a rejected file or refused message is a finding, not a failed job
        ws.ledger.record_run(job, period, stamp, result.summary, ok=ok)
        ran.append({"job": job, "period": period, "result": result.summary, "ok": ok})
        warnings.extend(f"{job}（{period}）：{w}" for w in result.warnings)
        return result

    issued_months: dict[str, bool] = {}

    def issued(period: str) -> bool:
        """Was the month's status form issued to anyone (or returned by anyone)? Reminders, the
        final tracker and the briefings of a month never issued are not made (and not used up)."""
        if period not in issued_months:
            issued_months[period] = bool(issued_units(ws, "status", period)) or ws.ledger.db.execute(
                "SELECT 1 FROM files WHERE kind='status' AND period=? AND verdict='accepted' LIMIT 1", (period,)).fetchone() is not None
        return issued_months[period]

    # Returns first: the office mailbox is fetched ([mail.imap]), whatever arrived is collected,
    # and the months it touches re-merged.
    if ws.settings.mail.imap.configured:
        from jobs import fetch

        attempt("fetch", now.strftime("%Y-%m-%dT%H:%M"), lambda: fetch.run(ws, now=now, dry_run=dry_run))
    result: Report | None = None
    inbox = ws.root / "inbox"
    if inbox.is_dir() and (collect_job.inbox_files(inbox) or _saved_mail(inbox)):
        result = attempt("collect", now.strftime("%Y-%m-%dT%H:%M"), lambda: collect_job.run(ws, now=now))
        accepted = result.data["accepted"] if result else []
        touched = sorted({a["period"] for a in accepted if a["kind"] == "status"})
        for period in touched:
            attempt("merge", period, lambda p=period: merge.run(ws, p, now=now))
    if receipts.due(ws, result, dry_run):  # 回执 for what was just collected, and earlier ones that failed
        attempt("receipts", now.strftime("%Y-%m-%dT%H:%M"),
                lambda c=result: receipts.run(ws, c, now=now, dry_run=dry_run, sleep=sleep))

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
        if due.job == "send-plan":
            if now.date() > plan_deadline(ws.settings.year, ws.settings.plan_deadline):
                continue

            def job() -> Report:
                generate.run(ws, "plan", now=now)
                return send.run(ws, "plan", now=now, dry_run=dry_run, sleep=sleep)
            attempt(key, due.period, job)
        elif due.job == "send-status":
            y, m = (int(x) for x in due.period.split("-"))
            if now > end_of(month_deadline(ws, y, m)):
                continue  # a missed send is caught up only while its deadline has not passed

            def job(p: str = due.period) -> Report:
                generate.run(ws, "status", p, now=now)
                return send.run(ws, "status", p, now=now, dry_run=dry_run, sleep=sleep)
            attempt(key, due.period, job)
        elif due.job in ("remind", "overdue", "merge", "brief-month") and not issued(due.period):
            continue
        elif due.job == "brief-quarter" and not any(issued(f"{y_}-{m_:02d}") for y_, m_ in _quarter_months(due.period)):
            continue
        elif due.job in ("remind", "overdue"):
            attempt(key, due.period, lambda p=due.period: remind.run(ws, p, now=now, dry_run=dry_run, sleep=sleep))
        elif due.job == "merge":
            attempt(key, due.period, lambda p=due.period: merge.run(ws, p, now=now))
        elif due.job == "brief-month":
            attempt(key, due.period, lambda p=due.period: brief.run(ws, month=p, now=now))
        elif due.job == "brief-quarter":
            attempt(key, due.period, lambda p=due.period: brief.run(ws, quarter=p, now=now))

    upcoming = [d.as_json() for d in calendar if d.at > now][:5]
    summary = "；".join(f"{r['job']}（{r['period']}）：{r['result']}" for r in ran) if ran else "当前没有到期的任务。"
    return Report(job="run-due", summary=summary, ok=all(r["ok"] for r in ran), warnings=warnings,
                  data={"ran": [{k: r[k] for k in ("job", "period", "result")} for r in ran], "next": upcoming})


def _saved_mail(inbox) -> bool:  # noqa: ANN001
    from jobs.fetch import dropped_mail

    return bool(dropped_mail(inbox))


def _quarter_months(quarter: str) -> list[tuple[int, int]]:
    year, q = quarter.split("Q")
    return [(int(year), m) for m in range(3 * int(q) - 2, 3 * int(q) + 1)]


def serve(open_ws: Callable[[], Workspace], *, interval_minutes: float, log_path, dry_run: bool = False,
          clock: Callable[[], datetime] = datetime.now, max_ticks: int | None = None) -> Report:
    """Wake run-due every interval until SIGTERM or Ctrl-C; a failing tick is logged and the loop goes on."""
    import schedule as schedule_lib

    log = logging.getLogger("duban.schedule")
    log.setLevel(logging.INFO)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    stop = {"flag": False, "ticks": 0}

    def on_signal(signum, frame):  # noqa: ANN001, ARG001
        stop["flag"] = True

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}

    def tick() -> None:
        stop["ticks"] += 1
        try:
            ws = open_ws()
            try:
                with ws.lock(wait_seconds=30):
                    report = run_due(ws, clock(), dry_run=dry_run)
            finally:
                ws.close()
            log.info("run-due: %s", report.summary)
        except Exception as exc:  # noqa: BLE001 - survive and record
            log.error("run-due 失败：%s\n%s", exc, traceback.format_exc())

    scheduler = schedule_lib.Scheduler()
    scheduler.every(interval_minutes * 60).seconds.do(tick)
    log.info("schedule 已启动，每 %s 分钟检查一次。", interval_minutes)
    try:
        tick()
        while not stop["flag"] and (max_ticks is None or stop["ticks"] < max_ticks):
            scheduler.run_pending()
            _time.sleep(min(1.0, max(scheduler.idle_seconds or 1.0, 0.05)))
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        log.info("schedule 已停止。")
        log.removeHandler(handler)
        handler.close()
    return Report(job="schedule", summary=f"定时运行已停止，共检查 {stop['ticks']} 次。日志：{log_path}")
