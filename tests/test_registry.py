"""units.xlsx is checked on every load; notes about unregistered names are shown once, where they arise.

The registry is edited the way a clerk edits it (openpyxl on the workspace's own units.xlsx),
then opened through the real workspace and the real command line.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from office.errors import ConfigError
from jobs import generate, importer
from jobs import tasks as tasks_job
from office.units import load_registry
from office.workspace import SAMPLE_UNITS, open_workspace

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 1, 27, 9)


def edit_registry(root: Path, fn) -> None:
    path = root / "units.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[1]]
    fn(sheet, {h: i + 1 for i, h in enumerate(header)})
    wb.save(path)


def row_of(sheet, cols, name: str) -> int:
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, cols["单位名称"]).value == name:
            return r
    raise AssertionError(name)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def root(sample_ws):
    r = sample_ws.root
    sample_ws.close()
    return r


def test_the_bundled_sample_registry_passes(root):
    reg = load_registry(root / "units.xlsx")
    rows = SAMPLE_UNITS.read_text(encoding="utf-8").splitlines()[1:]
    assert len(reg.units) == len(rows) == 67
    assert all(len(u.emails) == 1 and u.emails[0].endswith("@example.org") for u in reg.units)
    assert reg.canonical("区发改局") == "区发展改革局"


def test_two_rows_with_one_name_stop_every_command_naming_both_rows(root):
    def dup(sheet, cols):
        r = row_of(sheet, cols, "区财政局")
        sheet.cell(r, cols["单位名称"]).value = "区 商务局"  # a space does not make it another unit
        assert r == 12

    edit_registry(root, dup)
    target = row_of(openpyxl.load_workbook(root / "units.xlsx").worksheets[0],
                    {"单位名称": 1}, "区商务局")
    with pytest.raises(ConfigError) as err:
        open_workspace(root)
    msg = str(err.value)
    assert f"第12行和第{target}行的单位名称都是“区商务局”" in msg, msg
    for args in (("tasks",), ("collect", "--now", "2025-04-03T10:00"), ("generate", "plan"), ("send", "plan", "--dry-run")):
        done = cli(*args, "-w", str(root))
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "第12行" in done.stderr and f"第{target}行" in done.stderr and "区商务局" in done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""


def test_an_alias_that_is_another_units_name_or_is_shared(root):
    def alias(sheet, cols):
        sheet.cell(row_of(sheet, cols, "区民政局"), cols["简称/别名"]).value = "民政、区司法局"
        sheet.cell(row_of(sheet, cols, "区水务局"), cols["简称/别名"]).value = "水利局"
        sheet.cell(row_of(sheet, cols, "区农业农村局"), cols["简称/别名"]).value = "农业局；水利局"

    edit_registry(root, alias)
    with pytest.raises(ConfigError) as err:
        open_workspace(root)
    msg = str(err.value)
    assert "2 处问题" in msg
    assert "第10行（区民政局）的简称/别名“区司法局”是第11行的单位名称" in msg, msg
    assert "第18行（区水务局）和第19行（区农业农村局）的简称/别名都有“水利局”" in msg, msg


def test_an_empty_name_and_bad_addresses_name_their_rows(root):
    def broken(sheet, cols):
        r = sheet.max_row + 1
        sheet.cell(r, cols["邮箱"]).value = "orphan@example.org"
        sheet.cell(row_of(sheet, cols, "区科技局"), cols["邮箱"]).value = "keji＠example.org、keji@"
        sheet.cell(row_of(sheet, cols, "区司法局"), cols["邮箱"]).value = "sifa at example.org"

    edit_registry(root, broken)
    last = openpyxl.load_workbook(root / "units.xlsx").worksheets[0].max_row
    with pytest.raises(ConfigError) as err:
        open_workspace(root)
    msg = str(err.value)
    assert "3 处问题" in msg
    assert f"第{last}行填写了简称、分组、联系人或邮箱，但“单位名称”为空" in msg
    assert "第8行（区科技局）的邮箱“keji@”格式不正确" in msg  # the full-width ＠ before it is fine
    assert "第11行（区司法局）的邮箱“sifa”“at”“example.org”格式不正确" in msg, msg


def test_several_addresses_per_unit(root):
    def many(sheet, cols):
        sheet.cell(row_of(sheet, cols, "区商务局"), cols["邮箱"]).value = "a@swj.example.org、b@swj.example.org；c@swj.example.org\nd@swj.example.org; a@swj.example.org"
        sheet.cell(row_of(sheet, cols, "区财政局"), cols["邮箱"]).value = "ｃｚｊ＠example.org"

    edit_registry(root, many)
    ws = open_workspace(root)
    try:
        assert ws.registry.get("区商务局").emails == ("a@swj.example.org", "b@swj.example.org", "c@swj.example.org", "d@swj.example.org")
        assert ws.registry.get("区财政局").emails == ("czj@example.org",)
    finally:
        ws.close()


def test_unregistered_names_are_pointed_out_at_import_and_not_on_every_command(tmp_path):
    from conftest import SAMPLE_DECOMPOSITION, make_sample_ws

    ws = make_sample_ws(tmp_path / "ws")
    try:
        again = importer.run(ws, importer.Request(SAMPLE_DECOMPOSITION), NOW)
        groups = [w for w in again.warnings if "单位分组" in w]
        assert len(groups) == 8, again.warnings  # import is where they arise: shown every time it runs
        g1 = generate.run(ws, generate.Request("plan"), NOW)
        assert [w for w in g1.warnings if "分组" in w or "名册" in w] == [], g1.warnings
        g2 = generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 4, 1, 9))
        assert g2.warnings == []
        listed = tasks_job.run(ws, tasks_job.Request(), datetime(2025, 1, 24, 10))
        assert len(listed.warnings) == 1 and "另有 8 个单位名称不在单位名册中" in listed.warnings[0], listed.warnings
        assert len(listed.data["unregistered"]) == 8
    finally:
        ws.close()

    # a clerk removes a registered unit that has tasks: the next generate says so, once
    edit_registry(tmp_path / "ws", lambda sheet, cols: sheet.delete_rows(row_of(sheet, cols, "区水务局")))
    ws = open_workspace(tmp_path / "ws")
    try:
        g3 = generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 4, 1, 10))
        assert len(g3.warnings) == 1 and "“区水务局”" in g3.warnings[0] and "不在单位名册中" in g3.warnings[0], g3.warnings
        g4 = generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 4, 1, 11))
        assert g4.warnings == []
    finally:
        ws.close()
