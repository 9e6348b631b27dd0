"""Plain records shared by sheets/ and jobs/."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

KINDS = ("annual", "livelihood")
KIND_LABELS = {"annual": "年度工作任务", "livelihood": "为民办实事"}


def task_id(kind: str, seq: int) -> str:
    """Stable id of a task: its kind and 序号, e.g. ``annual-23``."""
    return f"{kind}-{seq}"


@dataclass(frozen=True)
class Task:
    """One row of the decomposition table (任务分解表)."""

    kind: str  # "annual" | "livelihood"
    seq: int
    text: str
    category: str = ""
    leaders: tuple[str, ...] = ()
    lead_units: tuple[str, ...] = ()
    co_units: tuple[str, ...] = ()
    note: str = ""

    # Derived values are cached on the instance (the dataclass is frozen, so they never go
    # stale); cached_property stores them in __dict__, outside the fields, so equality,
    # hashing and repr still use the fields only.
    @cached_property
    def id(self) -> str:
        return task_id(self.kind, self.seq)

    @cached_property
    def units(self) -> tuple[str, ...]:
        return self.lead_units + tuple(u for u in self.co_units if u not in self.lead_units)

    def role_of(self, unit: str) -> str | None:
        """'牵头' or '配合' for a unit named on this task, else None."""
        if unit in self.lead_units:
            return "牵头"
        if unit in self.co_units:
            return "配合"
        return None

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "seq": self.seq,
            "category": self.category,
            "text": self.text,
            "leaders": list(self.leaders),
            "lead_units": list(self.lead_units),
            "co_units": list(self.co_units),
        }


@dataclass(frozen=True)
class Unit:
    """One row of the unit registry (units.xlsx)."""

    name: str
    aliases: tuple[str, ...] = ()
    group: str = ""
    order: int = 0
    contact: str = ""
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """Something the office must see: late, missing, incomplete, ... Data, never an exception."""

    kind: str
    unit: str
    task: str
    period: str
    file: str
    cell: str
    message: str

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "unit": self.unit,
            "task": self.task,
            "period": self.period,
            "file": self.file,
            "cell": self.cell,
            "message": self.message,
        }


@dataclass
class Report:
    """What a job did, for run.py to print. Lists of plain dicts so --json is trivial."""

    job: str
    summary: str = ""
    data: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    ok: bool = True
