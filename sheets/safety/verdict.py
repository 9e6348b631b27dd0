"""What ``sniff`` answers about a file: its format, whether a reader may go on, and why not."""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = (
    "xlsx", "xls", "encrypted", "html", "csv", "empty", "truncated", "zip", "ole", "pdf", "unknown",
)


@dataclass(frozen=True)
class Sniff:
    """What a file really is.

    ``format`` is one of ``FORMATS``; ``ok`` is True only for an "xlsx" (xlsm too) or
    "xls" (BIFF, WPS .et too) that passed every bounds check.  ``reason`` is "" when ok,
    else one Chinese sentence for the unit.  ``macros`` notes a VBA/XLM project: it is
    never run, the file stays ok.  A file over ``Limits.max_file_bytes`` is not
    looked into: it comes back as "unknown", not ok, with a "too big" reason.
    """

    format: str
    ok: bool
    reason: str
    macros: bool = False


def bad(fmt: str, reason: str, macros: bool = False) -> Sniff:
    return Sniff(fmt, False, reason, macros)


class Reject(Exception):
    """Internal: the zip scan found a reason to refuse the file."""

    def __init__(self, fmt: str, reason: str):
        super().__init__(reason)
        self.fmt = fmt
        self.reason = reason
