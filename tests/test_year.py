"""The year view: the year tracker (merge --year) and the annual briefing (brief --year), built
from months that went through the real flow (generate, send --record-only, units' returns filled
with tests/fill.py by header text, 完成进度（%） included, collect, merge --month), checked cell for
cell against the monthly trackers read back with openpyxl, and against what the units filled
(tests/year_fixture.py holds the timeline and works the expected values out by hand).
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

from briefing_read import landscape_pages, needs_tools, page_texts, section, to_pdf
from conftest import merge_month, run_cli
from fill import form_sheet, lo_convert, locate, soffice
from jobs import brief, merge, score
from month_fixture import U, make_ws, outbox_form
from office.errors import DubanError
from office.settings import BriefSettings
from office.wording import percent
from office.workspace import open_workspace
from office.year import build_year
from office.year_data import MONTHS, YearData
from sheets.briefing_year import problem_texts, yearly_facts
from sheets.year_tracker import write_year_tracker
from year_fixture import (BUILT, CATEGORIES, FINAL, LEAD_LINES, LEAD_MONTHS, LEAD_NOW, LEAD_SHOWN, LEAD_TEXTS, LEAD_UNITS,
                          LEADS, NOW, SCORE_KINDS, TEXTS, build_lead_year, build_timeline, done_months, lead_answer, mean_progress, schedule, shown)


def _with_score_kinds(ws):  # noqa: ANN001, ANN202
    """The workspace reopened with [score.kinds] set as a clerk writes them in duban.toml."""
    root = ws.root
    ws.close()
    cfg = root / "duban.toml"
    text = cfg.read_text(encoding="utf-8")
    for kind, points in SCORE_KINDS.items():
        assert f"# {kind} = " in text, kind
        text = re.sub(rf"^# {kind} = .*$", f"{kind} = {points}", text, count=1, flags=re.M)
    cfg.write_text(text, encoding="utf-8")
    return open_workspace(root)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The workspace after the timeline (year_fixture), its monthly trackers (each merged at NOW),
    the year tracker, the annual briefing and the year's score book."""
    root = tmp_path_factory.mktemp("year") / "ws"
    ws = _with_score_kinds(make_ws(root))
    try:
        build_timeline(ws)
        trackers = {m: Path(merge_month(ws, f"2025-{m:02d}", now=NOW).data["tracker"]) for m in BUILT}
        year_report = merge.run(ws, merge.Request(year=2025), NOW)
        brief_report = brief.run(ws, brief.Request(year=2025), NOW)
        score_report = score.run(ws, score.Request(year=2025), NOW)
        # kept aside: later tests write the year's files again
        kept = root.parent / "kept"
        kept.mkdir()
        for report, key in ((year_report, "tracker"), (brief_report, "briefing")):
            src = Path(report.data[key])
            assert src.parent.name in ("trackers", "briefings")
            report.data[key] = str(shutil.copy2(src, kept / f"{src.parent.name}-{src.name}"))
        yield {"ws": ws, "root": root, "trackers": trackers, "year": year_report, "brief": brief_report,
               "score": score_report,
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


def month_tasks(path: Path) -> dict[tuple[str, int], dict[str, object]]:
    """(kind, 序号) -> the task's cells of a monthly tracker (台账 and 为民办实事), columns found by
    header text: its 状态, 序时进度, 差距 and 判定依据 (on its first line), "leads": the 完成进度 of
    its lead units' lines (职责 牵头) in table order, and "lead": that of its only lead unit."""
    out: dict = {}
    for sheet, kind in (("台账", "annual"), ("为民办实事", "livelihood")):
        rows = rows_of(path, sheet)
        h, col = header_at(rows, "序号", "单位", "职责", "完成进度", "序时进度", "差距", "状态", "判定依据")
        task = None
        for r in rows[h + 1:]:
            seq = r[col["序号"]]
            if isinstance(seq, (int, float)):
                task = out[(kind, int(seq))] = {k: r[col[k]] for k in ("状态", "序时进度", "差距", "判定依据")}
            if task is not None and r[col["职责"]] == "牵头":
                task.setdefault("leads", []).append(r[col["完成进度"]] or "")
                if len(task["leads"]) == 1:
                    task["lead"] = task["leads"][0]
                else:  # several leads: "lead" is only for a task with one
                    task.pop("lead", None)
    return out


def month_lights(path: Path) -> dict[tuple[str, int], str]:
    """(kind, 序号) -> 状态 of a monthly tracker."""
    return {key: t["状态"] for key, t in month_tasks(path).items()}


def is_done(cells: dict[str, object]) -> bool:
    """A monthly tracker says the task is 已完成 (销号): its 判定依据."""
    return str(cells["判定依据"] or "").startswith("已完成（销号）")


def key_of(tid: str) -> tuple[str, int]:
    kind, seq = tid.split("-")
    return kind, int(seq)


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


def year_done_fills(path: Path) -> dict[tuple[str, int], list[bool]]:
    """(kind, 序号) -> per month whether the 进度 cell has the blue ground of 已完成."""
    wb = openpyxl.load_workbook(path)
    ws = wb["任务进度"]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    h, col = header_at(rows, "序号", "项目", "1月", "12月")
    out = {}
    for i in range(h + 1, len(rows)):
        r = rows[i]
        if isinstance(r[col["序号"]], (int, float)) and r[col["项目"]] == "状态":
            kind = "livelihood" if r[col["类别"]] == "为民办实事" else "annual"
            cells = [ws.cell(i + 2, col[f"{m}月"] + 1) for m in MONTHS]  # the 进度 row: 1-based, one below
            out[(kind, int(r[col["序号"]]))] = [c.fill.fgColor.rgb == "FFBDD7EE" for c in cells]
    return out


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
    """Every month of every task (its 状态 and the 完成进度 under it, and whether it is 已完成) and
    every unit: the year tracker's cell is the month's tracker's."""
    path = Path(world["year"].data["tracker"])
    written = world["written"]["tracker"]
    assert written.name == "2025年_全年台账.xlsx" and written.parent.name == "trackers" and written.is_file()
    tasks, _ = year_tasks(path)
    fills = year_done_fills(path)
    units = year_units(path)
    compared = 0
    for m in BUILT:
        month = month_tasks(world["trackers"][m])
        labels = month_labels(world["trackers"][m], m)
        nobody = issued_to_nobody(labels, m)
        assert set(tasks) == set(month) and set(units) == set(labels)
        for key, cells in month.items():
            assert tasks[key][f"{m}月"] == ("未下发" if nobody else cells["状态"]), (m, key)
            assert (tasks[key][f"进度:{m}月"] or "") == cells["lead"], (m, key)
            assert fills[key][m - 1] == is_done(cells), (m, key)  # the blue ground of 已完成
            compared += 1
        for unit, got in labels.items():
            assert units[unit][f"{m}月"] == got[f"{m}月"], (m, unit)
            compared += 1
    for m in range(7, 13):
        assert all(t[f"{m}月"] == "未开始" and t[f"进度:{m}月"] is None for t in tasks.values())
        assert all(u[f"{m}月"] == "未开始" for u in units.values())
        assert not any(f[m - 1] for f in fills.values())
    assert compared == 6 * (6 + 7)
    # the year's plan column is the monthly trackers' 年度计划
    last = month_labels(world["trackers"][6], 6)
    assert {u: v["年度计划"] for u, v in units.items()} == {u: v["年度计划"] for u, v in last.items()}
    # year-end state: the last issued month whose deadline has passed (April); its tracker's 状态,
    # or 已完成 where its 判定依据 says so, with April's 完成进度 under it
    april = month_tasks(world["trackers"][FINAL])
    for key, t in tasks.items():
        assert t[f"截至{FINAL}月状态"] == ("已完成" if is_done(april[key]) else april[key]["状态"]), key
        assert (t[f"进度:截至{FINAL}月状态"] or "") == april[key]["lead"], key
    # 已完成时间: from the months' 判定依据 ("本月新完成" / "3月完成"), and when it was reported not done again
    for key, t in tasks.items():
        done = [m for m in range(1, FINAL + 1) if is_done(month_tasks(world["trackers"][m])[key])]
        want = ""
        if done and done[-1] == FINAL:
            rule = str(april[key]["判定依据"])
            since = FINAL if "本月新完成" in rule else int(re.search(r"(\d+)月完成", rule).group(1))
            want = f"2025年{since}月"
        elif done:
            want = f"{done[0]}月完成，{done[-1] + 1}月回退"
        assert (t["已完成时间"] or "") == want, key


def test_year_grid_progress_is_what_the_units_filled(world):
    """The 任务进度 grid against the filled values alone (year_fixture), and the monthly trackers
    against them too: the lead's rising percents, the co-unit's never, 已完成 and staying so, the
    task reported not done after 已完成, the one that never gave a percent."""
    tasks, _ = year_tasks(Path(world["year"].data["tracker"]))
    fills = year_done_fills(Path(world["year"].data["tracker"]))
    months = {m: month_tasks(world["trackers"][m]) for m in BUILT}
    for tid in LEADS:
        key = key_of(tid)
        want = [shown(m, tid) for m in BUILT]
        assert [tasks[key][f"进度:{m}月"] or "" for m in BUILT] == want, tid
        assert [months[m][key]["lead"] for m in BUILT] == want, tid
        assert {m for m in BUILT if fills[key][m - 1]} == done_months(tid), tid
        assert {m for m in BUILT if is_done(months[m][key])} == done_months(tid), tid
    # the scenario, as the module docstring tells it
    assert [tasks[("annual", 1)][f"进度:{m}月"] for m in (2, 3, 4, 5)] == ["5%", "10%", "15%", "30%"]  # not U1's 90..99
    assert done_months("annual-3") == {2} and done_months("annual-4") == {3, 4, 5, 6}
    three, four = tasks[("annual", 3)], tasks[("annual", 4)]
    assert (three["2月"], three["进度:2月"], three["3月"], three["进度:3月"]) == ("绿", "100%", "红", "80%")
    assert three["截至4月状态"] == "红" and three["已完成时间"] == "2月完成，3月回退"
    assert four["截至4月状态"] == "已完成" and four["进度:截至4月状态"] == "100%" and four["已完成时间"] == "2025年3月"
    assert [four[f"{m}月"] for m in (3, 4)] == ["绿", "绿"] and four["4月"] == months[4][("annual", 4)]["状态"]
    assert [tasks[("annual", 2)][f"进度:{m}月"] for m in (2, 3, 4)] == ["—"] * 3  # returned, no percent (March blank)
    assert not any(tasks[("annual", 5)][f"进度:{m}月"] for m in MONTHS)  # never reported
    # the schedule each month's tracker printed is the share of the year
    for m in BUILT:
        assert {t["序时进度"] for t in months[m].values()} == {f"{schedule(m):g}%"}, m
    # the same facts in the YearData
    data = build_year(world["ws"], 2025, NOW)
    assert [t.task.id for t in data.tasks if t.done] == ["annual-4"] and data.counts["done"] == 1
    assert [t.task.id for t in data.tasks if t.done_spans()] == ["annual-3", "annual-4"]


def test_reopened_is_found_in_its_month(world):
    """annual-3: 100 and 是 in February, 80 and 否 in March: one 已完成任务进度回退 in March's
    tracker, of U3's 完成进度 cell, and in no other month."""
    for m in BUILT:
        rows = rows_of(world["trackers"][m], "发现")
        h, col = header_at(rows, "类型", "单位", "任务", "期次", "文件", "单元格", "说明")
        found = [r for r in rows[h + 1:] if r[col["类型"]] == "已完成任务进度回退"]
        if m != 3:
            assert found == [], m
            continue
        [r] = found
        form = outbox_form(world["ws"], "status", "2025-03", U[3])
        cols, at, _ = locate(form_sheet(openpyxl.load_workbook(form)))
        cell = f"{openpyxl.utils.get_column_letter(cols['percent'])}{at['annual-3']}"
        assert (r[col["单位"]], r[col["期次"]], r[col["单元格"]]) == (U[3], "2025年3月", cell)
        assert str(r[col["任务"]]).endswith(TEXTS["annual-3"]) and str(r[col["文件"]]).startswith(U[3])
        assert "2025年2月" in r[col["说明"]] and "80%" in r[col["说明"]]
    assert world["year"].data["counts"]["findings"]["reopened"] == 1


def test_overview_means_are_the_filled_percents(world):
    """总览 四: per category and month, the mean of what the leads filled (an 已完成 task at 100),
    序时进度, and how many tasks had a 完成进度; nothing in months not issued."""
    rows = rows_of(Path(world["year"].data["tracker"]), "总览")
    h, col = header_at(rows, "类别", "项目", "1月", "12月")
    every = tuple(LEADS)
    for name, tids in (("全部任务", every), *CATEGORIES.items()):
        at = next(i for i in range(h + 1, len(rows)) if rows[i][col["类别"]] == name)
        block = {rows[at + i][col["项目"]]: rows[at + i] for i in range(3)}
        for m in MONTHS:
            got = [block[k][col[f"{m}月"]] for k in ("平均完成进度", "序时进度", "填报进度的任务数")]
            if m not in BUILT:
                assert got == [None, None, None], (name, m)
                continue
            mean, n = mean_progress(tids, m)
            assert got == [mean, schedule(m), n], (name, m)
    assert mean_progress(CATEGORIES["城市"], 3) == (90.0, 2) and mean_progress(CATEGORIES["城市"], 4) == (100.0, 1)
    assert mean_progress(every, 6) == (None, 0)  # June is not issued: the 已完成 task is not a report


def test_score_sheets_equal_the_score_book(world):
    """考核评分 and 扣分明细 of the year tracker: cell for cell those of `score --year` (same
    workspace, same now), the reopened finding scored as duban.toml says."""
    book = Path(world["score"].data["score_book"])
    assert book.name == "2025年_考核评分.xlsx"
    year = openpyxl.load_workbook(world["year"].data["tracker"])
    scored = openpyxl.load_workbook(book)
    for name in ("考核评分", "扣分明细"):
        a = [list(r) for r in year[name].iter_rows(values_only=True)]
        b = [list(r) for r in scored[name].iter_rows(values_only=True)]
        assert a == b, name
        assert len(a) > 5
    assert year.sheetnames == ["总览", "任务进度", "报送情况", "考核评分", "扣分明细"]
    rows = [list(r) for r in year["扣分明细"].iter_rows(values_only=True)]
    h, col = header_at(rows, "单位", "期次", "类别", "分值")
    reopened = [r for r in rows[h + 1:] if r[col["类别"]] == "已完成任务进度回退"]
    assert [(r[col["单位"]], r[col["期次"]], r[col["分值"]]) for r in reopened] == [(U[3], "2025年3月", -1)]


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


# --- the annual briefing ---------------------------------------------------------------------


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
    overall = "".join(section(doc, "一、总体情况"))
    assert f"应报送{due}次，已报送{on_time + late}次，其中按时报送{on_time}次、迟报{late}次" in overall
    assert f"未报送{missing}次" in overall
    assert f"全年报送率{percent(on_time + late, due)}，按时报送率{percent(on_time, due)}" in overall
    assert f"绿色{green}项、黄色{yellow}项、红色{red}项" in overall and "截至4月" in overall
    assert "1月、6月未下发" in overall or "1月、6月" in overall
    reporting = "".join(section(doc, "四、报送情况"))
    named = re.search(r"全年各月均按时报送的单位(\d+)个：(.*?)。", reporting)
    assert named and named.group(2).split("、") == clean and int(named.group(1)) == len(clean)
    listed = re.search(r"有迟报、未报情况的单位(\d+)个：(.*?)。", reporting).group(2)
    assert [part.split("迟报")[0].split("未报")[0] for part in listed.split("；")] == lapsed  # official order
    assert clean == [U[4]]  # the scenario has one unit on time throughout
    problems = "".join(section(doc, "三、存在的问题"))
    assert "部分任务推进滞后" in problems and "报送空表1次" in problems
    assert re.search(f"迟报、未报较多的单位有：{U[6]}（未报2次）。", problems)  # two lapses: named with its count


def behind_at(month: int) -> list[tuple[int, str, str, str]]:
    """(序号, task text, 完成进度, gap) of the tasks not 已完成 whose lead's 完成进度 is 10 points or
    more behind 序时进度 in ``month``, furthest behind first: from the filled values."""
    out = []
    for tid in LEADS:
        pct = lead_answer(month, tid)[1]
        if pct is None or month in done_months(tid):
            continue
        gap = round(schedule(month) - pct, 1)
        if gap >= 10:
            out.append((-gap, int(tid.split("-")[1]), TEXTS[tid], f"{pct:g}%", f"{gap:g}"))
    return [x[1:] for x in sorted(out)]


def test_annual_briefing_tells_the_filled_progress(world):
    """brief --year: the 已完成 count, the tasks named behind 序时进度, the category means and the
    done task with its month, each from what the units filled (year_fixture)."""
    doc = docx.Document(world["brief"].data["briefing"])
    overall = "".join(section(doc, "一、总体情况"))
    done = [tid for tid in LEADS if FINAL in done_months(tid)]
    assert done == ["annual-4"]
    assert f"截至{FINAL}月，已完成（销号）{len(done)}项" in overall
    mean, n = mean_progress(tuple(LEADS), FINAL)
    assert f"有完成进度的{n}项任务（含已完成{len(done)}项，按100%计），平均完成进度{mean:g}%，序时进度{schedule(FINAL):g}%" in overall
    problems = "".join(section(doc, "三、存在的问题"))
    named = re.search(r"完成进度落后序时进度10个百分点以上的有：(.*?)。", problems)
    assert named, problems
    got = [re.fullmatch(r"第(\d+)项“(.+?)”（完成进度(.+?)，落后(.+?)个百分点）", part).groups() for part in named.group(1).split("；")]
    assert [(int(a), b, c, d) for a, b, c, d in got] == behind_at(FINAL) == [(1, TEXTS["annual-1"], "15%", "18.3")]
    progress = "".join(section(doc, "二、推进情况"))
    assert f"已完成的有：第4项“{TEXTS['annual-4']}”（2025年3月）" in progress
    for name, tids in CATEGORIES.items():
        mean = mean_progress(tids, FINAL)[0]
        if mean is not None:
            assert f"平均完成进度{mean:g}%，序时进度{schedule(FINAL):g}%" in progress, name
    assert "已完成任务进度回退1条" in problems


def test_tasks_behind_are_named_without_red_ones(world):
    """A task 10 points or more behind 序时进度 is named under 存在的问题 even when no task is red."""
    data = build_year(world["ws"], 2025, NOW)
    for t in data.tasks:
        t.months = [replace(c, light="黄" if c.light == "红" else c.light) for c in t.months]
    assert data.counts["red"] == 0
    text = "".join(problem_texts(yearly_facts(data, BriefSettings(), "督查室")))
    assert f"完成进度落后序时进度10个百分点以上的有：第1项“{TEXTS['annual-1']}”（完成进度15%，落后18.3个百分点）" in text


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
        april = month_tasks(world["trackers"][FINAL])[key]
        assert cells[15] == ("已完成" if is_done(april) else april["状态"]), key
        assert cells[16] == april["lead"], key  # April's 完成进度, as the year tracker's year-end 进度
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
    sides = landscape_pages(pdf)
    # the year's sheets landscape; the score sheets as the score book prints them (考核评分 portrait)
    assert len(pages) >= 5 and sides == ["年度考核评分" not in page for page in pages]
    assert any("年度考核评分" in page for page in pages) and any("年度考核扣分明细" in page for page in pages)
    text = "".join(pages)
    assert "2025年政府工作报告重点任务全年台账" in text and all(u in text for u in U)
    grid = next(page for page in pages if "已完成时间" in page)
    assert "2025年3月" in grid and "回退" in grid and "80%" in grid
    brief_pdf = to_pdf(Path(world["brief"].data["briefing"]), tmp_path / "brief")
    sides = landscape_pages(brief_pdf)
    assert not sides[0] and sides[-1]  # the body portrait, the annexes landscape
    btext = "".join(page_texts(brief_pdf))
    assert "关于2025年度政府工作报告" in btext and "附件1" in btext and "附件2" in btext


def test_charts_without_a_chinese_font_carry_their_values_in_the_caption(world):
    from sheets.briefing_year_doc import render_year_charts

    facts = yearly_facts(build_year(world["ws"], 2025, NOW), BriefSettings(), "督查室")
    charts = render_year_charts(facts, font=None)
    assert set(charts) == {"overall", "progress"}
    got = charts["progress"]
    assert got.font is None and got.png[:8] == b"\x89PNG\r\n\x1a\n"
    for name, tids in CATEGORIES.items():  # April's means, of what the units filled
        mean = mean_progress(tids, FINAL)[0]
        assert f"{name}：完成进度{'—' if mean is None else f'{mean:g}%'}、序时进度{schedule(FINAL):g}%" in got.caption, name
    chart = charts["overall"]
    assert chart.font is None and chart.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "2月按时报送5个、迟报1个、未报送1个" in chart.caption and "5月按时报送1个、迟报0个、未报送0个、未到截止日6个" in chart.caption
    april = month_lights(world["trackers"][FINAL])
    for name, tids in CATEGORIES.items():  # April's lights, 已完成 ones as the month's tracker lit them
        n = [sum(1 for t in tids if april[key_of(t)] == c) for c in ("绿", "黄", "红")]
        assert f"{name}：绿色{n[0]}项、黄色{n[1]}项、红色{n[2]}项" in chart.caption, name
    assert "城市：绿色1项、黄色0项、红色1项" in chart.caption  # 改造老旧小区 已完成 (绿), 城市更新 missing (红)


def test_merge_year_scores_the_months_it_built_once(world, monkeypatch):
    """merge --year builds each month once: the score takes the months the year already built
    (YearData.score_months) and gives what `score` computes on its own, for the year and a quarter."""
    import office.score as score_mod
    import office.year as year_mod
    from office.score import compute

    built: list[str] = []
    real = year_mod.build_month

    def counted(ws, period, now):  # noqa: ANN001, ANN202
        built.append(period)
        return real(ws, period, now)

    monkeypatch.setattr(year_mod, "build_month", counted)
    monkeypatch.setattr(score_mod, "build_month", counted)
    merge.run(world["ws"], merge.Request(year=2025), NOW)
    assert built == [f"2025-{m:02d}" for m in BUILT]  # January .. June, once each
    data = build_year(world["ws"], 2025, NOW)
    assert sorted(data.score_months) == list(BUILT)
    built.clear()
    alone = compute(world["ws"], 2025, NOW)
    assert built == [f"2025-{m:02d}" for m in (1, 2, 3, 4)]  # on its own: the months past their deadline
    built.clear()
    reused = compute(world["ws"], 2025, NOW, months=data.score_months)
    assert built == [] and reused.as_json() == alone.as_json()
    assert any(d.kind == "reopened" for d in reused.deductions) and any(d.kind == "late" for d in reused.deductions)
    for q in (1, 2):
        assert compute(world["ws"], 2025, NOW, q, months=data.score_months).as_json() == compute(world["ws"], 2025, NOW, q).as_json()
    # a month the facts lack is built: only January given, the rest are built as before
    built.clear()
    partial = compute(world["ws"], 2025, NOW, months={1: data.score_months[1]})
    assert built == ["2025-02", "2025-03", "2025-04"] and partial.as_json() == alone.as_json()


# --- several lead units on one task; a 完成进度 that cannot be read --------------------------

@pytest.fixture(scope="module")
def lead_world(tmp_path_factory):
    """year_fixture's second year (build_lead_year): its monthly trackers and its year tracker."""
    root = tmp_path_factory.mktemp("leads") / "ws"
    ws = build_lead_year(root)
    try:
        trackers = {m: Path(merge_month(ws, f"2025-{m:02d}", now=LEAD_NOW).data["tracker"]) for m in LEAD_MONTHS}
        year = Path(merge.run(ws, merge.Request(year=2025), LEAD_NOW).data["tracker"])
        yield {"ws": ws, "trackers": trackers, "year": year}
    finally:
        ws.close()


def unreadable_leads(path: Path) -> set[tuple[str, str]]:
    """(unit, task text) of the 完成进度无法识别 findings of a monthly tracker's 发现 sheet."""
    rows = rows_of(path, "发现")
    h, col = header_at(rows, "类型", "单位", "任务", "单元格")
    return {(r[col["单位"]], str(r[col["任务"]])) for r in rows[h + 1:] if r[col["类型"]] == "完成进度无法识别"}


def test_year_grid_progress_of_several_leads_and_unreadable_percents(lead_world):
    """Two lead units with different 完成进度: the year grid says the lowest (最低30%), each lead's
    own stays on its line of the month's tracker; the same percent twice is plain. A lead's
    "八成" (a 完成进度无法识别 finding of the month) is 无法识别 in the year grid, where the month's
    tracker prints "—" on the lead's line; another lead's number wins over it."""
    tasks, _ = year_tasks(lead_world["year"])
    for tid, months in LEAD_SHOWN.items():
        key = key_of(tid)
        for m, want in months.items():
            assert tasks[key][f"进度:{m}月"] == want, (tid, m)
    for m in LEAD_MONTHS:
        path = lead_world["trackers"][m]
        month = month_tasks(path)
        bad = unreadable_leads(path)
        for tid, lines in LEAD_LINES.items():
            key = key_of(tid)
            assert month[key]["leads"] == lines[m], (tid, m)  # each lead's own, as the unit typed it
            # the grid cell follows from the month's tracker alone: its leads' lines and its findings
            numbers = [float(v[:-1]) for v in month[key]["leads"] if str(v).endswith("%")]
            unread = any(unit in LEAD_UNITS[tid] and text.endswith(LEAD_TEXTS[tid]) for unit, text in bad)
            if len(set(numbers)) > 1:
                want = f"最低{min(numbers):g}%"
            elif numbers:
                want = f"{numbers[0]:g}%"
            else:
                want = "无法识别" if unread else "—"
            assert tasks[key][f"进度:{m}月"] == want, (tid, m)
    assert unreadable_leads(lead_world["trackers"][2]) and not unreadable_leads(lead_world["trackers"][3])
    # the year-end 进度 (March) and the light: 40 and 40 is one percent, no 最低
    assert tasks[("annual", 1)]["进度:截至3月状态"] == "40%"
    assert tasks[("annual", 2)]["2月"] in ("红", "黄", "绿")  # lit by 是/否 without a readable percent
