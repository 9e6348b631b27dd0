"""The job commands: each registered once here, with Chinese help."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

from office.cli import MONTH_VALUE, QUARTER_VALUE, TIME_VALUE, _int_in, _positive_float
from office.model import Report

Handler = Callable[[argparse.Namespace], Report]


def _common(p: argparse.ArgumentParser, now: bool = True, as_json: bool = True) -> None:
    from office.cli import _json_arg, _now_arg, _workspace_arg

    _workspace_arg(p)
    if now:
        _now_arg(p)
    if as_json:
        _json_arg(p)


def _office_now(ws, text: str | None):  # noqa: ANN001, ANN202
    """--now, or the office's time now ([office] timezone); a time given with a zone is converted."""
    from office.cli import _now
    from office.clock import office_now, to_office_local

    return to_office_local(_now(text), ws.settings.timezone) if text else office_now(ws.settings.timezone)


def _with_ws(job: Callable, lock: bool = True) -> Handler:
    def handler(args: argparse.Namespace) -> Report:
        from office.cli import _open

        ws = _open(args)
        try:
            if lock:
                with ws.lock():
                    return job(ws, args, _office_now(ws, getattr(args, "now", None)))
            return job(ws, args, _office_now(ws, getattr(args, "now", None)))
        finally:
            ws.close()

    return handler


def _generate(ws, args, now):  # noqa: ANN001, ANN202
    from jobs import generate

    return generate.run(ws, args.kind, args.month, now=now)


def _collect(ws, args, now):  # noqa: ANN001, ANN202
    from office.cli import _now
    from jobs import collect

    bar = None
    if not args.json:
        from office.render import progress_callback

        bar = progress_callback()
    received = _now(args.received, "--received") if args.received else None
    try:
        report = collect.run(ws, now=now, received=received, progress=bar)
    finally:
        if bar is not None:
            bar(-1, -1, "")
    from jobs import receipts

    return receipts.after_collect(ws, report, now=now, dry_run=args.dry_run)


def _fetch(ws, args, now):  # noqa: ANN001, ANN202
    from jobs import fetch

    return fetch.run(ws, now=now, dry_run=args.dry_run)


def _merge(ws, args, now):  # noqa: ANN001, ANN202
    from jobs import merge

    return merge.run(ws, args.month, now=now)


def _send(ws, args, now):  # noqa: ANN001, ANN202
    from jobs import send

    return send.run(ws, args.kind, args.month, now=now, dry_run=args.dry_run, resend=args.resend, units=args.unit,
                    record_only=args.record_only)


def _remind(ws, args, now):  # noqa: ANN001, ANN202
    from jobs import remind

    return remind.run(ws, args.month, now=now, dry_run=args.dry_run)


def _brief(ws, args, now):  # noqa: ANN001, ANN202
    from jobs import brief

    return brief.run(ws, month=args.month, quarter=args.quarter, now=now)


def _run_due(ws, args, now):  # noqa: ANN001, ANN202
    from jobs import schedule

    return schedule.run_due(ws, now, dry_run=args.dry_run)


def _schedule(args):  # noqa: ANN001, ANN202
    from jobs import schedule
    from office.workspace import open_workspace

    root = Path(args.workspace)
    ws = open_workspace(root)
    interval = args.interval or ws.settings.interval_minutes
    zone = ws.settings.timezone
    ws.close()
    log = root / "logs" / "schedule.log"
    log.parent.mkdir(exist_ok=True)
    from office.clock import office_now

    return schedule.serve(lambda: open_workspace(root), interval_minutes=interval, log_path=log, dry_run=args.dry_run,
                          clock=lambda: office_now(zone))


def _demo(args):  # noqa: ANN001, ANN202
    from jobs.demo import run_demo

    progress = None
    if not args.json:
        from office.render import steps_display

        progress = steps_display()
    return run_demo(Path(args.folder), seed=args.seed, progress=progress)


def _dry_run_arg(p: argparse.ArgumentParser, text: str) -> None:
    p.add_argument("--dry-run", action="store_true", help=text)


