"""The demo end to end, and the briefing checked against the tracker of the same month and now."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from conftest import run_cli
from jobs.demo import STEPS
from office.month import FINDING_LABELS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "demo-ws"
    r = run_cli("demo", str(folder), "--json", timeout=300)
    assert r.returncode == 0, r.stderr
    assert not any(step in r.stderr for step in STEPS)  # --json: no progress display
    return json.loads(r.stdout)


def overview(path: str) -> dict:
    sheet = openpyxl.load_workbook(path)["总览"]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], str) and row[1] is not None}


def paragraphs(path: str) -> list[str]:
    return [p.text for p in Document(path).paragraphs]


def reporting_column(path: str, month: str = "3月") -> dict[str, str]:
    sheet = openpyxl.load_workbook(path)["报送情况"]
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "单位")
    col = rows[head].index(month)
    return {r[0]: r[col] for r in rows[head + 1:] if r and r[0]}


# Kinds the demo cannot produce: it takes no mail (nothing is fetched, no .eml is saved), so no
# return has a sender to check; tests/test_fetch.py produces them with a real IMAP server.
OUTSIDE_THE_DEMO = {"sender_mismatch"}


def test_demo_tracker_has_every_kind_of_finding(demo):
    sheet = openpyxl.load_workbook(demo["tracker"])["发现"]
    kinds = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    expected = {k: v for k, v in FINDING_LABELS.items() if k not in OUTSIDE_THE_DEMO}
    assert set(expected.values()) <= kinds
    assert set(demo["findings"]) == set(expected)
    assert demo["rejected"] and "不完整" in demo["rejected"][0]["reason"]


def test_briefing_figures_equal_the_tracker(demo):
    ov = overview(demo["tracker"])
    text = paragraphs(demo["briefings"][0])
    overall = next(p for p in text if p.startswith("本月应报送"))
    nums = [int(n) for n in re.findall(r"(\d+)个", overall)]
    assert nums[:5] == [ov["应报单位"], ov["已报"], ov["按时"], ov["迟报"], ov["未报"]]
    tasks = next(p for p in text if "纳入督办的重点任务共" in p)
    sheet = openpyxl.load_workbook(demo["tracker"])["总览"]
    status = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0] in ("绿", "黄", "红")}
    total = re.search(r"重点任务共(\d+)项，其中绿色(\d+)项、黄色(\d+)项、红色(\d+)项", tasks)
    assert [int(x) for x in total.groups()[1:]] == [status["绿"], status["黄"], status["红"]]


def test_briefing_names_exactly_the_late_and_missing_units(demo):
    col = reporting_column(demo["tracker"])
    late = {u for u, v in col.items() if v.startswith("迟报")}
    missing = {u for u, v in col.items() if v == "未报"}
    assert late and missing
    section = paragraphs(demo["briefings"][0])
    start = next(i for i, p in enumerate(section) if p.startswith("四、"))
    body = section[start + 1]
    late_part, missing_part = body.split("未报送单位", 1)
    rest_late, rest_missing = late_part, missing_part
    for u in sorted(late, key=len, reverse=True):
        assert f"{u}（迟报" in rest_late, u
        rest_late = rest_late.replace(u, "")
    for u in sorted(missing, key=len, reverse=True):
        assert u in rest_missing, u
        rest_missing = rest_missing.replace(u, "")
    for u in col:  # nobody else is named
        assert u not in rest_late and u not in rest_missing, u
    on_time = next(u for u, v in col.items() if v == "按时报送")
    assert on_time not in body


def test_quarterly_briefing_covers_every_category_and_every_task_behind(demo):
    text = "\n".join(paragraphs(demo["briefings"][1]))
    for table in Document(demo["briefings"][1]).tables:
        for row in table.rows:
            text += "\n" + " ".join(c.text for c in row.cells)
    tasks = openpyxl.load_workbook(Path(demo["workspace"]) / "tasks.xlsx")["任务登记"]
    categories = {r[3] for r in tasks.iter_rows(min_row=2, values_only=True) if r[1] == "年度工作任务"}
    for c in categories:
        assert c in text, c
    ledger = openpyxl.load_workbook(demo["tracker"])["台账"]
    rows = list(ledger.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    h = rows[head]
    behind = {str(r[0]) for r in rows[head + 1:] if r[0] is not None and r[h.index("状态")] in ("黄", "红")}
    assert behind
    for seq in behind:
        assert re.search(rf"第{seq}项|序号{seq}\b|（{seq}）|\b{seq}\b", text), seq


@pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice not installed")
def test_briefing_converts_to_pdf(demo, tmp_path):
    from fill import lo_convert

    out = lo_convert([Path(p) for p in demo["briefings"]], "pdf", tmp_path)
    assert len(out) == 2
    for pdf in out:
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5000


def test_demo_folder_is_an_ordinary_workspace(demo):
    r = run_cli("merge", "--month", "2025-03", "-w", demo["workspace"], "--now", "2025-04-15T09:00", "--json")
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    counts = {}
    for f in again["findings"]:
        counts[f["kind"]] = counts.get(f["kind"], 0) + 1
    assert counts == demo["findings"]  # merging again gives the same findings


def test_the_plain_demo_shows_its_steps_as_it_goes(tmp_path):
    """Without --json: each step on stderr as it finishes (with its time), the summary on stdout."""
    folder = tmp_path / "演示[试用]"
    r = subprocess.run([sys.executable, "run.py", "demo", str(folder)], capture_output=True, text=True, timeout=300,
                       cwd=ROOT, env=dict(__import__("os").environ, COLUMNS="200"))
    assert r.returncode == 0, r.stderr
    done = re.findall(r"^✓ (.+)（(\d+\.\d) 秒）$", r.stderr, re.M)
    assert [label for label, _ in done] == list(STEPS)  # every step, in order, once
    assert sum(float(s) for _, s in done) > 1  # real times, not a fixed text
    assert r.stdout.startswith("演示完成（用时 ")
    assert f"台账：{folder}/trackers/2025年3月_台账.xlsx" in r.stdout  # the folder name printed literally
    assert f"例如：{sys.executable} run.py tasks -w {folder}" in r.stdout  # the command as typed
    assert (folder / "trackers" / "2025年3月_台账.xlsx").is_file()


def test_the_simulated_units_wrote_each_field_under_its_own_header(demo):
    """The demo's units (jobs/simulate.py, cells found by header text) wrote 完成情况 under 完成情况,
    存在问题 under 存在问题 and 下一步计划 under 下一步计划: the tracker shows each kind of text under its
    header, with a source cell in the column the form's header names (found here by tests/fill.py)."""
    from fill import form_sheet, locate
    from jobs.simulate import PROBLEMS

    form = next((Path(demo["workspace"]) / "outbox" / "2025-03").glob("*.xlsx"))
    cols, _, _ = locate(form_sheet(openpyxl.load_workbook(form)))
    letters = {f: openpyxl.utils.get_column_letter(cols[f]) for f in ("progress", "problems", "next_steps")}
    wb = openpyxl.load_workbook(demo["tracker"])
    reported = 0
    for name in ("台账", "为民办实事"):
        sheet = wb[name]
        head = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "序号")
        col = {c.value: c.column for c in sheet[head] if c.value}
        for r in range(head + 1, sheet.max_row + 1):
            if not sheet.cell(r, col["来源"]).value:
                continue  # not reported
            reported += 1
            progress, problems, next_steps = (sheet.cell(r, col[h]) for h in ("完成情况", "存在问题", "下一步计划"))
            assert re.match(r"[23]月份，", progress.value), (name, r, progress.value)  # (one unit copied February)
            assert problems.value in set(PROBLEMS) | {"无"}, (name, r, problems.value)
            assert next_steps.value is None or next_steps.value.startswith("4月份，"), (name, r, next_steps.value)
            for field, cell in (("progress", progress), ("problems", problems), ("next_steps", next_steps)):
                if cell.value:
                    assert re.fullmatch(rf"来源：.+!{letters[field]}\d+", cell.comment.text), (name, r, cell.comment.text)
    assert reported > 300


