"""run-due after December's deadline: the year's tracker, scores and annual briefing, made once."""

from __future__ import annotations

from datetime import datetime, timedelta

import docx
import openpyxl

from conftest import generate_forms, run_due_at
from month_fixture import U, answer, full, issue, make_ws, plan_all
from office.month import month_deadline


def test_the_years_documents_are_made_once_after_decembers_deadline(tmp_path):
    ws = make_ws(tmp_path / "ws")
    try:
        plan_all(ws, U, datetime(2025, 2, 14, 10))
        generate_forms(ws, "status", "2025-01", now=datetime(2025, 2, 5))
        issue(ws, "status", "2025-01", datetime(2025, 2, 5, 9))
        late = U[1]
        for unit in U[2:]:
            answer(ws, "status", "2025-01", unit, {"*": {**full(f"{unit}一月进展"), "percent": "10"}}, datetime(2025, 2, 7, 10))
        answer(ws, "status", "2025-01", late, {"*": full("一月进展（迟报）")}, datetime(2025, 2, 20, 10))
        # U[0] never reports January

        december = month_deadline(ws, 2025, 12)
        before = datetime.combine(december, datetime.min.time()).replace(hour=16)
        assert not [r for r in run_due_at(ws, before).data["ran"] if r["job"] == "year-end"]

        after = datetime(december.year, december.month, december.day, 9) + timedelta(days=1)
        report = run_due_at(ws, after)
        (year_end,) = [r for r in report.data["ran"] if r["job"] == "year-end"]
        assert not year_end["result"].startswith("失败"), year_end
        assert "全年台账已生成" in year_end["result"] and "考核评分已生成" in year_end["result"] and "年度通报已生成" in year_end["result"]

        tracker = openpyxl.load_workbook(ws.root / "trackers" / "2025年_全年台账.xlsx", read_only=True)
        assert {"任务进度", "报送情况", "考核评分", "扣分明细"} <= set(tracker.sheetnames)
        detail = [r for r in tracker["扣分明细"].iter_rows(values_only=True) if r and r[0] in U]
        # January: U[0] missing (−0.5), U[1] late (−0.1); nothing else is scored by default
        assert sorted((r[0], r[2]) for r in detail) == sorted([(U[0], "未报"), (U[1], "迟报")])
        scores = openpyxl.load_workbook(ws.root / "trackers" / "2025年_考核评分.xlsx", read_only=True)
        rows = {r[1]: r for r in scores["考核评分"].iter_rows(values_only=True) if r and r[1] in U}
        assert list(rows) == U  # official order, every unit
        text = "\n".join(p.text for p in docx.Document(ws.root / "briefings" / "2025年度_重点任务落实情况通报.docx").paragraphs)
        assert "2025年度" in text and U[0] in text

        again = run_due_at(ws, after.replace(hour=16))
        assert not [r for r in again.data["ran"] if r["job"] == "year-end"]
    finally:
        ws.close()
