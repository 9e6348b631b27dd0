"""Message templates: the one way a ``{name}`` placeholder is filled (mail subjects and
bodies, briefing titles and headings, all editable in duban.toml)."""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: object) -> str:
    """Fill ``{name}`` placeholders (None as ""); unknown ones stay as written, stray braces never raise."""
    try:
        return template.format_map(_Keep({k: "" if v is None else v for k, v in values.items()}))
    except (ValueError, IndexError, AttributeError, KeyError, TypeError):
        # A clerk's template with a lone "{" or "{0}": substitute what is known, keep the rest.
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)