def register(sub: argparse._SubParsersAction, commands: dict[str, Handler]) -> None:
    p = sub.add_parser("generate", help="生成各单位的落实计划表或月度落实情况表", description="为每个承担任务的单位生成预填好的报送表：plan 为年度落实计划表（附件3），status 为月度落实情况表（附件4）。文件保存在 outbox/ 下。")
    p.add_argument("kind", choices=["plan", "status"], metavar="类型", help="plan（年度落实计划表）或 status（月度落实情况表）")
    p.add_argument("--month", type=MONTH_VALUE, metavar="月份", help="落实情况表的月份，如 2025-03")
    _common(p)
    commands["generate"] = _with_ws(_generate)

    p = sub.add_parser("collect", help="收集 inbox/ 中各单位报回的表格", description="检查并收集 inbox/（含子文件夹）中报回的计划表和落实情况表：识别单位和期次，原件按 SHA-256 归档到 archive/，不合格的文件说明退回原因。结果写入 inbox/报送检查结果.xlsx。收集后按 duban.toml [mail] receipts 给报回的单位发回执：退回的说明原因并附上原表，需补正的列出单元格。")
    p.add_argument("--received", type=TIME_VALUE, metavar="时间", help="把本次收到的文件的收到时间统一记为此时间（ISO 格式）")
    _dry_run_arg(p, "回执（给报回单位的回复邮件，见 duban.toml [mail] receipts）只写成 .eml 文件供检查，不发送；文件照常收集")
    _common(p)
    commands["collect"] = _with_ws(_collect)

    p = sub.add_parser("fetch", help="从督查室邮箱（IMAP）收取单位报回的邮件", description="按 duban.toml [mail.imap] 读取督查室邮箱：每封带表格附件（.xlsx .xlsm .xls .et，包括压缩包 .zip 和转发邮件中的）的新邮件原样归档到 archive/mail/，附件放入 inbox/邮件/，之后由 collect 收集。收到时间取邮件服务器收到邮件的时间，发件地址与单位名册核对。邮件从不删除或移动；除非 mark_seen = true，已读/未读状态保持不变。已收取的邮件不会重复收取。密码放在环境变量中（[mail.imap] password_env）。")
    _dry_run_arg(p, "只列出将要收取的邮件和附件，不写任何文件，也不改动邮箱")
    _common(p)
    commands["fetch"] = _with_ws(_fetch)

    p = sub.add_parser("merge", help="汇总生成月度台账（含迟报、未报、内容不全等问题）", description="根据已接收的报送生成 trackers/ 下的月度台账：总览、台账、报送情况、问题清单、发现问题和为民办实事。")
    p.add_argument("--month", type=MONTH_VALUE, required=True, metavar="月份", help="台账月份，如 2025-03")
    _common(p)
    commands["merge"] = _with_ws(_merge)

    p = sub.add_parser("send", help="把报送表通过邮件发给各单位", description="给每个单位发送一封邮件，附上该单位的报送表。已发送过的不会重复发送（除非加 --resend）。SMTP 设置在 duban.toml 的 [mail] 中，密码放在环境变量中。")
    p.add_argument("kind", choices=["plan", "status"], metavar="类型", help="plan（年度落实计划表）或 status（月度落实情况表）")
    p.add_argument("--month", type=MONTH_VALUE, metavar="月份", help="落实情况表的月份，如 2025-03")
    _dry_run_arg(p, "只把邮件写成 .eml 文件供检查，不发送")
    p.add_argument("--resend", action="store_true", help="已发送过的单位也重新发送；上次发送中断、待确认的单位，只有用 --unit 点名时才重发")
    p.add_argument("--unit", action="extend", nargs="+", metavar="单位",
                   help="只处理这些单位（名称或简称，可写多个，也可重复使用 --unit），例如 --resend --unit 区商务局 区财政局")
    p.add_argument("--record-only", action="store_true",
                   help="不发送邮件，只把报送表登记为已下发（报送表已通过本单位邮箱、纸质等其他方式送达时使用），之后按应报统计和催报")
    _common(p)
    commands["send"] = _with_ws(_send)

    p = sub.add_parser("remind", help="提醒或催报尚未报送的单位", description="给尚未报送的单位发邮件：截止前若干个工作日发提醒，截止后发逾期催报。每个阶段每个单位每月只发一次，已报送的单位不会收到。")
    p.add_argument("--month", type=MONTH_VALUE, required=True, metavar="月份", help="落实情况表的月份，如 2025-03")
    _dry_run_arg(p, "只把邮件写成 .eml 文件供检查，不发送")
    _common(p)
    commands["remind"] = _with_ws(_remind)

    p = sub.add_parser("brief", help="生成通报（Word）：月度为民办实事、季度全部任务", description="根据台账数据生成通报文稿（.docx）：--month 为为民办实事进展月度通报，--quarter 为重点任务落实情况季度通报。文稿标题和各部分标题可在 duban.toml 的 [brief] 中修改。")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--month", type=MONTH_VALUE, metavar="月份", help="月度通报的月份，如 2025-03")
    g.add_argument("--quarter", type=QUARTER_VALUE, metavar="季度", help="季度通报的季度，如 2025Q1")
    _common(p)
    commands["brief"] = _with_ws(_brief)

    p = sub.add_parser("run-due", help="执行此刻到期的任务（适合由 cron 定时调用）", description="按 duban.toml 的日程和报送日历，执行此刻到期且本期尚未执行过的任务：发送计划表、每月第一个工作日发送落实情况表、截止前提醒和截止后催报、有新文件时收集并汇总、截止后生成通报。可以每几分钟调用一次。")
    _dry_run_arg(p, "邮件只写成 .eml 文件，不发送")
    _common(p)
    commands["run-due"] = _with_ws(_run_due)

    p = sub.add_parser("schedule", help="常驻运行，定时执行到期任务", description="常驻进程：按间隔唤醒 run-due，日志写入工作区 logs/schedule.log；收到 SIGTERM 或 Ctrl-C 时安全退出，单次任务失败会记录并继续。")
    p.add_argument("--interval", type=_positive_float, metavar="分钟", help="检查间隔（分钟），默认取 duban.toml 的 [schedule] interval_minutes")
    _dry_run_arg(p, "邮件只写成 .eml 文件，不发送")
    _common(p, now=False, as_json=False)
    commands["schedule"] = _schedule

    p = sub.add_parser("demo", help="用市中区 2025 年样例演示一个完整的报送周期", description="在指定文件夹建立工作区，导入市中区 2025 年任务分解表，生成并（模拟）发送计划表，模拟各单位报回（按时、迟报、未报、改名、.xls、损坏后重发等），收集、汇总 3 月台账并生成通报。")
    p.add_argument("folder", nargs="?", default="demo-ws", metavar="文件夹", help="演示工作区文件夹（默认 demo-ws）")
    p.add_argument("--seed", type=_int_in(0, 2**31 - 1), default=2025, metavar="种子", help="模拟数据的随机种子（相同种子结果相同）")
    p.add_argument("--json", action="store_true", help="以 JSON 格式输出结果")
    commands["demo"] = _demo
