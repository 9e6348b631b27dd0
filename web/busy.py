"""Whether a job holds the workspace right now (cron's run-due, a command, another page)."""

from __future__ import annotations

import os
from pathlib import Path

from office.workspace import LOCK_NAME


def lock_holder(root: Path) -> int | None:
    """The process id holding the workspace lock, or None when no live process holds it."""
    path = Path(root) / LOCK_NAME
    try:
        text = path.read_text().strip()
    except (FileNotFoundError, OSError):
        return None
    try:
        pid = int(text or "0")
    except ValueError:
        return 0  # being written this very moment: held
    if pid <= 0:
        return 0
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # left by a run that died: the next job removes it
    except PermissionError:
        return pid
    return pid
