"""Run the page with waitress: ``run.py web -w WS [--host 127.0.0.1] [--port 8750]``."""

from __future__ import annotations

import errno
import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import Callable

from office.errors import DubanError, command
from office.model import Report
from office.workspace import open_workspace
from web import auth
from web.app import create_app, is_loopback

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8750
THREADS = 4


def check_binding(root: Path, host: str) -> None:
    """Refuse to listen beyond this computer without a password."""
    if is_loopback(host):
        return
    ws = open_workspace(root)
    try:
        if auth.has_password(ws):
            return
    finally:
        ws.close()
    raise DubanError(
        f"网页要在 {host} 上开放（其他电脑也能访问），必须先设置密码：请运行 "
        f"{command(f'web --set-password -w {root}')} 设置后再启动；只在本机使用时不加 --host（默认 127.0.0.1）即可。")


def set_password(root: Path, password: str) -> Report:
    ws = open_workspace(root)
    try:
        with ws.lock():
            auth.set_password(ws, password)
    finally:
        ws.close()
    return Report(job="web", summary=f"网页密码已设置（只保存加密后的摘要）。已登录的会话需要重新登录。"
                                     f"启动：{command(f'web -w {root}')}")


def url_of(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/"


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(root: Path | str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, now: datetime | None = None,
          on_ready: Callable[[str], None] | None = None, threads: int = THREADS) -> Report:
    """Serve the workspace's page until interrupted. ``on_ready(url)`` is told once it listens
    (the command line prints it); ``now``: a fixed time for rehearsals (``--now``)."""
    from waitress import create_server

    root = Path(root)
    check_binding(root, host)
    app = create_app(root, now=now, bind_host=host)
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="duban",
                               max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 2**20)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise DubanError(f"端口 {port} 已被占用（可能网页已经在运行）。请用 --port 换一个端口，例如 --port {port + 1}。") from None
        raise DubanError(f"无法在地址 {host} 端口 {port} 上启动网页（{exc.strerror or exc}）。请检查 --host 是否为本机的地址。") from None
    url = url_of(host, getattr(server, "effective_port", port))
    if on_ready is not None:
        on_ready(url)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _stop)  # systemd's stop: end like Ctrl-C
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return Report(job="web", summary=f"网页已停止（{url}）。")
