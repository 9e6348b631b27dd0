"""Human-readable output of a Report, with rich."""

from __future__ import annotations

from typing import Callable

from rich.console import Console
from rich.table import Table

from .model import Report

console = Console(highlight=False, soft_wrap=True)
MAX_WARNINGS = 30


def _tasks(report: Report) -> None:
    d = report.data
    t = Table(title="按类型", show_header=True)
    t.add_column("类型")
    t.add_column("任务数", justify="right")
    for k, v in d["by_kind"].items():
        t.add_row(k, str(v))
    console.print(t)
    if d["by_category"]:
        t = Table(title="年度工作任务按类别")
        t.add_column("类别")
        t.add_column("任务数", justify="right")
        for k, v in d["by_category"].items():
            t.add_row(k, str(v))
        console.print(t)
    t = Table(title="各单位承担任务")
    t.add_column("单位")
    t.add_column("任务数", justify="right")
    t.add_column("其中牵头", justify="right")
    for u in d["units"]:
        t.add_row(u["unit"], str(u["tasks"]), str(u["lead"]))
    console.print(t)


def _deadlines(report: Report) -> None:
    t = Table(title=report.summary)
    t.add_column("报送事项")
    t.add_column("期次")
    t.add_column("截止日期")
    for row in report.data["deadlines"]:
        label = "年度落实计划表" if row["kind"] == "plan" else "月度落实情况表"
        due = row["due"] or f"[red]{row.get('problem', '无法计算')}[/red]"
        t.add_row(label, row["period"], due)
    console.print(t)


RENDERERS: dict[str, Callable[[Report], None]] = {"tasks": _tasks, "deadlines": _deadlines}


def register(job: str, func: Callable[[Report], None]) -> None:
    RENDERERS[job] = func


def show(report: Report) -> None:
    special = RENDERERS.get(report.job)
    if special:
        special(report)
    if report.summary and report.job not in ("deadlines",):
        console.print(report.summary)
    if report.warnings:
        console.print(f"[yellow]提示 {len(report.warnings)} 条：[/yellow]")
        for w in report.warnings[:MAX_WARNINGS]:
            console.print(f"  · {w}")
        if len(report.warnings) > MAX_WARNINGS:
            console.print(f"  ……其余 {len(report.warnings) - MAX_WARNINGS} 条见输出文件或加 --json 查看。")
