"""duban.toml, read once into frozen dataclasses and passed down."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from config import CONFIG_DIR
from office.errors import ConfigError, command
from office.progress import ProgressSettings

CONFIG_NAME = "duban.toml"


@dataclass(frozen=True)
class MailTemplates:
    plan_subject: str = "{period}年度工作任务落实计划表（{unit}）"
    plan_body: str = "{unit}：\n请于{deadline}前报送附件。\n{contact}\n{office}\n"
    status_subject: str = "{period}工作任务落实情况表（{unit}）"
    status_body: str = "{unit}：\n请于{deadline}前报送附件。\n{contact}\n{office}\n"
    remind_subject: str = "【提醒】{period}落实情况请于{deadline}前报送（{unit}）"
    remind_body: str = "{unit}：\n尚未收到：\n{items}\n截止日期：{deadline}\n{contact}\n{office}\n"
    overdue_subject: str = "【催报】{period}落实情况已逾期（{unit}）"
    overdue_body: str = "{unit}：\n已逾期未报：\n{items}\n截止日期：{deadline}\n{contact}\n{office}\n"
    # [workflow] co_units = "via_lead": the co-units' notice instead of a status form ({leads}: the lead units)
    notice_subject: str = "【告知】{period}落实情况由牵头单位汇总报送（{unit}）"
    notice_body: str = (
        "{unit}：\n\n按照立项督查通知要求，{period}工作任务落实情况由牵头责任单位汇总后报送督查室，"
        "贵单位作为配合单位不单独报送落实情况表。\n"
        "贵单位配合的任务及其牵头单位如下：\n{items}\n"
        "牵头单位须于{deadline}前报送，请及早将贵单位承担部分的工作进展、存在问题和下一步措施提供给牵头单位。\n\n"
        "联系方式：{contact}\n{office}\n")
    receipt_rejected_subject: str = "【退回】{form}未能接收，请重新报送（{unit}）"
    receipt_rejected_body: str = "{unit}：\n{items}\n{contact}\n{office}\n"
    receipt_problems_subject: str = "【请补正】{form}已收到，有{count}处需补充或更正（{unit}）"
    receipt_problems_body: str = "{unit}：\n{items}\n{contact}\n{office}\n"
    receipt_ok_subject: str = "【回执】{form}已收到（{unit}）"
    receipt_ok_body: str = "{unit}：\n{items}\n{contact}\n{office}\n"


@dataclass(frozen=True)
class ImapSettings:
    """[mail.imap]: the office mailbox that `fetch` reads. No host: nothing is fetched."""

    host: str = ""
    port: int = 993
    security: str = "ssl"  # ssl | starttls | none
    user: str = ""
    password_env: str = "DUBAN_IMAP_PASSWORD"
    folder: str = "INBOX"
    since: date | None = None  # only messages the server received on or after this day
    mark_seen: bool = False  # leave \Seen as it was unless true
    max_message_mb: float = 25.0  # larger messages are not downloaded (recorded with the reason)
    max_attachments: int = 30  # workbook files taken from one message at most
    max_depth: int = 3  # forwarded messages / zip files inside one another
    timeout_seconds: float = 60.0

    @property
    def configured(self) -> bool:
        return bool(self.host.strip())


@dataclass(frozen=True)
class MailSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "none"  # ssl | starttls | none
    user: str = ""
    sender: str = ""
    sender_name: str = ""
    password_env: str = "DUBAN_SMTP_PASSWORD"
    retries: int = 3
    backoff_seconds: float = 2.0
    receipts: str = "problems"  # 回执 after collect: problems (rejected and incomplete files) | all | off
    templates: MailTemplates = field(default_factory=MailTemplates)
    imap: ImapSettings = field(default_factory=ImapSettings)


RECEIPT_MODES = ("problems", "all", "off")


@dataclass(frozen=True)
class BriefSettings:
    monthly_title: str = "关于{period}为民办实事项目进展情况的通报"
    quarterly_title: str = "关于{period}政府工作报告重点任务落实情况的通报"
    yearly_title: str = "关于{period}政府工作报告重点任务落实情况的通报"  # {period}: 2025年度
    section_overall: str = "一、总体情况"
    section_progress: str = "二、推进情况"
    section_problems: str = "三、存在的问题"
    section_reporting: str = "四、报送情况"
    closing: str = "请各责任单位对照通报内容，针对存在的问题认真研究整改措施，确保各项任务按期完成。"


# The finding kinds [score.kinds] may give points to (office.month_data.FINDING_LABELS, less
# the reporting events 迟报/未报/空表/计划未报, scored by late/missing per report).
SCORE_KINDS = ("incomplete", "not_achieved", "copied", "task_edited", "bad_choice", "bad_progress", "reopened",
               "sender_mismatch")


@dataclass(frozen=True)
class ScoreSettings:
    """[score]: the 考核 points. ``late``/``missing``: per report (a month's status form or the
    year's plan) returned late / not returned (a blank return counts as not returned);
    ``kinds``: points per finding of that kind (0 unless the office sets it); ``co_unit_factor``:
    what a finding on a task the unit only co-operates on (配合) counts for, and the reporting
    events of a unit that leads no task. Negative numbers deduct."""

    base: float = 100.0
    late: float = -0.1
    missing: float = -0.5
    co_unit_factor: float = 0.5
    kinds: dict = field(default_factory=dict)  # kind -> points per finding

    def points(self, kind: str) -> float:
        return float(self.kinds.get(kind, 0.0))


@dataclass(frozen=True)
class Settings:
    office: str
    contact: str
    year: int
    plan_deadline: str = "02-18"
    status_workdays: int = 5
    remind_before_workdays: int = 2
    overdue_after_workdays: int = 1
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()
    received_time: str = "first_seen"
    settle_seconds: float = 2.0
    collect_workers: int = 0
    mail: MailSettings = field(default_factory=MailSettings)
    plan_send: str = "01-27"
    status_send_time: str = "09:00"
    interval_minutes: float = 5.0
    brief: BriefSettings = field(default_factory=BriefSettings)
    co_units: str = "direct"  # [workflow]: "direct" (every unit reports its rows) | "via_lead" (leads report for the task)
    timezone: str = "Asia/Shanghai"  # [office] timezone: every time duban records or compares is local to this zone
    progress: ProgressSettings = field(default_factory=ProgressSettings)
    score: ScoreSettings = field(default_factory=ScoreSettings)


CO_UNITS = ("direct", "via_lead")


def _dates(values: object, where: str, path: Path) -> tuple[date, ...]:
    out = []
    for v in values or []:
        if isinstance(v, date):
            out.append(v)
            continue
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            raise ConfigError(f"{path}：[calendar] {where} 中的“{v}”不是日期，请写成 \"2027-01-01\" 的形式。") from None
    return tuple(out)


def _workers(value: object, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 64:
        raise ConfigError(f"{path}：[collect] workers 应为 0 到 64 的整数（0 表示按CPU核数自动选择，1 表示不另开进程），现为“{value}”。")
    return value


def _month_day(value: object, key: str, path: Path) -> str:
    s = str(value)
    try:
        date.fromisoformat(f"2000-{s}")
    except ValueError:
        raise ConfigError(f"{path}：{key} 的值“{s}”不是“月-日”格式，请写成 \"02-18\" 的形式。") from None
    return s


# tomllib's messages (Python 3.11-3.13), in the words of someone who edits duban.toml in Notepad;
# {0}, {1} are the message's groups.
_TOML_ERRORS: list[tuple[re.Pattern, str]] = [(re.compile(a), b) for a, b in (
    (r"Illegal character '\\n'", "这一行的文字缺少结尾的引号（文字要用英文双引号括起来）"),
    (r"Unterminated string", "文字缺少结尾的引号（文字要用英文双引号括起来）"),
    (r"(?:Illegal|Found invalid) character (.*)", "出现了不允许的字符 {0}"),
    (r"Invalid value", "无法识别的值（文字要用英文双引号括起来，如 name = \"区政府督查室\"；数字和 true/false 不加引号）"),
    (r"Expected '=' after a key in a key/value pair", "设置项名称后面缺少“=”"),
    (r"Invalid statement", "无法识别的一行（应为“名称 = 值”或“[分节名]”）"),
    (r"Expected newline or end of document after a statement", "值后面有多余的内容（一行只能写一项设置，说明文字前要加 #）"),
    (r"Unclosed array", "列表缺少结尾的“]”，或列表中的两项之间缺少英文逗号"),
    (r"Unclosed inline table", "缺少结尾的“}}”"),
    (r"Expected '\]' at the end of a table declaration", "分节名缺少结尾的“]”"),
    (r"Expected '\]\]' at the end of an array declaration", "缺少结尾的“]]”"),
    (r"Cannot declare \(?'?(.*?)'?,?\)? twice", "分节 [{0}] 出现了两次"),
    (r"Cannot overwrite a value|Cannot redefine namespace .*|Cannot mutate immutable namespace .*|Duplicate inline table key .*",
     "同一设置项写了两次"),
    (r"Invalid date or datetime", "日期或时间无效"),
    (r"Invalid initial character for a key part", "设置项名称以不允许的字符开头（名称只能用英文字母、数字、- 和 _）"),
    (r"Unescaped '\\' in a string", "文字中的“\\”要写成“\\\\”，或改用单引号括起来"),
    (r"Invalid hex value|Escaped character is not a Unicode scalar value", "文字中的“\\u”转义无效"),
)]
_TOML_WHERE = re.compile(r"^(?P<what>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$", re.S)


def toml_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> str:
    """A duban.toml syntax error in Chinese, with its line, column and the line itself."""
    m = _TOML_WHERE.match(str(exc))
    what = m.group("what") if m else str(exc)
    said = f"格式错误（{what}）"
    for pattern, words in _TOML_ERRORS:
        found = pattern.fullmatch(what)
        if found:
            said = words.format(*found.groups())
            break
    lines = text.splitlines()
    if m and m.group("line"):
        n, col = int(m.group("line")), int(m.group("col"))
        where = f"第 {n} 行第 {col} 列"
    else:
        n = max((i for i, line in enumerate(lines, 1) if line.strip()), default=0)
        where = "文件末尾"
    shown = f"\n  第 {n} 行：{lines[n - 1].strip()}" if 0 < n <= len(lines) else ""
    return f"配置文件 {path} {where}有误：{said}。{shown}\n请对照文件中的注释修改后重试。"


def _section(raw: dict, name: str, path: Path, parent: str = "") -> dict:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        full = f"{parent}.{name}" if parent else name
        raise ConfigError(f"{path}：{full} 应是一个分节（单独一行写 [{full}]，下面逐行写设置项），现为“{value}”。")
    return value


def _int(table: dict, key: str, default: int, path: Path, lo: int, hi: int, what: str = "") -> int:
    """``table[key]`` (its last part) as an int in [lo, hi]; else a ConfigError naming ``key``."""
    name = key.split()[-1]
    value = table.get(name, default)
    if name not in table and not lo <= default <= hi:
        raise ConfigError(f"{path}：缺少 {key}，应为{what or f'{lo} 到 {hi} 的整数'}。请对照注释补上。")
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{path}：{key} 应为{what or f'{lo} 到 {hi} 的整数'}（不加引号），现为“{value}”。")
    return value


def _number(table: dict, key: str, default: float, path: Path, lo: float, hi: float) -> float:
    value = table.get(key.split()[-1], default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ConfigError(f"{path}：{key} 应为 {lo:g} 到 {hi:g} 之间的数（不加引号），现为“{value}”。")
    return float(value)


def _clock(value: object, key: str, path: Path) -> str:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value))
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ConfigError(f"{path}：{key} 应为“时:分”，如 \"09:00\"，现为“{value}”。")
    return str(value)


def _mail_value(key: str, value: object, path: Path) -> object:
    """One [mail] setting, checked against its type."""
    if key == "port":
        return _int({key: value}, "[mail] port", 25, path, 1, 65535)
    if key == "retries":
        return _int({key: value}, "[mail] retries", 3, path, 0, 20)
    if key == "backoff_seconds":
        return _number({key: value}, "[mail] backoff_seconds", 2, path, 0, 3600)
    if not isinstance(value, str):
        raise ConfigError(f"{path}：[mail] {key} 应为用英文双引号括起来的文字，现为“{value}”。")
    return value


def _timezone(value: object, path: Path) -> str:
    from office.clock import office_zone

    name = str(value).strip()
    try:
        office_zone(name)
    except ValueError:
        raise ConfigError(f"{path}：[office] timezone 的值“{value}”不是时区名称，请写成 \"Asia/Shanghai\" 的形式。") from None
    return name


def _imap(mail: dict, path: Path) -> ImapSettings:
    """[mail.imap], each value checked against its type."""
    raw = _section(mail, "imap", path, "mail")
    out: dict[str, object] = {}
    for key in ("host", "user", "password_env", "folder"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise ConfigError(f"{path}：[mail.imap] {key} 应为用英文双引号括起来的文字，现为“{raw[key]}”。")
            out[key] = raw[key].strip()
    if "folder" in out and not out["folder"]:
        raise ConfigError(f"{path}：[mail.imap] folder 不能为空（收件箱一般是 \"INBOX\"）。")
    out["port"] = _int(raw, "[mail.imap] port", 993, path, 1, 65535)
    security = str(raw.get("security", "ssl")).strip().lower()
    if security not in ("ssl", "starttls", "none"):
        raise ConfigError(f"{path}：[mail.imap] security 只能是 ssl、starttls 或 none，现为“{raw.get('security')}”。")
    out["security"] = security
    since = raw.get("since", "")
    if isinstance(since, date):
        out["since"] = since
    elif str(since).strip():
        try:
            out["since"] = date.fromisoformat(str(since).strip())
        except ValueError:
            raise ConfigError(f"{path}：[mail.imap] since 应为日期，如 \"2025-01-01\"（留空表示不限），现为“{since}”。") from None
    seen = raw.get("mark_seen", False)
    if not isinstance(seen, bool):
        raise ConfigError(f"{path}：[mail.imap] mark_seen 只能是 true 或 false（不加引号），现为“{seen}”。")
    out["mark_seen"] = seen
    out["max_message_mb"] = _number(raw, "[mail.imap] max_message_mb", 25, path, 0.01, 2048)
    out["max_attachments"] = _int(raw, "[mail.imap] max_attachments", 30, path, 1, 1000)
    out["max_depth"] = _int(raw, "[mail.imap] max_depth", 3, path, 1, 10)
    out["timeout_seconds"] = _number(raw, "[mail.imap] timeout_seconds", 60, path, 1, 3600)
    return ImapSettings(**out)


def _progress(raw: dict, path: Path) -> ProgressSettings:
    """[progress], each value checked."""
    table = _section(raw, "progress", path)
    yellow = _number(table, "[progress] yellow_gap", 10, path, 0, 100)
    red = _number(table, "[progress] red_gap", 30, path, 0, 100)
    if red < yellow:
        raise ConfigError(f"{path}：[progress] red_gap（{red:g}）不能小于 yellow_gap（{yellow:g}）：落后超过 red_gap 个百分点为红，"
                          "落后 yellow_gap 到 red_gap 个百分点为黄。")
    forces = table.get("no_forces_red", True)
    if not isinstance(forces, bool):
        raise ConfigError(f"{path}：[progress] no_forces_red 只能是 true 或 false（不加引号），现为“{forces}”。")
    return ProgressSettings(yellow_gap=yellow, red_gap=red, no_forces_red=forces)


def _score(raw: dict, path: Path) -> ScoreSettings:
    """[score] and [score.kinds], each value checked."""
    table = _section(raw, "score", path)
    kinds_raw = _section(table, "kinds", path, "score")
    kinds: dict[str, float] = {}
    for key, value in kinds_raw.items():
        if key not in SCORE_KINDS:
            raise ConfigError(f"{path}：[score.kinds] 中的“{key}”不是可计分的问题类型，可用的有："
                              f"{'、'.join(SCORE_KINDS)}（迟报、未报用 [score] 的 late、missing 设置）。")
        kinds[key] = _number(kinds_raw, f"[score.kinds] {key}", 0, path, -100, 100)
    return ScoreSettings(
        base=_number(table, "[score] base", 100, path, 0, 10000),
        late=_number(table, "[score] late", -0.1, path, -100, 100),
        missing=_number(table, "[score] missing", -0.5, path, -100, 100),
        co_unit_factor=_number(table, "[score] co_unit_factor", 0.5, path, 0, 1),
        kinds=kinds,
    )


def load_settings(path: Path) -> Settings:
    """Read duban.toml; a broken file is a ConfigError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}。请先运行 {command('init 文件夹 --year 年份')} 创建工作区，或用 -w 指定工作区文件夹。") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(toml_error(path, text, exc)) from None
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码，请用记事本“另存为 UTF-8”后重试。") from None
    try:
        office = _section(raw, "office", path)
        deadlines = _section(raw, "deadlines", path)
        cal = _section(raw, "calendar", path)
        collect = _section(raw, "collect", path)
        mail = _section(raw, "mail", path)
        sched = _section(raw, "schedule", path)
        brief = _section(raw, "brief", path)
        workflow = _section(raw, "workflow", path)
        co_units = str(workflow.get("co_units", "direct")).strip().lower()
        if co_units not in CO_UNITS:
            raise ConfigError(f"{path}：[workflow] co_units 只能是 direct（各单位分别报送）或 via_lead（由牵头单位汇总报送），"
                              f"现为“{workflow.get('co_units')}”。")
        tpl_fields = MailTemplates.__dataclass_fields__
        templates = MailTemplates(**{k: str(v) for k, v in _section(mail, "templates", path, "mail").items() if k in tpl_fields})
        mail_fields = {k: _mail_value(k, v, path) for k, v in mail.items() if k in MailSettings.__dataclass_fields__ and k not in ("templates", "imap")}
        security = str(mail_fields.get("security", "none")).lower()
        if security not in ("ssl", "starttls", "none"):
            raise ConfigError(f"{path}：[mail] security 只能是 ssl、starttls 或 none，现为“{security}”。")
        mail_fields["security"] = security
        receipts = str(mail_fields.get("receipts", "problems")).lower()
        if receipts not in RECEIPT_MODES:
            raise ConfigError(f"{path}：[mail] receipts 只能是 problems（只回复退回和需补正的文件）、all（每个文件都回复）或 off（不发回执），现为“{receipts}”。")
        mail_fields["receipts"] = receipts
        received = str(collect.get("received_time", "first_seen"))
        if received not in ("first_seen", "file_mtime"):
            raise ConfigError(f"{path}：[collect] received_time 只能是 first_seen 或 file_mtime，现为“{received}”。")
        year = _int(_section(raw, "year", path), "[year] year", 0, path, 2000, 2100, "四位年份，如 2025")
        return Settings(
            office=str(office.get("name", "督查室")),
            contact=str(office.get("contact", "")),
            year=year,
            plan_deadline=_month_day(deadlines.get("plan", "02-18"), "[deadlines] plan", path),
            status_workdays=_int(deadlines, "[deadlines] status_workdays", 5, path, 1, 30),
            remind_before_workdays=_int(deadlines, "[deadlines] remind_before_workdays", 2, path, 0, 30),
            overdue_after_workdays=_int(deadlines, "[deadlines] overdue_after_workdays", 1, path, 0, 30),
            holidays=_dates(cal.get("holidays"), "holidays", path),
            workdays=_dates(cal.get("workdays"), "workdays", path),
            received_time=received,
            settle_seconds=_number(collect, "[collect] settle_seconds", 2, path, 0, 3600),
            collect_workers=_workers(collect.get("workers", 0), path),
            mail=MailSettings(templates=templates, imap=_imap(mail, path), **mail_fields),
            plan_send=_month_day(sched.get("plan_send", "01-27"), "[schedule] plan_send", path),
            status_send_time=_clock(sched.get("status_send_time", "09:00"), "[schedule] status_send_time", path),
            interval_minutes=_number(sched, "[schedule] interval_minutes", 5, path, 0.01, 1440),
            brief=BriefSettings(**{k: str(v) for k, v in brief.items() if k in BriefSettings.__dataclass_fields__}),
            co_units=co_units,
            timezone=_timezone(office.get("timezone", "Asia/Shanghai"), path),
            progress=_progress(raw, path),
            score=_score(raw, path),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"配置文件 {path} 中有无法识别的值：{exc}。请对照注释修改后重试。") from None


def render_config(office_name: str, contact: str, year: int) -> str:
    """The commented duban.toml written by `init`."""
    template = (CONFIG_DIR / "duban.toml.in").read_text(encoding="utf-8")
    return template.format(office_name=office_name, contact=contact, year=year)
