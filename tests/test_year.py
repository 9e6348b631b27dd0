"""The year view: the year tracker (merge --year) and the annual briefing (brief --year), built
from months that went through the real flow (generate, send --record-only, units' returns filled
with tests/fill.py by header text, collect, merge --month), checked cell for cell against the
monthly trackers read back with openpyxl.

The year of month_fixture's seven units, seen on 2025-06-05 10:00 (NOW):

* January: no form generated (未下发);
* February: issued to all; 区测试二局 late, 区测试七局 missing, the others on time;
* March: issued to all; 区测试三局 returns a blank form (空表), 区测试四局 reports 否 (task 3 red),
  区测试六局 late, 区测试七局 missing;
* April: issued to 区测试一局..四局 only (the others 未下发); 一局 late, 四局 missing;
* May: issued to all, due 2025-06-09 (after the Dragon Boat holiday): only 一局 has reported
  (on time), the others are 未到截止日;
* June: the month of NOW, no form generated (未下发); July..December 未开始.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest

import office.year as office_year
from briefing_read import landscape_pages, needs_tools, page_texts, to_pdf
from conftest import generate_forms, merge_month, run_cli
from fill import lo_convert, soffice
from jobs import brief, merge
from month_fixture import U, full, give_back, issue, make_ws, plan_all
from office.errors import DubanError
from office.month_data import Progress
from office.progress import percent_text, schedule_pct
from office.wording import percent
from office.year import build_year
from office.year_data import MONTHS, YearData
from sheets.year_tracker import write_year_tracker

NOW = datetime(2025, 6, 5, 10)
BUILT = range(1, 7)  # January .. June (the month of NOW)
ON_TIME = {2: datetime(2025, 3, 3, 10), 3: datetime(2025, 4, 2, 10), 4: datetime(2025, 5, 6, 10), 5: datetime(2025, 6, 3, 10)}
LATE = {2: datetime(2025, 3, 12, 10), 3: datetime(2025, 4, 14, 10), 4: datetime(2025, 5, 14, 10)}
BLANK = {"progress": None, "problems": None, "next_steps": None, "achieved": None}
# (month, unit) -> (received at, answer); a unit not named does not answer
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
ISSUED = {2: U, 3: U, 4: U[:4], 5: U}
ISSUED_AT = {2: datetime(2025, 2, 3, 9), 3: datetime(2025, 3, 3, 9), 4: datetime(2025, 4, 1, 9), 5: datetime(2025, 5, 6, 9)}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The workspace after the timeline, its monthly trackers (each merged at NOW), the year
    tracker and the annual briefing."""
    root = tmp_path_factory.mktemp("year") / "ws"
    ws = make_ws(root)
    try:
        plan_all(ws, U[:5] + U[6:], datetime(2025, 2, 14, 10))  # 区测试六局 never sends its plan
        for m in (2, 3, 4, 5):
            period = f"2025-{m:02d}"
            generate_forms(ws, "status", period, now=ISSUED_AT[m])
            issue(ws, "status", period, ISSUED_AT[m], units=list(ISSUED[m]))
            for (month, unit), (at, values) in sorted(RETURNS.items(), key=lambda kv: kv[1][0]):
                if month == m:
                    give_back(ws, "status", period, unit, values, at)
        trackers = {m: Path(merge_month(ws, f"2025-{m:02d}", now=NOW).data["tracker"]) for m in BUILT}
        year_report = merge.run(ws, merge.Request(year=2025), NOW)
        brief_report = brief.run(ws, brief.Request(year=2025), NOW)
        # kept aside: later tests write the year's files again
        kept = root.parent / "kept"
        kept.mkdir()
        for report, key in ((year_report, "tracker"), (brief_report, "briefing")):
            src = Path(report.data[key])
            assert src.parent.name in ("trackers", "briefings")
            report.data[key] = str(shutil.copy2(src, kept / f"{src.parent.name}-{src.name}"))
        yield {"ws": ws, "root": root, "trackers": trackers, "year": year_report, "brief": brief_report,
               "written": {"tracker": src.parent.parent / "trackers" / "2025年_全年台账.xlsx", "briefing": src}}
    finally:
        ws.close()


