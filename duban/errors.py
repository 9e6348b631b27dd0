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
