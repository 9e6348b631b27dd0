"""The year of known facts behind tests/test_year.py: month_fixture's seven units and six tasks,
February to May 2025 reported through the real flow (generate, send --record-only, each unit's
return filled by header text with tests/fill.py, collect), with known 完成进度（%） per task.

Tasks (month_fixture): annual-1 产业 U0 (lead) + U1, annual-2 产业 U2, annual-3 城市 U3 (lead) + U4,
annual-4 城市 U5, annual-5 民生 U6, livelihood-1 为民办实事 U1.

Reporting, seen on 2025-06-05 10:00 (NOW):

* January: no form generated (未下发);
* February: issued to all; U1 late, U6 missing, the others on time;
* March: issued to all; U2 returns a blank form (空表), U3 reports 否, U5 late, U6 missing;
* April: issued to U0..U3 only (the others 未下发); U0 late, U3 missing;
* May: issued to all, due 2025-06-09 (after the Dragon Boat holiday): only U0 has reported
  (on time), the others are 未到截止日;
* June: the month of NOW, no form generated (未下发); July..December 未开始.

完成进度 (序时进度 at the month's end: Feb 16.7, Mar 25, Apr 33.3, May 41.7):

* annual-1: its lead U0 reports rising percents 5, 10, 15, 30 (behind throughout); the co-unit
  U1 writes 90, 95, 99 on the same task, which must not show as the task's;
* annual-2: U2 never writes a percent (lit by 是/否: "—");
* annual-3: U3 reports 100 and 是 in February (已完成), then 80 and 否 in March (reopened: a
  ``reopened`` finding in March's tracker, red), and misses April;
* annual-4: U5 reports 60 in February, 100 and 是 in March (已完成, late) and stays so: April is
  not issued to it, May not yet due;
* annual-5: U6 never reports;
* livelihood-1: U1 reports 40, 50, 70.
"""

from __future__ import annotations

from datetime import datetime

from conftest import generate_forms
from month_fixture import U, answer, full, issue, plan_all

NOW = datetime(2025, 6, 5, 10)
BUILT = range(1, 7)  # January .. June (the month of NOW)
ON_TIME = {2: datetime(2025, 3, 3, 10), 3: datetime(2025, 4, 2, 10), 4: datetime(2025, 5, 6, 10), 5: datetime(2025, 6, 3, 10)}
LATE = {2: datetime(2025, 3, 12, 10), 3: datetime(2025, 4, 14, 10), 4: datetime(2025, 5, 14, 10)}
ISSUED = {2: U, 3: U, 4: U[:4], 5: U}
ISSUED_AT = {2: datetime(2025, 2, 3, 9), 3: datetime(2025, 3, 3, 9), 4: datetime(2025, 4, 1, 9), 5: datetime(2025, 5, 6, 9)}
BLANK = {"progress": None, "problems": None, "next_steps": None, "achieved": None}

# (month, unit, task) -> the 完成进度（%） the unit writes on that task's row
PERCENTS = {
    **{(m, U[0], "annual-1"): p for m, p in ((2, 5), (3, 10), (4, 15), (5, 30))},
    **{(m, U[1], "annual-1"): p for m, p in ((2, 90), (3, 95), (4, 99))},
    (2, U[3], "annual-3"): 100, (3, U[3], "annual-3"): 80,
    (2, U[4], "annual-3"): 50, (3, U[4], "annual-3"): 100,
    (2, U[5], "annual-4"): 60, (3, U[5], "annual-4"): 100,
    **{(m, U[1], "livelihood-1"): p for m, p in ((2, 40), (3, 50), (4, 70))},
}
# (month, unit) -> (received at, the answer of every row); a unit not named does not answer
RETURNS = {
    **{(2, u): (ON_TIME[2], full(f"{u}二月进展")) for u in (U[0], U[2], U[3], U[4], U[5])},
    (2, U[1]): (LATE[2], full("二月进展（迟报）")),
    **{(3, u): (ON_TIME[3], full(f"{u}三月进展")) for u in (U[0], U[1], U[4])},
    (3, U[2]): (ON_TIME[3], BLANK),
    (3, U[3]): (ON_TIME[3], full("三月：拆迁完成八成", achieved="否", problems="部分住户诉求尚未协调一致")),
    (3, U[5]): (LATE[3], full("三月进展（迟报）")),
    (4, U[0]): (LATE[4], full("四月进展（迟报）")),
    **{(4, u): (ON_TIME[4], full(f"{u}四月进展")) for u in (U[1], U[2])},
    (5, U[0]): (ON_TIME[5], full("五月进展")),
}
# task -> its lead unit (one lead each; the others are 配合)
LEADS = {"annual-1": U[0], "annual-2": U[2], "annual-3": U[3], "annual-4": U[5], "annual-5": U[6], "livelihood-1": U[1]}


