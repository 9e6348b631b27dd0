"""Shared fixtures and helpers: workspaces with the bundled Shizhong sample, the jobs as the tests
call them, the command line, the test SMTP server, and the month of known facts.

The jobs are called through the few functions below (``import_tasks``, ``generate_forms``,
``record_issued``, ``collect_inbox``, ``merge_month``, ``run_due_at``), so that a change of a job's signature is
one edit here. Modules that are not test modules import them with ``from conftest import ...``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from jobs import collect, generate, importer, merge, send
from office.model import Report
from office.workspace import SAMPLE_DIR, Workspace, init_workspace, open_workspace
from smtp_server import smtp_server  # noqa: F401  (the real SMTP server fixture, for every test module)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE_DECOMPOSITION = SAMPLE_DIR / "decomposition.xlsx"
IMPORTED_AT = datetime(2025, 1, 20, 9)
PLAN_GENERATED_AT = datetime(2025, 1, 27, 9)
STATUS_GENERATED_AT = datetime(2025, 4, 1, 9)


def pytest_configure(config: pytest.Config) -> None:
    """DUBAN_MUTANT=<name> plants a deliberate bug before any test runs (see tests/mutants.py)."""
    import mutants

    name = os.environ.get(mutants.ENV)
    if name:
        patched = mutants.apply(name)
        config.stash[MUTANT_KEY] = f"{name} ({', '.join(sorted(patched))})"


MUTANT_KEY = pytest.StashKey[str]()


def pytest_report_header(config: pytest.Config) -> str | None:
    planted = config.stash.get(MUTANT_KEY, None)
    return f"mutant planted: {planted}" if planted else None


# ---------------------------------------------------------------------------------------------------
# The jobs, as the tests call them
# ---------------------------------------------------------------------------------------------------


def import_tasks(ws: Workspace, path: Path, now: datetime = IMPORTED_AT) -> Report:
    """import: the task decomposition table at ``path`` into the workspace's task register."""
    return importer.run(ws, importer.Request(path), now)


def generate_forms(ws: Workspace, kind: str, period: str | None = None, now: datetime = PLAN_GENERATED_AT) -> Report:
    """generate plan | generate status --month period: the units' forms in outbox/."""
    return generate.run(ws, generate.Request(kind, period), now)


def record_issued(ws: Workspace, kind: str, period: str | None = None, now: datetime = datetime(2025, 1, 27, 9, 5),
                  units: list[str] | None = None) -> Report:
    """send --record-only: the generated forms count as issued without being mailed."""
    return send.run(ws, send.Request(kind, period, record_only=True, units=units), now)


def collect_inbox(ws: Workspace, now: datetime) -> Report:
    """collect: every file in inbox/, as received at ``now``."""
    return collect.run(ws, collect.Request(), now)


def merge_month(ws: Workspace, month: str, now: datetime) -> Report:
    """merge --month: the month's tracker."""
    return merge.run(ws, merge.Request(month), now)


def run_due_at(ws: Workspace, now: datetime, dry_run: bool = False) -> Report:
    """run-due at ``now``; mail retries do not sleep."""
    from jobs import run_due

    return run_due.run(ws, run_due.Request(dry_run=dry_run), now, sleep=lambda seconds: None)


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python run.py args...`` in a subprocess, output captured as text."""
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=None if env is None else {**os.environ, **env})


@pytest.fixture(name="run_cli")
def run_cli_fixture():
    """The command line in a subprocess: ``run_cli("merge", "--month", "2025-03", "-w", root)``."""
    return run_cli


# ---------------------------------------------------------------------------------------------------
# Workspaces
# ---------------------------------------------------------------------------------------------------


def make_sample_ws(root: Path) -> Workspace:
    """A 2025 workspace at `root` with the Shizhong sample imported and settle_seconds = 0."""
    init_workspace(root, 2025)
    cfg = root / "duban.toml"
    text = cfg.read_text(encoding="utf-8")
    assert "settle_seconds = 2" in text
    cfg.write_text(text.replace("settle_seconds = 2", "settle_seconds = 0"), encoding="utf-8")
    ws = open_workspace(root)
    import_tasks(ws, SAMPLE_DECOMPOSITION, now=IMPORTED_AT)
    return ws


@pytest.fixture
def sample_ws(tmp_path):
    """An opened workspace with the Shizhong sample imported (no forms generated yet)."""
    ws = make_sample_ws(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def _generated_template(tmp_path_factory) -> Path:
    """Built once per session: the sample workspace with the plan and the 2025-03 status forms in outbox/."""
    root = tmp_path_factory.mktemp("generated") / "ws"
    ws = make_sample_ws(root)
    try:
        generate_forms(ws, "plan", now=PLAN_GENERATED_AT)
        generate_forms(ws, "status", "2025-03", now=STATUS_GENERATED_AT)
    finally:
        ws.close()
    return root


@pytest.fixture
def generated_ws(tmp_path, _generated_template):
    """An opened copy of the sample workspace with plan and 2025-03 status workbooks generated
    (outbox/plan/ and outbox/2025-03/)."""
    root = tmp_path / "ws"
    shutil.copytree(_generated_template, root)
    ws = open_workspace(root)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def filled_month(tmp_path_factory):
    """The seven-unit workspace of month_fixture with March 2025 answered from known facts
    (month_fixture.MARCH), status_workdays = 3: due Thursday 2025-04-03, right before 清明."""
    from month_fixture import build_march

    ws = build_march(tmp_path_factory.mktemp("month") / "ws")
    yield ws
    ws.close()


@pytest.fixture
def shared_dir() -> Path:
    """The shared folder beside the checkout (the corpus, seeds and data shared between projects); skip when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present")
    return SHARED
