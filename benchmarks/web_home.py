#!/usr/bin/env python
"""Server time of the web page's home (本月) on the demo workspace and on a 300-unit month.

    python benchmarks/web_home.py [--repeat N] [--scenario demo|city300|all] [--keep]

Untimed preparation: the demo (``jobs.demo``), and the city300 scenario of
benchmarks/scenarios.py (300 units x 30 rows, 3,000 tasks) with its March returns
collected and its forms recorded as issued. Timed: ``GET /?month=2025-03`` through the
Flask application as waitress would call it (the test client, no network), ``repeat``
times after two warm-up requests; the figure is the app's own ``Server-Timing`` (from the
first line of the request hook to the response: opening the workspace, the month's facts
from the ledger, rendering), with the wall time of the whole call beside it. Results go to
benchmarks/out/web_home.json. Nothing here asserts a time: the figures are recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
for p in (str(ROOT), str(BENCH)):
    while p in sys.path:
        sys.path.remove(p)
    sys.path.insert(0, p)

NOW = datetime(2025, 4, 15, 9)
MONTH = "2025-03"


def prepare_demo(work: Path) -> Path:
    from jobs import demo as demo_job

    root = work / "demo-ws"
    demo_job.run(None, demo_job.Request(root), datetime(2025, 4, 15, 9))
    return root


def prepare_city300(work: Path) -> Path:
    import scenarios
    from jobs import collect, send
    from office.workspace import open_workspace

    sc = scenarios.scenario("city300", quick=True)
    facts = scenarios.prepare(sc, work, log=lambda *a: print(*a, flush=True))
    root = scenarios.copy_base(work, "run")
    ws = open_workspace(root)
    try:
        send.run(ws, send.Request("status", MONTH, record_only=True), scenarios.GENERATE_NOW)
        collect.run(ws, collect.Request(), scenarios.COLLECT_NOW)
    finally:
        ws.close()
    print(f"  准备：{facts['units']} 个单位的报回表已收集", flush=True)
    return root


def measure(root: Path, repeat: int) -> dict:
    from office.month import build_month
    from office.workspace import open_workspace
    from web.app import create_app

    client = create_app(root, now=NOW).test_client()
    server: list[float] = []
    wall: list[float] = []
    size = 0
    for i in range(repeat + 2):
        t0 = time.perf_counter()
        r = client.get(f"/?month={MONTH}")
        t1 = time.perf_counter()
        if r.status_code != 200:
            raise SystemExit(f"首页返回 {r.status_code}：{r.get_data(as_text=True)[:300]}")
        m = re.match(r"app;dur=([\d.]+)", r.headers.get("Server-Timing", ""))
        if i >= 2:  # two warm-up requests: templates compiled, files in the page cache
            server.append(float(m.group(1)))
            wall.append((t1 - t0) * 1000)
        size = len(r.get_data())
    ws = open_workspace(root)
    try:
        facts = []
        for _ in range(max(3, repeat // 4)):
            t0 = time.perf_counter()
            data = build_month(ws, MONTH, NOW)
            facts.append((time.perf_counter() - t0) * 1000)
        counts = data.counts
        lines = sum(len(row.lines) for row in data.rows)
    finally:
        ws.close()
    return {
        "units": counts["listed"], "tasks": counts["tasks"], "lines": lines, "page_bytes": size, "repeat": repeat,
        "server_ms_median": round(statistics.median(server), 1), "server_ms_min": round(min(server), 1),
        "server_ms_max": round(max(server), 1), "wall_ms_median": round(statistics.median(wall), 1),
        "build_month_ms_median": round(statistics.median(facts), 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="网页首页的服务器用时")
    ap.add_argument("--scenario", default="all", choices=["demo", "city300", "all"])
    ap.add_argument("--repeat", type=int, default=20, help="计时次数（另有 2 次预热）")
    ap.add_argument("--keep", action="store_true", help="保留中间工作区（benchmarks/out/work/web-*）")
    args = ap.parse_args(argv)
    results = {}
    for name in (["demo", "city300"] if args.scenario == "all" else [args.scenario]):
        work = OUT / "work" / f"web-{name}"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        print(f"{name}：准备中……", flush=True)
        root = prepare_demo(work) if name == "demo" else prepare_city300(work)
        results[name] = measure(root, args.repeat)
        r = results[name]
        print(f"{name}：{r['units']} 个单位，{r['tasks']} 项任务，{r['lines']} 行；首页服务器用时中位数 {r['server_ms_median']} 毫秒"
              f"（{r['server_ms_min']}–{r['server_ms_max']}），整次调用 {r['wall_ms_median']} 毫秒，其中 build_month "
              f"{r['build_month_ms_median']} 毫秒；页面 {r['page_bytes'] // 1024} KB", flush=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    OUT.mkdir(exist_ok=True)
    target = OUT / "web_home.json"
    previous = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    previous.update({k: dict(v, at=datetime.now().isoformat(timespec="seconds"), python=platform.python_version(),
                             cpus=os.cpu_count()) for k, v in results.items()})
    target.write_text(json.dumps(previous, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"结果已写入 {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
