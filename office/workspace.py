"""A workspace folder: duban.toml, units.xlsx, the ledger and the working folders."""

from __future__ import annotations

import csv
import errno
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator

from config import CONFIG_DIR
from office.errors import ConfigError, WorkspaceBusy, command
from office.ledger import Ledger
from office.model import Unit
from office.settings import CONFIG_NAME, Settings, load_settings, render_config
from office.units import REGISTRY_NAME, Registry, load_registry, write_registry
from office.workdays import WorkCalendar
from templates_xlsx import TEMPLATE_FILES, template_file

TEMPLATES_FOLDER = "templates"  # a workspace's own form templates, overriding templates_xlsx/
TEMPLATE_CACHE = ".duban-cache/templates"
FOLDERS = ("inbox", "outbox", "archive", "trackers", "briefings", "logs")
LEDGER_NAME = "duban.db"
LOCK_NAME = ".duban.lock"
SAMPLE_DIR = CONFIG_DIR / "shizhong-2025"
SAMPLE_UNITS = CONFIG_DIR / "units_shizhong.csv"
SAMPLE_OFFICE = "济南市市中区人民政府办公室督查室"
SAMPLE_CONTACT = "督查室 0531-00000000（示例），duchashi@example.org"


def sample_units() -> list[Unit]:
    """The bundled Shizhong registry: departments, the 17 street offices (group 各街道办事处), companies."""
    with open(SAMPLE_UNITS, encoding="utf-8", newline="") as fh:
        return [
            Unit(
                name=r["单位名称"],
                aliases=tuple(a for a in r["简称/别名"].split("、") if a),
                group=r["分组"],
                order=int(r["排序"]),
                contact=r["联系人"],
                emails=tuple(e for e in r["邮箱"].split(";") if e),
            )
            for r in csv.DictReader(fh)
        ]


@dataclass
class Workspace:
    root: Path
    settings: Settings
    registry: Registry
    ledger: Ledger

    @cached_property
    def id(self) -> str:
        """Set once when the workspace is made; read on every identified return."""
        return self.ledger.get_meta("workspace_id") or ""

    @property
    def calendar(self) -> WorkCalendar:
        return WorkCalendar(self.settings.holidays, self.settings.workdays)

    def folder(self, name: str) -> Path:
        p = self.root / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    def template_file(self, kind: str) -> Path:
        """The form template for `kind` ("plan" | "status"): the workspace's own
        templates/落实计划表.xlsx or templates/落实情况表.xlsx if there is one, else the packaged one."""
        own = self.root / TEMPLATES_FOLDER / TEMPLATE_FILES[kind]
        return own if own.is_file() else template_file(kind)

    @property
    def template_cache(self) -> Path:
        """Where the specs read from the workspace's own templates are kept (sheets.template.load_template)."""
        return self.root / TEMPLATE_CACHE

    def reload_registry(self) -> None:
        self.registry = load_registry(self.root / REGISTRY_NAME)

    def close(self) -> None:
        self.ledger.close()

    @contextmanager
    def lock(self, wait_seconds: float = 10.0) -> Iterator[None]:
        """Only one job writes a workspace at a time."""
        with hold_lock(self.root / LOCK_NAME, wait_seconds):
            yield


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


@contextmanager
def hold_lock(path: Path, wait_seconds: float = 10.0) -> Iterator[None]:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(path.read_text().strip() or "0")
            except (OSError, ValueError):
                pid = 0
            if pid and not _pid_alive(pid):
                path.unlink(missing_ok=True)  # left by a run that died
                continue
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(f"另一个 duban 任务正在处理此工作区（进程 {pid or '未知'}），请稍后再试。如确认没有任务在运行，可删除 {path.name} 文件。") from None
            time.sleep(0.2)
            continue
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)
        break
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def init_workspace(root: Path, year: int, office: str = SAMPLE_OFFICE, contact: str = SAMPLE_CONTACT,
                   units: list[Unit] | None = None) -> Path:
    """Create a workspace; refuse to overwrite one that already exists."""
    root = Path(root)
    if (root / CONFIG_NAME).exists():
        raise ConfigError(f"{root} 已经是一个工作区（已有 {CONFIG_NAME}），未做任何改动。")
    if not 2000 <= year <= 2100:
        raise ConfigError(f"年度“{year}”不是有效的四位年份。")
    root.mkdir(parents=True, exist_ok=True)
    for name in FOLDERS:
        (root / name).mkdir(exist_ok=True)
    from office.atomic import write_text

    write_registry(root / REGISTRY_NAME, sample_units() if units is None else units)
    ledger = Ledger(root / LEDGER_NAME)
    try:
        ledger.set_meta("workspace_id", uuid.uuid4().hex[:12])
        ledger.set_meta("year", str(year))
    finally:
        ledger.close()
    write_text(root / CONFIG_NAME, render_config(office, contact, year))
    return root


def open_workspace(root: Path) -> Workspace:
    root = Path(root)
    if not (root / CONFIG_NAME).exists():
        raise ConfigError(f"{root.resolve()} 不是 duban 工作区（缺少 {CONFIG_NAME}）。请先运行 {command('init 文件夹 --year 年份')}，或用 -w 指定工作区。")
    settings = load_settings(root / CONFIG_NAME)
    registry = load_registry(root / REGISTRY_NAME)
    ledger = Ledger(root / LEDGER_NAME)
    if not ledger.get_meta("workspace_id"):
        ledger.set_meta("workspace_id", uuid.uuid4().hex[:12])
        ledger.set_meta("year", str(settings.year))
    return Workspace(root=root, settings=settings, registry=registry, ledger=ledger)
