"""The command table: every job once, with its Chinese help, its options, how its request
is built and whether it takes the workspace lock.

Every job module holds a frozen ``Request`` dataclass and ``run(ws, request, now) -> Report``
(a few take keyword hooks besides: ``sleep`` between mails, ``progress`` for a display,
``clock`` for the one job that runs until stopped). The command line (run.py) builds its
parser from :data:`COMMANDS` and runs each command through it; ``run-due`` runs the jobs
that are due through :func:`call`.

A request is built from the parsed options by name: each option's ``dest`` is the name of
a field of the job's ``Request`` (``--dry-run`` -> ``dry_run``); ``fixed`` adds fields the
command line always sets. Adding a job is one :class:`Command` entry here and one module in
``jobs/`` with its ``Request`` and ``run``.
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping

from office.cli import MONTH_VALUE, QUARTER_VALUE, TIME_VALUE, YEAR_VALUE, int_in, positive_float
from office.model import Report


@dataclass(frozen=True)
class Option:
    """One option or positional argument, as argparse's ``add_argument`` takes it."""

    flags: tuple[str, ...]
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """Options of which at most one (``required``: exactly one) may be given."""

    options: tuple[Option, ...]
    required: bool = False


def opt(*flags: str, **kwargs: Any) -> Option:
    return Option(tuple(flags), dict(kwargs))


def dry_run(text: str) -> Option:
    return opt("--dry-run", action="store_true", help=text)


@dataclass(frozen=True)
class Command:
    """One job on the command line (``cli``) and for the scheduler.

    ``job``: the module holding ``Request`` and the entry function ``entry``.
    ``workspace``: "open" (``-w``, the job gets the opened workspace), "optional" (opened
    when ``-w`` names a workspace, else None) or "none" (the job makes its own: init, demo).
    ``lock``: the job runs holding the workspace lock. ``now``/``json``: the command takes
    ``--now`` / ``--json``. ``hooks``: keyword arguments ``run`` takes besides the request
    (``sleep``, ``progress``, ``clock``). ``progress``: the display the command line hands
    the job ("bar" over files, "steps" of the demo), unless ``--json``. ``fixed``: fields the
    command line always sets (``collect`` answers the units it collected from; run-due does
    that itself). ``cli``: False for a job only the scheduler runs.
    """

    name: str
    help: str
    description: str
    job: str
    options: tuple[Option | Group, ...] = ()
    entry: str = "run"
    workspace: str = "open"
    lock: bool = True
    now: bool = True
    json: bool = True
    hooks: tuple[str, ...] = ()
    progress: str = ""
    fixed: Mapping[str, Any] = field(default_factory=dict)
    cli: bool = True

    def module(self):  # noqa: ANN201 - a job module
        return importlib.import_module(self.job)

    def function(self) -> Callable[..., Report]:
        return getattr(self.module(), self.entry)

    def request(self, **values: Any):  # noqa: ANN201 - the job's Request
        """The job's Request from values by field name; names it has no field for are ignored."""
        cls = self.module().Request
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items() if k in names})

    def request_from_options(self, options: Mapping[str, Any]):  # noqa: ANN201 - the job's Request
        """The Request of the command as typed: parsed options, and ``fixed`` on top."""
        return self.request(**{**options, **self.fixed})

    def run(self, ws, request, now: datetime, **hooks: Any) -> Report:  # noqa: ANN001
        """Run the job; hooks it does not take are left out."""
        return self.function()(ws, request, now, **{k: v for k, v in hooks.items() if k in self.hooks})


def call(name: str, ws, now: datetime, hooks: Mapping[str, Any] | None = None, **fields: Any) -> Report:  # noqa: ANN001
    """Run the job of command ``name`` on an open workspace, its Request made of ``fields``."""
    cmd = COMMANDS[name]
    return cmd.run(ws, cmd.request(**fields), now, **(hooks or {}))


