"""The command line: the only place that prints, draws progress and picks exit codes."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable

from office import errors
from office.errors import DubanError, command
from office.model import Report

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001
        return super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> None:  # noqa: D401
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"错误：{translate_argparse(message)}\n请运行 {self.prog} -h 查看用法。\n")


# argparse's English, as its messages are built (Python 3.11-3.13), in Chinese.
_ARGPARSE = [
    (re.compile(r"the following arguments are required: (.*)"), r"缺少必需的参数：\1"),
    (re.compile(r"one of the arguments (.*) is required"), lambda m: f"{'、'.join(m.group(1).split())} 必须指定其中之一"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"), r"\1 不能与 \2 同时使用"),
    (re.compile(r"unrecognized arguments: (.*)"), r"无法识别的参数：\1"),
    (re.compile(r"ambiguous option: (\S+) could match (.*)"), r"选项 \1 不明确，可能是：\2"),
    (re.compile(r"argument (\S+): expected one argument"), r"\1 后面需要一个值"),
    (re.compile(r"argument (\S+): invalid choice: '?(.*?)'? \(choose from (.*)\)"),
     lambda m: f"{_named(m.group(1))}“{m.group(2)}”无效，可选：{_choices(m.group(3))}"),
    (re.compile(r"argument (\S+): invalid \S+ value: '?(.*?)'?"), lambda m: f"{_named(m.group(1))}“{m.group(2)}”无效"),
    (re.compile(r"argument (\S+): 的值(.*)"), lambda m: f"{_named(m.group(1))}{m.group(2)}"),  # our own checks, see _checked
    (re.compile(r"argument (\S+): (.*)"), r"参数 \1：\2"),
]


def _named(argument: str) -> str:
    """“--month 的值” for an option, “类型” for a positional argument."""
    return f"{argument} 的值" if argument.startswith("-") else argument


def _choices(text: str) -> str:
    return "、".join(s.strip().strip("'") for s in text.split(","))


def translate_argparse(message: str) -> str:
    """An argparse error message in Chinese; each names the option it is about."""
    for pattern, repl in _ARGPARSE:
        if pattern.fullmatch(message):
            return pattern.sub(repl, message)
    return message


def command_name(argv0: str | None = None, orig_argv: list[str] | None = None) -> str:
    """How the user started this program, to name commands in help, hints and messages:
    ``duban`` for the installed script; for the script in the checkout, the interpreter and
    the script as typed (``python3 run.py``, ``.venv/bin/python run.py``,
    ``python3 /srv/duban/run.py``); ``python3 run.py`` when that cannot be told."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    orig = list(getattr(sys, "orig_argv", []) if orig_argv is None else orig_argv)
    base = os.path.basename(argv0 or "")
    if base in ("duban", "duban.exe"):
        return "duban"
    if base.endswith(".py") and base != "__main__.py":
        interpreter = orig[0] if orig and orig[0] and os.path.basename(orig[0]).startswith("python") else "python3"
        return f"{shlex.quote(interpreter)} {shlex.quote(argv0)}"
    return "python3 run.py"


def _now(text: str | None, option: str = "--now") -> datetime:
    if not text:
        return datetime.now()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise DubanError(f"{option} 的值“{text}”不是有效时间，请写成 2025-04-08T09:30 的形式。") from None


def _checked(check: Callable[[str], object], wrong: str) -> Callable[[str], str]:
    """An argparse type that keeps the text as typed and refuses it, naming the option, when
    ``check(text)`` fails; ``wrong`` says what a good value looks like."""

    def value(text: str) -> str:
        try:
            check(text)
        except (ValueError, DubanError):
            raise argparse.ArgumentTypeError(f"的值“{text}”{wrong}") from None
        return text

    value.__name__ = "value"
    return value


def _month_check(text: str) -> None:
    from office.workdays import parse_period

    parse_period(text)


def _quarter_check(text: str) -> None:
    from jobs.brief import parse_quarter

    parse_quarter(text)


def _int_in(lo: int, hi: int) -> Callable[[str], int]:
    def value(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            n = None
        if n is None or not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"的值“{text}”无效，应为 {lo} 到 {hi} 的整数。")
        return n

    return value


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        x = -1.0
    if not x > 0 or x != x or x == float("inf"):
        raise argparse.ArgumentTypeError(f"的值“{text}”无效，应为大于 0 的数，如 5 或 0.5。")
    return x


TIME_VALUE = _checked(datetime.fromisoformat, "不是有效时间，请写成 2025-04-08T09:30 的形式。")
MONTH_VALUE = _checked(_month_check, "不是有效的月份，请写成 2025-03 或 2025年3月 的形式。")
QUARTER_VALUE = _checked(_quarter_check, "不是有效的季度，请写成 2025Q1 的形式。")
YEAR_VALUE = _int_in(2000, 2100)


def _workspace_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("-w", "--workspace", default=".", metavar="文件夹", help="工作区文件夹（默认：当前文件夹）")


