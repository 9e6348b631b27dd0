"""The signature lines of a returned form: 填报时间, 填报人, 联系电话, 负责人签字.

A label is followed by its value in the same cell (“填报人：张三”) or in the next filled cell
of the row (“填报人：” | “张三”), unless that cell is another label.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sheets.cells import clean_text

FOOTER_LABELS = {"填报时间": "filled_at", "填报人": "filler", "联系电话": "phone", "负责人签字": "signer"}

# per label: (its key, "label: value" pattern, "starts with the label" pattern)
_FOOTER_PATTERNS = [
    (key, re.compile(r"^" + r"\s*".join(label) + r"\s*[:：]?\s*(.*)$", re.S), re.compile(r"^" + r"\s*".join(label)))
    for label, key in FOOTER_LABELS.items()
]


def footer_values(clean_row: Callable[[int], list], rows: Iterable[int]) -> dict:
    """{filled_at, filler, phone, signer} found in ``rows`` (``clean_row(r)``: the row's cleaned cells)."""
    out: dict = {}
    for r in rows:
        row = clean_row(r)
        for c, text in enumerate(row):
            if not text:
                continue
            for key, value_re, _ in _FOOTER_PATTERNS:
                m = value_re.match(text)
                if not m or key in out:
                    continue
                value = clean_text(m.group(1))
                if not value:
                    for t2 in row[c + 1:]:
                        if t2:
                            if not any(label_re.match(t2) for _, _, label_re in _FOOTER_PATTERNS):
                                value = t2
                            break
                if value:
                    out[key] = value
    return out
