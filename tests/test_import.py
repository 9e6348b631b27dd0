"""The import job: the task register in the ledger and tasks.xlsx, normalized against the registry."""

from __future__ import annotations

import csv
from datetime import datetime
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from builders import build_decomposition_docx, build_variant_decomposition_xlsx
from office.errors import DubanError, InputFileError
from jobs import importer
from office.model import Unit
from office.workspace import SAMPLE_DIR, init_workspace, open_workspace, sample_units

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT.parent / "shared" / "seeds" / "000_233c76886741cf97.txt"
STREETS = [u.name for u in sorted(sample_units(), key=lambda u: u.order) if u.group == "各街道办事处"]


def csv_rows() -> list[dict]:
    with open(SAMPLE_DIR / "tasks.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def expand(names: list[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        for m in (STREETS if n == "各街道办事处" else [n]):
            if m not in out:
                out.append(m)
    return out


@pytest.fixture
def ws(tmp_path):
    init_workspace(tmp_path / "ws", 2025)
    w = open_workspace(tmp_path / "ws")
    yield w
    w.close()


def register(w) -> dict:
    return {t.id: t for t in w.ledger.tasks()}


def test_shizhong_register_equals_tasks_csv_row_by_row(ws):
    report = importer.run(ws, importer.Request(SAMPLE_DIR / "decomposition.xlsx"), datetime(2025, 1, 24, 10))
    assert report.data["by_kind"] == {"annual": 109, "livelihood": 20}
    got = register(ws)
    rows = csv_rows()
    assert len(got) == len(rows) == 129
    for r in rows:
        t = got[f"{r['kind']}-{r['seq']}"]
        units = r["units"].split("、")
        assert t.text == r["text"]
        assert list(t.leaders) == r["leaders"].split("、")
        assert t.category == r["category"]
        assert list(t.lead_units) == expand(units[:1]), r["seq"]
        assert list(t.co_units) == [u for u in expand(units[1:]) if u not in t.lead_units], r["seq"]
    # the street offices of the registry group replace the group name
    assert any(set(STREETS) <= set(t.co_units) for t in got.values())
    # groups the registry does not define stay, with one warning each
    assert any("各行业主管部门" in w and "没有定义其成员单位" in w for w in report.warnings)


def test_tasks_xlsx_is_readable_and_complete(ws):
    importer.run(ws, importer.Request(SAMPLE_DIR / "decomposition.xlsx"), datetime(2025, 1, 24, 10))
    wb = openpyxl.load_workbook(ws.root / "tasks.xlsx")
    sheet = wb["任务登记"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 129
    first = next(r for r in rows if r[0] == "annual-2")
    assert first[6] == "区发展改革局" and "区工业和信息化局" in first[7]
    assert "单位任务" in wb.sheetnames


def test_docx_and_variant_workbook_give_the_same_register(ws, tmp_path):
    importer.run(ws, importer.Request(SAMPLE_DIR / "decomposition.xlsx"), datetime(2025, 1, 24, 10))
    want = register(ws)
    records = [dict(r, seq=int(r["seq"]), leaders=r["leaders"].split("、"), units=r["units"].split("、")) for r in csv_rows()]
    for path in (build_decomposition_docx(tmp_path / "分解.docx", records),
                 build_variant_decomposition_xlsx(tmp_path / "分解变体.xlsx", records)):
        other = init_workspace(tmp_path / path.stem, 2025)
        w2 = open_workspace(other)
        try:
            importer.run(w2, importer.Request(path), datetime(2025, 1, 24, 10))
            got = register(w2)
        finally:
            w2.close()
        assert got.keys() == want.keys()
        diffs = [k for k in want if (got[k].text, got[k].leaders, got[k].lead_units, got[k].co_units)
                 != (want[k].text, want[k].leaders, want[k].lead_units, want[k].co_units)]
        assert not diffs, (path.name, diffs[:3])


@pytest.mark.skipif(not SEED_000.exists(), reason="shared/ seeds not present")
def test_seed_000_prose_in_a_workspace_without_registry(tmp_path):
    w = open_workspace(init_workspace(tmp_path / "lixia", 2025, units=[]))
    try:
        report = importer.run(w, importer.Request(SEED_000), datetime(2025, 1, 24, 10))
        tasks = w.ledger.tasks()
    finally:
        w.close()
    assert report.data["tasks"] == 79 == len(tasks)
    t = next(t for t in tasks if t.text.endswith("固定资产投资增长2%"))
    assert t.lead_units == ("区发展改革局",)
    assert t.co_units == ("区工业和信息化局", "区住房城市建设局", "区统计局", "各街道办事处")
    assert t.leaders == ("武毅",)


@pytest.mark.skipif(not SEED_000.exists(), reason="shared/ seeds not present")
def test_seed_000_street_offices_expand_through_the_registry(tmp_path):
    units = [Unit("区发展改革局", ("区发展和改革局",), order=1), Unit("区工业和信息化局", order=2),
             Unit("区住房城市建设局", order=3), Unit("区统计局", order=4),
             Unit("解放路街道办事处", group="各街道办事处", order=5), Unit("文东街道办事处", group="各街道办事处", order=6)]
    w = open_workspace(init_workspace(tmp_path / "lixia", 2025, units=units))
    try:
        importer.run(w, importer.Request(SEED_000), datetime(2025, 1, 24, 10))
        t = next(t for t in w.ledger.tasks() if t.text.endswith("固定资产投资增长2%"))
    finally:
        w.close()
    assert t.co_units == ("区工业和信息化局", "区住房城市建设局", "区统计局", "解放路街道办事处", "文东街道办事处")


def test_units_are_normalized(ws, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("序号,重点任务,牵头领导,牵头单位,配合单位\n"
                    "1,任务甲,王  莹,区发展和改革局,大观园、杆石桥街道办事处\n"
                    "2,任务乙,张三,区 商务局　,区发改委\n", encoding="utf-8")
    report = importer.run(ws, importer.Request(path), datetime(2025, 1, 24, 10))
    got = register(ws)
    assert got["annual-1"].leaders == ("王莹",)
    assert got["annual-1"].lead_units == ("区发展改革局",)
    assert got["annual-1"].co_units == ("大观园街道办事处", "杆石桥街道办事处")
    assert got["annual-2"].lead_units == ("区商务局",)
    assert got["annual-2"].co_units == ("区发改委",)
    warning = next(w for w in report.warnings if "区发改委" in w)
    assert "区发展改革局" in warning  # the closest registered name is offered


def test_reimport_reports_changes_and_protects_tasks_with_returns(ws, tmp_path):
    importer.run(ws, importer.Request(SAMPLE_DIR / "decomposition.xlsx"), datetime(2025, 1, 24, 10))
    again = importer.run(ws, importer.Request(SAMPLE_DIR / "decomposition.xlsx"), datetime(2025, 1, 24, 10))
    assert (again.data["added"], again.data["removed"], again.data["changed"]) == ([], [], [])
    # a return exists for annual-5
    ws.ledger.db.execute("INSERT INTO files (sha256, name, size, received_at, archive, unit, kind, period, verdict) VALUES ('x','f.xlsx',1,'2025-04-01T10:00:00','a','区商务局','status','2025-03','accepted')")
    ws.ledger.db.execute("INSERT INTO entries VALUES ('x','区商务局','status','2025-03','annual-5','t','{}','{}')")
    rows = [r for r in csv_rows() if not (r["kind"] == "annual" and r["seq"] == "5")]
    smaller = tmp_path / "smaller.csv"
    with open(smaller, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(DubanError) as exc:
        importer.run(ws, importer.Request(smaller), datetime(2025, 1, 24, 10))
    assert "annual-5" in str(exc.value) and "--replace" in str(exc.value)
    assert "annual-5" in register(ws)  # nothing changed
    report = importer.run(ws, importer.Request(smaller, replace=True), datetime(2025, 1, 24, 10))
    assert report.data["removed"] == ["annual-5"] and "annual-5" not in register(ws)


def test_bad_file_changes_nothing_and_names_the_headers(ws, tmp_path):
    importer.run(ws, importer.Request(SAMPLE_DIR / "decomposition.xlsx"), datetime(2025, 1, 24, 10))
    before = (ws.root / "tasks.xlsx").read_bytes()
    bad = tmp_path / "名单.csv"
    bad.write_text("姓名,年龄\n张三,30\n", encoding="utf-8")
    with pytest.raises(InputFileError) as exc:
        importer.run(ws, importer.Request(bad), datetime(2025, 1, 24, 10))
    assert "姓名" in str(exc.value) and "序号" in str(exc.value)
    assert len(ws.ledger.tasks()) == 129
    assert (ws.root / "tasks.xlsx").read_bytes() == before


def test_cli_import_and_tasks_json(tmp_path):
    wsdir = tmp_path / "ws"
    run = lambda *a: subprocess.run([sys.executable, str(ROOT / "run.py"), *a], capture_output=True, text=True, cwd=tmp_path)  # noqa: E731
    assert run("init", str(wsdir), "--year", "2025").returncode == 0
    r = run("import", str(SAMPLE_DIR / "decomposition.xlsx"), "-w", str(wsdir))
    assert r.returncode == 0, r.stderr
    assert "109" in r.stdout and "20" in r.stdout
    data = json.loads(run("tasks", "-w", str(wsdir), "--json").stdout)
    assert len(data["tasks"]) == 129
    t = next(t for t in data["tasks"] if t["id"] == "livelihood-13")
    assert set(t) >= {"id", "kind", "seq", "category", "text", "leaders", "lead_units", "co_units"}
    assert t["kind"] == "livelihood" and t["seq"] == 13
    bad = tmp_path / "x.txt"
    bad.write_text("没有任何注释的文字。", encoding="utf-8")
    r = run("import", str(bad), "-w", str(wsdir))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "错误" in r.stderr
