"""Building and sending the office's mail: messages, an SMTP session with retries, delivery runs.

Nothing here prints. Failures become :class:`MailError` with a Chinese reason the clerk can act on;
the jobs (send, remind) turn them into entries of their Report. Every message is recorded
before it goes out and after (see :func:`deliver`), and :func:`issued_units` is the one
answer to “was this period's form issued to the unit”.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Callable, Collection, Mapping

from office.errors import ConfigError, DubanError
from office.ledger import mail as mail_ledger
from office.model import Unit
from office.settings import MailSettings, Settings

XLSX_MAINTYPE = "application"
XLSX_SUBTYPE = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_DIR = "邮件预览"
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class MailError(DubanError):
    """A message could not be delivered. ``fatal`` means the server itself cannot be used
    (unreachable, login refused), so the remaining messages of the run need not be tried."""

    def __init__(self, reason: str, *, fatal: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.fatal = fatal


# -- text helpers ------------------------------------------------------------------------------


def split_addresses(emails: tuple[str, ...] | list[str]) -> tuple[list[str], list[str]]:
    """(usable, malformed) addresses, duplicates removed."""
    good: list[str] = []
    bad: list[str] = []
    for e in emails:
        e = (e or "").strip()
        if not e:
            continue
        target = good if _ADDRESS.match(e) else bad
        if e.lower() not in (x.lower() for x in target):
            target.append(e)
    return good, bad


def safe_filename(name: str) -> str:
    return _UNSAFE_NAME.sub("_", name).strip(" .") or "未命名"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- messages ----------------------------------------------------------------------------------


def _sender(mail: MailSettings) -> str:
    sender = (mail.sender or mail.user or "").strip()
    if not sender or "@" not in sender:
        raise ConfigError("duban.toml 的 [mail] 中未填写有效的发件地址 sender（例如 duchashi@example.org），无法生成邮件。")
    return sender


def build_message(settings: Settings, unit: Unit | str | None, to: list[str], subject: str, body: str,
                  attachments: list[Path], now: datetime) -> EmailMessage:
    """One UTF-8 message with the workbooks attached byte for byte."""
    mail = settings.mail
    sender = _sender(mail)
    local, _, domain = sender.rpartition("@")
    msg = EmailMessage()
    name = mail.sender_name or settings.office
    try:
        msg["From"] = Address(display_name=name, username=local, domain=domain)
    except (ValueError, TypeError):
        msg["From"] = formataddr((name, sender))
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now.astimezone() if now.tzinfo is None else now)
    msg["Message-ID"] = make_msgid(domain=domain or None)
    unit_name = unit.name if isinstance(unit, Unit) else unit
    if unit_name:
        msg["X-Duban-Unit"] = unit_name
    msg.set_content(body, subtype="plain", charset="utf-8")
    for path in attachments:
        path = Path(path)
        msg.add_attachment(path.read_bytes(), maintype=XLSX_MAINTYPE, subtype=XLSX_SUBTYPE, filename=path.name)
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as an .eml file (CRLF line ends, what Outlook and Foxmail expect)."""
    return msg.as_bytes(policy=SMTP_POLICY)


# -- SMTP --------------------------------------------------------------------------------------


