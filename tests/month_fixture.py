"""A small workspace whose months are built from known facts, through the real jobs.

Forms are filled with the independent filler of tests/fill.py (cells found by header text),
never through the return reader under test.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

from conftest import collect_inbox, generate_forms, import_tasks, record_issued
from fill import fill_every_row, fill_form, task_ids
from office.model import Unit
from office.workspace import init_workspace, open_workspace

UNITS = [Unit(f"区测试{n}局", order=i, emails=(f"u{i}@example.org",)) for i, n in enumerate("一二三四五六七", start=1)]
U = [u.name for u in UNITS]
TASKS_CSV = (
    "kind,seq,category,text,leaders,units\n"
    f"annual,1,产业,推进产业园建设,王一,{U[0]}、{U[1]}\n"
    f"annual,2,产业,扩大有效投资,王二,{U[2]}\n"
    f"annual,3,城市,实施城市更新,王三,{U[3]}、{U[4]}\n"
    f"annual,4,城市,改造老旧小区,王四,{U[5]}\n"
    f"annual,5,民生,新增就业岗位,王五,{U[6]}\n"
    f"livelihood,1,,建设口袋公园,王一,{U[1]}\n"
)


def make_ws(root: Path, status_workdays: int = 5):
    init_workspace(root, 2025, units=UNITS)
    cfg = root / "duban.toml"
    text = cfg.read_text(encoding="utf-8").replace("settle_seconds = 2", "settle_seconds = 0")
    text = text.replace("status_workdays = 5", f"status_workdays = {status_workdays}")
    cfg.write_text(text, encoding="utf-8")
    src = root.parent / f"{root.name}-tasks.csv"
    src.write_text(TASKS_CSV, encoding="utf-8")
    ws = open_workspace(root)
    import_tasks(ws, src, now=datetime(2025, 1, 24))
    return ws


def outbox_form(ws, kind: str, period: str | None, unit: str) -> Path:
    """The unit's generated form in outbox/ (plan/ or the month's folder)."""
    folder = ws.root / "outbox" / ("plan" if kind == "plan" else period)
    mine = [p for p in folder.glob("*.xlsx") if p.stem.endswith("_" + unit)]
    assert len(mine) == 1, f"{unit} has no {kind} workbook for {period} in {folder} (was it generated?)"
    return mine[0]


def arrived(path: Path, seconds_ago: float = 60) -> Path:
    """Give a dropped file an mtime in the past, so that collect does not take it for one being copied."""
    past = time.time() - seconds_ago
    os.utime(path, (past, past))
    return path


def answer(ws, kind: str, period: str | None, unit: str, values: dict, at: datetime, name: str | None = None,
           edit_text: dict[str, str] | None = None) -> Path:
    """Fill the unit's outbox workbook with values ({task_id or "*": {field: value}}; None leaves a
    cell as generated) and collect it at `at`."""
    src = outbox_form(ws, kind, period, unit)
    vals = {tid: {f: v for f, v in values.get(tid, values.get("*", {})).items() if v is not None} for tid in task_ids(src)}
    dst = ws.root / "inbox" / (name or f"{unit}_{kind}_{period}_{at:%m%d%H%M}.xlsx")
    arrived(fill_form(src, dst, vals, edit_text=edit_text))
    report = collect_inbox(ws, now=at)
    assert report.data["accepted"], report.data
    return dst


def issue(ws, kind: str, period: str | None = None, at: datetime = datetime(2025, 1, 27, 9, 5), units: list[str] | None = None):
    """Record the generated forms as issued without mailing them (send --record-only): they are 应报 from now on."""
    report = record_issued(ws, kind, period, now=at, units=units)
    assert report.ok, report.summary
    return report


def plan_values(unit: str) -> dict:
    return {"q1": f"{unit}一季度目标", "q2": "二季度目标", "q3": "三季度目标", "q4": "四季度目标",
            "main_leader": "张三", "deputy": "李四"}


def plan_all(ws, units: list[str], at: datetime) -> None:
    generate_forms(ws, "plan", now=datetime(2025, 1, 27, 9))
    issue(ws, "plan")
    for u in units:
        answer(ws, "plan", None, u, {"*": plan_values(u)}, at)


def full(progress: str, achieved: str = "是", next_steps: str = "继续推进", problems: str = "无") -> dict:
    return {"progress": progress, "problems": problems, "next_steps": next_steps, "achieved": achieved}


# March 2025 of the filled_month fixture: (unit, answer for every row, received at, file name, task texts edited).
# Every unit writes its own 完成情况, 存在问题 and 下一步计划, so that a field read from the wrong column shows.
ON_TIME = datetime(2025, 4, 2, 15)
MARCH: list[tuple[str, dict, datetime, str | None, dict | None]] = [
    (U[0], full('=HYPERLINK("http://evil.example","点我")', next_steps="四月完成园区招商"), ON_TIME, None, None),
    (U[1], full("三月：公园选址完成", problems="选址涉及多个部门，协调周期较长", next_steps="四月开展方案设计"),
     datetime(2025, 4, 7, 9), None, None),  # late across 清明
    (U[2], full("二月：完成项目储备10个", next_steps="四月开工两个"), ON_TIME, None, None),  # copied from February
    (U[3], full("三月：拆迁完成八成", achieved="否", problems="部分住户诉求尚未协调一致", next_steps="四月完成剩余拆迁"),
     ON_TIME, None, {"annual-3": "实施城市更新（本单位已修改）"}),
    # U[4] never answers
    (U[5], full("三月：改造开工", next_steps=""), datetime(2025, 4, 1, 9), "初稿.xlsx", None),
    (U[5], full("三月：改造开工", next_steps="四月完成招标", problems="施工场地狭小"), datetime(2025, 4, 2, 9), "更正稿.xlsx", None),
    # (a form with no 完成情况 in any row would be a blank return, see test_issued.py)
    (U[6], {"progress": "三月：岗位开发", "problems": "+1 人员不足", "next_steps": None, "achieved": "√"}, ON_TIME, None, None),
]


def build_march(root: Path):
    """The filled_month workspace (see conftest.filled_month); returns it opened."""
    ws = make_ws(root, status_workdays=3)
    plan_all(ws, U[:5] + U[6:], datetime(2025, 2, 14, 10))  # U[5] never sends its plan
    generate_forms(ws, "status", "2025-02", now=datetime(2025, 2, 5))
    issue(ws, "status", "2025-02", datetime(2025, 2, 5, 9))
    answer(ws, "status", "2025-02", U[2], {"*": full("二月：完成项目储备10个", next_steps="三月继续储备")}, datetime(2025, 3, 5, 10))
    generate_forms(ws, "status", "2025-03", now=datetime(2025, 3, 3))
    issue(ws, "status", "2025-03", datetime(2025, 3, 3, 9))
    for unit, values, at, name, edited in MARCH:
        answer(ws, "status", "2025-03", unit, {"*": values}, at, name=name, edit_text=edited)
    return ws


def give_back(ws, kind: str, period: str | None, unit: str, fields: dict, at: datetime, name: str | None = None,
              collect_now: bool = True) -> Path:
    """The unit fills every row of its outbox form with ``fields`` ({field: value}; None leaves a cell
    empty) using the independent filler (tests/fill.py, cells found by header text), and the file
    is collected at ``at``."""
    src = outbox_form(ws, kind, period, unit)
    dst = ws.root / "inbox" / (name or f"{unit}_{kind}_{period}_{at:%m%d%H%M}.xlsx")
    arrived(fill_every_row(src, dst, fields))
    if collect_now:
        report = collect_inbox(ws, now=at)
        assert report.data["accepted"], report.data
    return dst
