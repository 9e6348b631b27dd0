"""web: serve the clerk's page for a workspace (the site itself is the ``web`` package)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from office.model import Report
from office.workspace import Workspace


@dataclass(frozen=True)
class Request:
    host: str = "127.0.0.1"
    port: int = 8750
    set_password: bool = False
    fixed_now: datetime | None = None  # --now: the page judges every month at this time (rehearsals, tests)


def run(ws: Workspace, request: Request, now: datetime, *, password: Callable[[], str] | None = None,
        ready: Callable[[str], None] | None = None) -> Report:
    """Serve until interrupted (or, with ``set_password``, store the password ``password()`` gives).

    ``ws`` gives the folder and is closed here: every page opens the workspace it reads, so
    the server holds nothing open between requests."""
    from web.serve import serve, set_password

    root = ws.root
    ws.close()
    if request.set_password:
        return set_password(root, password() if password is not None else "")
    return serve(root, request.host, request.port, now=request.fixed_now, on_ready=ready)
