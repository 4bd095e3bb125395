"""Dates as CRMs and spreadsheets write them: ISO 8601, US (11/18/2026 7:37 PM) and day-first
(18.11.2026 19:37), read as moments in the workspace's time zone unless they carry an offset.

Dotted dates are always day-first (nobody writes 11.18.2026). With slashes or dashes the
month comes first, as HubSpot and Salesforce write them for US users, unless day_first is
set; a date that can only be read one way (18/11/2026) is read that way either way.
"""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

_NUMERIC = re.compile(
    r"^(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})\.?"
    r"(?:[ T,]+(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?"
    r"\s*(?P<half>[ap]\.?m\.?)?)?$",
    re.IGNORECASE,
)
# Excel's "2026-11-18 7:37 PM" and HubSpot's "2026-11-18 19:37" without seconds.
_ISO_WITH_HALF = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<half>[ap]\.?m\.?)$",
    re.IGNORECASE,
)


class DateProblem(ValueError):
    """A value that is not a date leadloop can read; the message says what forms it reads."""


EXPECTED = "a date such as 2026-11-18 19:37, 11/18/2026 7:37 PM or 18.11.2026 19:37"


def parse_crm_moment(text: str, zone: ZoneInfo, *, day_first: bool = False) -> datetime:
    """The moment text names, as aware UTC; naive values are local time in zone."""
    value = text.strip()
    moment = _iso(value) or _numeric(value, day_first=day_first)
    if moment is None:
        raise DateProblem(f"is not {EXPECTED}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+14:00 is a moment before the first one Python can hold in UTC.
        raise DateProblem("is out of range") from None


def _iso(value: str) -> datetime | None:
    half = _ISO_WITH_HALF.match(value)
    if half is not None:
        clock = _clock(half["hour"], half["minute"], half["second"], half["half"])
        return datetime.combine(date.fromisoformat(half["date"]), clock) if clock else None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _numeric(value: str, *, day_first: bool) -> datetime | None:
    match = _NUMERIC.match(value)
    if match is None:
        return None
    a, b = int(match["a"]), int(match["b"])
    year = int(match["year"]) + (2000 if len(match["year"]) == 2 else 0)
    orders = [(a, b), (b, a)] if day_first or match["sep"] == "." else [(b, a), (a, b)]
    clock = _clock(match["hour"], match["minute"], match["second"], match["half"])
    if clock is None:
        return None
    for day, month in orders:
        try:
            return datetime.combine(date(year, month, day), clock)
        except ValueError:
            continue
    return None


def _clock(
    hour: str | None, minute: str | None, second: str | None, half: str | None
) -> time | None:
    """The time of day written, or None for one that does not exist (25:00, 13 PM)."""
    if hour is None or minute is None:
        return time(0, 0)
    hours = int(hour)
    if half is not None:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half.lower().startswith("p") else 0)
    try:
        return time(hours, int(minute), int(second or 0))
    except ValueError:
        return None