def _now_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--now", type=TIME_VALUE, metavar="时间", help="按此时间运行（ISO 格式，如 2025-04-08T09:30），用于补跑或演练；默认为当前时间")


def _json_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="以 JSON 格式输出结果")


def _open(args: argparse.Namespace):  # noqa: ANN202
    from office.workspace import open_workspace

    return open_workspace(Path(args.workspace))


# ---- commands -------------------------------------------------------------

def cmd_init(args: argparse.Namespace) -> Report:
    from office.workspace import init_workspace

    root = init_workspace(Path(args.folder), args.year, **({"office": args.office} if args.office else {}))
    return Report(job="init", summary=f"已创建工作区 {root}（{args.year} 年）。下一步：{command(f'import 任务分解表.xlsx -w {root}')}",
                  data={"workspace": str(root), "year": args.year})


def cmd_import(args: argparse.Namespace) -> Report:
    from jobs import importer

    ws = _open(args)
    try:
        with ws.lock():
            return importer.run(ws, Path(args.file), replace=args.replace, now=_now(args.now))
    finally:
        ws.close()


def cmd_tasks(args: argparse.Namespace) -> Report:
    from jobs import importer

    ws = _open(args)
    try:
        return importer.summarize(ws)
    finally:
        ws.close()


def cmd_deadlines(args: argparse.Namespace) -> Report:
    from office.workdays import WorkCalendar, year_deadlines

    settings = None
    if Path(args.workspace, "duban.toml").exists():
        ws = _open(args)
        settings = ws.settings
        ws.close()
    year = args.year or (settings.year if settings else datetime.now().year)
    cal = WorkCalendar(settings.holidays, settings.workdays) if settings else WorkCalendar()
    rows = year_deadlines(cal, year, n=settings.status_workdays if settings else 5,
                          plan=settings.plan_deadline if settings else "02-18")
    return Report(job="deadlines", summary=f"{year}年报送日历", data={"year": year, "deadlines": rows})


COMMANDS: dict[str, Callable[[argparse.Namespace], Report]] = {}


def build_parser() -> argparse.ArgumentParser:
    prog = errors.PROG
    parser = ChineseParser(
        prog=prog,
        description="duban（督办）：政府工作报告任务分解、报送表生成与收集、台账汇总、催报与通报。",
        epilog=f"每个命令的详细用法：{prog} 命令 -h",
    )
    sub = parser.add_subparsers(dest="command", title="命令", metavar="命令", parser_class=ChineseParser)

    p = sub.add_parser("init", help="创建工作区（配置文件、单位名册和各工作文件夹）", description="创建工作区：duban.toml、units.xlsx（示例为市中区单位名册）以及 inbox、outbox、archive、trackers、briefings 文件夹。")
    p.add_argument("folder", metavar="文件夹", help="要创建的工作区文件夹")
    p.add_argument("--year", type=YEAR_VALUE, required=True, metavar="年份", help="工作区对应的年度，如 2025")
    p.add_argument("--office", metavar="名称", help="督查室所在单位名称（默认为示例名称，可稍后在 duban.toml 中修改）")
    _json_arg(p)
    COMMANDS["init"] = cmd_init

    p = sub.add_parser("import", help="导入任务分解表，建立任务登记", description="从任务分解表（.xlsx/.xls/.csv/.docx 表格，或带（牵头领导：…；牵头单位：…）注释的 .docx/.txt/.md 文稿）建立任务登记。")
    p.add_argument("file", metavar="文件", help="任务分解表文件")
    _workspace_arg(p)
    p.add_argument("--replace", action="store_true", help="允许删除已有报送内容的任务")
    _now_arg(p)
    _json_arg(p)
    COMMANDS["import"] = cmd_import

    p = sub.add_parser("tasks", help="查看任务登记（按类型、类别、单位统计）", description="查看任务登记：按类型、类别统计任务数，列出各单位承担的任务数和导入提示。")
    _workspace_arg(p)
    _json_arg(p)
    COMMANDS["tasks"] = cmd_tasks

    p = sub.add_parser("deadlines", help="查看全年报送日历（按法定节假日和调休计算）", description="列出一年的报送截止日期：年度计划表和每月落实情况表。工作日按国务院放假安排（含调休）计算。")
    p.add_argument("--year", type=YEAR_VALUE, metavar="年份", help="年份（默认：工作区的年度，或今年）")
    _workspace_arg(p)
    _json_arg(p)
    COMMANDS["deadlines"] = cmd_deadlines

    from office import cli_more

    cli_more.register(sub, COMMANDS)
    return parser


# ---- output ---------------------------------------------------------------

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
    errors.PROG = command_name()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # -h, or a bad option (already explained on stderr)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    if not args.command:
        parser.print_help()
        return EXIT_OK
    func = COMMANDS[args.command]
    try:
        report = func(args)
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
