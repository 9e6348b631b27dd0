"""duban.toml, read once into frozen dataclasses and passed down."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import ConfigError

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
    receipt_rejected_subject: str = "【退回】{form}未能接收，请重新报送（{unit}）"
    receipt_rejected_body: str = "{unit}：\n{items}\n{contact}\n{office}\n"
    receipt_problems_subject: str = "【请补正】{form}已收到，有{count}处需补充或更正（{unit}）"
    receipt_problems_body: str = "{unit}：\n{items}\n{contact}\n{office}\n"
    receipt_ok_subject: str = "【回执】{form}已收到（{unit}）"
    receipt_ok_body: str = "{unit}：\n{items}\n{contact}\n{office}\n"


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


RECEIPT_MODES = ("problems", "all", "off")


@dataclass(frozen=True)
class BriefSettings:
    monthly_title: str = "关于{period}为民办实事项目进展情况的通报"
    quarterly_title: str = "关于{period}政府工作报告重点任务落实情况的通报"
    section_overall: str = "一、总体情况"
    section_progress: str = "二、推进情况"
    section_problems: str = "三、存在的问题"
    section_reporting: str = "四、报送情况"
    closing: str = "请各责任单位对照通报内容，针对存在的问题认真研究整改措施，确保各项任务按期完成。"


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


def load_settings(path: Path) -> Settings:
    """Read duban.toml; a broken file is a ConfigError naming the line."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}。请先运行 python run.py init 创建工作区，或用 -w 指定工作区文件夹。") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 格式有误：{exc}。请对照注释修改后重试。") from None
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码，请用记事本“另存为 UTF-8”后重试。") from None
    try:
        office = raw.get("office", {})
        deadlines = raw.get("deadlines", {})
        cal = raw.get("calendar", {})
        collect = raw.get("collect", {})
        mail = raw.get("mail", {})
        sched = raw.get("schedule", {})
        brief = raw.get("brief", {})
        tpl_fields = MailTemplates.__dataclass_fields__
        templates = MailTemplates(**{k: str(v) for k, v in mail.get("templates", {}).items() if k in tpl_fields})
        mail_fields = {k: v for k, v in mail.items() if k in MailSettings.__dataclass_fields__ and k != "templates"}
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
        year = int(raw.get("year", {}).get("year", 0))
        if not 2000 <= year <= 2100:
            raise ConfigError(f"{path}：[year] year 应为四位年份，现为“{year}”。")
        return Settings(
            office=str(office.get("name", "督查室")),
            contact=str(office.get("contact", "")),
            year=year,
            plan_deadline=_month_day(deadlines.get("plan", "02-18"), "[deadlines] plan", path),
            status_workdays=int(deadlines.get("status_workdays", 5)),
            remind_before_workdays=int(deadlines.get("remind_before_workdays", 2)),
            overdue_after_workdays=int(deadlines.get("overdue_after_workdays", 1)),
            holidays=_dates(cal.get("holidays"), "holidays", path),
            workdays=_dates(cal.get("workdays"), "workdays", path),
            received_time=received,
            settle_seconds=float(collect.get("settle_seconds", 2)),
            collect_workers=_workers(collect.get("workers", 0), path),
            mail=MailSettings(templates=templates, **mail_fields),
            plan_send=_month_day(sched.get("plan_send", "01-27"), "[schedule] plan_send", path),
            status_send_time=str(sched.get("status_send_time", "09:00")),
            interval_minutes=float(sched.get("interval_minutes", 5)),
            brief=BriefSettings(**{k: str(v) for k, v in brief.items() if k in BriefSettings.__dataclass_fields__}),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"配置文件 {path} 中有无法识别的值：{exc}。请对照注释修改后重试。") from None


def render_config(office_name: str, contact: str, year: int) -> str:
    """The commented duban.toml written by `init`."""
    template = (Path(__file__).parent / "config" / "duban.toml.in").read_text(encoding="utf-8")
    return template.format(office_name=office_name, contact=contact, year=year)
