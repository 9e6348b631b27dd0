"""A previewed message (.eml written by a dry run) as the page shows it: subject, body, attachments."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

MAX_EML_BYTES = 60 * 2**20


@dataclass
class MailPreview:
    subject: str = ""
    body: str = ""
    attachments: list[str] = field(default_factory=list)


def read_preview(path: str | Path) -> MailPreview:
    """Subject, plain-text body and attachment names of one preview .eml ("" when unreadable)."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_EML_BYTES:
            return MailPreview()
        with open(p, "rb") as fh:
            msg = BytesParser(policy=policy.default).parse(fh)
    except (OSError, ValueError):
        return MailPreview()
    out = MailPreview(subject=str(msg.get("Subject", "") or ""))
    try:
        body = msg.get_body(preferencelist=("plain",))
        out.body = body.get_content() if body is not None else ""
    except (KeyError, LookupError, ValueError):
        out.body = ""
    for part in msg.iter_attachments():
        name = part.get_filename()
        if name:
            out.attachments.append(str(name))
    return out
