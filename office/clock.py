"""Office time: every time inside duban is a naive datetime meaning the office's local time.

Times that arrive with a zone (a mail server's INTERNALDATE, a Received: or Date: header)
are converted here, once, to the office's zone (``[office] timezone``, default
Asia/Shanghai) and then stripped of it, before they enter the ledger or any comparison.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=16)
def office_zone(name: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    """The zone called ``name`` (an IANA name such as "Asia/Shanghai"); ValueError if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def to_office_local(dt: datetime, tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> datetime:
    """``dt`` as a naive office-local time (seconds kept, microseconds dropped).

    An aware time is converted to the office's zone; a naive one is taken as already
    office-local and returned unchanged (but for the microseconds).
    """
    zone = office_zone(tz) if isinstance(tz, str) else tz
    if dt.tzinfo is not None and dt.utcoffset() is not None:
        dt = dt.astimezone(zone).replace(tzinfo=None)
    return dt.replace(microsecond=0, tzinfo=None)


def utc_as_office_local(dt: datetime, tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> datetime:
    """A naive time known to be UTC (a Date: header written with -0000), as office-local."""
    return to_office_local(dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt, tz)


def office_now(tz: ZoneInfo | str = DEFAULT_TIMEZONE) -> datetime:
    """The office's wall-clock time now (naive), whatever zone the machine's clock is set to."""
    return to_office_local(datetime.now(timezone.utc), tz)