KIND = opt("kind", choices=["plan", "status"], metavar="类型", help="plan（年度落实计划表）或 status（月度落实情况表）")
STATUS_MONTH = opt("--month", type=MONTH_VALUE, metavar="月份", help="落实情况表的月份，如 2025-03")

_TABLE = (
    Command(
        "init", "创建工作区（配置文件、单位名册和各工作文件夹）",
        "创建工作区：duban.toml、units.xlsx（示例为市中区单位名册）以及 inbox、outbox、archive、trackers、briefings 文件夹。",
        "jobs.init", workspace="none", lock=False, now=False, options=(
            opt("folder", type=Path, metavar="文件夹", help="要创建的工作区文件夹"),
            opt("--year", type=YEAR_VALUE, required=True, metavar="年份", help="工作区对应的年度，如 2025"),
            opt("--office", metavar="名称", help="督查室所在单位名称（默认为示例名称，可稍后在 duban.toml 中修改）"),
        )),
    Command(
        "import", "导入任务分解表，建立任务登记",
        "从任务分解表（.xlsx/.xls/.csv/.docx 表格，或带（牵头领导：…；牵头单位：…）注释的 .docx/.txt/.md 文稿）建立任务登记。",
        "jobs.importer", options=(
            opt("file", type=Path, metavar="文件", help="任务分解表文件"),
            opt("--replace", action="store_true", help="允许删除已有报送内容的任务"),
        )),
    Command(
        "tasks", "查看任务登记（按类型、类别、单位统计）",
        "查看任务登记：按类型、类别统计任务数，列出各单位承担的任务数和导入提示。",
        "jobs.tasks", lock=False, now=False),
    Command(
        "deadlines", "查看全年报送日历（按法定节假日和调休计算）",
        "列出一年的报送截止日期：年度计划表和每月落实情况表。工作日按国务院放假安排（含调休）计算。",
        "jobs.deadlines", workspace="optional", lock=False, now=False, options=(
            opt("--year", type=YEAR_VALUE, metavar="年份", help="年份（默认：工作区的年度，或今年）"),
        )),
    Command(
        "generate", "生成各单位的落实计划表或月度落实情况表",
        "为每个承担任务的单位生成预填好的报送表：plan 为年度落实计划表（附件3），status 为月度落实情况表（附件4）。文件保存在 outbox/ 下。",
        "jobs.generate", options=(KIND, STATUS_MONTH)),
    Command(
        "collect", "收集 inbox/ 中各单位报回的表格",
        "检查并收集 inbox/（含子文件夹）中报回的计划表和落实情况表：识别单位和期次，原件按 SHA-256 归档到 archive/，"
        "不合格的文件说明退回原因。结果写入 inbox/报送检查结果.xlsx。收集后按 duban.toml [mail] receipts 给报回的单位发回执："
        "退回的说明原因并附上原表，需补正的列出单元格。",
        "jobs.collect", hooks=("progress", "sleep"), progress="bar", fixed={"receipts": True}, options=(
            opt("--received", type=TIME_VALUE, metavar="时间", help="把本次收到的文件的收到时间统一记为此时间（ISO 格式）"),
            dry_run("回执（给报回单位的回复邮件，见 duban.toml [mail] receipts）只写成 .eml 文件供检查，不发送；文件照常收集"),
        )),
    Command(
        "fetch", "从督查室邮箱（IMAP）收取单位报回的邮件",
        "按 duban.toml [mail.imap] 读取督查室邮箱：每封带表格附件（.xlsx .xlsm .xls .et，包括压缩包 .zip 和转发邮件中的）的新邮件"
        "原样归档到 archive/mail/，附件放入 inbox/邮件/，之后由 collect 收集。收到时间取邮件服务器收到邮件的时间，发件地址与单位名册核对。"
        "邮件从不删除或移动；除非 mark_seen = true，已读/未读状态保持不变。已收取的邮件不会重复收取。"
        "密码放在环境变量中（[mail.imap] password_env）。",
        "jobs.fetch", options=(dry_run("只列出将要收取的邮件和附件，不写任何文件，也不改动邮箱"),)),
    Command(
        "merge", "汇总生成月度台账（含迟报、未报、内容不全等问题）或全年台账",
        "根据已接收的报送生成 trackers/ 下的月度台账（--month）：总览、台账、报送情况、问题清单、发现问题和为民办实事；"
        "或全年台账（--year）：总览和进度图表、各任务逐月红黄绿和完成进度、各单位逐月报送情况。",
        "jobs.merge", options=(Group((
            opt("--month", type=MONTH_VALUE, metavar="月份", help="台账月份，如 2025-03"),
            opt("--year", type=YEAR_VALUE, metavar="年份", help="全年台账的年份，如 2025（生成 trackers/2025年_全年台账.xlsx）"),
        ), required=True),)),
    Command(
        "send", "把报送表通过邮件发给各单位",
        "给每个单位发送一封邮件，附上该单位的报送表。已发送过的不会重复发送（除非加 --resend）。SMTP 设置在 duban.toml 的 [mail] 中，密码放在环境变量中。",
        "jobs.send", hooks=("sleep",), options=(
            KIND, STATUS_MONTH,
            dry_run("只把邮件写成 .eml 文件供检查，不发送"),
            opt("--resend", action="store_true", help="已发送过的单位也重新发送；上次发送中断、待确认的单位，只有用 --unit 点名时才重发"),
            opt("--unit", dest="units", action="extend", nargs="+", metavar="单位",
                help="只处理这些单位（名称或简称，可写多个，也可重复使用 --unit），例如 --resend --unit 区商务局 区财政局"),
            opt("--record-only", action="store_true",
                help="不发送邮件，只把报送表登记为已下发（报送表已通过本单位邮箱、纸质等其他方式送达时使用），之后按应报统计和催报"),
        )),
    Command(
        "remind", "提醒或催报尚未报送的单位",
        "给尚未报送的单位发邮件：截止前若干个工作日发提醒，截止后发逾期催报。每个阶段每个单位每月只发一次，已报送的单位不会收到。",
        "jobs.remind", hooks=("sleep",), options=(
            opt("--month", type=MONTH_VALUE, required=True, metavar="月份", help="落实情况表的月份，如 2025-03"),
            dry_run("只把邮件写成 .eml 文件供检查，不发送"),
        )),
    Command(
        "brief", "生成通报（Word）：月度为民办实事、季度和年度全部任务、完成事项",
        "根据台账数据生成通报文稿（.docx）：--month 为为民办实事进展月度通报，--quarter 为重点任务落实情况季度通报，"
        "--year 为重点任务全年落实情况的年度通报，--done 为完成事项通报（当月新完成、尚未通报的任务，每项只通报一次）。"
        "文稿标题和各部分标题可在 duban.toml 的 [brief] 中修改。",
        "jobs.brief", options=(Group((
            opt("--month", type=MONTH_VALUE, metavar="月份", help="月度通报的月份，如 2025-03；与 --done 同用时为完成事项通报的月份"),
            opt("--quarter", type=QUARTER_VALUE, metavar="季度", help="季度通报的季度，如 2025Q1"),
            opt("--year", type=YEAR_VALUE, metavar="年份", help="年度通报（重点任务全年落实情况）的年份，如 2025"),
        )), opt("--done", action="store_true",
                help="生成完成事项通报：列出该月新完成（销号）、尚未通报的任务；不加 --month 时取有此类任务的最近一个月"))),
    Command(
        "score", "年度（或季度）考核评分：按迟报、未报等逐条扣分",
        "按 duban.toml 的 [score] 计算各单位的考核得分，写入 trackers/2025年_考核评分.xlsx（--quarter 时为 "
        "trackers/2025年第一季度_考核评分.xlsx）：考核评分（按单位名册顺序）、扣分明细（每一项扣分的期次、问题、文件和单元格）"
        "和计分规则。只计截止日期已过的期次；某期报送表未下发给某单位的，该期对该单位不计分。",
        "jobs.score", options=(
            opt("--year", type=YEAR_VALUE, metavar="年份", help="考核年度，如 2025（默认：工作区的年度）"),
            opt("--quarter", type=QUARTER_VALUE, metavar="季度", help="只计算一个季度，如 2025Q3（年度计划表计入其截止日期所在的季度）"),
        )),
    Command(
        "run-due", "执行此刻到期的任务（适合由 cron 定时调用）",
        "按 duban.toml 的日程和报送日历，执行此刻到期且本期尚未执行过的任务：发送计划表、每月第一个工作日发送落实情况表、"
        "截止前提醒和截止后催报、有新文件时收集并汇总、截止后生成通报。可以每几分钟调用一次。",
        "jobs.run_due", hooks=("sleep",), options=(dry_run("邮件只写成 .eml 文件，不发送"),)),
    Command(
        "schedule", "常驻运行，定时执行到期任务",
        "常驻进程：按间隔唤醒 run-due，日志写入工作区 logs/schedule.log；收到 SIGTERM 或 Ctrl-C 时安全退出，单次任务失败会记录并继续。",
        "jobs.schedule", lock=False, now=False, json=False, hooks=("clock",), options=(
            opt("--interval", type=positive_float, metavar="分钟", help="检查间隔（分钟），默认取 duban.toml 的 [schedule] interval_minutes"),
            dry_run("邮件只写成 .eml 文件，不发送"),
        )),
    Command(
        "demo", "用市中区 2025 年样例演示一个完整的报送周期",
        "在指定文件夹建立工作区，导入市中区 2025 年任务分解表，生成并（模拟）发送计划表，模拟各单位报回（按时、迟报、未报、改名、.xls、"
        "损坏后重发等），收集、汇总 3 月台账并生成通报。",
        "jobs.demo", workspace="none", lock=False, now=False, hooks=("progress",), progress="steps", options=(
            opt("folder", type=Path, nargs="?", default="demo-ws", metavar="文件夹", help="演示工作区文件夹（默认 demo-ws）"),
            opt("--seed", type=int_in(0, 2**31 - 1), default=2025, metavar="种子", help="模拟数据的随机种子（相同种子结果相同）"),
        )),
    Command(
        "web", "在浏览器中使用：本月报送情况、上传报回文件、提醒催报、台账和通报",
        "启动本机网页（默认 http://127.0.0.1:8750/）：按月查看各单位报送情况和发现的问题，上传报回的文件并立即收集，"
        "生成和发送报送表、预览并发送提醒和催报、生成台账和通报，查看任务登记和报送日历。网页与命令行使用同一套操作，"
        "定时任务正在运行时会等它完成。只在本机访问时不需要密码；用 --host 向其他电脑开放前必须先用 --set-password 设置密码。",
        "jobs.web", lock=False, now=False, json=False, hooks=("password", "ready"), options=(
            opt("--host", default="127.0.0.1", metavar="地址",
                help="监听的地址（默认 127.0.0.1，只有本机能访问）；如 0.0.0.0 向局域网开放，须先设置密码"),
            opt("--port", type=int_in(1, 65535), default=8750, metavar="端口", help="端口（默认 8750）"),
            opt("--set-password", action="store_true",
                help="设置或更改网页密码（只保存加密后的摘要）；在终端中输入两次，或从标准输入读一行"),
            opt("--now", dest="fixed_now", type=TIME_VALUE, metavar="时间",
                help="网页按此时间判断迟报、未报（ISO 格式，如 2025-04-08T09:30），用于演练；默认为当前时间"),
        )),
    # Jobs the scheduler runs that have no command of their own.
    Command(
        "receipts", "给报回的单位发回执", "给刚收集的文件的报送单位发回执，并重试此前发送失败的回执。",
        "jobs.receipts", hooks=("sleep",), cli=False),
)

COMMANDS: dict[str, Command] = {c.name: c for c in _TABLE}
