"""inbox/报送检查结果.xlsx: every received file, its verdict and the reason a clerk can forward."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import xlsxwriter

from office.atomic import atomic_path
from office.month_data import RECEIVED_SOURCES, SENDER_CHECKS

VERDICTS = {"accepted": "已接收", "superseded": "已被新版本替代", "rejected": "退回", "duplicate": "重复，只记一次"}
# 收到时间来源 and 发件人 came later: at the end, so that the earlier columns keep their places
HEADERS = ("收到时间", "文件名", "单位", "类型", "期次", "结果", "原因或提示", "大小（字节）", "SHA-256", "归档位置", "收到时间来源", "发件人")
WIDTHS = (18, 40, 26, 10, 10, 14, 70, 12, 20, 40, 18, 46)
MAIL_HEADERS = ("收到时间", "收到时间来源", "发件人", "主题", "取出的表格", "未收取的部分及原因", "Message-ID", "邮件归档位置")
MAIL_WIDTHS = (18, 16, 30, 36, 46, 50, 30, 40)


def row_height(values: tuple[str, ...], widths: tuple[int, ...]) -> float:
    """A row tall enough for its wrapped text (CJK characters count two column units, others one)."""
    lines = 1
    for v, w in zip(values, widths):
        n = 0
        for part in str(v or "").split("\n"):
            units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in part)
            n += max(1, -(-units // max(int(w) - 1, 1)))
        lines = max(lines, n)
    return min(15.0 * lines + 3, 409.0)


def report_rows(files: Iterable[dict], names: Iterable[tuple[str, str, str]]) -> list[dict]:
    """One row per received file, newest first: every recorded file (``files``: the ledger's file
    records, ``warnings`` a list), and every further copy of the same bytes under another name
    (``names``: (sha256, name, at) of each arrival, first ones first) as a duplicate: recorded
    once, listed where it arrived."""
    rows = [dict(r) for r in files]
    by_sha = {r["sha256"]: r for r in rows}
    seen = {(r["sha256"], r["name"]) for r in rows}
    for sha, name, at in names:
        first = by_sha.get(sha)
        if first is None or (sha, name) in seen:
            continue
        seen.add((sha, name))
        when = first["received_at"].replace("T", " ")
        rows.append(first | {"name": name, "received_at": at, "verdict": "duplicate", "warnings": [],
                             "reason": f"与 {first['name']}（{when} 收到）完全相同，只记录一次。"})
    rows.sort(key=lambda r: r["name"])
    rows.sort(key=lambda r: r["received_at"], reverse=True)
    return rows


def write_collect_report(path: Path, rows: list[dict], now: datetime, *, origins: dict[str, dict] | None = None,
                         messages: list[dict] = (), refused: list[dict] = ()) -> None:
    """Write the check results (``rows`` from :func:`report_rows`) to ``path``, atomically.
    ``origins``: {file sha256: where its received time came from, the sender check}; ``messages``
    and ``refused``: the mail taken in and the mail left on the server (sheet 邮件)."""
    origins = origins or {}
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                                      "in_memory": True})
        head = wb.add_format({"bold": True, "font_name": "黑体", "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"})
        body = wb.add_format({"font_name": "仿宋_GB2312", "border": 1, "text_wrap": True, "valign": "top"})
        bad = wb.add_format({"font_name": "仿宋_GB2312", "border": 1, "text_wrap": True, "valign": "top", "bg_color": "#F8CBAD"})
        ws = wb.add_worksheet("报送检查结果")
        ws.write_string(0, 0, f"报送文件检查结果（统计时间：{now:%Y-%m-%d %H:%M}）", wb.add_format({"bold": True, "font_size": 14, "font_name": "黑体"}))
        ws.write_row(1, 0, HEADERS, head)
        for i, r in enumerate(rows, start=2):
            origin = origins.get(r["sha256"]) if r["verdict"] != "duplicate" else None  # a copy: its own arrival only
            mismatch = bool(origin) and origin.get("sender_check") == "mismatch"
            fmt = bad if r["verdict"] == "rejected" or mismatch else body
            notes = r["reason"] or "；".join(r["warnings"] or [])
            if origin and origin.get("note"):
                notes = f"{origin['note']}；{notes}" if notes else origin["note"]
            source = RECEIVED_SOURCES.get(origin["source"], origin["source"]) if origin else ""
            values = (r["received_at"].replace("T", " "), r["name"], r["unit"] or "", {"plan": "计划表", "status": "落实情况表"}.get(r["kind"] or "", ""),
                      r["period"] or "", VERDICTS.get(r["verdict"], r["verdict"]), notes[:32000])
            for j, v in enumerate(values):
                ws.write_string(i, j, v, fmt)
            ws.write_number(i, 7, r["size"], fmt)
            ws.write_string(i, 8, r["sha256"], fmt)
            ws.write_string(i, 9, r["archive"], fmt)
            ws.write_string(i, 10, source, fmt)
            ws.write_string(i, 11, sender_text(origin), fmt)
            ws.set_row(i, row_height((*values, "", r["sha256"], r["archive"], source, sender_text(origin)), WIDTHS))
        for j, w in enumerate(WIDTHS):
            ws.set_column(j, j, w)
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, max(len(rows) + 1, 2), len(HEADERS) - 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        _mail_sheet(wb, list(messages), list(refused), head, body, bad)
        wb.close()


def sender_text(origin: dict | None) -> str:
    """The sender column: the address and, if checked, the result (发件人与报送单位不符: with both units)."""
    if not origin or not origin.get("sender"):
        return ""
    check = origin.get("sender_check") or ""
    words = SENDER_CHECKS.get(check, "")
    if check == "mismatch":
        words += f"：登记在{origin.get('sender_unit', '')}名下"
    return f"{origin['sender']}（{words}）" if words else origin["sender"]


def _mail_sheet(wb, got: list[dict], refused: list[dict], head, body, bad) -> None:  # noqa: ANN001 - xlsxwriter objects
    """邮件: every message taken (fetched, or saved into inbox/) and every one refused, newest first."""
    if not got and not refused:
        return
    ws = wb.add_worksheet("邮件")
    ws.write_string(0, 0, "收取的邮件（从邮箱收取或保存在 inbox 中的 .eml；邮件从不删除）", wb.add_format({"bold": True, "font_size": 14, "font_name": "黑体"}))
    ws.write_row(1, 0, MAIL_HEADERS, head)
    rows: list[tuple[tuple[str, ...], bool]] = []
    for m in got:
        files = "\n".join(f"{f['name']}（{'内容与已收到的文件相同，未重复放入' if f['state'] == 'duplicate' else f['inbox']}）"
                          for f in m["files"]) or "（没有表格文件）"
        skipped = "\n".join(f"{x['name']}：{x['reason']}" for x in m["skipped"])
        sender = f"{m['sender_name']} <{m['sender']}>" if m["sender_name"] else m["sender"]
        rows.append(((m["received_at"].replace("T", " "), RECEIVED_SOURCES.get(m["received_from"], m["received_from"]),
                      sender, m["subject"], files, skipped, m["message_id"], m["archive"]), bool(skipped) and not m["files"]))
    for r in refused:
        rows.append(((r["internal_date"].replace("T", " "), RECEIVED_SOURCES["imap"], r["sender"], r["subject"],
                      "（未收取）", r["reason"], r["message_id"], "（未下载，仍在邮箱中）"), True))
    rows.sort(key=lambda x: x[0][0], reverse=True)
    for i, (values, odd) in enumerate(rows, start=2):
        for j, v in enumerate(values):
            ws.write_string(i, j, (v or "")[:32000], bad if odd else body)
        ws.set_row(i, row_height(values, MAIL_WIDTHS))
    for j, w in enumerate(MAIL_WIDTHS):
        ws.set_column(j, j, w)
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, max(len(rows) + 1, 2), len(MAIL_HEADERS) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
