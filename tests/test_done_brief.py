"""The 完成事项通报 (``brief --done``; ``run-due`` after a merge): which tasks it announces, chosen from
MonthData alone (months built by hand); the one-page document read back with python-docx and
LibreOffice; each (task, month) announced once, kept in the ledger (notices, migration 5); and a whole
June and July through run-due on a real workspace, a real SMTP server and returns filled by header text.
"""

from __future__ import annotations

import shutil
import sqlite3
import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import docx
import pytest

from briefing_read import landscape_pages, needs_tools, page_texts, to_pdf
from conftest import run_cli, run_due_at
from fill import fill_every_row, form_sheet, locate
from month_fixture import U, arrived, full, make_ws, outbox_form
from office.ledger import notices
from office.ledger.schema import LATEST
from office.model import Task
from office.month import Line, MonthData, Progress, TaskRow, UnitState
from office.workspace import open_workspace
from sheets.briefing_text import RECIPIENTS
from sheets.done_brief import CLOSING, done_facts, newly_done, write_done_brief
from smtp_server import set_config, use_server

OFFICE = "市中区人民政府督查室"
JUNE = "2025-06"


# --- which tasks: a function of MonthData ------------------------------------------------------

def june(extra: int = 0) -> MonthData:
    """June with five tasks: 年度1 became 已完成 in June, 年度2 in May (still 已完成), 年度3 at 100% but
    its lead said 否 (not done), 实事1 became 已完成 in June with two lead units, 年度4 lit by 是/否.
    ``extra`` more annual tasks all became 已完成 in June (for the page test)."""
    due = date(2025, 7, 8)
    tasks = [
        Task("annual", 1, "推进产业园二期建设，年内建成标准厂房10万平方米", "产业", ("王一",), ("区发展改革局",), ("区财政局",)),
        Task("annual", 2, "扩大有效投资", "产业", ("王二",), ("区财政局",)),
        Task("annual", 3, "实施城市更新行动", "城市", ("王三",), ("区住房城乡建设局",)),
        Task("livelihood", 1, "建设口袋公园5处", "为民办实事", ("王一",), ("区住房城乡建设局", "区城市管理局")),
        Task("annual", 4, "新增就业岗位", "民生", ("王五",), ("区人力资源社会保障局",)),
    ] + [Task("annual", 10 + i, f"第{10 + i}项重点工程建设，全面完成年度建设任务并通过验收" * 2, "产业", ("王一",), ("区发展改革局",))
         for i in range(extra)]
    said = {
        ("annual-1", "区发展改革局"): "标准厂房10.2万平方米全部建成并通过竣工验收，已有8家企业入驻。",
        ("annual-1", "区财政局"): "配合拨付专项资金。",
        ("annual-2", "区财政局"): "全年投资目标已于5月完成。",
        ("annual-3", "区住房城乡建设局"): "改造全部开工。",
        ("livelihood-1", "区住房城乡建设局"): "5处口袋公园全部建成开放。",
        ("livelihood-1", "区城市管理局"): "完成绿化管护移交。",
        ("annual-4", "区人力资源社会保障局"): "新增岗位3200个。",
    }
    progress = {
        "annual-1": Progress(100.0, 50.0, "done", done=True, done_period=JUNE),
        "annual-2": Progress(100.0, 50.0, "done", done=True, done_period="2025-05"),
        "annual-3": Progress(100.0, 50.0, "yes_no"),
        "livelihood-1": Progress(100.0, 50.0, "done", done=True, done_period=JUNE),
        "annual-4": Progress(None, 50.0, "yes_no"),
    }
    rows = []
    for t in tasks:
        lines = [Line(u, t.role_of(u), {"progress": said.get((t.id, u), "重点工程全部完工，通过验收，投入使用。"),
                                        "achieved": "否" if t.id == "annual-3" else "是", "percent": 100.0},
                      {}, f"{u}.xlsx", True) for u in t.units]
        p = progress.get(t.id, Progress(100.0, 50.0, "done", done=True, done_period=JUNE))
        rows.append(TaskRow(t, "绿" if p.done else "红", lines, p))
    units = sorted({u for t in tasks for u in t.units})
    states = [UnitState(u, due, "on_time", 0, f"{u}.xlsx", datetime(2025, 7, 3, 10)) for u in units]
    return MonthData(JUNE, 2025, 6, due, datetime(2025, 7, 9, 9, 30), rows, states, {}, [], [], date(2025, 2, 14))


def test_newly_done_is_what_became_done_this_month_less_what_was_announced():
    data = june()
    assert [data.rows.tasks[i].id for i in newly_done(data)] == ["annual-1", "livelihood-1"]
    assert [data.rows.tasks[i].id for i in newly_done(data, {"annual-1"})] == ["livelihood-1"]
    assert newly_done(data, {"annual-1", "livelihood-1"}) == []
    assert data.counts["done"] == 3 and data.counts["done_new"] == 2  # 年度2 was done in May


