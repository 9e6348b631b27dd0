"""Human-readable output of a Report, with rich.

Everything that comes from files, units or settings (file names, unit names, reasons,
hints) is printed literally: it goes through :func:`esc` (or as a ``Text``), never as
rich markup, so ``计划[final].xlsx`` and ``[calendar]`` stay as they are.
"""

from __future__ import annotations

import time
from typing import Callable

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from office.dates import month_label, period_label
from office.model import Report

console = Console(highlight=False, soft_wrap=True, emoji=False)
MAX_WARNINGS = 30


def esc(value: object) -> str:
    """Text from outside (a file, a unit, duban.toml, a message) as rich markup that prints it literally."""
    return escape(str(value))


def _tasks(report: Report) -> None:
    d = report.data
    t = Table(title="按类型", show_header=True)
    t.add_column("类型")
    t.add_column("任务数", justify="right")
    for k, v in d["by_kind"].items():
        t.add_row(esc(k), str(v))
    console.print(t)
    if d["by_category"]:
        t = Table(title="年度工作任务按类别")
        t.add_column("类别")
        t.add_column("任务数", justify="right")
        for k, v in d["by_category"].items():
            t.add_row(esc(k), str(v))
        console.print(t)
    t = Table(title="各单位承担任务")
    t.add_column("单位")
    t.add_column("任务数", justify="right")
    t.add_column("其中牵头", justify="right")
    for u in d["units"]:
        t.add_row(esc(u["unit"]), str(u["tasks"]), str(u["lead"]))
    console.print(t)


def _deadlines(report: Report) -> None:
    t = Table(title=esc(report.summary))
    t.add_column("报送事项")
    t.add_column("期次")
    t.add_column("截止日期")
    for row in report.data["deadlines"]:
        label = "年度落实计划表" if row["kind"] == "plan" else "月度落实情况表"
        due = esc(row["due"]) if row["due"] else f"[red]{esc(row.get('problem', '无法计算'))}[/red]"
        t.add_row(label, esc(row["period"]), due)
    console.print(t)


KIND_NAMES = {"plan": "计划表", "status": "落实情况表"}


def _collect(report: Report) -> None:
    d = report.data
    if d["accepted"]:
        t = Table(title="已接收")
        for c in ("文件", "单位", "类型", "期次"):
            t.add_column(c)
        for a in d["accepted"]:
            t.add_row(esc(a["file"]), esc(a["unit"]), esc(KIND_NAMES.get(a["kind"], a["kind"])), esc(a["period"]))
        console.print(t)
    if d["superseded"]:
        console.print("[cyan]以下旧版本已被同一单位同期的新版本替代（仍保留在归档中）：[/cyan]")
        for s_ in d["superseded"]:
            console.print(f"  · {esc(s_['file'])}（{esc(s_['unit'])}）")
    if d["rejected"]:
        t = Table(title="退回（请把原因转告报送单位）")
        t.add_column("文件")
        t.add_column("原因", style="red")
        for r in d["rejected"]:
            t.add_row(esc(r["file"]), esc(r["reason"]))
        console.print(t)
    for w in d["waiting"]:
        console.print(f"[yellow]等待：{esc(w['file'])}：{esc(w['reason'])}[/yellow]")


def _merge(report: Report) -> None:
    from office.month import FINDING_LABELS

    counts = report.data["counts"]["findings"]
    if counts:
        t = Table(title="发现问题")
        t.add_column("类型")
        t.add_column("条数", justify="right")
        for k, label in FINDING_LABELS.items():
            if counts.get(k):
                t.add_row(esc(label), str(counts[k]))
        console.print(t)


def _score(report: Report) -> None:
    """The units that lost points, in official order (the book lists every unit and every deduction)."""
    lost = [u for u in report.data.get("units", []) if u["total"]]
    if not lost:
        return
    t = Table(title=f"扣分单位（{len(lost)} 个，其余单位未扣分）")
    for head in ("单位", "迟报", "未报", "其他扣分", "得分"):
        t.add_column(head, justify="left" if head == "单位" else "right")
    for u in lost:
        t.add_row(esc(u["unit"]), str(u["late"]), str(u["missing"]), f"{u['other']:g}", f"{u['score']:g}")
    console.print(t)