def rows_of(month: int, unit: str, every_row: dict) -> dict[str, dict]:
    """{task id or "*": fields} of one return: the answer of every row, and the percents."""
    out: dict[str, dict] = {"*": every_row}
    for (m, u, tid), pct in PERCENTS.items():
        if (m, u) == (month, unit):
            out[tid] = {**every_row, "percent": pct}
    return out


def build_timeline(ws) -> None:  # noqa: ANN001 - an opened Workspace (month_fixture.make_ws)
    """The year above, into ``ws``: the plan (区测试六局 never sends it) and February to May."""
    plan_all(ws, U[:5] + U[6:], datetime(2025, 2, 14, 10))
    for m in (2, 3, 4, 5):
        period = f"2025-{m:02d}"
        generate_forms(ws, "status", period, now=ISSUED_AT[m])
        issue(ws, "status", period, ISSUED_AT[m], units=list(ISSUED[m]))
        for (month, unit), (at, values) in sorted(RETURNS.items(), key=lambda kv: kv[1][0]):
            if month == m:
                answer(ws, "status", period, unit, rows_of(month, unit, values), at)


# --- what the units filled, worked out by hand from the tables above (no code under test) -------

TEXTS = {"annual-1": "推进产业园建设", "annual-2": "扩大有效投资", "annual-3": "实施城市更新", "annual-4": "改造老旧小区",
         "annual-5": "新增就业岗位", "livelihood-1": "建设口袋公园"}
CATEGORIES = {"产业": ("annual-1", "annual-2"), "城市": ("annual-3", "annual-4"), "民生": ("annual-5",),
              "为民办实事": ("livelihood-1",)}
ISSUED_MONTHS = (2, 3, 4, 5)
FINAL = 4  # the last issued month whose deadline has passed at NOW
SCORE_KINDS = {"reopened": "-1", "copied": "-0.05"}  # set in duban.toml: the findings count in the score too


def schedule(month: int) -> float:
    """序时进度 at the end of ``month`` of a task with no 完成时限: the share of the year."""
    return round(100 * month / 12, 1)


def lead_answer(month: int, tid: str) -> tuple[bool, int | None, object]:
    """(the lead unit returned its form, the 完成进度 it wrote or None, its 是/否): a blank form is
    returned, with nothing in it."""
    got = RETURNS.get((month, LEADS[tid]))
    if got is None:
        return False, None, None
    return True, PERCENTS.get((month, LEADS[tid], tid)), got[1]["achieved"]


def done_months(tid: str) -> set[int]:
    """The months (1..6) the task is 已完成: its lead reported 100 and 是; it stays so until the lead
    reports less than 100 or 否 (a month it does not report leaves it)."""
    done, out = False, set()
    for m in BUILT:
        returned, pct, said = lead_answer(m, tid)
        if done and returned and ((pct is not None and pct < 100) or said == "否"):
            done = False
        elif not done and returned and pct is not None and pct >= 100 and said == "是":
            done = True
        if done:
            out.add(m)
    return out


def shown(month: int, tid: str) -> str:
    """The task's 完成进度 as printed for ``month``: the lead's number, 100% while 已完成, "—" for a
    form returned without one, "" when the lead did not report."""
    returned, pct, _ = lead_answer(month, tid)
    if pct is not None:
        return f"{pct:g}%"
    if month in done_months(tid):
        return "100%"
    return "—" if returned else ""


