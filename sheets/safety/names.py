"""File names that are never a return: lock files, temporary files, OS clutter."""

from __future__ import annotations

import re

_TEMP_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db"}
_TEMP_SUFFIXES = (".tmp", ".temp", ".crdownload", ".part", ".partial", ".download")
_WRL_RE = re.compile(r"^~wrl\d+\.tmp$", re.IGNORECASE)


def is_temp_file(name: str) -> bool:
    """True for lock, temporary and OS clutter files that are never a return.

    ``~$x.xlsx`` (Office owner file), ``.~lock.x.xlsx#`` (LibreOffice/WPS lock),
    ``~WRL1234.tmp``, ``._x.xlsx`` (macOS AppleDouble), ``.DS_Store``, ``Thumbs.db``,
    ``desktop.ini``, and half-downloaded ``.tmp``/``.crdownload``/``.part`` files.
    Only the last path component is looked at; both / and \\ separate.
    """
    base = re.split(r"[\\/]", str(name))[-1].strip()
    low = base.lower()
    if not low:
        return False
    if low.startswith("~$") or low.startswith("._"):
        return True
    if low.startswith(".~lock.") and low.endswith("#"):
        return True
    if low in _TEMP_NAMES or _WRL_RE.match(low):
        return True
    return low.endswith(_TEMP_SUFFIXES)