def test_done_facts_name_each_task_its_leads_and_what_they_reported():
    f = done_facts(june(), OFFICE)
    assert f.title == "关于2025年6月已完成重点任务的通报"
    assert [(i.label, i.leads, i.completed) for i in f.items] == [
        ("年度工作任务第1项", "区发展改革局", "2025年6月"), ("为民办实事第1项", "区住房城乡建设局、区城市管理局", "2025年6月")]
    # the lead's 完成情况 (the co-unit's is not the task's), both leads named when there are two
    assert f.items[0].progress == "标准厂房10.2万平方米全部建成并通过竣工验收，已有8家企业入驻。"
    assert f.items[1].progress == "区住房城乡建设局：5处口袋公园全部建成开放；区城市管理局：完成绿化管护移交。"
    assert f.date == date(2025, 7, 9) and "2项重点任务" in f.intro


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("done") / "2025年6月_完成事项通报.docx"
    write_done_brief(path, done_facts(june(), OFFICE))
    return path


def test_the_document_in_the_briefing_style(document):
    d = docx.Document(str(document))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "关于2025年6月已完成重点任务的通报"
    assert d.paragraphs[0].style.name == "通报标题"
    assert texts[2] == RECIPIENTS and d.paragraphs[2].style.name == "主送"
    assert texts[3].startswith("根据各责任单位报送的2025年6月落实情况表") and "予以销号" in texts[3]
    (table,) = d.tables
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["序号", "任务", "牵头单位", "完成时间", "完成情况"]
    assert rows[1][:4] == ["1", "年度工作任务第1项：推进产业园二期建设，年内建成标准厂房10万平方米", "区发展改革局", "2025年6月"]
    assert rows[1][4] == "标准厂房10.2万平方米全部建成并通过竣工验收，已有8家企业入驻。"
    assert rows[2][:2] == ["2", "为民办实事第1项：建设口袋公园5处"] and len(rows) == 3
    assert not any("扩大有效投资" in c or "实施城市更新" in c for r in rows for c in r)  # done in May; not done
    assert texts[-4] == CLOSING
    assert texts[-2:] == [OFFICE, "2025年7月9日"]
    sec = d.sections[0]
    assert len(d.sections) == 1 and sec.page_height > sec.page_width


@needs_tools
@pytest.mark.parametrize("extra", [0, 10])
def test_one_page_with_the_signature(tmp_path, extra):
    path = tmp_path / f"done{extra}.docx"
    facts = done_facts(june(extra), OFFICE)
    assert len(facts.items) == 2 + extra
    write_done_brief(path, facts)
    pdf = to_pdf(path, tmp_path / "pdf")
    assert landscape_pages(pdf) == [False]  # one portrait page
    (page,) = page_texts(pdf)
    assert page.startswith("关于2025年6月已完成重点任务的通报") and RECIPIENTS in page
    assert page.index(CLOSING[-12:]) < page.index(OFFICE) < page.index("2025年7月9日")


# --- the ledger: notices, migration 5 ------------------------------------------------------------

def test_notices_are_unique_per_task_and_month(tmp_path):
    ws = make_ws(tmp_path / "ws")
    try:
        with ws.ledger.transaction() as con:
            assert notices.record(con, "done", JUNE, ["annual-1", "annual-1", "livelihood-1"], "a.docx", "2025-07-09T09:30:00") == 2
        with ws.ledger.transaction() as con:
            assert notices.record(con, "done", JUNE, ["annual-1", "annual-3"], "b.docx", "2025-07-10T09:30:00") == 1
            assert notices.record(con, "done", "2025-07", ["annual-1"], "c.docx", "2025-08-10T09:30:00") == 1
        assert notices.announced(ws.ledger, "done", JUNE) == {"annual-1", "livelihood-1", "annual-3"}
        first = next(n for n in notices.all_notices(ws.ledger, "done") if n["task_id"] == "annual-1" and n["period"] == JUNE)
        assert first["file"] == "a.docx"  # the first announcement is kept
        with pytest.raises(sqlite3.IntegrityError):  # the table itself refuses a second row
            ws.ledger.db.execute("INSERT INTO notices (kind, task_id, period, file, at) VALUES ('done', 'annual-1', ?, 'x', 'y')",
                                 (JUNE,))
    finally:
        ws.close()


def test_an_old_workspace_gets_the_notices_table(tmp_path):
    root = tmp_path / "old"
    shutil.copytree(Path(__file__).resolve().parent / "fixtures" / "workspace-before-ledger", root)
    for p in root.rglob("*"):
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    ws = open_workspace(root)
    try:
        assert LATEST >= 5 and 5 in ws.ledger.migrated
        assert notices.announced(ws.ledger, "done", "2025-03") == set()
        sql = ws.ledger.db.execute("SELECT sql FROM sqlite_master WHERE name = 'notices'").fetchone()[0]
        assert "UNIQUE (kind, task_id, period)" in sql
    finally:
        ws.close()


