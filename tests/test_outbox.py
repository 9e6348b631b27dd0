"""generate replaces an outbox folder without ever losing a form that was mailed.

A real run of generate is killed (os._exit in a subprocess) between its two renames; the forms
were mailed before through the real SMTP server (aiosmtpd on 127.0.0.1); the next run must
keep every mailed form, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from jobs import generate, importer, send
from office.workspace import open_workspace

try:
    from tests.month_fixture import TASKS_CSV, U, make_ws
    from tests.smtp_server import smtp_server, use_server  # noqa: F401
except ImportError:  # tests/ is not a package
    from month_fixture import TASKS_CSV, U, make_ws
    from smtp_server import smtp_server, use_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2025-03"
CRASH = """
import os, sys
from datetime import datetime
from jobs import generate
from office.workspace import open_workspace
generate.between_renames = lambda: os._exit(17)
ws = open_workspace(sys.argv[1])
generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 4, 2, 9))
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def every_form(outbox: Path) -> dict[str, list[Path]]:
    """sha256 -> where that exact file is, anywhere under outbox/ (kept folders included)."""
    out: dict[str, list[Path]] = {}
    for p in outbox.rglob("*.xlsx"):
        out.setdefault(digest(p), []).append(p)
    return out


def mailed(ws) -> list[dict]:
    return [f for (files,) in ws.ledger.db.execute("SELECT files FROM mail") for f in json.loads(files)]


def test_a_crash_between_the_renames_loses_no_mailed_form(tmp_path, smtp_server):
    root = tmp_path / "ws"
    make_ws(root).close()
    use_server(root, smtp_server.port)
    ws = open_workspace(root)
    try:
        generate.run(ws, generate.Request("status", PERIOD), datetime(2025, 4, 1, 9))
        sent = send.run(ws, send.Request("status", PERIOD), datetime(2025, 4, 1, 9, 5), sleep=lambda s: None)
        assert sent.ok and len(sent.data["sent"]) == len(smtp_server.messages) == 7
        before = mailed(ws)
        assert len(before) == 7
        # the office corrects a task text: U[2]'s form changes, the others do not
        changed_csv = tmp_path / "tasks-v2.csv"
        changed_csv.write_text(TASKS_CSV.replace("扩大有效投资", "扩大有效投资，推进重点项目"), encoding="utf-8")
        importer.run(ws, importer.Request(changed_csv), datetime(2025, 4, 2, 8))
    finally:
        ws.close()

    died = subprocess.run([sys.executable, "-c", CRASH, str(root)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert died.returncode == 17, died.stderr
    outbox = root / "outbox"
    assert not (outbox / PERIOD).exists()  # killed between the renames
    [aside] = list(outbox.glob(f".{PERIOD}.replaced-*"))
    for f in before:  # nothing is lost even now: the mailed forms are all in the folder set aside
        assert digest(aside / Path(f["file"]).name) == f["sha256"]

    ws = open_workspace(root)
    try:
        again = generate.run(ws, generate.Request("status", PERIOD), datetime(2025, 4, 2, 10))
        assert again.data["changed"] == [U[2]] and again.data["added"] == [] and again.data["removed"] == []
        where = every_form(outbox)
        for f in before:  # every mailed form still exists, byte for byte
            assert f["sha256"] in where, f
        target = outbox / PERIOD
        for f in before:
            unit = next(u for u in U if f["file"].endswith(f"_{u}.xlsx"))
            path = root / f["file"]
            if unit == U[2]:
                assert digest(path) != f["sha256"]  # the new version is in place
                [kept] = where[f["sha256"]]
                assert kept.parent.name.startswith(f".{PERIOD}.replaced-")
            else:
                assert digest(path) == f["sha256"]  # unchanged forms are the very files mailed
        assert len(list(target.glob("*.xlsx"))) == 7

        # later runs keep the folder that holds U[2]'s mailed form, and nothing piles up
        generate.run(ws, generate.Request("status", PERIOD), datetime(2025, 4, 2, 11))
        generate.run(ws, generate.Request("status", PERIOD), datetime(2025, 4, 2, 12))
        kept_now = list(outbox.glob(f".{PERIOD}.replaced-*"))
        assert len(kept_now) == 1
        assert all(f["sha256"] in every_form(outbox) for f in before)
        assert not (outbox / f".{PERIOD}.new").exists()
    finally:
        ws.close()


def test_forms_never_mailed_leave_no_copies_behind(tmp_path):
    ws = make_ws(tmp_path / "ws")
    try:
        first = generate.run(ws, generate.Request("status", PERIOD), datetime(2025, 4, 1, 9))
        files = {f["unit"]: digest(Path(f["file"])) for f in first.data["files"]}
        generate.run(ws, generate.Request("status", PERIOD), datetime(2025, 4, 1, 10))
        generate.run(ws, generate.Request("status", PERIOD), datetime(2025, 4, 1, 10))  # the same minute twice
        outbox = ws.root / "outbox"
        assert sorted(p.name for p in outbox.iterdir()) == [PERIOD]
        # unchanged forms are kept as they were, byte for byte
        assert {f.name: digest(f) for f in (outbox / PERIOD).glob("*.xlsx")} == \
            {Path(f["file"]).name: files[f["unit"]] for f in first.data["files"]}
    finally:
        ws.close()
