"""A small workspace whose months are built from known facts, through the real jobs."""

from __future__ import annotations

import os
import shutil
import time
from datetime import datetime
from pathlib import Path

from jobs import collect, generate, importer, send
from office.model import Unit
from jobs.simulate import fill_workbook
from sheets.returns import read_return
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
    importer.run(ws, importer.Request(src), datetime(2025, 1, 24))
    return ws


def answer(ws, kind: str, period: str | None, unit: str, values: dict, at: datetime, name: str | None = None,
           **kwargs) -> Path:
    """Fill the unit's outbox workbook with values and collect it at `at`."""
    folder = ws.root / "outbox" / ("plan" if kind == "plan" else period)
    src = next(p for p in folder.glob("*.xlsx") if p.stem.endswith("_" + unit))
    rows = read_return(src, "xlsx").rows
    vals = {r.task_id: values.get(r.task_id, values.get("*", {})) for r in rows}
    dst = ws.root / "inbox" / (name or f"{unit}_{kind}_{period}_{at:%m%d%H%M}.xlsx")
    fill_workbook(src, dst, vals, **kwargs)
    past = time.time() - 60
    os.utime(dst, (past, past))
    report = collect.run(ws, collect.Request(), at)
    assert report.data["accepted"], report.data
    return dst


def issue(ws, kind: str, period: str | None = None, at: datetime = datetime(2025, 1, 27, 9, 5), units: list[str] | None = None):
    """Record the generated forms as issued without mailing them (send --record-only): they are 应报 from now on."""
    report = send.run(ws, send.Request(kind, period, record_only=True, units=units), at)
    assert report.ok, report.summary
    return report


def plan_all(ws, units: list[str], at: datetime) -> None:
    generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9))
    issue(ws, "plan")
    for u in units:
        answer(ws, "plan", None, u, {"*": {"q1": f"{u}一季度目标", "q2": "二季度目标", "q3": "三季度目标", "q4": "四季度目标",
                                              "main_leader": "张三", "deputy": "李四"}}, at)


def full(progress: str, achieved: str = "是", next_steps: str = "继续推进") -> dict:
    return {"progress": progress, "problems": "无", "next_steps": next_steps, "achieved": achieved}


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)


def give_back(ws, kind: str, period: str | None, unit: str, fields: dict, at: datetime, name: str | None = None,
              collect_now: bool = True) -> Path:
    """The unit fills every row of its outbox form with ``fields`` ({field: value}; None leaves a cell
    empty) using the independent filler (tests/fill.py, cells found by header text), and the file
    is collected at ``at``."""
    from fill import fill_form, form_sheet, locate
    import openpyxl

    folder = ws.root / "outbox" / ("plan" if kind == "plan" else period)
    src = next(p for p in folder.glob("*.xlsx") if p.stem.endswith("_" + unit))
    _, rows, _ = locate(form_sheet(openpyxl.load_workbook(src)))
    values = {tid: {f: v for f, v in fields.items() if v is not None} for tid in rows}
    dst = ws.root / "inbox" / (name or f"{unit}_{kind}_{period}_{at:%m%d%H%M}.xlsx")
    fill_form(src, dst, values)
    past = time.time() - 60
    os.utime(dst, (past, past))
    if collect_now:
        report = collect.run(ws, collect.Request(), at)
        assert report.data["accepted"], report.data
    return dst
