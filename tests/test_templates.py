"""Forms made from template workbooks (templates_xlsx/, or a workspace's own templates/).

A clerk's edits to a template (a renamed header, an added column) reach the generated forms,
the reading of the returns and the tracker; a template that cannot work is refused by name;
the forms generated from the official templates match the reference copies in
tests/fixtures/ cell for cell (regenerate them, after a deliberate change of a template or of
the writer, with ``python3 tests/test_templates.py --write-references``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from copy import copy
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script (--write-references)
    sys.path.insert(0, str(ROOT))

from office.errors import ConfigError  # noqa: E402
from office.model import Task  # noqa: E402
from sheets import columns as C  # noqa: E402
from sheets.forms import FormRow, FormSpec, write_form  # noqa: E402
from sheets.template import default_template, read_template  # noqa: E402
from templates_xlsx import TEMPLATES_DIR, template_file  # noqa: E402

try:
    from tests.month_fixture import U, issue, make_ws
except ImportError:  # tests/ is not a package
    from month_fixture import U, issue, make_ws

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERENCES = {"plan": FIXTURES / "reference_plan.xlsx", "status": FIXTURES / "reference_status.xlsx"}

# -- the reference forms: one unit, both kinds, every kind of row -----------------------------------

R_UNIT = "区商务局"
R_TASKS = (
    Task("annual", 1, "地区生产总值增长5.6%左右；一般公共预算收入增长3%左右；社会消费品零售总额增长3.5%左右。",
         lead_units=(R_UNIT,), co_units=("区财政局", "区统计局")),
    Task("annual", 4, "推动济中智立方等在建载体加强项目招引、尽快投产达效。", lead_units=("区投资促进局",),
         co_units=(R_UNIT, "区工业和信息化局")),
    Task("annual", 9, "=HYPERLINK(\"x\") 以公式符号开头的任务文字也原样显示。", lead_units=(R_UNIT,)),
    Task("livelihood", 3, "新建改造城市道路5条，打通断头路2条。", lead_units=(R_UNIT,)),
)
R_TARGETS = {"annual-1": "一季度地区生产总值增长5%", "annual-4": None, "annual-9": "完成年度目标的25%", "livelihood-3": None}


def _partners(t: Task) -> tuple[str, ...]:
    return tuple(u for u in t.units if u != R_UNIT)


def reference_spec(kind: str) -> FormSpec:
    rows = tuple(FormRow(t, t.role_of(R_UNIT), target=R_TARGETS[t.id] if kind == "status" else None,
                         partners=_partners(t)) for t in R_TASKS)
    if kind == "plan":
        return FormSpec("ws-reference", "市中区人民政府办公室督查室", 2025, R_UNIT, "plan", "2025", date(2025, 2, 18), rows)
    return FormSpec("ws-reference", "市中区人民政府办公室督查室", 2025, R_UNIT, "status", "2025-03", date(2025, 4, 8), rows)


def write_references() -> None:
    FIXTURES.mkdir(exist_ok=True)
    for kind, path in REFERENCES.items():
        write_form(reference_spec(kind), path)
        print(path)


def _color(c) -> str | None:  # noqa: ANN001
    return c.rgb if c is not None and c.type == "rgb" and isinstance(c.rgb, str) else None


def snapshot(path: Path) -> dict:
    """Everything of a form workbook a unit or a printer sees, as plain data."""
    wb = openpyxl.load_workbook(path)
    out: dict = {"sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets]}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                b = c.border
                cells[c.coordinate] = (
                    c.value, c.data_type, c.font.name, c.font.sz, bool(c.font.b), _color(c.font.color),
                    c.fill.fill_type, _color(c.fill.fgColor) if c.fill.fill_type else None,
                    tuple(getattr(b, s).style for s in ("left", "right", "top", "bottom")),
                    c.alignment.horizontal, c.alignment.vertical, bool(c.alignment.wrap_text),
                    c.number_format, c.protection.locked,
                )
        ps = ws.page_setup
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted((str(dv.sqref), dv.type, dv.formula1, dv.allowBlank, dv.showErrorMessage, dv.showInputMessage,
                                   dv.errorTitle, dv.error, dv.promptTitle, dv.prompt, dv.errorStyle)
                                  for dv in ws.data_validations.dataValidation),
            "print": (ps.orientation, ps.paperSize, ps.fitToWidth, ps.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage,
                      ws.print_title_rows, ws.print_area, ws.print_options.horizontalCentered,
                      tuple(round(getattr(ws.page_margins, m), 3) for m in ("left", "right", "top", "bottom", "header", "footer")),
                      ws.oddFooter.center.text, ws.oddHeader.center.text),
            "view": (ws.freeze_panes, ws.protection.sheet, ws.protection.formatRows, ws.protection.insertRows,
                     ws.protection.formatCells),
            "widths": {k: round(d.width, 2) for k, d in sorted(ws.column_dimensions.items()) if d.width},
            "heights": {k: round(d.height, 2) for k, d in sorted(ws.row_dimensions.items()) if d.height},
        }
    return out


def _differences(a: dict, b: dict, where: str = "") -> list[str]:
    out = []
    for k in sorted(set(a) | set(b), key=str):
        x, y = a.get(k), b.get(k)
        if isinstance(x, dict) and isinstance(y, dict):
            out += _differences(x, y, f"{where}/{k}")
        elif x != y:
            out.append(f"{where}/{k}: {x!r} != {y!r}")
    return out


@pytest.mark.parametrize("kind", ["plan", "status"])
def test_generated_form_matches_the_reference_copy(kind, tmp_path):
    fresh = tmp_path / f"{kind}.xlsx"
    write_form(reference_spec(kind), fresh)
    diff = _differences(snapshot(REFERENCES[kind]), snapshot(fresh))
    assert not diff, (f"the {kind} form differs from {REFERENCES[kind].name} (if on purpose: "
                      "python3 tests/test_templates.py --write-references):\n" + "\n".join(diff[:30]))


def test_reference_copies_hold_what_the_official_forms_hold():
    """The references are not just any snapshot: they are the official layouts, filled in."""
    plan, status = (openpyxl.load_workbook(REFERENCES[k]).worksheets[0] for k in ("plan", "status"))
    assert plan["A1"].value == "2025年年度工作任务落实计划表" and plan["A3"].value == "填报单位：区商务局"
    assert [plan.cell(4, c).value for c in range(1, 10)] == ["分解序号", "重点任务、民生实事内容", "季度目标及推进计划", None,
                                                            None, None, "主要负责人", "分管负责人", "备注"]
    assert [plan.cell(5, c).value for c in range(3, 7)] == ["一季度", "二季度", "三季度", "四季度"]
    assert status["A2"].value == "（3月）" and "请于2025年4月8日前报送督查室" in status["A3"].value
    assert [status.cell(5, c).value for c in range(1, 10)] == ["序号", "重点任务、民生实事内容", "季度计划完成目标", "完成情况",
                                                              "完成进度（%）", "存在问题", "下一步计划", "是否完成阶段任务目标",
                                                              None]
    # the co-unit's row names the lead as 牵头单位 and every other unit
    assert status["B8"].value.endswith("\n（本单位配合。牵头单位：区投资促进局；其他配合单位：区工业和信息化局）")
    assert status["C8"].value == "（未报送计划）" and status["C8"].protection.locked is False
    dv = status.data_validations.dataValidation
    # 完成进度（%） (E): a number from 0 to 100; 是否完成阶段任务目标 (H): 是/否 (each task block, not the section rows)
    assert [(str(d.sqref), d.type) for d in dv] == [("E7:E9", "decimal"), ("E11", "decimal"), ("H7:H9", "list"), ("H11", "list")]
    assert (dv[0].formula1, dv[0].formula2) == ("0", "100") and dv[2].formula1 == '"是,否"'
    assert status.print_title_rows == "$5:$5" and plan.print_title_rows == "$4:$5"
    assert status.page_setup.orientation == "landscape" and status.sheet_properties.pageSetUpPr.fitToPage


# -- the official templates -----------------------------------------------------------------------


def test_official_templates_read_into_their_columns():
    plan, status = default_template("plan"), default_template("status")
    assert plan.keys == ("seq", "text", "q1", "q2", "q3", "q4", "main_leader", "deputy", "note")
    assert status.keys == ("seq", "text", "target", "progress", "percent", "problems", "next_steps", "achieved")
    assert "role" not in plan.keys and "role" not in status.keys  # 本单位职责 is off in the official forms
    assert plan.labels["seq"] == "分解序号" and plan.header_first == 3 and plan.header_last == 4
    assert status.header_first == status.header_last == 4
    assert [v.col for v in status.validations] == [status.column("percent").col, status.column("achieved").col]
    assert plan.validations == ()
    assert dict(status.validations[0].options) | {} == {**dict(status.validations[0].options), "validate": "decimal",
                                                         "criteria": "between", "minimum": 0, "maximum": 100}
    assert status.column("percent").width >= 10 and dict(status.column("percent").style)["locked"] is False
    assert status.page.landscape and status.page.fit_width == 1 and status.page.fit_height == 0
    assert status.column("text").width > 40 and dict(status.column("progress").style)["locked"] is False


def test_make_templates_script_makes_the_committed_templates(tmp_path):
    subprocess.run([sys.executable, str(TEMPLATES_DIR / "make_templates.py"), str(tmp_path)], check=True,
                   capture_output=True, cwd=ROOT)
    for kind in ("plan", "status"):
        made = read_template(tmp_path / template_file(kind).name, kind)
        assert made == read_template(template_file(kind), kind), kind


def test_packaged_specs_are_those_of_the_packaged_templates():
    """The JSON beside each official template (read instead of the workbook, so that generate
    does not need openpyxl) is what reading that very workbook gives."""
    import hashlib

    from sheets.template import from_json, spec_file

    for kind in ("plan", "status"):
        path = template_file(kind)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        got = from_json(spec_file(path).read_text(encoding="utf-8"), sha, kind)
        assert got is not None, f"{spec_file(path).name} is stale: python3 templates_xlsx/make_templates.py"
        assert got == read_template(path, kind)


def test_a_workspace_template_is_read_once_then_kept(tmp_path, monkeypatch):
    import sheets.template as T

    own = _edited_template(tmp_path, "status", lambda ws: setattr(header_cell(ws, "下一步计划"), "value", "下一步工作打算"))
    cache = tmp_path / "cache"
    first = T.load_template(own, "status", cache)
    assert first.labels["next_steps"] == "下一步工作打算" and len(list(cache.glob("*-status.json"))) == 1
    T._cache.clear()

    def no_openpyxl(*a, **k):  # noqa: ANN002, ANN003
        raise AssertionError("read with openpyxl again")

    monkeypatch.setattr(T, "_open", no_openpyxl)
    assert T.load_template(own, "status", cache) == first
    T._cache.clear()
    _edited_template(tmp_path, "status", lambda ws: setattr(header_cell(ws, "下一步计划"), "value", "下步打算"))  # edited again
    with pytest.raises(AssertionError):
        T.load_template(own, "status", cache)  # new bytes: read afresh
    T._cache.clear()


def test_vocabulary():
    assert C.meaning_of("下一步工作打算") == "next_steps" == C.meaning_of("下一步\n计划")
    assert C.meaning_of("工作完成情况") == "progress" and C.meaning_of("季度目标及推进计划") == C.GROUP
    for label in ("完成进度（%）", "完成进度(%)", "完成进度", "进度（%）"):
        assert C.meaning_of(label) == "percent", label
    assert C.meaning_of("佐证材料") is None and C.key_of("佐证\n材料") == "extra:佐证材料"
    assert C.label_of("extra:佐证材料") == "佐证材料" and C.label_of("next_steps") == "下一步计划"


# -- refused templates ----------------------------------------------------------------------------


def header_cell(ws, header: str):  # noqa: ANN001, ANN201
    """The cell of a template sheet holding ``header`` (found by its text, not by its position)."""
    return next(c for row in ws.iter_rows(max_row=10) for c in row if c.value == header)


def _edited_template(tmp_path: Path, kind: str, fn, name: str | None = None) -> Path:
    wb = openpyxl.load_workbook(template_file(kind))
    fn(wb.worksheets[0])
    path = tmp_path / (name or template_file(kind).name)
    wb.save(path)
    return path


def test_template_without_task_column_is_refused(tmp_path):
    path = _edited_template(tmp_path, "status", lambda ws: setattr(ws["B5"], "value", "工作内容"))
    with pytest.raises(ConfigError) as e:
        read_template(path, "status")
    msg = str(e.value)
    assert "落实情况表.xlsx" in msg and "第5行" in msg and "重点任务、民生实事内容" in msg and "B5“工作内容”" in msg


def test_template_with_two_columns_of_one_meaning_is_refused(tmp_path):
    path = _edited_template(tmp_path, "status", lambda ws: setattr(ws["E5"], "value", "工作完成情况"))
    with pytest.raises(ConfigError) as e:
        read_template(path, "status")
    assert "D5" in str(e.value) and "E5" in str(e.value) and "完成情况" in str(e.value)


def test_template_without_a_column_the_rules_need_is_refused(tmp_path):
    path = _edited_template(tmp_path, "status", lambda ws: ws.delete_cols(header_cell(ws, "是否完成阶段任务目标").column))
    with pytest.raises(ConfigError) as e:
        read_template(path, "status")
    assert "没有“是否完成阶段任务目标”列" in str(e.value)
    optional = _edited_template(tmp_path, "status", lambda ws: ws.delete_cols(header_cell(ws, "完成进度（%）").column), "y.xlsx")
    assert "percent" not in read_template(optional, "status").keys  # 完成进度（%） may go: the rules do without it
    plan_col = _edited_template(tmp_path, "status", lambda ws: setattr(ws["C5"], "value", "一季度"), "x.xlsx")
    with pytest.raises(ConfigError) as e:
        read_template(plan_col, "status")
    assert "C5“一季度”" in str(e.value) and "落实计划表" in str(e.value)


def test_broken_template_file_is_refused(tmp_path):
    path = tmp_path / "落实情况表.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(ConfigError) as e:
        read_template(path, "status")
    assert "落实情况表.xlsx" in str(e.value) and ".xlsx" in str(e.value)


def test_command_line_exits_2_on_a_refused_workspace_template(tmp_path):
    ws = make_ws(tmp_path / "ws")
    ws.close()
    (tmp_path / "ws" / "templates").mkdir()
    _edited_template(tmp_path / "ws" / "templates", "status", lambda ws: setattr(ws["E5"], "value", "工作完成情况"))
    got = subprocess.run([sys.executable, "run.py", "generate", "status", "--month", "2025-03", "-w", str(tmp_path / "ws"),
                          "--now", "2025-03-03T09:00"], cwd=ROOT, capture_output=True, text=True)
    assert got.returncode == 2, got
    assert "D5" in got.stderr and "E5" in got.stderr and "Traceback" not in got.stderr
    assert not list((tmp_path / "ws" / "outbox").glob("*/*.xlsx"))


# -- a clerk's edited template, all the way to the tracker ----------------------------------------


def append_column(ws, header: str, width: float = 20) -> int:  # noqa: ANN001
    """Add a column after the last one of a template, as a clerk does in Excel: the header and
    sample cells formatted like the column before, the rows across the table widened to it.
    Returns its (1-based) column."""
    last = max(c for c in range(1, ws.max_column + 1) if any(ws.cell(r, c).has_style for r in range(1, 12)))
    new = last + 1
    head = next(r for r in range(1, 20) if ws.cell(r, 1).value in ("序号", "分解序号"))
    below = 1 if any(m.min_row == head and m.max_row == head + 1 for m in ws.merged_cells.ranges) else 0
    for r in range(1, ws.max_row + 1):
        src, dst = ws.cell(r, last), ws.cell(r, new)
        if src.has_style and (head <= r <= head + below + 2):  # header, section and sample rows
            dst.font, dst.border, dst.fill = copy(src.font), copy(src.border), copy(src.fill)
            dst.alignment, dst.protection, dst.number_format = copy(src.alignment), copy(src.protection), src.number_format
    for rng in [m for m in ws.merged_cells.ranges if m.min_col == 1 and m.max_col == last]:
        ws.merged_cells.remove(rng)  # title, month, instructions, section and note rows reach the new column
        ws.merge_cells(start_row=rng.min_row, start_column=1, end_row=rng.max_row, end_column=new)
    ws.cell(head, new).value = header
    if below:
        ws.merge_cells(start_row=head, start_column=new, end_row=head + 1, end_column=new)
    ws.column_dimensions[openpyxl.utils.get_column_letter(new)].width = width
    return new


def _rename_and_add_evidence(ws) -> None:  # noqa: ANN001 - the status template, edited as in Excel
    header_cell(ws, "下一步计划").value = "下一步工作打算"
    assert append_column(ws, "佐证材料") == 9


def fill_by_header(src: Path, dst: Path, values: dict[str, dict[str, str]]) -> Path:
    """Fill a form like a unit would, finding cells by header text only (independent of the
    reader): ``values`` is {task id: {header text: value}}."""
    wb = openpyxl.load_workbook(src)
    ws = next(s for s in wb.worksheets if s.sheet_state == "visible")
    head = next(r for r in range(1, 20) if ws.cell(r, 1).value in ("序号", "分解序号"))
    cols = {ws.cell(head, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(head, c).value}
    kind, rows = None, {}
    for r in range(head + 1, ws.max_row + 1):
        v = ws.cell(r, 1).value
        if isinstance(v, str) and ("年度工作任务" in v or "为民办实事" in v):
            kind = "annual" if "年度工作任务" in v else "livelihood"
        elif isinstance(v, (int, float)) and kind:
            rows[f"{kind}-{int(v)}"] = r
    for tid, fields in values.items():
        for header, value in fields.items():
            cell = ws.cell(rows[tid], cols[header])
            cell.value, cell.data_type = value, "s"
    wb.save(dst)
    return dst


def test_an_edited_template_reaches_forms_returns_and_tracker(tmp_path):
    from fill import task_ids
    from jobs import collect, generate, merge
    from sheets.returns import read_return
    ws = make_ws(tmp_path / "ws")
    try:
        (ws.root / "templates").mkdir()
        _edited_template(ws.root / "templates", "status", _rename_and_add_evidence)
        made = generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3, 9))
        issue(ws, "status", "2025-03", at=datetime(2025, 3, 3, 10))
        form = ws.root / "outbox" / "2025-03" / f"2025年3月_落实情况表_{U[0]}.xlsx"
        sheet = openpyxl.load_workbook(form)["落实情况表"]
        assert [sheet.cell(5, c).value for c in range(1, 10)] == [
            "序号", "重点任务、民生实事内容", "季度计划完成目标", "完成情况", "完成进度（%）", "存在问题", "下一步工作打算",
            "是否完成阶段任务目标", "佐证材料"]
        assert sheet["I7"].protection.locked is False and sheet["I7"].fill.fgColor.rgb.endswith("FFF7DC")
        assert sheet["A1"].value == "2025年年度工作任务落实情况表" and "A1:I1" in {str(r) for r in sheet.merged_cells.ranges}
        ident = {r[0].value: r[1].value for r in openpyxl.load_workbook(form)["_duban"].iter_rows()}
        assert ident["template_version"] == read_template(ws.root / "templates" / "落实情况表.xlsx", "status").version
        assert made.data["files"] and all(f["checksum"].endswith(ident["template_version"]) for f in made.data["files"])

        answers = {U[0]: ("一局：园区签约2个项目", "一局：继续招商", "签约合同扫描件.pdf"),
                   U[1]: ("二局：配合完成用地报批", "二局：跟进审批", "用地批复（市自然资源局）")}
        for unit, (progress, nxt, evidence) in answers.items():
            src = ws.root / "outbox" / "2025-03" / f"2025年3月_落实情况表_{unit}.xlsx"
            rows = task_ids(src)  # found by header text, not by the reader under test
            dst = ws.root / "inbox" / f"{unit}回复.xlsx"
            fill_by_header(src, dst, {tid: {"完成情况": progress, "存在问题": "无", "下一步工作打算": nxt,
                                            "是否完成阶段任务目标": "是", "佐证材料": evidence} for tid in rows})
            past = time.time() - 60
            os.utime(dst, (past, past))
        got = collect.run(ws, collect.Request(), datetime(2025, 4, 2, 9))
        assert sorted(a["unit"] for a in got.data["accepted"]) == sorted(answers)

        # the reader follows the template: the renamed column is next_steps, the new one an extra
        read = read_return(next((ws.root / "archive").rglob("*.xlsx")), "xlsx")
        assert read.labels["next_steps"] == "下一步工作打算" and read.extras == ["extra:佐证材料"]
        report = merge.run(ws, merge.Request("2025-03"), datetime(2025, 4, 15, 9))
    finally:
        ws.close()

    book = openpyxl.load_workbook(report.data["tracker"])
    tracker = book["台账"]
    head = next(r for r in range(1, 10) if tracker.cell(r, 1).value == "序号")
    col = {tracker.cell(head, c).value: c for c in range(1, tracker.max_column + 1) if tracker.cell(head, c).value}
    assert "佐证材料" in col and "下一步工作打算" in col and "下一步计划" not in col
    seen = {}
    for r in range(head + 1, tracker.max_row + 1):
        unit = tracker.cell(r, col["单位"]).value
        if unit in answers:
            cell = tracker.cell(r, col["佐证材料"])
            seen[unit] = (cell.value, tracker.cell(r, col["下一步工作打算"]).value, cell.comment.text if cell.comment else None,
                          tracker.cell(r, col["来源"]).value)
    for unit, (progress, nxt, evidence) in answers.items():
        value, next_steps, comment, source = seen[unit]
        assert (value, next_steps) == (evidence, nxt)
        # the source of the value: the unit's file and the cell of the 佐证材料 column (I) of the task's row
        assert comment == f"来源：{unit}回复.xlsx!I7"
        # 季度计划完成目标 … 佐证材料 of the row: E7 (完成进度（%）, left empty here) is named when the tracker shows it
        assert source in (f"{unit}回复.xlsx!C7:I7", f"{unit}回复.xlsx!C7、D7、F7、G7、H7、I7")


@pytest.mark.parametrize("kind", ["plan", "status"])
def test_a_template_with_a_role_column_gets_it_filled(kind, tmp_path):
    path = _edited_template(tmp_path, kind, lambda ws: append_column(ws, "本单位职责", 14))
    tpl = read_template(path, kind)
    assert tpl.keys[-1] == "role" and tpl.column("role").label == "本单位职责"
    out = tmp_path / "form.xlsx"
    write_form(reference_spec(kind), out, template=tpl)
    ws = openpyxl.load_workbook(out).worksheets[0]
    c = tpl.column("role").col + 1
    first = tpl.header_last + 3  # 1-based: the header, the section row, the first task
    assert ws.cell(first, 2).value == R_TASKS[0].text  # no note under the text: the role has its column
    assert ws.cell(first, c).value == "牵头\n配合单位：区财政局、区统计局"
    assert ws.cell(first + 1, c).value == "配合\n牵头单位：区投资促进局\n其他配合单位：区工业和信息化局"
    assert ws.cell(first + 2, c).value == "牵头"
    assert ws.cell(first + 1, c).protection.locked is True
    assert ws.cell(first, c + 1).value is None and ws.cell(first, c + 1).has_style is False  # the table ends there


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-references"]:
        write_references()
    else:
        print("usage: python3 tests/test_templates.py --write-references")
