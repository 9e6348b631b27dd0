#!/usr/bin/env python3
"""duban command line: python3 run.py -h

The only place that prints, draws progress and picks exit codes (0 ok, 1 finished with
findings or failures, 2 cannot run). Commands come from the table in jobs/commands.py;
this module opens the workspace, takes its lock, turns ``--now`` into the job's "now"
(the one place the clock is read: the office's wall-clock time, ``[office] timezone``),
runs the job and shows its Report.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from office import errors
from office.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, build_parser, command_name
from office.errors import DubanError
from office.model import Report


def _displays(kind: str) -> Callable[[int, int, str], None] | None:
    from office import render

    if kind == "bar":
        return render.progress_callback()
    if kind == "steps":
        return render.steps_display()
    return None


def _workspace(cmd, args):  # noqa: ANN001, ANN202 - the opened Workspace, or None
    from office.workspace import CONFIG_NAME, open_workspace

    root = Path(args.workspace) if cmd.workspace != "none" else None
    if root is None or (cmd.workspace == "optional" and not (root / CONFIG_NAME).exists()):
        return None
    return open_workspace(root)


def _read_password() -> str:
    """The web page's new password: typed twice at a terminal, or one line of standard input."""
    import getpass

    if sys.stdin.isatty():
        first = getpass.getpass("请输入网页密码（至少 8 个字符）：")
        if getpass.getpass("请再输入一次：") != first:
            raise DubanError("两次输入的密码不一致，未做任何改动。")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def run_command(cmd, args) -> Report:  # noqa: ANN001
    """Run one command of the table as typed: workspace opened (and locked), hooks handed over."""
    from office.clock import DEFAULT_TIMEZONE, office_now, to_office_local

    options = vars(args)
    request = cmd.request_from_options(options)
    ws = _workspace(cmd, args)
    # The office's time ([office] timezone), whatever the machine's zone; a --now with a zone is converted.
    zone = ws.settings.timezone if ws is not None else DEFAULT_TIMEZONE
    given = options.get("now")
    now = to_office_local(given, zone) if given else office_now(zone)
    hooks: dict[str, Any] = {"clock": lambda: office_now(zone), "password": _read_password,
                             "ready": lambda url: print(f"网页已启动：{url}（按 Ctrl-C 停止）", flush=True)}
    progress = _displays(cmd.progress) if cmd.progress and not options.get("json") else None
    if progress is not None:
        hooks["progress"] = progress
    try:
        with ws.lock() if ws is not None and cmd.lock else nullcontext():
            return cmd.run(ws, request, now, **hooks)
    finally:
        if progress is not None:
            progress(-1, -1, "")  # stops a display still running after a failure
        if ws is not None:
            ws.close()


def _print_report(report: Report, as_json: bool) -> None:
    if as_json:
        payload = dict(report.data)
        if report.warnings and "warnings" not in payload:
            payload["warnings"] = report.warnings
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return
    from office import render

    render.show(report)


def main(argv: list[str] | None = None) -> int:
    from jobs.commands import COMMANDS

    errors.PROG = command_name()
    parser = build_parser(COMMANDS.values())
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # -h, or a bad option (already explained on stderr)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    if not args.command:
        parser.print_help()
        return EXIT_OK
    try:
        report = run_command(COMMANDS[args.command], args)
    except DubanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - last resort, Rust panics included: never a traceback for a clerk
        log = Path(getattr(args, "workspace", ".")) / "logs"
        detail = ""
        if log.is_dir():
            import traceback

            with open(log / "errors.log", "a", encoding="utf-8") as fh:
                fh.write(f"--- {datetime.now().isoformat()} {sys.argv}\n{traceback.format_exc()}\n")
            detail = f"详细信息已记入 {log / 'errors.log'}。"
        if os.environ.get("DUBAN_DEBUG"):
            raise
        print(f"错误：运行 {args.command} 时发生意外问题（{type(exc).__name__}: {exc}）。{detail}请把此信息发给技术支持。", file=sys.stderr)
        return EXIT_ERROR
    _print_report(report, getattr(args, "json", False))
    return EXIT_OK if report.ok else EXIT_FINDINGS


if __name__ == "__main__":
    sys.exit(main())