def _describe(exc: BaseException, mail: MailSettings) -> tuple[str, bool]:
    """(Chinese reason, fatal) for an exception raised while talking to the server."""
    where = f"{mail.host}:{mail.port}"
    check = "请检查 duban.toml [mail] 中的 host、port、security 设置和网络连接。"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        for addr, (code, text) in exc.recipients.items():
            t = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
            parts.append(f"{addr}（{code} {t}）")
        return f"收件地址被邮件服务器拒绝：{'；'.join(parts)}。请核对 units.xlsx 中该单位的邮箱。", False
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"邮件服务器 {where} 拒绝登录（用户名或密码不正确，或未开启 SMTP 授权码）。请检查 [mail] user "
                f"和环境变量 {mail.password_env}。"), True
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"发件地址 {exc.sender} 被邮件服务器拒绝（{exc.smtp_code} {_text(exc.smtp_error)}）。请检查 [mail] sender 是否与登录账号一致。", True
    if isinstance(exc, smtplib.SMTPDataError):
        return f"邮件服务器拒收邮件内容（{exc.smtp_code} {_text(exc.smtp_error)}），可能是附件过大或被判为垃圾邮件。", False
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"邮件服务器 {where} 不支持所需功能（{exc}）。请尝试把 [mail] security 改为 ssl 或 none。", True
    if isinstance(exc, smtplib.SMTPConnectError):
        return f"无法连接邮件服务器 {where}（{exc.smtp_code} {_text(exc.smtp_error)}）。{check}", True
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"与邮件服务器 {where} 的连接意外断开（{exc or '服务器关闭了连接'}）。{check}", True
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"邮件服务器返回错误（{exc.smtp_code} {_text(exc.smtp_error)}）。", False
    if isinstance(exc, smtplib.SMTPException):
        return f"与邮件服务器 {where} 通信出错（{exc}）。", False
    if isinstance(exc, ConnectionRefusedError):
        return f"无法连接邮件服务器 {where}：连接被拒绝（服务器未运行或端口不对）。{check}", True
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"连接邮件服务器 {where} 超时。{check}", True
    if isinstance(exc, socket.gaierror):
        return f"无法连接邮件服务器：找不到主机 {mail.host}（域名无法解析）。{check}", True
    if isinstance(exc, ssl.SSLError):
        return f"与邮件服务器 {where} 建立加密连接失败（{exc.reason or exc}）。请检查 [mail] security（ssl 或 starttls）与端口是否匹配。", True
    if isinstance(exc, OSError):
        return f"无法连接邮件服务器 {where}（{exc.strerror or exc}）。{check}", True
    return f"发送邮件时出错（{type(exc).__name__}：{exc}）。", False


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class Mailer:
    """One SMTP session per run: connect lazily, retry with exponential backoff, reconnect when dropped.

    ``with Mailer(settings.mail) as m: m.send(msg)``. The password comes only from the
    environment variable named by ``password_env``.
    """

    def __init__(self, mail: MailSettings | Settings, *, sleep: Callable[[float], None] = time.sleep,
                 timeout: float = 30.0, environ: Mapping[str, str] | None = None):
        mail = mail.mail if isinstance(mail, Settings) else mail
        self.mail = mail
        self.sleep = sleep
        self.timeout = timeout
        self.environ = os.environ if environ is None else environ
        self.smtp: smtplib.SMTP | None = None
        self.last_answer = ""  # the server's reply to the last message's DATA, e.g. "250 OK queued as 4F2A"
        self.warnings: list[str] = []
        if mail.user and not self.environ.get(mail.password_env):
            self.warnings.append(
                f"已设置发件账号 {mail.user}，但环境变量 {mail.password_env} 中没有密码，本次未登录邮件服务器。"
                "如服务器要求登录，请先设置该环境变量。")

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        m = self.mail
        if m.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(m.host, m.port, timeout=self.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(m.host, m.port, timeout=self.timeout)
        try:
            if m.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            password = self.environ.get(m.password_env) if m.password_env else None
            if m.user and password:
                smtp.login(m.user, password)
        except BaseException:
            smtp.close()
            raise
        plain_data = smtp.data

        def data(msg):  # noqa: ANN001, ANN202 - keep the server's answer, which sendmail drops
            code, text = plain_data(msg)
            self.last_answer = f"{code} {_text(text)}".strip()
            return code, text

        smtp.data = data
        self.smtp = smtp

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _drop(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def send(self, msg: EmailMessage) -> dict[str, tuple[int, str]]:
        """Deliver ``msg``; raise MailError with a Chinese reason after the retries are spent.

        Returns the recipients the server refused while accepting the others (usually empty):
        the message went out, so it is not retried for them.
        """
        attempts = max(0, int(self.mail.retries)) + 1
        delay = max(0.0, float(self.mail.backoff_seconds))
        reason, fatal = "", False
        for attempt in range(attempts):
            try:
                if self.smtp is None:
                    self.connect()
                self.last_answer = ""
                refused = self.smtp.send_message(msg)
                return {a: (c, _text(t)) for a, (c, t) in (refused or {}).items()}
            except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
                self._drop()  # retrying cannot help: wrong password, or the server lacks the feature
                raise MailError(_describe(exc, self.mail)[0], fatal=True) from None
            except OSError as exc:  # smtplib.SMTPException is an OSError too
                reason, fatal = _describe(exc, self.mail)
                if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)) or not isinstance(exc, smtplib.SMTPException):
                    self._drop()  # the connection is gone: reconnect on the next attempt
                else:
                    self._reset()
            if attempt < attempts - 1:
                self.sleep(delay)
                delay *= 2
        if attempts > 1:
            reason += f"（已重试 {attempts - 1} 次）"
        raise MailError(reason, fatal=fatal)

    def _reset(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()


# -- a delivery run shared by send, remind and the receipts -------------------------------------
#
# Exactly once: a message is recorded in the ledger as 'sending' (发送中) before it is handed to
# SMTP and as 'sent' (已发送, with the server's answer) right after the server accepted it, or
# 'failed' with the reason. A run stopped in between leaves 'sending': the next run does not know
# whether the unit got the message, lists it as 待确认 (unconfirmed) and does not send it again
# unless the clerk names the unit (send … --resend --unit X, or --record-only --unit X to record
# that it did arrive). The key of a message is (kind, period, unit, stage).

STATUS_LABELS = {"sending": "发送中", "sent": "已发送", "failed": "发送失败"}

# Test hook: called with the message after the server accepted it and before the ledger records
# it as sent (a test sets it to raise or to end the process, to stand for a crash at that moment).
_after_smtp_hook: Callable[[EmailMessage], None] | None = None


@dataclass
class Outgoing:
    """One message to build: for ``unit``, to ``to``, with these attachments."""

    unit: str
    to: list[str]
    subject: str
    body: str
    attachments: list[Path]
    eml_name: str = ""


@dataclass
class Delivery:
    sent: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # {"unit", "reason", "tried"}
    eml: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unconfirmed: list[dict] = field(default_factory=list)  # {"unit", "since", "message_id"}: 待确认, not sent again
    fatal: str = ""  # the reason the server could not be used at all (the rest of the run was not tried)


def rel(root: Path, path: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def last_sent(ws, kind: str, period: str, unit: str, stage: str) -> dict | None:  # noqa: ANN001
    """The newest ledger row of this message that went out (or was recorded as delivered), or None."""
    return mail_ledger.last_sent(ws.ledger, kind, period, unit, stage)


def unconfirmed_row(ws, kind: str, period: str, unit: str, stage: str) -> dict | None:  # noqa: ANN001
    """The newest row of this message when it is still 'sending' (待确认), else None."""
    row = mail_ledger.newest(ws.ledger, kind, period, unit, stage)
    return row if row is not None and row["status"] == "sending" else None


def issued_units(ws, kind: str, period: str) -> set[str]:  # noqa: ANN001
    """The units to which this period's form was issued: mailed by ``send`` and accepted by the
    server, or recorded with ``send --record-only``. The one definition of “下发” for every job."""
    return mail_ledger.issued_units(ws.ledger, kind, period)


def record_delivered(ws, kind: str, period: str, unit: str, files: list[dict], now: datetime, note: str) -> None:  # noqa: ANN001
    """Record a form as issued without mailing it (``send --record-only``)."""
    with ws.ledger.transaction() as con:
        mail_ledger.record_delivered(con, kind, period, unit, "send", files, now.isoformat(timespec="seconds"), note)


def _short_list(names: list[str], limit: int = 12) -> str:
    if len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + f"等{len(names)}个单位"


def failure_lines(failed: list[dict]) -> list[str]:
    """Each failure reason once, with the units it stopped (one line when all are the same)."""
    groups: dict[str, list[str]] = {}
    for f in failed:
        groups.setdefault(f["reason"], []).append(f["unit"])
    if len(groups) == 1:
        (reason, units), = groups.items()
        if len(units) == 1:
            return [f"{units[0]}发送失败：{reason}"]
        return [f"{len(units)} 个单位发送失败，原因相同：{reason}（{_short_list(units)}）"]
    return [f"{_short_list(units)}发送失败：{reason}" for reason, units in groups.items()]


def unconfirmed_lines(unconfirmed: list[dict], resend_hint: str, record_hint: str = "") -> list[str]:
    """The 待确认 messages and what the clerk can do about them."""
    if not unconfirmed:
        return []
    names = [u["unit"] for u in unconfirmed]
    since = "、".join(sorted({u["since"].replace("T", " ")[:16] for u in unconfirmed}))
    text = (f"待确认 {len(names)} 封：{_short_list(names)}。上次运行在把邮件交给邮件服务器之后、记录结果之前中断"
            f"（{since}），无法确认单位是否已收到，本次未重发。请在发件邮箱的“已发送”中核对或向单位确认；")
    if record_hint:
        text += f"确认已收到的，运行 {record_hint} 登记；"
    text += f"确认未收到的，运行 {resend_hint} 重发。" if resend_hint else "该邮件不会自动重发。"
    return [text]


def deliver(ws, kind: str, period: str, stage: str, outgoing: list[Outgoing], *, now: datetime,  # noqa: ANN001
            dry_run: bool, preview_dir: Path, sleep: Callable[[float], None] = time.sleep,
            force: Collection[str] = ()) -> Delivery:
    """Build each message; write previews (dry run) or send and record each one as it goes.

    A message whose last record is still 发送中 is not sent again (it is listed in
    ``Delivery.unconfirmed``) unless its unit is in ``force``.
    """
    out = Delivery()
    if not outgoing:
        return out
    if dry_run:
        preview_dir.mkdir(parents=True, exist_ok=True)
        from office.atomic import write_bytes

        for o in outgoing:
            msg = build_message(ws.settings, o.unit, o.to, o.subject, o.body, o.attachments, now)
            target = preview_dir / safe_filename(o.eml_name or f"{o.unit}.eml")
            write_bytes(target, message_bytes(msg))
            out.eml.append(str(target))
            out.preview.append({"unit": o.unit, "to": list(o.to), "files": [rel(ws.root, p) for p in o.attachments],
                                "eml": str(target)})
        return out

    mailer = Mailer(ws.settings.mail, sleep=sleep)
    out.warnings.extend(mailer.warnings)
    stamp = now.isoformat(timespec="seconds")
    with mailer:
        fatal_reason = ""
        for o in outgoing:
            pending = unconfirmed_row(ws, kind, period, o.unit, stage)
            if pending is not None and o.unit not in force:
                out.unconfirmed.append({"unit": o.unit, "since": pending["sent_at"], "message_id": pending["message_id"]})
                continue
            if fatal_reason:
                out.failed.append({"unit": o.unit, "reason": fatal_reason, "tried": False})
                continue
            try:
                msg = build_message(ws.settings, o.unit, o.to, o.subject, o.body, o.attachments, now)
                files = [{"file": rel(ws.root, p), "sha256": sha256_file(p)} for p in o.attachments]
            except OSError as exc:
                out.failed.append({"unit": o.unit, "reason": f"附件无法读取（{exc.strerror or exc}），请重新运行 generate 后再发送。",
                                   "tried": False})
                continue
            with ws.ledger.transaction() as con:
                row_id = mail_ledger.start(con, kind, period, o.unit, stage, list(o.to), files, str(msg["Message-ID"]), stamp)
            try:
                refused = mailer.send(msg)
            except MailError as exc:
                with ws.ledger.transaction() as con:
                    mail_ledger.mark_failed(con, row_id, exc.reason)
                out.failed.append({"unit": o.unit, "reason": exc.reason, "tried": True})
                if exc.fatal:
                    fatal_reason = out.fatal = exc.reason
                continue
            if _after_smtp_hook is not None:
                _after_smtp_hook(msg)
            to = [a for a in o.to if a not in refused]
            answer = mailer.last_answer
            if refused:
                answer += "；拒收：" + "、".join(f"{a}（{c} {t}）" for a, (c, t) in refused.items())
            with ws.ledger.transaction() as con:
                mail_ledger.mark_sent(con, row_id, answer, to)
            out.sent.append({"unit": o.unit, "to": to, "files": [f["file"] for f in files], "answer": answer})
            if refused:
                out.warnings.append(f"{o.unit}：以下收件地址被拒绝，其余地址已发送：" + "、".join(
                    f"{a}（{c} {t}）" for a, (c, t) in refused.items()) + "。请核对 units.xlsx 中的邮箱。")
    return out


def addresses_of(registry, unit: str) -> tuple[list[str], str, list[str]]:  # noqa: ANN001
    """(valid addresses, reason the unit is skipped or "", warnings) for one unit of the registry."""
    record = registry.get(unit)
    if record is None:
        return [], "该单位不在单位名册 units.xlsx 中，没有收件地址。请登记后再发送。", []
    to, bad = split_addresses(record.emails)
    warnings = [f"{unit}：邮箱“{'、'.join(bad)}”格式不正确，未向其发送。请在 units.xlsx 中更正。"] if bad else []
    if not to:
        why = "邮箱格式不正确" if bad else "units.xlsx 中未填写该单位的邮箱"
        return [], f"{why}，无法发送。请在 units.xlsx 的“邮箱”列中填写后再发送。", warnings
    return to, "", warnings
