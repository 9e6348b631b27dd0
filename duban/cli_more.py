"""The job commands: each registers itself once here, with Chinese help."""

from __future__ import annotations

import argparse
from typing import Callable

from .model import Report

Handler = Callable[[argparse.Namespace], Report]


def _common(p: argparse.ArgumentParser, now: bool = True, as_json: bool = True) -> None:
    from .cli import _json_arg, _now_arg, _workspace_arg

    _workspace_arg(p)
    if now:
        _now_arg(p)
    if as_json:
        _json_arg(p)


def _with_ws(job: Callable, lock: bool = True) -> Handler:
    def handler(args: argparse.Namespace) -> Report:
        from .cli import _now, _open

        ws = _open(args)
        try:
            if lock:
                with ws.lock():
                    return job(ws, args, _now(getattr(args, "now", None)))
            return job(ws, args, _now(getattr(args, "now", None)))
        finally:
            ws.close()

    return handler


def _generate(ws, args, now):  # noqa: ANN001, ANN202
    from .jobs import generate

    return generate.run(ws, args.kind, args.month, now=now)


def _collect(ws, args, now):  # noqa: ANN001, ANN202
    from .cli import _now
    from .jobs import collect

    bar = None
    if not args.json:
        from .render import progress_callback

        bar = progress_callback()
    received = _now(args.received) if args.received else None
    try:
        return collect.run(ws, now=now, received=received, progress=bar)
    finally:
        if bar is not None:
            bar(-1, -1, "")


def _merge(ws, args, now):  # noqa: ANN001, ANN202
    from .jobs import merge

    return merge.run(ws, args.month, now=now)


def register(sub: argparse._SubParsersAction, commands: dict[str, tuple[Handler, str]]) -> None:
    p = sub.add_parser("generate", help="生成各单位的落实计划表或月度落实情况表", description="为每个承担任务的单位生成预填好的报送表：plan 为年度落实计划表（附件3），status 为月度落实情况表（附件4）。文件保存在 outbox/ 下。")
    p.add_argument("kind", choices=["plan", "status"], metavar="类型", help="plan（年度落实计划表）或 status（月度落实情况表）")
    p.add_argument("--month", metavar="月份", help="落实情况表的月份，如 2025-03")
    _common(p)
    commands["generate"] = (_with_ws(_generate), "")

    p = sub.add_parser("collect", help="收集 inbox/ 中各单位报回的表格", description="检查并收集 inbox/（含子文件夹）中报回的计划表和落实情况表：识别单位和期次，原件按 SHA-256 归档到 archive/，不合格的文件说明退回原因。结果写入 inbox/报送检查结果.xlsx。")
    p.add_argument("--received", metavar="时间", help="把本次收到的文件的收到时间统一记为此时间（ISO 格式）")
    _common(p)
    commands["collect"] = (_with_ws(_collect), "")

    p = sub.add_parser("merge", help="汇总生成月度台账（含迟报、未报、内容不全等问题）", description="根据已接收的报送生成 trackers/ 下的月度台账：总览、台账、报送情况、问题清单、发现问题和为民办实事。")
    p.add_argument("--month", required=True, metavar="月份", help="台账月份，如 2025-03")
    _common(p)
    commands["merge"] = (_with_ws(_merge), "")

    from . import cli_mail

    cli_mail.register(sub, commands, _common, _with_ws)
