"""Whose return a file is: unit, kind and period from the identity sheet, or from the
visible cells and the file's name when that sheet is lost; refusals of forms from other
workspaces and years, and of a unit using another unit's form."""

from __future__ import annotations

import re
from pathlib import Path

from office.workspace import Workspace
from sheets.returns import ReturnRead

_MONTH = re.compile(r"(\d{1,2})\s*月")
_YEAR = re.compile(r"(20\d\d)\s*年")


def period_in_year(ws: Workspace, kind: str, period: str) -> str:
    """The same kind of form of this workspace's year (plan, or the same month)."""
    year = ws.settings.year
    if kind == "plan":
        return str(year)
    m = re.match(r"^\d{4}-(\d{2})$", period or "")
    return f"{year}-{m.group(1)}" if m else ""


def guess_sender(ws: Workspace, name: str) -> tuple[str, str, str]:
    """(unit, kind, period) guessed from a file's name and folder, for answering a file that
    could not be read; "" where the name says nothing."""
    unit = ""
    for u in sorted(ws.registry.units, key=lambda u: -len(u.name)):
        if any(n and n in name for n in (u.name, *u.aliases)):
            unit = u.name
            break
    kind = period = ""
    base = Path(name).name
    if "计划" in base:
        kind, period = "plan", str(ws.settings.year)
    else:
        m = _MONTH.search(base)
        if m and 1 <= int(m.group(1)) <= 12:
            kind, period = "status", f"{ws.settings.year}-{int(m.group(1)):02d}"
    return unit, kind, period


def identify(ws: Workspace, read: ReturnRead, name: str) -> tuple[str, str, str, list[str], str]:
    """(unit, kind, period, warnings, rejection reason). Identity sheet first, visible cells and name as fallback.

    A rejected file still names the unit (and kind, period) it is attributed to where that
    is known, so that the unit can be answered; "" otherwise.
    """
    year = ws.settings.year
    ident = read.identity
    vis = read.visible or {}
    unit_text = (vis.get("unit") or "").strip()
    visible_unit = ws.registry.canonical(unit_text) if unit_text else None
    if ident:
        unit = ws.registry.canonical(ident.get("unit", "")) or ident.get("unit", "")
        ours = ws.registry.canonical(ident.get("unit", "")) or visible_unit or ""
        kind = ident.get("kind", "")
        # refused below: answered (with this year's form of the same kind) if the unit is ours
        same = (kind, period_in_year(ws, kind, ident.get("period", ""))) if ours else ("", "")
        if ident.get("workspace_id") and ident.get("workspace_id") != ws.id:
            return ours, *same, [], f"该表来自其他工作区（编号 {ident.get('workspace_id')}，{ident.get('year', '')}年），不是本督查室本年度下发的报送表，未导入。请确认单位是否误用了其他表格。"
        if str(ident.get("year", year)) != str(year):
            return ours, *same, [], f"该表是{ident.get('year')}年度的报送表，本工作区为{year}年度，未导入。"
        if visible_unit and visible_unit != unit:
            return visible_unit, kind, ident.get("period", ""), [], (
                f"这是{unit}的报送表（表内识别信息记载的单位），但填报单位写的是“{unit_text}”"
                f"{'' if unit_text == visible_unit else f'（{visible_unit}）'}。"
                f"请{visible_unit}使用督查室发给本单位的报送表重新填报，不要借用其他单位的表格；"
                f"本文件未导入，{unit}的报送不受影响。")
        return unit, kind, ident.get("period", ""), [], ""
    found = []
    unit = visible_unit
    if not unit:  # the file name often carries the unit
        for u in sorted(ws.registry.units, key=lambda u: -len(u.name)):
            if any(n and n in name for n in (u.name, *u.aliases)):
                unit = u.name
                break
    kind = read.kind or vis.get("kind") or ""
    month = vis.get("month")
    if not month and kind == "status":
        m = _MONTH.search(name)
        month = int(m.group(1)) if m else None
    vyear = vis.get("year")
    if not vyear:
        y = _YEAR.search(name)
        vyear = int(y.group(1)) if y else None
    found.append(f"填报单位“{unit_text or '（空）'}”")
    found.append(f"表格类型“{ {'plan': '计划表', 'status': '落实情况表'}.get(kind, '（无法判断）') }”")
    if kind == "status":
        found.append(f"月份“{month or '（空）'}”")
    period = "" if kind not in ("plan", "status") else str(year) if kind == "plan" else f"{year}-{int(month):02d}" if month else ""
    if vyear and int(vyear) != year:
        return unit or "", kind if period else "", period, [], f"该表是{vyear}年度的报送表，本工作区为{year}年度，未导入。"
    if not unit or kind not in ("plan", "status") or (kind == "status" and not month):
        return unit or "", kind if period else "", period, [], "无法识别：隐藏的识别页已丢失，且从表内标题、填报单位和文件名中识别不全（找到：" + "，".join(found) + "）。请让单位用本次下发的原表重新填报。"
    what = "计划表" if kind == "plan" else f"{int(month)}月落实情况表"
    if read.identity_note == "tampered":
        warn = (f"{name}：表内隐藏识别页的校验码不符（识别页被改动过，或复制自其他表格），未采用；"
                f"已根据标题、填报单位和文件名识别为{unit}的{what}，请核对。")
    else:
        warn = f"{name}：表内隐藏识别页已丢失，已根据标题、填报单位和文件名识别为{unit}的{what}，请核对。"
    return unit, kind, period, [warn], ""
