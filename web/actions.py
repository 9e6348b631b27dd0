"""The page's actions: the one place where the web calls the jobs.

One function per action, each through the same job function and the same workspace lock
(``ws.lock()``) as the command line, so a page never does what the command line would not,
and a job started by cron at the same moment is waited for (then reported as busy). When
the jobs change their signature this is the only file of ``web/`` to change.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from office.model import Report
from office.workspace import Workspace

# How long a page waits for a job that holds the workspace (cron, another page, a command).
LOCK_WAIT_SECONDS = 8.0


@contextmanager
def _locked(ws: Workspace) -> Iterator[None]:
    with ws.lock(wait_seconds=LOCK_WAIT_SECONDS):
        yield


def _call(name: str, ws: Workspace, now: datetime, **fields: object) -> Report:
    """Run a command of the table (jobs/commands.py) as the command line does, holding the lock."""
    from jobs.commands import call

    with _locked(ws):
        return call(name, ws, now, **fields)


def generate(ws: Workspace, kind: str, month: str | None, *, now: datetime) -> Report:
    return _call("generate", ws, now, kind=kind, month=month if kind == "status" else None)


def send(ws: Workspace, kind: str, month: str | None, *, now: datetime, dry_run: bool,
         units: list[str] | None = None) -> Report:
    return _call("send", ws, now, kind=kind, month=month if kind == "status" else None, dry_run=dry_run,
                 units=units or None)


def remind(ws: Workspace, month: str, *, now: datetime, dry_run: bool) -> Report:
    return _call("remind", ws, now, month=month, dry_run=dry_run)


def collect(ws: Workspace, *, now: datetime) -> Report:
    """collect, then the receipts it calls for: what ``collect`` on the command line does."""
    return _call("collect", ws, now, receipts=True)


def merge(ws: Workspace, month: str | None = None, *, year: int | None = None, now: datetime) -> Report:
    """The month's tracker (``month``) or the year tracker (``year``: merge --year)."""
    return _call("merge", ws, now, month=month or None, year=year)


def brief(ws: Workspace, *, month: str | None = None, quarter: str | None = None, year: int | None = None,
          done: bool = False, now: datetime) -> Report:
    """A briefing: of the month, the quarter, the year (brief --year), or the 完成事项通报 (brief --done,
    of ``month`` or of the latest month with a completion not yet announced)."""
    return _call("brief", ws, now, month=month or None, quarter=quarter or None, year=year, done=done)


def score(ws: Workspace, *, year: int, now: datetime) -> Report:
    """The year's 考核评分 (score --year)."""
    return _call("score", ws, now, year=year)


def fetch_available(ws: Workspace) -> tuple[bool, str]:
    """(the mailbox can be fetched, why not): ``[mail.imap] host`` is filled in."""
    if not ws.settings.mail.imap.configured:
        return False, "duban.toml 中尚未配置收件邮箱（[mail.imap]），配置后可在此收取邮件。"
    return True, ""


def fetch(ws: Workspace, *, now: datetime) -> Report:
    """Fetch the mailbox, then collect what it brought and answer the units (as run-due does),
    under one hold of the workspace lock."""
    from jobs.commands import call

    with _locked(ws):
        got = call("fetch", ws, now)
        report = call("collect", ws, now, receipts=True)
    report.summary = f"{got.summary}{report.summary}"
    report.warnings = list(got.warnings) + report.warnings
    report.ok = got.ok and report.ok
    report.data["fetch"] = got.data
    return report


def year_schedule(ws: Workspace) -> list[dict]:
    """Every dated job of the year (send, remind, overdue, merge, brief), as run-due sees them."""
    from jobs.run_due import calendar_of_year

    return [d.as_json() for d in calendar_of_year(ws)]


def parse_quarter(text: str) -> tuple[int, int]:
    from office.dates import parse_quarter as parse

    return parse(text)
