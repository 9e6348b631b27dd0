"""The Chinese command-line parser: argparse with Chinese help and errors, the option value
types, how the user started the program, and a parser built from the command table.

It runs no job; run.py is the command line (output, exit codes)."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from datetime import datetime
from typing import Any, Callable, Iterable

from office import errors
from office.errors import DubanError

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


def _checked(check: Callable[[str], object], wrong: str, keep_text: bool = True) -> Callable[[str], Any]:
    """An argparse type that refuses a value, naming the option, when ``check(text)`` fails
    (``wrong`` says what a good value looks like); it gives the text as typed, or with
    ``keep_text=False`` what ``check`` made of it."""

    def value(text: str) -> Any:
        try:
            made = check(text)
        except (ValueError, DubanError):
            raise argparse.ArgumentTypeError(f"的值“{text}”{wrong}") from None
        return text if keep_text else made

    value.__name__ = "value"
    return value


def _month_check(text: str) -> None:
    from office.workdays import parse_period

    parse_period(text)


def _quarter_check(text: str) -> None:
    from office.dates import parse_quarter

    parse_quarter(text)


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    def value(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            n = None
        if n is None or not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"的值“{text}”无效，应为 {lo} 到 {hi} 的整数。")
        return n

    return value


def positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        x = -1.0
    if not x > 0 or x != x or x == float("inf"):
        raise argparse.ArgumentTypeError(f"的值“{text}”无效，应为大于 0 的数，如 5 或 0.5。")
    return x


TIME_VALUE = _checked(datetime.fromisoformat, "不是有效时间，请写成 2025-04-08T09:30 的形式。", keep_text=False)
MONTH_VALUE = _checked(_month_check, "不是有效的月份，请写成 2025-03 或 2025年3月 的形式。")
QUARTER_VALUE = _checked(_quarter_check, "不是有效的季度，请写成 2025Q1 的形式。")
YEAR_VALUE = int_in(2000, 2100)

WORKSPACE_OPTION = (("-w", "--workspace"), {"default": ".", "metavar": "文件夹", "help": "工作区文件夹（默认：当前文件夹）"})
NOW_OPTION = (("--now",), {"type": TIME_VALUE, "metavar": "时间",
                           "help": "按此时间运行（ISO 格式，如 2025-04-08T09:30），用于补跑或演练；默认为当前时间"})
JSON_OPTION = (("--json",), {"action": "store_true", "help": "以 JSON 格式输出结果"})


def build_parser(commands: Iterable[Any]) -> ChineseParser:
    """The parser of every command of the table (``jobs.commands.COMMANDS.values()``): each
    command's own options first, then -w, --now and --json where it takes them."""
    prog = errors.PROG
    parser = ChineseParser(
        prog=prog,
        description="duban（督办）：政府工作报告任务分解、报送表生成与收集、台账汇总、催报与通报。",
        epilog=f"每个命令的详细用法：{prog} 命令 -h",
    )
    sub = parser.add_subparsers(dest="command", title="命令", metavar="命令", parser_class=ChineseParser)
    for cmd in commands:
        if not cmd.cli:
            continue
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.description)
        for item in cmd.options:
            if hasattr(item, "flags"):
                p.add_argument(*item.flags, **item.kwargs)
            else:
                group = p.add_mutually_exclusive_group(required=item.required)
                for o in item.options:
                    group.add_argument(*o.flags, **o.kwargs)
        common = [WORKSPACE_OPTION] if cmd.workspace != "none" else []
        common += [NOW_OPTION] if cmd.now else []
        common += [JSON_OPTION] if cmd.json else []
        for flags, kwargs in common:
            p.add_argument(*flags, **kwargs)
    return parser
