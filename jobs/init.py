"""init: a new workspace (duban.toml, units.xlsx and its folders).

The one job without a workspace to run in: ``run`` gets ``ws=None`` and makes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from office.errors import command
from office.model import Report
from office.workspace import init_workspace


@dataclass(frozen=True)
class Request:
    folder: Path
    year: int
    office: str | None = None  # 督查室所在单位; None: the sample's name


def run(ws: None, request: Request, now: datetime) -> Report:
    root = init_workspace(Path(request.folder), request.year, **({"office": request.office} if request.office else {}))
    return Report(job="init", summary=f"已创建工作区 {root}（{request.year} 年）。下一步：{command(f'import 任务分解表.xlsx -w {root}')}",
                  data={"workspace": str(root), "year": request.year})
