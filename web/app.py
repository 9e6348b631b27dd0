"""The Flask application: one workspace, server-rendered Chinese pages, safe by default.

* Every request opens the workspace (settings, registry, ledger) and closes it after:
  waitress serves requests on several threads and a SQLite connection belongs to one.
* A password, once set (``run.py web --set-password``), is asked for on every page; a
  session lasts ``session_minutes`` without a request, and a password change ends it.
* Every POST carries the session's CSRF token (a hidden field or an ``X-CSRF-Token``
  header); without it the request is refused before anything runs.
* On 127.0.0.1 without a password, only requests addressed to this computer by name
  (Host 127.0.0.1, localhost, [::1]) are answered: a web site opened in the same browser
  cannot reach the page through a DNS name of its own.
* Jinja autoescaping is on for every template; nothing from a unit's file is marked safe.
"""

from __future__ import annotations

import hmac
import secrets
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Callable

from flask import Flask, g, redirect, render_template, request, session, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from office.errors import DubanError, WorkspaceBusy
from office.workspace import open_workspace
from web import auth
from web.context import current_ws
from web.uploads import MAX_FILES, MAX_REQUEST_BYTES

SESSION_MINUTES = 30.0
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
PACKAGE = Path(__file__).resolve().parent


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def create_app(root: Path | str, *, now: datetime | None = None, bind_host: str = "127.0.0.1",
               session_minutes: float = SESSION_MINUTES, clock: Callable[[], float] = time.time) -> Flask:
    """The site for the workspace at ``root``.

    ``now``: a fixed time for every judgement the pages and jobs make (like ``--now`` of
    the commands; rehearsals and tests); None: the computer's clock at each request.
    ``bind_host``: the address the server listens on (decides the Host check).
    ``clock``: seconds, for session timeouts (tests pass their own).
    """
    root = Path(root).resolve()
    ws = open_workspace(root)  # a ConfigError here names what is wrong with the folder
    try:
        secret = auth.session_secret(ws)
    finally:
        ws.close()
    app = Flask("web", root_path=str(PACKAGE), template_folder="templates", static_folder="static")
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="duban_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        MAX_FORM_PARTS=MAX_FILES + 50,
        DUBAN_ROOT=root,
        DUBAN_NOW=now,
        DUBAN_BIND=bind_host,
        DUBAN_SESSION_SECONDS=session_minutes * 60,
        DUBAN_CLOCK=clock,
        DUBAN_FILE_KEY=hmac.new(secret, b"downloads", "sha256").digest(),
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.autoescape = True
    app.jinja_env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token)
    app.jinja_env.filters["when"] = _when

    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_close)
    app.register_error_handler(WorkspaceBusy, _busy)
    app.register_error_handler(DubanError, _duban_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)

    from web.routes import bp

    app.register_blueprint(bp)
    return app


# ---------------------------------------------------------------- per request


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % escape(csrf_token())


def _when(value: object) -> str:
    """An ISO time as 2025-04-07 16:00."""
    text = value.isoformat(timespec="minutes") if isinstance(value, datetime) else str(value or "")
    return text.replace("T", " ")[:16]


def _allowed_host(app: Flask) -> bool:
    if not is_loopback(app.config["DUBAN_BIND"]):
        return True  # reachable from the network: the password guards it (serve refuses to start without one)
    host = (request.host or "").lower()
    if host.startswith("["):
        name = host.split("]")[0] + "]"
    else:
        name = host.rsplit(":", 1)[0] if ":" in host else host
    return name in LOOPBACK_HOSTS


def _start():  # noqa: ANN202
    from flask import abort, current_app

    g.started = time.perf_counter()
    if not _allowed_host(current_app):
        abort(421)
    if request.endpoint == "static":
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
        token = session.get("csrf", "")
        if not token or not sent or not hmac.compare_digest(str(sent), str(token)):
            return render_template("error.html", title="请求已拒绝",
                                   message="这个请求没有带上有效的安全令牌（CSRF），已拒绝，没有执行任何操作。"
                                           "请回到页面刷新后重新操作。"), 400
    ws = current_ws()
    stored = auth.password_hash(ws)
    g.login_required = bool(stored)
    g.logged_in = False
    if stored:
        clock = current_app.config["DUBAN_CLOCK"]
        seen = session.get("seen", 0)
        fresh = (session.get("user") and session.get("pw") == auth.password_tag(stored)
                 and clock() - float(seen) <= current_app.config["DUBAN_SESSION_SECONDS"])
        if fresh:
            session["seen"] = clock()
            g.logged_in = True
        elif request.endpoint not in ("web.login",):
            expired = bool(session.get("user"))
            session.pop("user", None)
            session.pop("seen", None)
            if request.method == "GET":
                return redirect(url_for("web.login", next=request.full_path if request.query_string else request.path,
                                        expired=1 if expired else None))
            return render_template("login.html", error="登录已超时，请重新登录。" if expired else "请先登录。",
                                   next_url=url_for("web.home")), 401
    return None


def _finish(response):  # noqa: ANN001, ANN202
    started = g.get("started")
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _close(exc: BaseException | None) -> None:
    ws = g.pop("ws", None)
    if ws is not None:
        ws.close()


# ---------------------------------------------------------------- errors


def _busy(exc: WorkspaceBusy):  # noqa: ANN202
    return render_template("error.html", title="正在运行", busy=True,
                           message=f"{exc}页面等待了一会儿仍未轮到，本次没有执行。请稍后再试。"), 409


def _duban_error(exc: DubanError):  # noqa: ANN202
    return render_template("error.html", title="无法完成", message=str(exc)), 400


def _too_large(exc: RequestEntityTooLarge):  # noqa: ANN202
    return render_template("error.html", title="文件太大",
                           message=f"一次上传的文件合计不能超过 {MAX_REQUEST_BYTES // 2**20} MB，请分批上传。"), 413


_HTTP_WORDS = {
    400: ("请求有误", "请求的内容不完整或格式不对，请回到页面重新操作。"),
    401: ("请先登录", "请先登录。"),
    403: ("没有权限", "没有权限访问这个页面。"),
    404: ("找不到页面", "找不到这个页面或文件。它可能已被移动或删除，请从导航重新进入。"),
    405: ("操作方式不对", "这个地址不接受这种请求。请从页面上的按钮操作。"),
    413: ("文件太大", f"一次上传的文件合计不能超过 {MAX_REQUEST_BYTES // 2**20} MB，请分批上传。"),
    421: ("地址不对", "请用 http://127.0.0.1:端口/ 访问本页面。"),
}


def _http_error(exc: HTTPException):  # noqa: ANN202
    code = exc.code or 500
    title, message = _HTTP_WORDS.get(code, ("无法完成", "请求无法完成。"))
    return render_template("error.html", title=title, message=message), code


def _unexpected(exc: Exception):  # noqa: ANN202
    from flask import current_app

    logs = Path(current_app.config["DUBAN_ROOT"]) / "logs"
    detail = ""
    if logs.is_dir():
        with open(logs / "errors.log", "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now().isoformat()} web {request.method} {request.path}\n{traceback.format_exc()}\n")
        detail = "详细信息已记入工作区的 logs/errors.log。"
    return render_template("error.html", title="发生意外问题",
                           message=f"处理这个页面时发生意外问题（{type(exc).__name__}）。{detail}请把此信息发给技术支持。"), 500