def test_the_tasks_completed_in_march_are_announced_once(demo):
    """Two tasks reach 100% and 是 in March (jobs/demo.py): the tracker counts them as new 已完成, the
    demo's 完成事项通报 lists exactly them, and asking again announces nothing."""
    assert len(demo["completed"]) == 2
    _, status = _overview_block(demo["tracker"], "二、任务状态")
    assert status["其中本月新完成"] == 2
    rows = [[c.text for c in r.cells] for r in Document(demo["done_brief"]).tables[0].rows[1:]]
    kinds = {"annual": "年度工作任务", "livelihood": "为民办实事"}
    wanted = {f"{kinds[t.split('-')[0]]}第{t.split('-')[1]}项" for t in demo["completed"]}
    assert {r[1].split("：")[0] for r in rows} == wanted
    r = run_cli("brief", "--done", "--month", "2025-03", "-w", demo["workspace"], "--now", "2025-04-15T10:00")
    assert r.returncode == 0 and "没有新完成、尚未通报的任务" in r.stdout, r.stdout + r.stderr


def _overview_block(path: str, title: str):
    rows = list(openpyxl.load_workbook(path)["总览"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    out = {}
    for r in rows[start + 2:]:
        if r[0] is None or str(r[0]).startswith("注："):
            break
        out[r[0]] = r[1]
    return rows[start + 1], out