# ---- run-due: one Chinese line per job ------------------------------------

def job_label(job: str, period: str) -> str:
    """What a run-due job id (``send-status``, ``merge-final``, ``remind-dry-run`` …) does, in Chinese."""
    preview = job.endswith("-dry-run")
    base = job.removesuffix("-dry-run")
    month = month_label(period)
    labels = {
        "send-plan": f"生成并发送{period[:4]}年度落实计划表",
        "send-status": f"生成并发送{month}落实情况表",
        "remind": f"提醒尚未报送{month}落实情况表的单位",
        "overdue": f"催报逾期未报{month}落实情况表的单位",
        "fetch": "从邮箱收取报回的邮件",
        "collect": "收集报回的文件",
        "merge": f"重新汇总{month}台账",
        "merge-final": f"生成{month}台账",
        "brief-month": f"生成{month}为民办实事进展通报",
        "brief-quarter": f"生成{period_label(period)}通报",
        "year-end": f"生成{period}年全年台账、考核评分和年度通报",
    }
    label = labels.get(base, base)
    return label + "（预览）" if preview else label


def _run_due(report: Report) -> None:
    ran = report.data.get("ran", [])
    for r in ran:
        failed = r["result"].startswith("失败")
        line = Text(f"{job_label(r['job'], r['period'])}：{r['result']}", style="red" if failed else "")
        console.print(line)
    if not ran:
        console.print(esc(report.summary))
    upcoming = report.data.get("next") or []
    if upcoming:
        n = upcoming[0]
        console.print(f"下一项：{esc(job_label(n['job'], n['period']))}（{esc(n['at'].replace('T', ' '))}）")


RENDERERS: dict[str, Callable[[Report], None]] = {"tasks": _tasks, "deadlines": _deadlines, "collect": _collect,
                                                  "merge": _merge, "run-due": _run_due, "score": _score}
OWN_SUMMARY = ("deadlines", "run-due")  # renderers that print the summary themselves


def register(job: str, func: Callable[[Report], None]) -> None:
    RENDERERS[job] = func


def show(report: Report) -> None:
    special = RENDERERS.get(report.job)
    if special:
        special(report)
    if report.summary and report.job not in OWN_SUMMARY:
        console.print(esc(report.summary))
    if report.warnings:
        console.print(f"[yellow]提示 {len(report.warnings)} 条：[/yellow]")
        for w in report.warnings[:MAX_WARNINGS]:
            console.print(f"  · {esc(w)}")
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
            state["bar"] = Progress(TextColumn("正在检查"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                    TextColumn("{task.description}", markup=False), console=console, transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task("", total=total)
        state["bar"].update(state["task"], completed=done, description=name[:30])

    return update


def steps_display(console_: Console | None = None) -> Callable[[int, int, str], None]:
    """The demo's steps on stderr: a bar over the steps, the running one with a spinner, each
    finished one as a line with its time. ``update(i, total, label)`` when step ``i`` (from 0)
    starts; ``update(i, total, "")`` when all are done; ``update(-1, -1, "")`` stops after a failure."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    out = console_ or Console(stderr=True, highlight=False, emoji=False)
    state: dict = {"label": ""}

    def update(i: int, total: int, label: str) -> None:
        bar = state.get("bar")
        if bar is None:
            if i < 0:
                return
            bar = state["bar"] = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                                          MofNCompleteColumn(), TimeElapsedColumn(), console=out, transient=True)
            bar.start()
            state["task"] = bar.add_task("", total=total)
        if i < 0:
            bar.stop()
            return
        if state["label"]:  # the step before this one is done
            seconds = time.monotonic() - state["since"]
            bar.console.print(Text.assemble(("✓ ", "green"), state["label"], (f"（{seconds:.1f} 秒）", "dim")))
        state["label"], state["since"] = label, time.monotonic()
        bar.update(state["task"], completed=i, total=max(total, i), description=label or "完成")
        if not label:
            bar.stop()

    return update
