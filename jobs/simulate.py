"""Simulated unit answers for the demo and the benchmarks: filled the way a unit's clerk fills them.

The workbooks are opened and saved with openpyxl (not our writer), with the
typical habits of a real return: 是/否 written as √ or 已完成, trailing spaces,
a sub-item row, a renamed file, an edited task text.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

from sheets.returns import read_return

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


def progress_text(rng: random.Random, month: int) -> str:
    parts = [f"{month}月份，{rng.choice(ACTIONS)}{rng.randint(1, 6)}次"]
    parts.append(f"对接{rng.choice(OBJECTS)}{rng.randint(2, 40)}家（个）")
    parts.append(f"累计完成年度目标的{min(100, month * rng.randint(6, 10))}%")
    return "，".join(parts) + "。"


def next_text(rng: random.Random, month: int) -> str:
    return f"{month + 1}月份，{rng.choice(FOCUS)}，{rng.choice(NEXT)}。"


def quarter_target(rng: random.Random, q: int) -> str:
    return f"{rng.choice(ACTIONS)}，完成年度任务的{q * 25}%"


def fill_workbook(src: Path, dst: Path, values: dict[str, dict[str, str | None]], *, edit_text: dict[str, str] | None = None,
                  sub_item: str | None = None) -> Path:
    """Write `values` ({task_id: {field: text}}) into the fill-in cells of a generated workbook."""
    read = read_return(src, "xlsx")
    wb = openpyxl.load_workbook(src)
    ws = wb[read.sheet]
    for row in read.rows:
        for field, text in values.get(row.task_id, {}).items():
            addr = row.cells.get(field)
            if addr and text is not None:
                cell = ws[addr]
                cell.value = text
                cell.data_type = "s"
        if edit_text and row.task_id in edit_text:
            ws[row.cells["text"]].value = edit_text[row.task_id]
    if sub_item and read.rows:
        last = read.rows[0]
        r = ws[last.cells["text"]].row
        ws.insert_rows(r + 1)
        ws.cell(r + 1, ws[last.cells["text"]].column).value = sub_item
        prog = ws[last.cells.get("progress") or last.cells.get("q1")].column
        ws.cell(r + 1, prog).value = "（分项）" + sub_item
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
