"""Shared fixtures: workspaces with the bundled Shizhong sample, built on demand in tmp_path."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from jobs import generate, importer
from office.workspace import SAMPLE_DIR, Workspace, init_workspace, open_workspace

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE_DECOMPOSITION = SAMPLE_DIR / "decomposition.xlsx"
IMPORTED_AT = datetime(2025, 1, 20, 9)
PLAN_GENERATED_AT = datetime(2025, 1, 27, 9)
STATUS_GENERATED_AT = datetime(2025, 4, 1, 9)


def make_sample_ws(root: Path) -> Workspace:
    """A 2025 workspace at `root` with the Shizhong sample imported and settle_seconds = 0."""
    init_workspace(root, 2025)
    cfg = root / "duban.toml"
    text = cfg.read_text(encoding="utf-8")
    assert "settle_seconds = 2" in text
    cfg.write_text(text.replace("settle_seconds = 2", "settle_seconds = 0"), encoding="utf-8")
    ws = open_workspace(root)
    importer.run(ws, importer.Request(SAMPLE_DECOMPOSITION), IMPORTED_AT)
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
        generate.run(ws, generate.Request("plan"), PLAN_GENERATED_AT)
        generate.run(ws, generate.Request("status", "2025-03"), STATUS_GENERATED_AT)
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


@pytest.fixture
def shared_dir() -> Path:
    """/work/shared (the corpus, seeds and data shared between projects); skip when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not present")
    return SHARED
