"""schedule: wake run-due every interval until stopped; a failing tick is logged and the loop goes on.

The `schedule` library only wakes the loop; what is due comes from run-due's calendar.
"""

from __future__ import annotations

import logging
import signal
import time as _time
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from office.model import Report
from office.workspace import Workspace, open_workspace
from jobs import run_due


@dataclass(frozen=True)
class Request:
    interval: float | None = None  # minutes; None: [schedule] interval_minutes of duban.toml
    dry_run: bool = False


def run(ws: Workspace, request: Request, now: datetime, *, clock: Callable[[], datetime]) -> Report:
    """Until SIGTERM or Ctrl-C: each tick opens the workspace, takes its lock and runs run-due
    at ``clock()`` (the command line passes the real clock; ``now`` is only the start).
    ``ws`` gives the folder and the default interval, and is closed here: the loop keeps
    no workspace open between ticks."""
    root = ws.root
    interval = request.interval or ws.settings.interval_minutes
    ws.close()
    log = root / "logs" / "schedule.log"
    log.parent.mkdir(exist_ok=True)
    return serve(lambda: open_workspace(root), interval_minutes=interval, log_path=log, dry_run=request.dry_run, clock=clock)


def serve(open_ws: Callable[[], Workspace], *, interval_minutes: float, log_path: Path, clock: Callable[[], datetime],
          dry_run: bool = False, max_ticks: int | None = None) -> Report:
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
                    report = run_due.run(ws, run_due.Request(dry_run=dry_run), clock())
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
