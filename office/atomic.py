"""Atomic output: write to a temporary file beside the target, fsync, rename."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``target`` in one rename."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary files
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def free_name(target: Path) -> Path:
    """The target, or a numbered sibling if the target is open in Excel/WPS (a ~$ owner file beside it)."""
    target = Path(target)

    def is_open(p: Path) -> bool:
        return (p.parent / ("~$" + p.name)).exists() or (p.parent / ("~$" + p.name[2:])).exists() or (p.parent / f".~lock.{p.name}#").exists()

    if not is_open(target):
        return target
    n = 2
    while True:
        cand = target.with_name(f"{target.stem}（{n}）{target.suffix}")
        if not is_open(cand):
            return cand
        n += 1
