"""Simulated unit answers for the demo and the benchmarks: filled the way a unit's clerk fills them.

The workbooks are opened and saved with openpyxl (not our writer), with the
typical habits of a real return: 是/否 written as √ or 已完成, trailing spaces,
a sub-item row, a renamed file, an edited task text, 完成进度 typed as a number or as "35%".

The fill-in cells are found the way a clerk finds them, by the header text and the
序号 under each part's heading, with a locator of this module's own: a simulated
unit never asks the return reader (sheets.returns) where to write, so a mistake in
the reader cannot hide itself by writing and reading the same wrong cell.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl

ACTIONS = ["召开专题推进会", "完成现场调研", "印发实施方案", "完成项目立项", "签订合作协议", "开展督导检查",
           "完成招标采购", "组织业务培训", "推进手续办理", "完成资金拨付", "开展入户走访", "建立工作台账"]
OBJECTS = ["重点项目", "辖区企业", "试点社区", "相关部门", "施工单位", "服务对象", "专项资金", "配套设施"]
PROBLEMS = ["项目审批手续办理周期较长", "资金到位进度偏慢", "部分群众诉求较为分散，协调难度大",
            "施工受天气影响进度有所滞后", "涉及多部门协同，推进节奏不一", "专业人员力量不足"]
FOCUS = ["重点抓好项目开工准备", "集中攻坚难点问题", "做好阶段性总结评估", "加大统筹调度力度", "推动政策落地见效",
         "完善长效工作机制", "抓好群众满意度提升"]
NEXT = ["加快推进前期手续办理", "加强与上级部门对接", "倒排工期、挂图作战", "强化督导调度", "做好宣传引导",
        "及时协调解决存在问题", "确保按期完成年度目标"]
YES = ["是", "是", "是", "√", "已完成", "是 "]
NO = ["否", "否", "×", "未完成"]


def progress_text(rng: random.Random, month: int, percent: float | None = None) -> str:
    """A 完成情况; with ``percent`` (the unit's 完成进度) the share of the year's target it names is that one."""
    parts = [f"{month}月份，{rng.choice(ACTIONS)}{rng.randint(1, 6)}次"]
    parts.append(f"对接{rng.choice(OBJECTS)}{rng.randint(2, 40)}家（个）")
    share = min(100, month * rng.randint(6, 10))  # drawn in any case: the same seed gives the same other answers
    if percent is not None:
        share = round(percent)
    parts.append("年度目标已全部完成" if share >= 100 else f"累计完成年度目标的{share}%")
    return "，".join(parts) + "。"


def percent_value(rng: random.Random, month: int, achieved_no: bool) -> int | str | None:
    """A unit's 完成进度 for ``month``, against 序时进度 (month / 12): most units about on schedule,
    some 10–20 points behind, one in ten leaving it empty; a unit reporting 否 is behind. Typed as a
    number (35) or as text ("35%")."""
    schedule = month * 100 / 12
    r = rng.random()
    if achieved_no:
        value = schedule - rng.randint(12, 25)
    elif r < 0.75:
        value = schedule + rng.randint(-6, 12)
    elif r < 0.9:
        value = schedule - rng.randint(11, 20)
    else:
        return None
    value = max(0, min(99, round(value)))
    return value if rng.random() < 0.6 else f"{value}%"


def next_text(rng: random.Random, month: int) -> str:
    return f"{month + 1}月份，{rng.choice(FOCUS)}，{rng.choice(NEXT)}。"


def quarter_target(rng: random.Random, q: int) -> str:
    return f"{rng.choice(ACTIONS)}，完成年度任务的{q * 25}%"


# Header text (spaces and line breaks removed) -> field, matched as a prefix, longest first;
# the plan form's quarters sit under a merged 季度目标 heading.
HEADERS = {
    "序号": "seq", "分解序号": "seq", "重点任务": "text", "本单位职责": "role",
    "一季度": "q1", "二季度": "q2", "三季度": "q3", "四季度": "q4",
    "主要负责人": "main_leader", "分管负责人": "deputy", "备注": "note",
    "季度计划完成目标": "target", "完成情况": "progress", "存在问题": "problems",
    "下一步": "next_steps", "是否完成": "achieved", "完成进度": "percent",
}
PARTS = (("年度工作任务", "annual"), ("为民办实事", "livelihood"))
HEADER_ROWS = 15


@dataclass(frozen=True)
class FormRow:
    task_id: str  # annual-3, livelihood-1
    row: int  # 1-based
    text: str  # the task text as generated


@dataclass(frozen=True)
class FormLayout:
    sheet: str
    columns: dict[str, int]  # field -> 1-based column
    rows: list[FormRow]  # in sheet order


def _field_of(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = "".join(value.split())
    for head in sorted(HEADERS, key=len, reverse=True):
        if text.startswith(head):
            return HEADERS[head]
    return None


def _layout_of(sheet) -> FormLayout | None:
    columns: dict[str, int] = {}
    last = 0
    for r, values in enumerate(sheet.iter_rows(min_row=1, max_row=HEADER_ROWS, values_only=True), start=1):
        if "seq" in columns and len(values) >= columns["seq"]:
            seq = values[columns["seq"] - 1]
            if isinstance(seq, (int, float)) or (isinstance(seq, str) and any(label in seq for label, _ in PARTS)):
                break  # the header is over: a part's heading or the first task
        for c, value in enumerate(values, start=1):
            field = _field_of(value)
            if field and field not in columns:
                columns[field] = c
                last = r
    if "seq" not in columns or "text" not in columns:
        return None
    rows: list[FormRow] = []
    part = None
    for r in range(last + 1, sheet.max_row + 1):
        seq = sheet.cell(r, columns["seq"]).value
        if isinstance(seq, str):
            part = next((k for label, k in PARTS if label in seq), part)
        elif isinstance(seq, (int, float)) and not isinstance(seq, bool) and part:
            rows.append(FormRow(f"{part}-{int(seq)}", r, str(sheet.cell(r, columns["text"]).value or "")))
    return FormLayout(sheet.title, columns, rows)


def layout(wb: openpyxl.Workbook) -> FormLayout:
    """Where a generated form's fill-in cells are: the first sheet with a recognisable header."""
    for sheet in wb.worksheets:
        found = _layout_of(sheet)
        if found is not None:
            return found
    raise ValueError("no form sheet: no 序号 and 重点任务 header in the first rows of any sheet")


def form_rows(path: Path) -> list[FormRow]:
    """The task rows of a generated form, in sheet order."""
    return layout(openpyxl.load_workbook(path)).rows


def fill_workbook(src: Path, dst: Path, values: dict[str, dict[str, object]], *, edit_text: dict[str, str] | None = None,
                  sub_item: str | None = None) -> Path:
    """Write `values` ({task_id: {field: text or number}}; None leaves a cell as generated) into the
    fill-in cells of a generated workbook (a field the form has no column for is left out: 完成进度 on
    a form without that column); `edit_text` ({task_id: text}) rewrites task texts; `sub_item` adds a
    sub-item row under the first task."""
    wb = openpyxl.load_workbook(src)
    found = layout(wb)
    ws = wb[found.sheet]
    for row in found.rows:
        for field, text in values.get(row.task_id, {}).items():
            if text is not None and field in found.columns:
                cell = ws.cell(row.row, found.columns[field])
                cell.value = text
                if isinstance(text, str):
                    cell.data_type = "s"
        if edit_text and row.task_id in edit_text:
            ws.cell(row.row, found.columns["text"]).value = edit_text[row.task_id]
    if sub_item and found.rows:
        r = found.rows[0].row
        ws.insert_rows(r + 1)
        ws.cell(r + 1, found.columns["text"]).value = sub_item
        ws.cell(r + 1, found.columns.get("progress") or found.columns["q1"]).value = "（分项）" + sub_item
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def save_as_xls(src: Path, dst: Path, timeout: int = 120) -> bool:
    """Resave through LibreOffice as .xls, the way an old office PC would; False if LibreOffice is absent."""
    exe = soffice()
    if not exe:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        try:
            subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xls",
                            "--outdir", tmp, str(src)], check=True, timeout=timeout, capture_output=True)
        except (subprocess.SubprocessError, OSError):
            return False
        out = Path(tmp) / (src.stem + ".xls")
        if not out.exists():
            return False
        shutil.copyfile(out, dst)
    return True
