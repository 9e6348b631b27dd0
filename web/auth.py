"""The page's password (stored hashed in the workspace) and the key that signs its sessions."""

from __future__ import annotations

import hashlib
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from office.errors import DubanError
from office.workspace import Workspace

PASSWORD_KEY = "web_password"  # ledger meta: the werkzeug hash (scrypt), never the password
SECRET_KEY = "web_secret"  # ledger meta: signs the session cookies of this workspace's page
MIN_PASSWORD = 8


def password_hash(ws: Workspace) -> str:
    return ws.ledger.get_meta(PASSWORD_KEY) or ""


def has_password(ws: Workspace) -> bool:
    return bool(password_hash(ws))


def password_tag(stored: str) -> str:
    """A short digest of the stored hash: a session made before a password change no longer counts."""
    return hashlib.sha256(stored.encode("utf-8")).hexdigest()[:16] if stored else ""


def set_password(ws: Workspace, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DubanError(f"密码太短：至少 {MIN_PASSWORD} 个字符。")
    if password != password.strip():
        raise DubanError("密码的开头或结尾不能是空格。")
    ws.ledger.set_meta(PASSWORD_KEY, generate_password_hash(password))


def check_password(ws: Workspace, password: str) -> bool:
    stored = password_hash(ws)
    return bool(stored) and check_password_hash(stored, password or "")


def session_secret(ws: Workspace) -> bytes:
    """The workspace's signing key, made once (sessions survive a restart of the page)."""
    key = ws.ledger.get_meta(SECRET_KEY)
    if not key:
        key = secrets.token_hex(32)
        ws.ledger.set_meta(SECRET_KEY, key)
    return bytes.fromhex(key)
