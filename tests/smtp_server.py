"""A real SMTP server for the mail tests (aiosmtpd on 127.0.0.1), and a helper pointing a workspace at it.

Use in a test module:

    from smtp_server import smtp_server, use_server  # noqa: F401  (the fixture must be imported)
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


class StoringHandler:
    """Keeps every accepted envelope; refuses the recipients in ``refused`` with a 550."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201
        if address.lower() in self.refused:
            return "550 5.1.1 Mailbox unavailable: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    handler: StoringHandler = field(default_factory=StoringHandler)
    controller: Controller | None = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def refuse(self, address: str) -> None:
        """Answer RCPT TO for this address with 550 from now on."""
        self.handler.refused.add(address.lower())

    def start(self) -> None:
        for _ in range(5):
            self.port = free_port()
            controller = Controller(self.handler, hostname=self.host, port=self.port)
            try:
                controller.start()
            except (OSError, RuntimeError):  # the port was taken in between: pick another
                continue
            self.controller = controller
            return
        raise RuntimeError("could not start the test SMTP server")

    def stop(self) -> None:
        controller, self.controller = self.controller, None
        if controller is not None:
            controller.stop()


@pytest.fixture
def smtp_server():  # noqa: ANN201
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def set_config(config: Path, section: str, **values: object) -> None:
    """Rewrite keys of one section of a duban.toml, as a clerk would edit the text."""
    lines = Path(config).read_text(encoding="utf-8").splitlines(keepends=True)
    current = ""
    todo = dict(values)
    for i, line in enumerate(lines):
        head = re.match(r"\s*\[([^\]]+)\]\s*$", line)
        if head:
            current = head.group(1).strip()
            continue
        m = re.match(r"(\s*)(\w+)(\s*=\s*)", line)
        if current == section and m and m.group(2) in todo:
            v = todo.pop(m.group(2))
            text = str(v).lower() if isinstance(v, bool) else f'"{v}"' if isinstance(v, str) else str(v)
            lines[i] = f"{m.group(1)}{m.group(2)}{m.group(3)}{text}\n"
    assert not todo, f"keys not found in [{section}]: {sorted(todo)}"
    Path(config).write_text("".join(lines), encoding="utf-8")


def set_mail_config(config: Path, **values: object) -> None:
    set_config(config, "mail", **values)


def use_server(ws_root: Path, port: int, host: str = "127.0.0.1", **extra: object) -> None:
    """Point a workspace's [mail] at the test server: no TLS, no login, fast retries."""
    set_mail_config(Path(ws_root) / "duban.toml", host=host, port=port, security="none", user="",
                    backoff_seconds=0.01, **extra)


SAMPLE = Path(__file__).resolve().parent.parent / "config" / "shizhong-2025" / "decomposition.xlsx"


def prepare_sample_workspace(root: Path, status_months: tuple[str, ...] = ()) -> Path:
    """A 2025 workspace with the bundled sample imported, plan forms generated (and status forms)."""
    from datetime import datetime

    from jobs import generate, importer
    from office.workspace import init_workspace, open_workspace

    init_workspace(root, 2025)
    ws = open_workspace(root)
    try:
        importer.run(ws, importer.Request(SAMPLE), datetime(2025, 1, 20, 9, 0))
        generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9, 0))
        for month in status_months:
            y, m = (int(x) for x in month.split("-"))
            generate.run(ws, generate.Request("status", month), datetime(y, m % 12 + 1, 1, 9, 0) if m < 12 else datetime(y + 1, 1, 1, 9, 0))
    finally:
        ws.close()
    return root


@pytest.fixture
def root(template, tmp_path, smtp_server):  # noqa: ANN001, ANN201 - each test module defines `template`
    """A fresh copy of the module's template workspace, its mail pointed at the test server."""
    import shutil

    dest = tmp_path / "ws"
    shutil.copytree(template, dest)
    use_server(dest, smtp_server.port)
    return dest


@pytest.fixture
def ws(root):  # noqa: ANN001, ANN201
    from office.workspace import open_workspace

    w = open_workspace(root)
    yield w
    w.close()
