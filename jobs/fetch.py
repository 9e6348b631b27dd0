"""fetch: take the units' returns straight from the office mailbox (IMAP), and open .eml files
saved into inbox/ by hand the same way.

Each message is archived byte for byte as archive/mail/<sha256[:2]>/<sha256>.eml; its workbooks
(attached, zipped, forwarded) are written into inbox/邮件/<date received>/, where collect takes
them like any dropped file. The ledger (office/ledger/mailbox.py) maps every such file's SHA-256
to its message: collect then uses the message's received time (the server's INTERNALDATE, in
office-local time) instead of the time it first saw the file, and checks the sender's address
against the unit registry.

Crash safety, per message: (1) archive the .eml (fsynced); (2) one transaction records the
message, the files planned from it and its server UID; (3) the files are written into the inbox
(atomically, their time set to the received time); (4) the message is marked done. A run that
stops after (1) downloads the message again (same bytes, same archive); after (2) the next run
writes the planned files from the archive (those collect already took are not written again).
Files with bytes already taken (from another message, by hand, or after a UIDVALIDITY change)
are recorded as duplicates and not written again: hashes decide.

The mailbox is only read: mail is never deleted or moved, and \\Seen is set only with
``[mail.imap] mark_seen = true`` (otherwise the folder is opened read-only and bodies are
fetched with BODY.PEEK).
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from office.atomic import write_bytes
from office.clock import to_office_local
from office.errors import ConfigError, DubanError
from office.ledger import mailbox
from office.model import Report
from office.units import is_email
from office.workspace import Workspace
from sheets.mail import Limits, MailMessage, read_message
from jobs.inbox import settled

MAIL_FOLDER = "邮件"  # under inbox/: the files taken from messages, by day received
ARCHIVE_FOLDER = "mail"  # under archive/
FETCH_CHUNK = 50  # messages whose size and headers are asked for at once
SEEN = b"\\Seen"


def _checkpoint(stage: str, sha: str) -> None:
    """Called after each step of taking one message (archived, recorded, written); does nothing.
    Tests replace it to stop a fetch at a chosen point, as a crash would."""


def limits_of(ws: Workspace) -> Limits:
    imap = ws.settings.mail.imap
    return Limits(max_bytes=int(imap.max_message_mb * 1024 * 1024), max_attachments=imap.max_attachments,
                  max_depth=imap.max_depth)


def eml_archive_path(ws: Workspace, sha: str) -> Path:
    return ws.root / "archive" / ARCHIVE_FOLDER / sha[:2] / f"{sha}.eml"


def _archive(ws: Workspace, raw: bytes, sha: str) -> Path:
    dest = eml_archive_path(ws, sha)
    if dest.exists() and hashlib.sha256(dest.read_bytes()).hexdigest() == sha:
        return dest
    if dest.exists():
        os.chmod(dest, 0o644)
    write_bytes(dest, raw)
    os.chmod(dest, 0o444)
    return dest


# ---------------------------------------------------------------------------- the sender check


def addresses_registered(ws: Workspace) -> dict[str, list[str]]:
    """{address (lower case): units registered with it}."""
    out: dict[str, list[str]] = {}
    for u in ws.registry.units:
        for e in u.emails:
            e = e.strip().lower()
            if e and u.name not in out.setdefault(e, []):
                out[e].append(u.name)
    return out


def check_sender(ws: Workspace, unit: str, senders: list[str]) -> tuple[str, str, str]:
    """(check, sender, sender's unit(s)) for a form of ``unit`` mailed by ``senders`` (the message's
    From, then those of messages forwarded in it). check: confirmed (an address registered to the
    unit) | mismatch (registered to another unit) | unknown (in no unit's row of the registry)."""
    registered = addresses_registered(ws)
    senders = [s for s in senders if s]
    for s in senders:
        if unit in registered.get(s, ()):
            return "confirmed", s, unit
    for s in senders:
        if registered.get(s):
            return "mismatch", s, "、".join(registered[s])
    return "unknown", senders[0] if senders else "", ""


def sender_note(check: str, *, unit: str, form: str, file: str, sender: str, sender_unit: str, subject: str,
                received: str) -> str:
    mail = f"邮件“{subject or '（无主题）'}”，{received.replace('T', ' ')}收到"
    if check == "mismatch":
        return (f"发件人与报送单位不符：{file} 表内识别为{unit}的{form}，但发件地址 {sender} 登记在{sender_unit}名下（{mail}）。"
                f"请核实是否由{sender_unit}代报，或误用了其他单位的表格。")
    if check == "unknown":
        return (f"发件地址 {sender or '（无）'} 不在单位名册中：{file} 表内识别为{unit}的{form}（{mail}）。"
                f"如该地址属于{unit}，请在 units.xlsx 的“邮箱”列中登记。")
    return ""


def senders_for_reply(ws: Workspace, shas: list[str]) -> list[str]:
    """The addresses the files ``shas`` were mailed from (for receipts: reply to the sender too)."""
    out: list[str] = []
    for o in mailbox.origins(ws.ledger, shas).values():
        s = (o.get("sender") or "").strip()
        if s and is_email(s) and s not in out:
            out.append(s)
    return out


# ---------------------------------------------------------------------------- taking one message


@dataclass
class Taken:
    """What taking one message did."""

    sha256: str
    state: str  # taken | known | resumed
    message: MailMessage | None = None
    files: list[dict] = field(default_factory=list)  # {"name", "inbox", "part", "state"}

    def as_json(self, ws: Workspace) -> dict:
        m = self.message
        return {"sha256": self.sha256, "state": self.state, "message_id": m.message_id if m else "",
                "sender": m.sender if m else "", "subject": m.subject if m else "",
                "archive": str(eml_archive_path(ws, self.sha256).relative_to(ws.root)),
                "files": self.files, "skipped": skipped_of(m)}


def skipped_of(msg: MailMessage | None) -> list[dict]:
    """What was left out of a message, and why; the whole message first if it was not read."""
    if msg is None:
        return []
    out = [{"name": "（整封邮件）", "reason": msg.refused}] if msg.refused else []
    return out + [{"name": s.name, "reason": s.reason} for s in msg.skipped]


def _inbox_path(ws: Workspace, day: str, name: str, used: set[str]) -> str:
    """A free inbox path (relative to the workspace) for a file taken on ``day``."""
    folder = Path("inbox") / MAIL_FOLDER / day
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while True:
        cand = folder / (name if n == 1 else f"{stem}（{n}）{suffix}")
        key = cand.as_posix()
        if key not in used and not (ws.root / cand).exists() and not mailbox.inbox_path_used(ws.ledger, key):
            used.add(key)
            return key
        n += 1


def _write_planned(ws: Workspace, sha: str, msg: MailMessage, received_at: str) -> list[dict]:
    """Write the message's planned files into the inbox; each is marked written when it is there."""
    db = ws.ledger
    by_sha = {hashlib.sha256(a.data).hexdigest(): a for a in msg.attachments}
    stamp = datetime.fromisoformat(received_at).timestamp()
    done: list[tuple[str, str]] = []
    for row in mailbox.planned_attachments(db, sha):
        a_sha, target = row["sha256"], ws.root / row["inbox"]
        att = by_sha.get(a_sha)
        if mailbox.collected(db, a_sha):  # collect already took it (a run stopped before marking it)
            done.append((a_sha, "written"))
            continue
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == a_sha:
            done.append((a_sha, "written"))
            continue
        if att is None:  # cannot happen with the same archived bytes; recorded, not raised
            done.append((a_sha, "duplicate"))
            continue
        if target.exists():  # another file took the name meanwhile: it is never overwritten
            rel = _inbox_path(ws, Path(row["inbox"]).parent.name, row["name"], set())
            with ws.ledger.transaction() as con:
                mailbox.move_attachment(con, a_sha, sha, rel)
            target = ws.root / rel
        write_bytes(target, att.data)
        os.utime(target, (stamp, stamp))  # the file's own time is when the server received it
        done.append((a_sha, "written"))
    with ws.ledger.transaction() as con:
        for a_sha, state in done:
            mailbox.mark_attachment(con, a_sha, sha, state)
        mailbox.mark_message(con, sha, "done")
    return mailbox.attachments_of(ws.ledger, sha)


def take_message(ws: Workspace, raw: bytes, *, received_at: datetime, received_from: str, origin: str, now: datetime,
                 seen: dict | None = None, message: MailMessage | None = None) -> Taken:
    """Archive one message, record it and write its workbooks into the inbox (see the module
    docstring for the order). ``received_at``: office-local; ``seen``: its place on the server
    (account, folder, uidvalidity, uid, internal_date) for mailbox.record_seen."""
    db = ws.ledger
    sha = hashlib.sha256(raw).hexdigest()
    stamp = now.isoformat(timespec="seconds")
    known = mailbox.message_row(db, sha)
    msg = message or read_message(raw, limits_of(ws))
    if known is not None:
        if seen is not None:
            with ws.ledger.transaction() as con:
                mailbox.record_seen(con, state="known", at=stamp, sha256=sha, message_id=msg.message_id, size=len(raw),
                                    sender=msg.sender, subject=msg.subject, **seen)
        if known["state"] == "archived":
            files = _write_planned(ws, sha, msg, known["received_at"])
            return Taken(sha, "resumed", msg, files)
        return Taken(sha, "known", msg)
    dest = _archive(ws, raw, sha)
    _checkpoint("archived", sha)
    at = to_office_local(received_at, ws.settings.timezone).isoformat(timespec="seconds")
    used: set[str] = set()
    plans: list[tuple[str, str, str, str, str]] = []  # (sha, name, part, inbox, state)
    mine: set[str] = set()
    for a in msg.attachments:
        a_sha = hashlib.sha256(a.data).hexdigest()
        if a_sha in mine or mailbox.attachment_taken(db, a_sha):
            plans.append((a_sha, a.name, a.where, "", "duplicate"))
        else:
            plans.append((a_sha, a.name, a.where, _inbox_path(ws, at[:10], a.name, used), "planned"))
        mine.add(a_sha)
    skipped = skipped_of(msg)
    senders = tuple(dict.fromkeys([msg.sender, *(s for a in msg.attachments for s in a.senders)]))
    rec = mailbox.MessageRecord(
        sha256=sha, message_id=msg.message_id, sender=msg.sender, sender_name=msg.sender_name, senders=senders,
        subject=msg.subject, received_at=at, received_from=received_from, origin=origin,
        archive=str(dest.relative_to(ws.root)), size=len(raw), skipped=tuple(skipped),
        account=(seen or {}).get("account", ""), folder=(seen or {}).get("folder", ""),
        uidvalidity=(seen or {}).get("uidvalidity"), uid=(seen or {}).get("uid"))
    with ws.ledger.transaction() as con:
        mailbox.record_message(con, rec, "archived", stamp)
        for p in plans:  # a second copy within the message is kept out by the key (sha256, message)
            mailbox.record_attachment(con, p[0], sha, p[1], p[2], p[3], p[4])
        if seen is not None:
            mailbox.record_seen(con, state="taken", at=stamp, sha256=sha, message_id=msg.message_id, size=len(raw),
                                sender=msg.sender, subject=msg.subject, **seen)
    _checkpoint("recorded", sha)
    files = _write_planned(ws, sha, msg, at)
    _checkpoint("written", sha)
    return Taken(sha, "taken", msg, files)


def resume(ws: Workspace, now: datetime) -> list[Taken]:
    """Finish the messages a stopped run recorded but did not write out, from their archived .eml."""
    out: list[Taken] = []
    for row in mailbox.unfinished_messages(ws.ledger):
        path = ws.root / row["archive"]
        try:
            raw = path.read_bytes()
        except OSError:
            continue  # the archive is missing: nothing can be written; it stays listed as unfinished
        msg = read_message(raw, limits_of(ws))
        out.append(Taken(row["sha256"], "resumed", msg, _write_planned(ws, row["sha256"], msg, row["received_at"])))
    return out


# ---------------------------------------------------------------------------- .eml saved into inbox/


def dropped_mail(inbox: Path) -> list[Path]:
    """The .eml files in inbox/ (and its subfolders), oldest first."""
    if not inbox.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(inbox):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.lower().endswith(".eml") and not name.startswith((".", "~$")):
                found.append(Path(dirpath) / name)
    return sorted(found, key=lambda p: (p.stat().st_mtime if p.exists() else 0, str(p)))


def received_of(msg: MailMessage, ws: Workspace, fallback: datetime) -> tuple[datetime, str]:
    """A saved message's received time: its topmost Received: header, else its Date:, else ``fallback``."""
    if msg.received is not None:
        return to_office_local(msg.received, ws.settings.timezone), "received"
    if msg.date is not None:
        return to_office_local(msg.date, ws.settings.timezone), "date"
    return fallback, "first_seen"


def open_dropped_mail(ws: Workspace, now: datetime) -> dict:
    """Open every settled .eml in inbox/ like a fetched message; each is removed from the inbox
    once its archive copy and its files are recorded. Returns {"messages", "warnings", "waiting"}."""
    out: dict = {"messages": [], "warnings": [], "waiting": []}
    settle = ws.settings.settle_seconds
    inbox = ws.root / "inbox"
    for path in dropped_mail(inbox):
        rel = path.relative_to(inbox).as_posix()
        try:
            ok, _ = settled(ws, path, settle)
            if not ok:
                out["waiting"].append({"file": rel, "reason": "文件仍在变化（可能正在复制），下次运行时再处理。"})
                continue
            raw = path.read_bytes()
        except FileNotFoundError:
            continue
        msg = read_message(raw, limits_of(ws))
        at, source = received_of(msg, ws, now)
        taken = take_message(ws, raw, received_at=at, received_from=source, origin="inbox", now=now, message=msg)
        path.unlink(missing_ok=True)
        entry = taken.as_json(ws) | {"file": rel, "received_at": at.isoformat(timespec="seconds"), "received_from": source}
        out["messages"].append(entry)
        if taken.state == "known":
            out["warnings"].append(f"{rel}：与已收取的邮件完全相同，只记录一次。")
        elif source == "date":
            out["warnings"].append(f"{rel}：邮件没有 Received 头，收到时间取自发信时间（Date 头）{at:%Y-%m-%d %H:%M}。")
        elif source == "first_seen":
            out["warnings"].append(f"{rel}：邮件没有 Received 头和 Date 头，收到时间按首次发现时间记录。")
        for s in entry["skipped"]:
            out["warnings"].append(f"{rel}：{s['name']}：{s['reason']}")
    return out


# ---------------------------------------------------------------------------- IMAP


def _connect(ws: Workspace):  # noqa: ANN202 - an IMAPClient
    from imapclient import IMAPClient
    from imapclient.exceptions import LoginError

    imap = ws.settings.mail.imap
    password = os.environ.get(imap.password_env, "")
    if imap.user and not password:
        raise ConfigError(f"没有邮箱密码：请设置环境变量 {imap.password_env}（duban.toml [mail.imap] password_env）后再收取。")
    where = f"{imap.host}:{imap.port}"
    try:
        client = IMAPClient(imap.host, port=imap.port, ssl=imap.security == "ssl", timeout=imap.timeout_seconds,
                            ssl_context=ssl.create_default_context() if imap.security != "none" else None)
    except (socket.gaierror, UnicodeError):
        raise DubanError(f"找不到收件服务器 {imap.host}，请核对 duban.toml [mail.imap] host。") from None
    except ssl.SSLError as exc:
        raise DubanError(f"与收件服务器 {where} 的加密连接失败（{exc.reason or exc}），请核对 [mail.imap] security 和 port。") from None
    except (TimeoutError, socket.timeout):
        raise DubanError(f"连接收件服务器 {where} 超时，请检查网络，稍后再试。") from None
    except OSError as exc:
        raise DubanError(f"无法连接收件服务器 {where}（{exc.strerror or exc}），请核对 [mail.imap] host 和 port，或稍后再试。") from None
    try:
        client.normalise_times = False  # INTERNALDATE with its zone; converted to office time here
        if imap.security == "starttls":
            client.starttls(ssl.create_default_context())
        if imap.user:
            client.login(imap.user, password)
    except LoginError:
        _close(client)
        raise DubanError(f"收件邮箱登录失败：用户名或密码不对（用户 {imap.user}，密码取自环境变量 {imap.password_env}）。") from None
    except (ssl.SSLError, OSError) as exc:
        _close(client)
        raise DubanError(f"与收件服务器 {where} 的连接中断（{exc}），请稍后再试。") from None
    except Exception as exc:  # noqa: BLE001 - imaplib's errors: the server's own words
        _close(client)
        raise DubanError(f"收件服务器 {where} 拒绝了请求（{exc}）。请核对 [mail.imap] security（STARTTLS）和用户名。") from None
    return client


def _close(client) -> None:  # noqa: ANN001
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - closing a broken connection
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass


def _header_text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")


@dataclass(frozen=True)
class Request:
    """``dry_run``: list what would be taken; nothing is written, the mailbox is opened read-only."""

    dry_run: bool = False


def run(ws: Workspace, request: Request, now: datetime) -> Report:
    """Fetch the new messages of ``[mail.imap] folder`` into the inbox (see the module docstring)."""
    dry_run = request.dry_run
    imap = ws.settings.mail.imap
    if not imap.configured:
        raise ConfigError("duban.toml 中 [mail.imap] host 未填写：没有配置收件邮箱。请填写 host、user 等，"
                          f"并把密码放在环境变量 {imap.password_env} 中；也可以继续把附件手工放进 inbox/。")
    stamp = now.isoformat(timespec="seconds")
    account = f"{imap.user}@{imap.host}:{imap.port}" if imap.user else f"{imap.host}:{imap.port}"
    data: dict = {"account": account, "folder": imap.folder, "dry_run": dry_run, "taken": [], "known": [],
                  "refused": [], "ignored": [], "resumed": [], "files": []}
    warnings: list[str] = []
    if not dry_run:
        for t in resume(ws, now):
            data["resumed"].append(t.as_json(ws))
    client = _connect(ws)
    try:
        try:
            info = client.select_folder(imap.folder, readonly=dry_run or not imap.mark_seen)
        except Exception as exc:  # noqa: BLE001 - imaplib's error for a folder that is not there
            raise DubanError(f"收件邮箱中没有文件夹“{imap.folder}”（{_header_text(getattr(exc, 'args', [''])[0])}），"
                             "请核对 duban.toml [mail.imap] folder。") from None
        uidvalidity = int(info.get(b"UIDVALIDITY", 0))
        criteria = ["SINCE", imap.since] if imap.since else ["ALL"]
        uids = sorted(int(u) for u in client.search(criteria))
        limit = int(imap.max_message_mb * 1024 * 1024)
        old = mailbox.seen_uids(ws.ledger, account, imap.folder, uidvalidity, limit)
        new = [u for u in uids if u not in old]
        if old == set() and uids and mailbox.seen_with_other_uidvalidity(ws.ledger, account, imap.folder, uidvalidity):
            warnings.append(f"邮箱文件夹“{imap.folder}”的 UIDVALIDITY 已变化（服务器重建了该文件夹），已重新读取全部邮件；"
                            "已收取过的邮件按内容（SHA-256）识别，不会重复收取。")
        for i in range(0, len(new), FETCH_CHUNK):
            chunk = new[i:i + FETCH_CHUNK]
            heads = client.fetch(chunk, ["RFC822.SIZE", "INTERNALDATE",
                                         "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM SUBJECT)]"])
            for uid in chunk:
                h = heads.get(uid) or {}
                size = int(h.get(b"RFC822.SIZE", 0))
                internal = h.get(b"INTERNALDATE")
                head = read_message(next((v for k, v in h.items() if k.startswith(b"BODY")), b"") or b"")
                when = to_office_local(internal, ws.settings.timezone) if isinstance(internal, datetime) else now
                seen = {"account": account, "folder": imap.folder, "uidvalidity": uidvalidity, "uid": uid,
                        "internal_date": when.isoformat(timespec="seconds")}
                row = {"uid": uid, "sender": head.sender, "subject": head.subject, "message_id": head.message_id,
                       "received_at": when.isoformat(timespec="seconds"), "size": size}
                if size > limit:
                    reason = (f"邮件大小 {size / 1048576:.1f} MB，超过上限 {imap.max_message_mb:g} MB"
                              "（[mail.imap] max_message_mb），未下载。请单位压缩附件或分开发送，或由督查室从邮箱中手工保存附件。")
                    data["refused"].append(row | {"reason": reason})
                    warnings.append(f"{head.sender or '（无发件人）'}于{when:%m-%d %H:%M}发来的邮件“{head.subject}”：{reason}")
                    if not dry_run:
                        with ws.ledger.transaction() as con:
                            mailbox.record_seen(con, state="refused", at=stamp, reason=reason, size=size,
                                                message_id=head.message_id, sender=head.sender, subject=head.subject, **seen)
                    continue
                got = client.fetch([uid], ["BODY.PEEK[]"]).get(uid) or {}
                raw = got.get(b"BODY[]")
                if raw is None:  # gone meanwhile (expunged by another client): seen again next run if it is back
                    continue
                msg = read_message(raw, limits_of(ws))
                if not msg.attachments and not msg.refused and mailbox.message_row(ws.ledger, hashlib.sha256(raw).hexdigest()) is None:
                    # no workbook in it: not a return; not archived, listed if it carried other files
                    reason = ("邮件中没有表格文件，未收取：" + "；".join(f"{x.name}（{x.reason}）" for x in msg.skipped)) if msg.skipped else ""
                    data["ignored"].append(row | {"reason": reason})
                    if reason:
                        warnings.append(f"{head.sender or '（无发件人）'}于{when:%m-%d %H:%M}发来的邮件“{head.subject}”：{reason}")
                    if not dry_run:
                        with ws.ledger.transaction() as con:
                            mailbox.record_seen(con, state="ignored", at=stamp, reason=reason, size=size, sha256=hashlib.sha256(raw).hexdigest(),
                                                message_id=msg.message_id, sender=msg.sender, subject=msg.subject, **seen)
                    continue
                if dry_run:
                    sha = hashlib.sha256(raw).hexdigest()
                    known = mailbox.message_row(ws.ledger, sha) is not None
                    (data["known"] if known else data["taken"]).append(row | {
                        "sha256": sha, "files": [{"name": a.name, "part": a.where} for a in msg.attachments],
                        "skipped": [{"name": s.name, "reason": s.reason} for s in msg.skipped]})
                    continue
                taken = take_message(ws, raw, received_at=when, received_from="imap", origin="imap", now=now, seen=seen,
                                     message=msg)
                entry = row | taken.as_json(ws)
                if taken.state == "known":
                    data["known"].append(entry)
                else:
                    data["taken"].append(entry)
                    data["files"] += [f["inbox"] for f in taken.files if f["state"] == "written"]
                    warnings += [f"邮件“{entry['subject']}”（{entry['sender']}）：{s['name']}：{s['reason']}" for s in entry["skipped"]]
                if imap.mark_seen:
                    client.add_flags([uid], [SEEN], silent=True)
    except DubanError:
        raise
    except (ssl.SSLError, OSError) as exc:
        raise DubanError(f"收取邮件时与服务器的连接中断（{exc}）。已收取的邮件已记录，下次运行时继续。") from None
    finally:
        _close(client)
    for t in data["resumed"]:
        data["files"] += [f["inbox"] for f in t["files"] if f["state"] == "written"]
    n_files = len(data["files"])
    if dry_run:
        summary = (f"预览：邮箱 {account} 的“{imap.folder}”中有 {len(data['taken'])} 封新邮件，"
                   f"其中表格文件 {sum(len(t['files']) for t in data['taken'])} 个；未收取，也未改动邮箱。")
    elif data["taken"] or data["refused"] or data["resumed"]:
        summary = (f"从邮箱 {account} 的“{imap.folder}”收取新邮件 {len(data['taken'])} 封，取出表格文件 {n_files} 个，"
                   f"已放入 inbox/{MAIL_FOLDER}/，原邮件已归档到 archive/{ARCHIVE_FOLDER}/。")
        if data["refused"]:
            summary += f"未收取 {len(data['refused'])} 封（原因见提示）。"
        if data["resumed"]:
            summary += f"上次中断时未写完的邮件 {len(data['resumed'])} 封已补齐。"
    else:
        summary = f"邮箱 {account} 的“{imap.folder}”中没有新邮件。"
    if data["known"] and not dry_run:
        summary += f"已收取过的邮件 {len(data['known'])} 封未重复收取。"
    if data["ignored"]:
        summary += f"没有表格附件的邮件 {len(data['ignored'])} 封未收取。"
    return Report(job="fetch", summary=summary, warnings=warnings, ok=not data["refused"], data=data)
