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


KIND_NAMES = {"plan": "计划表", "status": "落实情况表"}


def _collect(report: Report) -> None:
    d = report.data
    if d["accepted"]:
        t = Table(title="已接收")
        for c in ("文件", "单位", "类型", "期次"):
            t.add_column(c)
        for a in d["accepted"]:
            t.add_row(a["file"], a["unit"], KIND_NAMES.get(a["kind"], a["kind"]), a["period"])
        console.print(t)
    if d["superseded"]:
        console.print("[cyan]以下旧版本已被同一单位同期的新版本替代（仍保留在归档中）：[/cyan]")
        for s_ in d["superseded"]:
            console.print(f"  · {s_['file']}（{s_['unit']}）")
    if d["rejected"]:
        t = Table(title="退回（请把原因转告报送单位）")
        t.add_column("文件")
        t.add_column("原因", style="red")
        for r in d["rejected"]:
            t.add_row(r["file"], r["reason"])
        console.print(t)
    for w in d["waiting"]:
        console.print(f"[yellow]等待：{w['file']}：{w['reason']}[/yellow]")


def _merge(report: Report) -> None:
    from .rollup import FINDING_LABELS

    counts = report.data["counts"]["findings"]
    if counts:
        t = Table(title="发现问题")
        t.add_column("类型")
        t.add_column("条数", justify="right")
        for k, label in FINDING_LABELS.items():
            if counts.get(k):
                t.add_row(label, str(counts[k]))
        console.print(t)


RENDERERS: dict[str, Callable[[Report], None]] = {"tasks": _tasks, "deadlines": _deadlines, "collect": _collect, "merge": _merge}


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


def progress_callback():  # noqa: ANN201
    """A rich progress bar that appears only when there are more than a few files."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    state: dict = {}

    def update(done: int, total: int, name: str) -> None:
        if done < 0:
            if "bar" in state:
                state["bar"].stop()
            return
        if total <= 5:
            return
        if "bar" not in state:
            state["bar"] = Progress(TextColumn("正在检查"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), TextColumn("{task.description}"), console=console, transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("", total=total)
        state["bar"].update(state["task"], completed=done, description=name[:30])

    return update
