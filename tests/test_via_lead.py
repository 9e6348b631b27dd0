"""[workflow] co_units = "via_lead": lead units report the month for the whole task (seed 004: 由牵头责任单位汇总后报督查室).

The seven-unit workspace of month_fixture: 区测试一局 leads annual-1 with 区测试二局 assisting, 区测试四局 leads
annual-3 with 区测试五局 assisting, 区测试二局 also leads livelihood-1. Only leads get status forms and chases;
区测试五局 (a co-unit only) and 区测试二局 (for annual-1) get a notice naming their lead; the tracker counts leads.
"""

from __future__ import annotations

import email
import email.policy
from datetime import datetime

import openpyxl
import pytest

from jobs import generate, merge, remind, send
from office.workspace import open_workspace

try:
    from tests.fill import form_sheet, locate
    from tests.month_fixture import U, give_back, issue, make_ws
    from tests.smtp_server import SmtpServer, set_config, use_server
except ImportError:  # tests/ is not a package
    from fill import form_sheet, locate
    from month_fixture import U, give_back, issue, make_ws
    from smtp_server import SmtpServer, set_config, use_server

LEADS = [U[0], U[1], U[2], U[3], U[5], U[6]]
CO_ONLY = U[4]
PERIOD = "2025-03"


def no_sleep(seconds: float) -> None:
    pass


def parse(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    server = SmtpServer()
    server.start()
    root = tmp_path_factory.mktemp("via_lead") / "ws"
    make_ws(root).close()
    use_server(root, server.port)
    set_config(root / "duban.toml", "workflow", co_units="via_lead")
    ws = open_workspace(root)
    got: dict = {}
    try:
        assert ws.settings.co_units == "via_lead"
        generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9))
        issue(ws, "plan")
        got["generate"] = generate.run(ws, generate.Request("status", PERIOD), datetime(2025, 3, 3, 9))
        got["send"] = send.run(ws, send.Request("status", PERIOD), datetime(2025, 3, 3, 9, 5), sleep=no_sleep)
        got["send_again"] = send.run(ws, send.Request("status", PERIOD), datetime(2025, 3, 3, 10), sleep=no_sleep)
        got["after_send"] = list(server.messages)
        for u in LEADS[:-1]:  # 区测试七局 never answers
            give_back(ws, "status", PERIOD, u, {"progress": f"{u}三月进展", "problems": "无", "next_steps": "继续", "achieved": "是"},
                      datetime(2025, 4, 2, 10), collect_now=False)
        from jobs import collect

        got["collect"] = collect.run(ws, collect.Request(), datetime(2025, 4, 2, 10))
        got["overdue"] = remind.run(ws, remind.Request(PERIOD), datetime(2025, 4, 9, 9), sleep=no_sleep)
        got["merge"] = merge.run(ws, merge.Request(PERIOD), datetime(2025, 4, 15, 9))
        got["server"] = server
        yield ws, got
    finally:
        ws.close()
        server.stop()


def test_only_lead_units_get_status_forms_listing_their_co_units(month):
    ws, got = month
    assert sorted(f["unit"] for f in got["generate"].data["files"]) == sorted(LEADS)
    folder = ws.root / "outbox" / PERIOD
    assert not list(folder.glob(f"*_{CO_ONLY}.xlsx"))

    def rows_of(unit):
        sheet = form_sheet(openpyxl.load_workbook(next(folder.glob(f"*_{unit}.xlsx"))))
        cols, rows, _ = locate(sheet)
        # the official form has no 本单位职责 column: the role is the line under the task text
        return {tid: sheet.cell(r, cols["text"]).value.partition("\n")[2] for tid, r in rows.items()}

    assert rows_of(U[0]) == {"annual-1": f"（本单位牵头，汇总报送：请汇总配合单位{U[1]}的落实情况）"}
    assert rows_of(U[3]) == {"annual-3": f"（本单位牵头，汇总报送：请汇总配合单位{CO_ONLY}的落实情况）"}
    assert rows_of(U[1]) == {"livelihood-1": ""}  # its co-role on annual-1 is reported by 区测试一局
    # the plan is still every unit's own
    assert len(list((ws.root / "outbox" / "plan").glob("*.xlsx"))) == 7


def test_co_units_get_a_notice_instead_of_a_form(month):
    ws, got = month
    report = got["send"]
    assert report.ok, report.warnings
    assert sorted(s["unit"] for s in report.data["sent"]) == sorted(LEADS)
    assert sorted(n["unit"] for n in report.data["notices"]) == sorted([U[1], CO_ONLY])
    msgs = {(str(m["X-Duban-Unit"]), str(m["Subject"]).split("】")[0] + "】"): m for m in (parse(x.content) for x in got["after_send"])}
    assert len(got["after_send"]) == len(LEADS) + 2
    notice = msgs[(CO_ONLY, "【告知】")]
    assert str(notice["Subject"]) == f"【告知】2025年3月落实情况由牵头单位汇总报送（{CO_ONLY}）"
    body = notice.get_body(("plain",)).get_content()
    assert f"牵头单位{U[3]}" in body and "2025年4月8日" in body and "实施城市更新" in body and "{" not in body
    assert list(notice.iter_attachments()) == []
    assert f"牵头单位{U[0]}" in msgs[(U[1], "【告知】")].get_body(("plain",)).get_content()
    [att] = list(msgs[(U[1], "【请报送】")].iter_attachments())
    assert att.get_filename() == f"2025年3月_落实情况表_{U[1]}.xlsx"
    assert (CO_ONLY, "【请报送】") not in msgs
    # once: the second run sends neither forms nor notices
    again = got["send_again"]
    assert again.data["sent"] == [] and again.data["notices"] == [] and again.ok
    assert ws.ledger.db.execute("SELECT COUNT(*) FROM mail WHERE stage='notice' AND status='sent'").fetchone()[0] == 2


def test_only_leads_are_chased_and_counted(month):
    ws, got = month
    assert not [w for w in got["collect"].warnings if "删除了本单位的任务" in w]
    assert [s["unit"] for s in got["overdue"].data["sent"]] == [U[6]]
    report = got["merge"]
    c = report.data["counts"]
    assert (c["units"], c["on_time"], c["missing"], c["not_issued"]) == (6, 5, 1, 0)
    assert {(f["kind"], f["unit"]) for f in report.data["findings"] if f["period"] == PERIOD} == {("missing", U[6])}
    # no plan came back: 计划未报 for the leads, and the co-unit has no finding at all
    assert {(f["kind"], f["unit"]) for f in report.data["findings"] if f["period"] == "2025"} == {("no_plan", u) for u in LEADS}
    wb = openpyxl.load_workbook(report.data["tracker"])
    rows = list(wb["报送情况"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "单位")
    assert sorted(r[0] for r in rows[head + 1:] if r and r[0]) == sorted(LEADS)
    sheet = wb["台账"]
    header_row = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "序号")
    col = {c.value: c.column for c in sheet[header_row] if c.value}
    units = {sheet.cell(r, col["单位"]).value for r in range(header_row + 1, sheet.max_row + 1)} - {None, ""}
    assert units == set(LEADS) - {U[1]}  # 台账 holds the annual tasks: 区测试二局 leads only livelihood-1