# --- reading the workbooks back (columns found by header text) -------------------------------

def rows_of(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def header_at(rows: list[tuple], *names: str) -> tuple[int, dict[str, int]]:
    """(row index, {header: column}) of the first row holding every one of ``names``."""
    for i, r in enumerate(rows):
        cells = [str(v) if v is not None else "" for v in r]
        if all(n in cells for n in names):
            return i, {v: j for j, v in enumerate(cells) if v}
    raise AssertionError(f"no header row with {names}")


def month_lights(path: Path) -> dict[tuple[str, int], str]:
    """(kind, 序号) -> 状态 of a monthly tracker (台账 and 为民办实事)."""
    out = {}
    for sheet, kind in (("台账", "annual"), ("为民办实事", "livelihood")):
        rows = rows_of(path, sheet)
        h, col = header_at(rows, "序号", "状态")
        for r in rows[h + 1:]:
            seq = r[col["序号"]]
            if isinstance(seq, (int, float)):
                out[(kind, int(seq))] = r[col["状态"]]
    return out


def month_labels(path: Path, month: int) -> dict[str, dict[str, str]]:
    """unit -> {"年度计划": ..., "m月": ...} of a monthly tracker's 报送情况."""
    rows = rows_of(path, "报送情况")
    h, col = header_at(rows, "单位", f"{month}月")
    return {r[0]: {"年度计划": r[col["年度计划"]], f"{month}月": r[col[f"{month}月"]]} for r in rows[h + 1:] if r[0]}


def year_tasks(path: Path) -> tuple[dict[tuple[str, int], dict[str, object]], dict[str, int]]:
    """(kind, 序号) -> {header: value} of the 状态 row, plus "进度:" + header for the 进度 row under it."""
    rows = rows_of(path, "任务进度")
    h, col = header_at(rows, "序号", "项目", "1月", "12月")
    out: dict = {}
    for i in range(h + 1, len(rows)):
        r = rows[i]
        if isinstance(r[col["序号"]], (int, float)) and r[col["项目"]] == "状态":
            kind = "livelihood" if r[col["类别"]] == "为民办实事" else "annual"
            below = rows[i + 1]
            assert below[col["项目"]] == "进度"
            got = {name: r[j] for name, j in col.items()}
            got.update({f"进度:{name}": below[j] for name, j in col.items()})
            out[(kind, int(r[col["序号"]]))] = got
    return out, col


def year_units(path: Path) -> dict[str, dict[str, object]]:
    rows = rows_of(path, "报送情况")
    h, col = header_at(rows, "单位", "年度计划", "1月", "12月", "应报")
    out = {}
    for r in rows[h + 1:]:
        if not r[0] or str(r[0]).startswith(("合计", "报送率", "按时报送率")):
            continue
        out[r[0]] = {name: r[j] for name, j in col.items()}
    return out


def issued_to_nobody(labels: dict[str, dict[str, str]], month: int) -> bool:
    return all(v[f"{month}月"] == "未下发" for v in labels.values())


# --- the year tracker against the monthly trackers ------------------------------------------

def test_year_tracker_grid_equals_the_monthly_trackers_cell_for_cell(world):
    path = Path(world["year"].data["tracker"])
    written = world["written"]["tracker"]
    assert written.name == "2025年_全年台账.xlsx" and written.parent.name == "trackers" and written.is_file()
    tasks, _ = year_tasks(path)
    units = year_units(path)
    compared = 0
    for m in BUILT:
        lights = month_lights(world["trackers"][m])
        labels = month_labels(world["trackers"][m], m)
        nobody = issued_to_nobody(labels, m)
        assert set(tasks) == set(lights) and set(units) == set(labels)
        for key, light in lights.items():
            assert tasks[key][f"{m}月"] == ("未下发" if nobody else light), (m, key)
            compared += 1
        for unit, got in labels.items():
            assert units[unit][f"{m}月"] == got[f"{m}月"], (m, unit)
            compared += 1
    for m in range(7, 13):
        assert all(t[f"{m}月"] == "未开始" for t in tasks.values())
        assert all(u[f"{m}月"] == "未开始" for u in units.values())
    assert compared == 6 * (6 + 7)
    # the year's plan column is the monthly trackers' 年度计划
    last = month_labels(world["trackers"][6], 6)
    assert {u: v["年度计划"] for u, v in units.items()} == {u: v["年度计划"] for u, v in last.items()}
    # year-end state: the last issued month whose deadline has passed (April); its tracker's 状态
    april = month_lights(world["trackers"][4])
    assert all(t["截至4月状态"] == april[key] for key, t in tasks.items())


def test_year_grid_holds_the_known_facts(world):
    """The timeline written out by hand (module docstring), independently of any tracker."""
    units = year_units(Path(world["year"].data["tracker"]))
    assert all(u["1月"] == "未下发" and u["6月"] == "未下发" for u in units.values())
    assert units[U[1]]["2月"].startswith("迟报") and units[U[6]]["2月"] == "未报"
    assert [units[u]["3月"] for u in U] == ["按时报送", "按时报送", "空表", "按时报送", "按时报送",
                                           units[U[5]]["3月"], "未报"]
    assert re.fullmatch(r"迟报\d+个工作日", units[U[5]]["3月"])
    assert [units[u]["4月"] for u in U[4:]] == ["未下发"] * 3 and units[U[3]]["4月"] == "未报"
    assert units[U[0]]["5月"] == "按时报送" and all(units[u]["5月"] == "未到截止日" for u in U[1:])
    assert units[U[5]]["年度计划"] == "未报" and units[U[0]]["年度计划"] == "按时报送"
    # counts per unit: (应报, 按时, 迟报, 未报)
    want = {U[0]: (4, 3, 1, 0), U[1]: (3, 2, 1, 0), U[2]: (3, 2, 0, 1), U[3]: (3, 2, 0, 1), U[4]: (2, 2, 0, 0),
            U[5]: (2, 1, 1, 0), U[6]: (2, 0, 0, 2)}
    assert {u: (v["应报"], v["按时"], v["迟报"], v["未报"]) for u, v in units.items()} == want
    c = world["year"].data["counts"]
    assert (c["due"], c["on_time"], c["late"], c["missing"], c["pending"], c["blank"]) == (19, 12, 3, 4, 6, 1)
    assert c["not_issued"] == 7 + 3 + 7 and c["final_month"] == 4
    tasks, _ = year_tasks(Path(world["year"].data["tracker"]))
    assert tasks[("annual", 3)]["3月"] == "红" and tasks[("annual", 2)]["3月"] == "红"  # 否; the lead's blank form


def test_unit_counts_and_rates_follow_the_monthly_labels(world):
    """The year's counts recomputed from the monthly trackers' labels alone."""
    path = Path(world["year"].data["tracker"])
    units = year_units(path)
    total = {"on_time": 0, "late": 0, "missing": 0}
    for unit, row in units.items():
        mine = {"on_time": 0, "late": 0, "missing": 0}
        for m in BUILT:
            label = month_labels(world["trackers"][m], m)[unit][f"{m}月"]
            key = "on_time" if label == "按时报送" else "late" if label.startswith("迟报") else \
                "missing" if label in ("未报", "空表") else None
            if key:
                mine[key] += 1
        assert (row["按时"], row["迟报"], row["未报"], row["应报"]) == (mine["on_time"], mine["late"], mine["missing"],
                                                                 sum(mine.values())), unit
        for k in total:
            total[k] += mine[k]
    rows = rows_of(path, "报送情况")
    rates = {r[0]: r for r in rows if r[0] in ("报送率", "按时报送率")}
    due = sum(total.values())
    assert any(v == f"全年{percent(total['on_time'] + total['late'], due)}" for v in rates["报送率"] if v)
    assert any(v == f"全年{percent(total['on_time'], due)}" for v in rates["按时报送率"] if v)


def test_year_tracker_overview_charts_and_print_setup(world):
    path = Path(world["year"].data["tracker"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["总览", "任务进度", "报送情况"]
    for name in ("任务进度", "报送情况"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows and ws.freeze_panes
    overview = [r for r in wb["总览"].iter_rows(values_only=True)]
    assert overview[0][0] == "2025年政府工作报告重点任务全年台账"
    table = {r[0]: r[1] for r in overview if r and r[0] and r[1] is not None}
    c = world["year"].data["counts"]
    assert (table["应报送（次）"], table["按时报送"], table["迟报"], table["未报"]) == (c["due"], c["on_time"], c["late"], c["missing"])
    assert table["按时报送率"] == percent(12, 19)
    # one chart for every task and one per category (产业, 城市, 民生, 为民办实事), each drawn from 总览's cells
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        xml = [z.read(n).decode("utf-8") for n in charts]
    assert len(charts) == 5
    assert all(re.search(r"<c:f>'?总览'?!\$C\$\d+:\$N\$\d+</c:f>", x) and "<c:lineChart>" in x and "<c:barChart>" in x for x in xml)
    assert any("全部任务" in x for x in xml) and any("为民办实事" in x for x in xml)


def test_progress_and_done_reach_the_year_view(world, monkeypatch):
    """Progress as the progress rule will give it (replaced here in build_month's result): the
    means per category and month, each task's 完成进度 under its light, 已完成 and when."""
    real = office_year.build_month

    def with_progress(ws, period, now):  # noqa: ANN001
        data = real(ws, period, now)
        m = data.month
        given = {"annual-1": Progress(10.0 * m, schedule_pct(2025, m), "progress"),
                 "annual-4": (Progress(100.0, schedule_pct(2025, m), "done", done=True, done_period="2025-04") if m >= 4
                              else Progress(50.0, schedule_pct(2025, m), "progress"))}
        data.rows.progress = [given.get(t.id, p) for t, p in zip(data.rows.tasks, data.rows.progress)]
        return data

    monkeypatch.setattr(office_year, "build_month", with_progress)
    ws = world["ws"]
    data = build_year(ws, 2025, NOW)
    assert [t.task.id for t in data.tasks if t.done] == ["annual-4"] and data.counts["done"] == 1
    industry, city = data.category_months["产业"], data.category_months["城市"]
    for m in BUILT:
        assert (industry[m - 1].percent, industry[m - 1].reported, industry[m - 1].tasks) == (10.0 * m, 1, 2)
        assert city[m - 1].percent == (100.0 if m >= 4 else 50.0) and city[m - 1].schedule == schedule_pct(2025, m)
    assert all(x is None for x in industry[6:])

    report = merge.run(ws, merge.Request(year=2025), NOW)
    path = Path(report.data["tracker"])
    tasks, _ = year_tasks(path)
    one, four = tasks[("annual", 1)], tasks[("annual", 4)]
    assert [one[f"进度:{m}月"] for m in MONTHS] == [percent_text(10.0 * m) for m in BUILT] + [None] * 6
    assert four["截至4月状态"] == "已完成" and four["已完成时间"] == "2025年4月"
    assert tasks[("annual", 2)]["进度:3月"] == "—"  # no 完成进度 reported
    overview = [r for r in openpyxl.load_workbook(path)["总览"].iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(overview) if r[0] == "产业")
    assert overview[at][1] == "平均完成进度" and list(overview[at][2:8]) == [10.0 * m for m in BUILT]
    assert overview[at + 1][1] == "序时进度" and list(overview[at + 1][2:8]) == [schedule_pct(2025, m) for m in BUILT]

    b = brief.run(ws, brief.Request(year=2025), NOW)
    text = "\n".join(p.text for p in docx.Document(b.data["briefing"]).paragraphs)
    assert "已完成（销号）1项" in text and "平均完成进度" in text


# --- the annual briefing ---------------------------------------------------------------------

def paragraphs_after(doc, heading: str) -> list[str]:
    out, inside = [], False
    for p in doc.paragraphs:
        if p.style.name == "一级标题":
            if inside:
                break
            inside = p.text == heading
            continue
        if inside:
            out.append(p.text)
    assert out, heading
    return out


def test_annual_briefing_counts_equal_the_monthly_trackers(world):
    path = Path(world["brief"].data["briefing"])
    written = world["written"]["briefing"]
    assert written.name == "2025年度_重点任务落实情况通报.docx" and written.parent.name == "briefings" and written.is_file()
    doc = docx.Document(str(path))
    assert doc.paragraphs[0].text.replace("\n", "") == "关于2025年度政府工作报告重点任务落实情况的通报"
    # the year, recomputed from the monthly trackers' cells only
    on_time = late = missing = 0
    clean, lapsed = [], []
    for unit in U:
        mine = [month_labels(world["trackers"][m], m)[unit][f"{m}月"] for m in BUILT]
        lt = sum(1 for x in mine if x.startswith("迟报"))
        ms = sum(1 for x in mine if x in ("未报", "空表"))
        ok = sum(1 for x in mine if x == "按时报送")
        on_time, late, missing = on_time + ok, late + lt, missing + ms
        (lapsed if lt or ms else clean).append(unit)
    due = on_time + late + missing
    april = month_lights(world["trackers"][4])
    green, yellow, red = (sum(1 for v in april.values() if v == c) for c in ("绿", "黄", "红"))
    overall = "".join(paragraphs_after(doc, "一、总体情况"))
    assert f"应报送{due}次，已报送{on_time + late}次，其中按时报送{on_time}次、迟报{late}次" in overall
    assert f"未报送{missing}次" in overall
    assert f"全年报送率{percent(on_time + late, due)}，按时报送率{percent(on_time, due)}" in overall
    assert f"绿色{green}项、黄色{yellow}项、红色{red}项" in overall and "截至4月" in overall
    assert "1月、6月未下发" in overall or "1月、6月" in overall
    reporting = "".join(paragraphs_after(doc, "四、报送情况"))
    named = re.search(r"全年各月均按时报送的单位(\d+)个：(.*?)。", reporting)
    assert named and named.group(2).split("、") == clean and int(named.group(1)) == len(clean)
    listed = re.search(r"有迟报、未报情况的单位(\d+)个：(.*?)。", reporting).group(2)
    assert [part.split("迟报")[0].split("未报")[0] for part in listed.split("；")] == lapsed  # official order
    assert clean == [U[4]]  # the scenario has one unit on time throughout
    problems = "".join(paragraphs_after(doc, "三、存在的问题"))
    assert "部分任务推进滞后" in problems and "报送空表1次" in problems
    assert re.search(f"迟报、未报较多的单位有：{U[6]}（未报2次）。", problems)  # two lapses: named with its count


def test_annual_briefing_annexes_are_the_year_grid(world):
    doc = docx.Document(world["brief"].data["briefing"])
    tasks_table, units_table = doc.tables
    head = [c.text for c in tasks_table.rows[0].cells]
    assert head[:3] == ["序号", "任务", "牵头单位"] and head[3:15] == [f"{m}月" for m in MONTHS] and head[15] == "截至4月"
    lights = {m: month_lights(world["trackers"][m]) for m in BUILT}
    nobody = {m: issued_to_nobody(month_labels(world["trackers"][m], m), m) for m in BUILT}
    section = None
    seen = 0
    for row in tasks_table.rows[1:]:
        cells = [c.text for c in row.cells]
        if len(set(cells)) == 1:  # a category row, merged across
            section = "livelihood" if "为民办实事" in cells[0] else "annual"
            continue
        key = (section, int(cells[0]))
        for m in MONTHS:
            want = ("—" if nobody[m] else lights[m][key]) if m in BUILT else ""
            assert cells[2 + m] == want, (key, m)
        assert cells[15] == lights[4][key]
        seen += 1
    assert seen == 6
    marks = {"按时报送": "√", "未报": "×", "空表": "空", "未到截止日": "…", "未下发": "—"}
    for row in units_table.rows[1:]:
        cells = [c.text for c in row.cells]
        if cells[1] == "合计":
            assert cells[14:] == ["19", "12", "3", "4"]
            continue
        for m in BUILT:
            label = month_labels(world["trackers"][m], m)[cells[1]][f"{m}月"]
            want = marks.get(label) or "迟" + re.fullmatch(r"迟报(\d+)个工作日", label).group(1)
            assert cells[1 + m] == want, (cells[1], m)
        assert cells[8:14] == [""] * 6


# --- the command line: one of --month / --year, the workspace's year --------------------------

def test_merge_year_from_the_command_line_and_bad_input(world):
    root = str(world["root"])
    r = run_cli("merge", "--year", "2025", "-w", root, "--now", "2025-06-05T10:00", "--json")
    assert r.returncode == 0, r.stderr
    assert "2025年_全年台账.xlsx" in r.stdout
    for args, said in ((("merge", "--year", "1999"), "--year"), (("merge", "--month", "2025-03", "--year", "2025"), "不能与"),
                       (("merge",), "必须指定其中之一"), (("merge", "--year", "2024"), "不是本工作区的年度"),
                       (("brief", "--year", "2025", "--quarter", "2025Q1"), "不能与"), (("brief", "--year", "2024"), "不是本工作区的年度")):
        r = run_cli(*args, "-w", root, "--now", "2025-06-05T10:00")
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert said in r.stderr and "Traceback" not in r.stderr and re.search(r"[\u4e00-\u9fff]", r.stderr), (args, r.stderr)
    ws = world["ws"]
    for request in (merge.Request(), merge.Request(month="2025-03", year=2025)):
        with pytest.raises(DubanError, match="其中之一"):
            merge.run(ws, request, NOW)
    with pytest.raises(DubanError, match="不能与"):
        brief.run(ws, brief.Request(month="2025-03", year=2025), NOW)
    with pytest.raises(DubanError, match="尚未到2025年"):
        merge.run(ws, merge.Request(year=2025), datetime(2024, 12, 1))


def test_more_sheets_are_appended_to_the_open_workbook(world, tmp_path):
    """The score sheet's place: a function of the open xlsxwriter Workbook, called after the year's sheets."""
    data = build_year(world["ws"], 2025, NOW)
    assert isinstance(data, YearData)

    def score(wb) -> None:  # noqa: ANN001
        wb.add_worksheet("考核评分").write_string(0, 0, "单位")

    write_year_tracker(tmp_path / "y.xlsx", data, "督查室", add_sheets=[score])
    wb = openpyxl.load_workbook(tmp_path / "y.xlsx")
    assert wb.sheetnames == ["总览", "任务进度", "报送情况", "考核评分"] and wb["考核评分"]["A1"].value == "单位"


def test_hostile_text_stays_text(world, tmp_path):
    data = build_year(world["ws"], 2025, NOW)
    t = data.tasks[0]
    data.tasks[0] = replace(t, task=replace(t.task, text='=HYPERLINK("http://x","点我")\x07'))
    write_year_tracker(tmp_path / "h.xlsx", data, "+督查室")
    tasks, _ = year_tasks(tmp_path / "h.xlsx")
    assert tasks[("annual", 1)]["重点任务"] == '=HYPERLINK("http://x","点我")'
    with zipfile.ZipFile(tmp_path / "h.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet2.xml").decode("utf-8")


# --- rendered ------------------------------------------------------------------------------

@needs_tools
def test_year_tracker_and_briefing_render(world, tmp_path):
    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    pdf = lo_convert(Path(world["year"].data["tracker"]), "pdf", tmp_path)[0]
    pages = page_texts(pdf)
    assert all(landscape_pages(pdf)) and len(pages) >= 3
    text = "".join(pages)
    assert "2025年政府工作报告重点任务全年台账" in text and all(u in text for u in U)
    brief_pdf = to_pdf(Path(world["brief"].data["briefing"]), tmp_path / "brief")
    sides = landscape_pages(brief_pdf)
    assert not sides[0] and sides[-1]  # the body portrait, the annexes landscape
    btext = "".join(page_texts(brief_pdf))
    assert "关于2025年度政府工作报告" in btext and "附件1" in btext and "附件2" in btext


def test_charts_without_a_chinese_font_carry_their_values_in_the_caption(world):
    from office.settings import BriefSettings
    from sheets.briefing_year import yearly_facts
    from sheets.briefing_year_doc import render_year_charts

    facts = yearly_facts(build_year(world["ws"], 2025, NOW), BriefSettings(), "督查室")
    charts = render_year_charts(facts, font=None)
    assert set(charts) == {"overall"}  # no 完成进度 reported: no progress chart
    chart = charts["overall"]
    assert chart.font is None and chart.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "2月按时报送5个、迟报1个、未报送1个" in chart.caption and "5月按时报送1个、迟报0个、未报送0个、未到截止日6个" in chart.caption
    assert "城市：绿色0项、黄色1项、红色1项" in chart.caption
