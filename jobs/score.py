"""score: the 考核 score book of the year (or of a quarter), trackers/2025年_考核评分.xlsx.

The scores are office.score's; a quarter's book is trackers/2025年第三季度_考核评分.xlsx.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from office.atomic import atomic_path, free_name
from office.dates import parse_quarter, quarter_label
from office.errors import DubanError
from office.model import Report
from office.score import compute
from office.workspace import Workspace
from sheets.score_book import write_score_book


@dataclass(frozen=True)
class Request:
    """``year`` (default: the workspace's year) and, for a quarter's score only, ``quarter`` ("2025Q3")."""

    year: int | None = None
    quarter: str | None = None


def book_path(ws: Workspace, year: int, quarter: int | None) -> Path:
    scope = quarter_label(year, quarter) if quarter else f"{year}年"
    return ws.root / "trackers" / f"{scope}_考核评分.xlsx"


def _scope(ws: Workspace, request: Request) -> tuple[int, int | None]:
    year = request.year if request.year is not None else ws.settings.year
    if request.quarter is None:
        if year != ws.settings.year:
            raise DubanError(f"本工作区是{ws.settings.year}年的，不能计算{year}年的考核评分（请用 --year {ws.settings.year}）。")
        return year, None
    q_year, q = parse_quarter(request.quarter)
    if q_year != ws.settings.year:
        raise DubanError(f"季度 {request.quarter} 不属于本工作区的年度（{ws.settings.year}年）。")
    if request.year is not None and request.year != q_year:
        raise DubanError(f"--year {request.year} 与 --quarter {request.quarter} 不是同一年。")
    return q_year, q


def run(ws: Workspace, request: Request, now: datetime) -> Report:
    year, quarter = _scope(ws, request)
    scores = compute(ws, year, now, quarter)
    wanted = book_path(ws, year, quarter)
    path = free_name(wanted)
    with atomic_path(path) as tmp:
        write_score_book(tmp, scores, ws.settings.office)
    warnings = list(scores.not_scored)
    if path != wanted:
        warnings.append(f"{wanted.name} 正在被 Excel/WPS 打开，本次评分表另存为 {path.name}。")
    lost = [u for u in scores.units if u.total]
    summary = (f"{scores.label}考核评分已生成：{path}。计分期次：{'、'.join(scores.scored) or '无'}；"
               f"{len(scores.units)} 个单位，其中 {len(lost)} 个有扣分，扣分明细 {len(scores.deductions)} 条。")
    if lost:
        low = min(lost, key=lambda u: u.score)
        summary += f"最低 {low.unit} {low.score.normalize():f} 分。"
    return Report(job="score", summary=summary, warnings=warnings, data={
        "score_book": str(path),
        **scores.as_json(),
    })
