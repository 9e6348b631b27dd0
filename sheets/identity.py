"""The hidden identity sheet "_duban" of a generated form, and the visible fallback.

The identity sheet is a plain key/value table on a *hidden* (not very hidden) sheet:
LibreOffice and WPS keep hidden sheets when they re-save a workbook, and a unit that
does not look for it never sees it. When it is lost anyway (the unit copied the table
into a new workbook), the visible title, month and 填报单位 cells still tell which
form it was: ``parse_visible``.

The sheet's ``checksum`` is a seal: an HMAC over the identity's fields keyed with a secret
kept in the workspace's ledger (never in a form), so a unit cannot edit the identity (claim
another unit, period or task list) or copy it from another form without the seal failing.
The workspace id is no secret: it is printed on the sheet itself. ``Verifier`` checks a
seal; a form whose seal fails is read as if its identity sheet were lost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass

from sheets.cells import clean_text, coerce_raw

SHEET_NAME = "_duban"
MARKER = "duban-identity"
KEYS = ("workspace_id", "unit", "kind", "period", "year", "template_version", "task_ids", "checksum")
NOTE = "本工作表供督查室系统识别报表使用，请勿修改或删除。"
_LEGACY_CHECKSUM = re.compile(r"^[0-9a-f]{16}$")


def checksum_of(unit: str, kind: str, period: str, rows: list[tuple]) -> str:
    """sha256 (hex, first 16) over the prefilled content; rows are tuples of plain values."""
    payload = json.dumps(
        {"unit": unit, "kind": kind, "period": period, "rows": [list(r) for r in rows]},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def seal(secret: str, *, workspace_id: str, unit: str, kind: str, period: str, year: int | str,
         template_version: str, task_ids: list[str]) -> str:
    """The keyed checksum of an identity: HMAC-SHA256 (hex, first 32) over every field the sheet carries."""
    payload = json.dumps([workspace_id, unit, kind, period, str(year), template_version, list(task_ids)],
                         ensure_ascii=False, separators=(",", ":"))
    return hmac.new(bytes.fromhex(secret), payload.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Verifier:
    """Checks identity sheets against this workspace's key (plain data: it goes to worker processes)."""

    workspace_id: str
    secret: str
    legacy: bool = False  # forms issued before seals existed carry the old unkeyed checksum

    def status(self, ident: dict) -> str:
        """"ok"; "foreign" (another workspace's form: judged by its workspace id); "legacy" (an
        old unkeyed checksum, accepted only in a workspace that issued such forms); "tampered"."""
        if ident.get("workspace_id") != self.workspace_id:
            return "foreign"
        got = ident.get("checksum", "")
        if self.legacy and _LEGACY_CHECKSUM.match(got):
            return "legacy"
        want = seal(self.secret, workspace_id=ident["workspace_id"], unit=ident["unit"], kind=ident["kind"],
                    period=ident["period"], year=ident["year"], template_version=ident["template_version"],
                    task_ids=ident["task_ids"])
        return "ok" if hmac.compare_digest(want, got) else "tampered"

    def trusts(self, ident: dict) -> bool:
        """Whether the identity may be used at all (a foreign one is kept so that it can be refused by name)."""
        return self.status(ident) != "tampered"


def identity_rows(
    *,
    workspace_id: str,
    unit: str,
    kind: str,
    period: str,
    year: int,
    template_version: str,
    task_ids: list[str],
    checksum: str,
) -> list[tuple[str, str]]:
    """The key/value rows to write on the identity sheet (all values as text)."""
    return [
        (MARKER, NOTE),
        ("workspace_id", workspace_id),
        ("unit", unit),
        ("kind", kind),
        ("period", period),
        ("year", str(year)),
        ("template_version", template_version),
        ("task_ids", ",".join(task_ids)),
        ("checksum", checksum),
    ]


def write_identity_sheet(workbook, values: list[tuple[str, str]]):
    """Add the hidden, protected identity sheet to an xlsxwriter workbook."""
    ws = workbook.add_worksheet(SHEET_NAME)
    for r, (key, value) in enumerate(values):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 60)
    ws.protect()
    ws.hide()
    return ws


def _as_text(value: object) -> str:
    value = coerce_raw(value)
    if value is None:
        return ""
    return clean_text(value) or ""


def parse_identity(rows: list[list]) -> dict | None:
    """The identity from the rows of a "_duban" sheet, or None if it is not one.

    Returns {"workspace_id", "unit", "kind", "period", "year" (int), "template_version",
    "task_ids" (list[str]), "checksum"}.
    """
    found: dict[str, str] = {}
    for row in rows or []:
        if not row:
            continue
        key = _as_text(row[0])
        if key in KEYS and key not in found:
            found[key] = _as_text(row[1]) if len(row) > 1 else ""
    if any(k not in found for k in KEYS):
        return None
    if found["kind"] not in ("plan", "status") or not found["unit"]:
        return None
    try:
        year = int(found["year"])
    except ValueError:
        return None
    ids = [t.strip() for t in found["task_ids"].split(",") if t.strip()]
    return {
        "workspace_id": found["workspace_id"],
        "unit": found["unit"],
        "kind": found["kind"],
        "period": found["period"],
        "year": year,
        "template_version": found["template_version"],
        "task_ids": ids,
        "checksum": found["checksum"],
    }


_TITLE_RE = re.compile(r"(\d{4})\s*年.*?落实\s*(计划|情况)\s*表")
_MONTH_RE = re.compile(r"[（(]\s*(\d{1,2})\s*月(?:份)?\s*[)）]")
_UNIT_RE = re.compile(r"^填\s*报\s*单\s*位\s*[:：]?\s*(.*)$", re.S)


def parse_visible(rows: list[list], limit: int | None = None) -> dict:
    """The visible fallback identity from the rows above the table header.

    Returns {"title", "year", "month", "unit", "kind"}; missing parts are None.
    """
    out: dict = {"title": None, "year": None, "month": None, "unit": None, "kind": None}
    for row in rows[:limit] if limit is not None else rows:
        cells = [clean_text(v) for v in row]
        for i, text in enumerate(cells):
            if not text:
                continue
            norm = unicodedata.normalize("NFKC", text)
            if out["title"] is None:
                m = _TITLE_RE.search(norm)
                if m:
                    out["title"] = text
                    out["year"] = int(m.group(1))
                    out["kind"] = "plan" if m.group(2) == "计划" else "status"
                    continue
            if out["month"] is None:
                m = _MONTH_RE.search(norm)
                if m and 1 <= int(m.group(1)) <= 12:
                    out["month"] = int(m.group(1))
                    continue
            if out["unit"] is None:
                m = _UNIT_RE.match(text)
                if m:
                    unit = clean_text(re.split(r"填\s*报\s*时\s*间", m.group(1))[0])
                    if not unit:
                        # "填报单位：" as a label with the name in the next cell
                        unit = next((c for c in cells[i + 1:] if c), None)
                        if unit and unit.startswith("填报时间"):
                            unit = None
                    out["unit"] = unit
    return out
