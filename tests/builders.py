"""Builders of input files in the shapes offices really send. Each ``build_*`` writes one file
and returns its path.

Decomposition builders take records as dicts with the keys of shared/data/shizhong-2025/tasks.csv,
lists already split: kind, seq, category, text, leaders (list), units (list, lead unit first).
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def build_variant_decomposition_xlsx(path: Path, records: list[dict]) -> Path:
    """One sheet, two title rows, header 编号|工作任务|分管区领导|牵头单位|配合单位|备注; the kinds split by
    section rows “一、年度工作任务”/“二、为民办实事”, each 类别 a section row “（一）…” of its own;
    序号 as text with full-width digits or spaces, trailing spaces, co-units one per line or 、."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    wrap = wb.add_format({"text_wrap": True})
    ws.merge_range(0, 0, 0, 5, "2025年《政府工作报告》目标任务分解表")
    ws.write(1, 0, "区政府办公室督查室　　2025年1月24日")
    ws.write_row(2, 0, ["编号", "工作任务", "分管区领导", "牵头单位", "配合单位", "备注"])
    r = 3
    numerals = "一二三四五六七八九十"
    for k, (kind, rows) in enumerate(groupby(records, key=lambda x: x["kind"])):
        label = "年度工作任务" if kind == "annual" else "为民办实事"
        ws.merge_range(r, 0, r, 5, f"{numerals[k]}、{label}")
        r += 1
        for j, (category, group) in enumerate(groupby(rows, key=lambda x: x["category"])):
            if category:
                ws.write(r, 0, f"（{numerals[j]}）{category}")
                r += 1
            for rec in group:
                n = rec["seq"]
                seq = [f"{n}\u3000", str(n).translate(FULLWIDTH_DIGITS), f" {n} "][n % 3]
                co_sep = "\n" if n % 2 else "、"
                ws.write_string(r, 0, seq)
                ws.write_string(r, 1, rec["text"] + "  ")
                ws.write_string(r, 2, "\n".join(rec["leaders"]) + " ", wrap)
                ws.write_string(r, 3, rec["units"][0] + "\u3000")
                if rec["units"][1:]:
                    ws.write_string(r, 4, co_sep.join(rec["units"][1:]), wrap)
                if rec.get("note"):
                    ws.write_string(r, 5, rec["note"])
                r += 1
        r += 1  # an empty row between the parts
    ws.write(r, 0, "填报人：张三　　联系电话：12345678")
    wb.close()
    return path


def build_decomposition_docx(path: Path, records: list[dict]) -> Path:
    """A Word file with the two tables of a 任务分解表: 附件1 (序号|类别|重点任务|牵头领导|责任单位（加黑的
    为牵头单位）, 类别 merged vertically, the lead unit as a bold run) and 附件2 (民生实事内容, leaders
    and units one per line, the first unit bold)."""
    import docx

    doc = docx.Document()
    parts = [(kind, list(rows)) for kind, rows in groupby(records, key=lambda x: x["kind"])]
    for kind, rows in parts:
        live = kind == "livelihood"
        doc.add_paragraph("附件2" if live else "附件1")
        doc.add_paragraph("2025年为民办实事责任分解表" if live else "2025年年度工作任务责任分解立项表")
        header = (["序号", "民生实事内容", "牵头领导", "责任单位"] if live
                  else ["序号", "类别", "重点任务", "牵头领导", "责任单位（加黑的为牵头单位）"])
        table = doc.add_table(rows=len(rows) + 1, cols=len(header))
        cells = [row.cells for row in table.rows]  # python-docx cell access is slow; fetch once
        for c, label in enumerate(header):
            cells[0][c].text = label
        for i, rec in enumerate(rows, 1):
            values = [str(rec["seq"]), rec["text"]] if live else [str(rec["seq"]), "", rec["text"]]
            for c, v in enumerate(values):
                cells[i][c].text = v
            leader_cell, unit_cell = cells[i][len(values)], cells[i][len(values) + 1]
            leader_cell.text = rec["leaders"][0]
            for name in rec["leaders"][1:]:
                leader_cell.add_paragraph(name)
            p = unit_cell.paragraphs[0]
            p.add_run(rec["units"][0]).bold = True
            for name in rec["units"][1:]:
                if live:
                    unit_cell.add_paragraph().add_run(name)
                else:
                    p.add_run("、" + name)
        if not live:
            start = 1
            for category, group in groupby(rows, key=lambda x: x["category"]):
                end = start + len(list(group)) - 1
                merged = cells[start][1].merge(cells[end][1]) if end > start else cells[start][1]
                merged.text = category
                start = end + 1
    doc.save(str(path))
    return path
