"""What is waiting in inbox/."""

from __future__ import annotations

from pathlib import Path


def has_new_files(inbox: Path) -> bool:
    from .collect import inbox_files

    return inbox.is_dir() and bool(inbox_files(inbox))
