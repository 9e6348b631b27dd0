"""deadlines: the year's reporting calendar (the plan, and each month's status forms)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from office.model import Report
from office.workdays import WorkCalendar, year_deadlines
from office.workspace import Workspace


@dataclass(frozen=True)
class Request:
    year: int | None = None  # None: the workspace's year, or the year of ``now``


def run(ws: Workspace | None, request: Request, now: datetime) -> Report:
    """``ws`` may be None (no workspace here): the built-in calendar and the default rules."""
    settings = ws.settings if ws is not None else None
    year = request.year or (settings.year if settings else now.year)
    cal = WorkCalendar(settings.holidays, settings.workdays) if settings else WorkCalendar()
    rows = year_deadlines(cal, year, n=settings.status_workdays if settings else 5,
                          plan=settings.plan_deadline if settings else "02-18")
    return Report(job="deadlines", summary=f"{year}年报送日历", data={"year": year, "deadlines": rows})
