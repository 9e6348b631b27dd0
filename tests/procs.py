"""Processes by id, read from /proc (Linux): who a process's children are, and whether one still runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name: [state, ppid, ...], or None if gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2:].split()


def start_time(pid: int) -> int | None:
    """When the process started (clock ticks after boot): tells a process from a later one given its pid."""
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def children(pid: int) -> dict[int, int]:
    """The live children of ``pid``: {child pid: its start time}."""
    out = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and fields[0] != "Z" and int(fields[1]) == pid:
                out[int(entry.name)] = int(fields[19])
    return out


def running(pid: int, started: int) -> bool:
    """Whether the process ``pid`` that started at ``started`` still runs (a zombie does not)."""
    fields = _stat(pid)
    return bool(fields) and fields[0] not in ("Z", "X") and int(fields[19]) == started


def survivors(procs: dict[int, int], timeout: float = 5.0) -> list[int]:
    """The processes of ``procs`` ({pid: start time}) still running after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid, started in procs.items() if running(pid, started)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def available() -> bool:
    return (PROC / str(os.getpid()) / "stat").exists()