def mean_progress(tids: tuple[str, ...], month: int) -> tuple[float | None, int]:
    """(mean 完成进度, tasks with one) of some tasks in an issued month: what the leads wrote, an
    已完成 task at 100; (None, 0) in a month not issued."""
    if month not in ISSUED_MONTHS:
        return None, 0
    got = []
    for tid in tids:
        pct = lead_answer(month, tid)[1]
        if month in done_months(tid):
            got.append(100 if pct is None else pct)
        elif pct is not None:
            got.append(pct)
    return (round(sum(got) / len(got), 1) if got else None), len(got)


# --- a second, smaller year: several lead units on one task, and a 完成进度 that cannot be read ----

LEAD_TASKS_CSV = (
    "kind,seq,category,text,leaders,lead_units,co_units\n"
    f"annual,1,产业,推进产业园建设,王一,{U[0]}、{U[1]},{U[2]}\n"
    f"annual,2,城市,实施城市更新,王三,{U[3]},\n"
    f"annual,3,民生,新增就业岗位,王五,{U[4]}、{U[5]},\n"
)
LEAD_UNITS = {"annual-1": (U[0], U[1]), "annual-2": (U[3],), "annual-3": (U[4], U[5])}
LEAD_TEXTS = {"annual-1": "推进产业园建设", "annual-2": "实施城市更新", "annual-3": "新增就业岗位"}
LEAD_NOW = datetime(2025, 4, 20, 10)  # February and March past their deadlines
LEAD_MONTHS = (2, 3)
# (month, unit, task) -> the 完成进度（%） cell as the unit types it
LEAD_PERCENTS = {
    (2, U[0], "annual-1"): 30, (2, U[1], "annual-1"): 50, (2, U[2], "annual-1"): 10,  # U2 only 配合
    (3, U[0], "annual-1"): 40, (3, U[1], "annual-1"): 40,
    (2, U[3], "annual-2"): "八成", (3, U[3], "annual-2"): 35,
    (2, U[4], "annual-3"): "八成", (2, U[5], "annual-3"): 60,
    (3, U[4], "annual-3"): 20,  # U5 returns March without a 完成进度
}
# what the year grid's 进度 row must say, worked out by hand: the lowest when the leads differ,
# 无法识别 when no lead's could be read and one wrote something unreadable
LEAD_SHOWN = {
    "annual-1": {2: "最低30%", 3: "40%"},
    "annual-2": {2: "无法识别", 3: "35%"},
    "annual-3": {2: "60%", 3: "20%"},
}
# what each lead unit's own line of the month's tracker says (its 完成进度 column), in table order
LEAD_LINES = {
    "annual-1": {2: ["30%", "50%"], 3: ["40%", "40%"]},
    "annual-2": {2: ["—"], 3: ["35%"]},
    "annual-3": {2: ["—", "60%"], 3: ["20%", "—"]},
}


def build_lead_year(root):  # noqa: ANN001, ANN201 - a fresh folder; returns the opened Workspace
    """February and March of the tasks above through the real flow: generate, send --record-only,
    every unit fills every row (its percents by header text with tests/fill.py), collect."""
    from conftest import import_tasks
    from month_fixture import UNITS
    from office.workspace import init_workspace, open_workspace

    init_workspace(root, 2025, units=UNITS)
    cfg = root / "duban.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("settle_seconds = 2", "settle_seconds = 0"), encoding="utf-8")
    src = root.parent / f"{root.name}-tasks.csv"
    src.write_text(LEAD_TASKS_CSV, encoding="utf-8")
    ws = open_workspace(root)
    import_tasks(ws, src, now=datetime(2025, 1, 24))
    for m in LEAD_MONTHS:
        period = f"2025-{m:02d}"
        generate_forms(ws, "status", period, now=ISSUED_AT[m])
        issue(ws, "status", period, ISSUED_AT[m], units=U[:6])
        for unit in U[:6]:
            rows: dict[str, dict] = {"*": full(f"{unit}{m}月进展")}
            for (month, u, tid), value in LEAD_PERCENTS.items():
                if (month, u) == (m, unit):
                    rows[tid] = {**rows["*"], "percent": value}
            answer(ws, "status", period, unit, rows, ON_TIME[m])
    return ws