# --- end to end: June and July through run-due ---------------------------------------------------

PERCENT = {"percent": ("完成进度（%）", "完成进度(%)", "完成进度")}  # the column, found by its header text
LEAD_JUNE, LEAD_JULY = U[2], U[6]  # sole leads of 年度2 (扩大有效投资) and 年度5 (新增就业岗位)


def drop(ws, period: str, unit: str, fields: dict, minute: int = 0) -> Path:
    src = outbox_form(ws, "status", period, unit)
    cols, _, _ = locate(form_sheet(__import__("openpyxl").load_workbook(src)), PERCENT)
    assert "percent" in cols, f"the status form has no 完成进度（%） column: {src.name}"
    dst = ws.root / "inbox" / f"{unit}_{period}_{minute}.xlsx"
    return arrived(fill_every_row(src, dst, fields, labels=PERCENT), seconds_ago=600)


def ran(report) -> list[tuple[str, str]]:
    return [(r["job"], r["period"]) for r in report.data["ran"]]


def test_run_due_announces_each_completion_once(tmp_path, smtp_server):
    root = tmp_path / "ws"
    make_ws(root).close()
    use_server(root, smtp_server.port)
    set_config(root / "duban.toml", "schedule", plan_send="01-27")
    ws = open_workspace(root)
    try:
        assert ("send-status", JUNE) in ran(run_due_at(ws, datetime(2025, 6, 3, 9, 30)))
        for u in U:
            done = u == LEAD_JUNE
            drop(ws, JUNE, u, {**full(f"{u}六月{'全部完成' if done else '稳步推进'}"), "percent": 100 if done else 45})
        first = run_due_at(ws, datetime(2025, 7, 2, 8))
        assert ("merge", JUNE) in ran(first) and ("brief-done", JUNE) in ran(first), first.summary
        line = next(r["result"] for r in first.data["ran"] if r["job"] == "brief-done")
        assert line.startswith("2025年6月完成事项通报已生成：") and "（1项任务：年度工作任务第2项）" in line
        path = root / "briefings" / "2025年6月_完成事项通报.docx"
        rows = [[c.text for c in r.cells] for r in docx.Document(str(path)).tables[0].rows]
        assert [r[1:4] for r in rows[1:]] == [["年度工作任务第2项：扩大有效投资", LEAD_JUNE, "2025年6月"]]
        assert rows[1][4] == f"{LEAD_JUNE}六月全部完成"
        assert notices.announced(ws.ledger, "done", JUNE) == {"annual-2"}

        # again at once, and after another June return is collected and merged: nothing new to announce
        assert run_due_at(ws, datetime(2025, 7, 2, 8, 5)).data["ran"] == []
        drop(ws, JUNE, U[0], {**full(f"{U[0]}六月更正"), "percent": 50}, minute=1)
        again = run_due_at(ws, datetime(2025, 7, 2, 9))
        assert ("merge", JUNE) in ran(again) and ("brief-done", JUNE) not in ran(again)
        assert sorted(p.name for p in (root / "briefings").glob("*完成事项通报*")) == [path.name]
        assert ws.ledger.db.execute("SELECT COUNT(*) FROM runs WHERE job = 'brief-done'").fetchone()[0] == 1

        # July: 年度2 is still 已完成 (announced in June), 年度5 becomes so: a new notice with 年度5 only
        for u in U:
            percent = 100 if u in (LEAD_JUNE, LEAD_JULY) else 60
            drop(ws, "2025-07", u, {**full(f"{u}七月进展"), "percent": percent}, minute=7)
        july = run_due_at(ws, datetime(2025, 8, 1, 8))
        assert ("brief-done", "2025-07") in ran(july), july.summary
        rows = [[c.text for c in r.cells] for r in
                docx.Document(str(root / "briefings" / "2025年7月_完成事项通报.docx")).tables[0].rows]
        assert [r[1] for r in rows[1:]] == ["年度工作任务第5项：新增就业岗位"]
    finally:
        ws.close()
    # by hand: nothing left to announce, no document, exit 0
    r = run_cli("brief", "--done", "-w", str(root), "--now", "2025-08-01T09:00")
    assert r.returncode == 0, r.stderr
    assert "没有新完成、尚未通报的任务" in r.stdout
    assert len(list((root / "briefings").glob("*完成事项通报*"))) == 2


def test_brief_done_refuses_a_quarter(tmp_path):
    make_ws(tmp_path / "ws").close()
    r = run_cli("brief", "--done", "--quarter", "2025Q2", "-w", str(tmp_path / "ws"))
    assert r.returncode == 2 and "--done 不能与 --quarter 同时使用" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("brief", "-w", str(tmp_path / "ws"))
    assert r.returncode == 2 and "--month" in r.stderr and "--done" in r.stderr and "Traceback" not in r.stderr
