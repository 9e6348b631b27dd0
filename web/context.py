"""What a request of the page works on: the workspace, opened once per request, and its "now"."""

from __future__ import annotations

from datetime import datetime

from flask import g

from office.workspace import Workspace, open_workspace


def current_ws() -> Workspace:
    """The workspace, opened for this request."""
    ws = g.get("ws")
    if ws is None:
        from flask import current_app

        ws = g.ws = open_workspace(current_app.config["DUBAN_ROOT"])
    return ws


def current_now() -> datetime:
    from flask import current_app

    fixed = current_app.config["DUBAN_NOW"]
    return fixed if fixed is not None else datetime.now().replace(microsecond=0)
