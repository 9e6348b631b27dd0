"""A real IMAP server for the fetch tests: Debian's dovecot on 127.0.0.1, started per test.

Each server gets a throwaway configuration in a temporary folder: one user with a plaintext
password (passwd-file), Maildir storage, its own base, state and log paths, no TLS. Dovecot
refuses to run mail processes as root, so as root (CI) the mail folder belongs to the
``dovecot`` user and the temporary folder is made traversable; as another user, everything
runs as that user. Messages are put in with IMAP APPEND with a chosen INTERNALDATE.

Use in a test module:

    from imap_server import imap_server, use_imap  # noqa: F401  (the fixture must be imported)
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

import procs
from smtp_server import free_port, set_config

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "office", "imap-test-secret"
PASSWORD_ENV = "DUBAN_TEST_IMAP_PASSWORD"

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{dir}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
"""


def available() -> bool:
    return Path(DOVECOT).is_file() and os.access(DOVECOT, os.X_OK)


@dataclass
class ImapServer:
    port: int = 0
    folder: Path | None = None
    process: subprocess.Popen | None = None
    children: dict[int, int] = field(default_factory=dict)

    # ------------------------------------------------------------ life
    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="duban-imap-"))
        os.chmod(self.folder, 0o755)
        for sub in ("run", "state", "mail"):
            (self.folder / sub).mkdir()
        if os.geteuid() == 0:
            internal, login = "dovecot", "dovenull"
            owner = pwd.getpwnam("dovecot")
            uid, gid = owner.pw_uid, owner.pw_gid
            os.chown(self.folder / "mail", uid, gid)
        else:
            internal = login = pwd.getpwuid(os.getuid()).pw_name
            uid, gid = os.getuid(), os.getgid()
        (self.folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
        for _ in range(5):
            self.port = free_port()
            conf = self.folder / "dovecot.conf"
            conf.write_text(CONFIG.format(dir=self.folder, internal=internal, login=login, uid=uid, gid=gid,
                                          port=self.port), encoding="utf-8")
            self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True)
            if self._ready():
                return
            self._stop_process()
        log = (self.folder / "dovecot.log").read_text(errors="replace") if (self.folder / "dovecot.log").exists() else ""
        raise RuntimeError(f"dovecot did not start:\n{log[-2000:]}")

    def _ready(self, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(200).startswith(b"* OK"):
                        return True
            except OSError:
                time.sleep(0.1)
        return False

    def _stop_process(self) -> None:
        proc, self.process = self.process, None
        if proc is None:
            return
        kids = procs.children(proc.pid) if procs.available() else {}
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for pid in procs.survivors(kids, timeout=5) if kids else []:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        self._stop_process()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    # ------------------------------------------------------------ mail
    def client(self):  # noqa: ANN201 - an IMAPClient, logged in
        from imapclient import IMAPClient

        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        c.login(USER, PASSWORD)
        return c

    def append(self, raw: bytes, when: datetime, folder: str = "INBOX", flags: tuple = ()) -> int:
        """Put a message in ``folder`` as received at ``when`` (aware): its INTERNALDATE. Returns its UID."""
        assert when.tzinfo is not None, "INTERNALDATE needs a zone"
        c = self.client()
        try:
            if folder != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            answer = c.append(folder, raw, flags=flags, msg_time=when)
        finally:
            c.logout()
        return int(answer.split(b"APPENDUID ")[1].split(b"]")[0].split()[1])

    def state(self, folder: str = "INBOX") -> dict[int, dict]:
        """{uid: {"flags", "internaldate", "size"}} of a folder, read without changing it."""
        c = self.client()
        try:
            c.select_folder(folder, readonly=True)
            got = c.fetch(c.search(["ALL"]), ["FLAGS", "INTERNALDATE", "RFC822.SIZE"])
        finally:
            c.logout()
        return {uid: {"flags": set(v[b"FLAGS"]) - {b"\\Recent"}, "internaldate": v[b"INTERNALDATE"], "size": v[b"RFC822.SIZE"]}
                for uid, v in got.items()}

    def uidvalidity(self, folder: str = "INBOX") -> int:
        c = self.client()
        try:
            return int(c.select_folder(folder, readonly=True)[b"UIDVALIDITY"])
        finally:
            c.logout()

    def rebuild(self, folder: str) -> None:
        """Rebuild ``folder`` as a server migration would: the same messages (bytes, INTERNALDATEs,
        flags) in a new folder of the same name, hence a new UIDVALIDITY."""
        c = self.client()
        try:
            tmp = folder + "-rebuilt"
            c.create_folder(tmp)
            c.select_folder(folder)
            c.copy(c.search(["ALL"]), tmp)
            c.close_folder()
            time.sleep(1.1)  # dovecot's UIDVALIDITY is a time in seconds
            c.delete_folder(folder)
            c.rename_folder(tmp, folder)
        finally:
            c.logout()


@pytest.fixture
def imap_server():  # noqa: ANN201
    if not available():
        if os.environ.get("CI"):
            raise RuntimeError("dovecot is not installed (.ci/run installs dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    server = ImapServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def use_imap(ws_root: Path, server: ImapServer, monkeypatch, folder: str = "INBOX", **extra: object) -> None:  # noqa: ANN001
    """Point a workspace's [mail.imap] at the test server (no TLS), the password in the environment."""
    set_config(Path(ws_root) / "duban.toml", "mail.imap", host="127.0.0.1", port=server.port, security="none", user=USER,
               password_env=PASSWORD_ENV, folder=folder, **extra)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
