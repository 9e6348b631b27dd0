"""The small exception family. Messages are Chinese: they reach the clerk as they are."""

from __future__ import annotations


class DubanError(Exception):
    """A run cannot go on; the message says why and what to do."""


class ConfigError(DubanError):
    """The workspace or its duban.toml is missing or broken."""


class InputFileError(DubanError):
    """A file handed to a command cannot be read as what it should be."""


class TemplateMismatch(InputFileError):
    """A workbook is not a form of this workspace."""


class WorkspaceBusy(DubanError):
    """Another run holds the workspace lock."""


class CalendarGap(DubanError):
    """A deadline falls in a year the working calendar does not know."""


# How the user starts the tool: "python3 run.py" or "duban" (the installed script). The
# command line sets it once at start (office.cli.command_name), so that every hint in a
# message, jobs' included, names a command the way the user typed it.
PROG = "python3 run.py"


def command(rest: str) -> str:
    """A command line to suggest in a message, e.g. ``command("import 任务分解表.xlsx")``."""
    return f"{PROG} {rest}"
