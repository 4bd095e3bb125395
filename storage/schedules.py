"""Weekly schedules as people write them ("mon-fri", "09:00", "Europe/Berlin"), and when they
next fall due.

A schedule is wall-clock time in a time zone, so the UTC moment moves when daylight saving
starts or ends: Monday 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer. Each
occurrence is built from the local date and time and converted to UTC on its own, never by
adding 7 × 24 hours to the previous one.
"""

import re
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_ZONE_NAME_MAX = 64


def parse_clock_time(text: str) -> time:
    """A 24-hour "HH:MM" (or "H:MM") as a time; ValueError otherwise."""
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise ValueError(f"not a 24-hour time: {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_weekdays(spec: str) -> tuple[int, ...]:
    """Weekdays written as "mon-fri" or "mon,wed,fri" (ranges may wrap: "fri-mon"), as
    sorted numbers with Monday = 0; ValueError when a part is not a weekday or a range."""
    days: set[int] = set()
    for part in spec.strip().lower().replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
            raise ValueError(f"not a list of weekdays: {spec!r}")
        start = WEEKDAYS.index(first)
        span = (WEEKDAYS.index(last) - start) % 7 if last else 0
        days.update((start + offset) % 7 for offset in range(span + 1))
    return tuple(sorted(days))


def format_weekdays(days: Iterable[int]) -> str:
    """Weekday numbers written compactly: runs of three or more as "mon-fri", others listed."""
    chosen = sorted(set(days))
    if not chosen:
        raise ValueError("no weekdays")
    runs: list[list[int]] = []
    for day in chosen:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAYS[run[0]]}-{WEEKDAYS[run[-1]]}")
        else:
            parts.extend(WEEKDAYS[day] for day in run)
    return ",".join(parts)


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def canonical_zone(name: str) -> str:
    """The IANA name as the tz database spells it ("europe/berlin" → "Europe/Berlin");
    ValueError for anything that is not a known zone."""
    key = name.strip().lower()
    canonical = _zone_names().get(key) if len(key) <= _ZONE_NAME_MAX else None
    if canonical is None:
        raise ValueError(f"unknown time zone: {name[:_ZONE_NAME_MAX]!r}")
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {canonical!r}") from exc
    return canonical


def next_occurrence_on(days: Iterable[int], at: time, tz: ZoneInfo, now: datetime) -> datetime:
    """The first moment strictly after now that falls on one of days at the local time at,
    in UTC.

    A local time skipped by a spring-forward change (02:30 on that night) runs at the same
    distance past the change (03:30); a local time that happens twice in the autumn runs at
    its first occurrence.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    wanted = set(days)
    if not wanted or not wanted <= set(range(7)):
        raise ValueError("days must be weekday numbers from 0 to 6")
    today = now.astimezone(tz).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() not in wanted:
            continue
        local = datetime.combine(day, at, tzinfo=tz)
        # Round-tripping through UTC turns a skipped wall time into the real moment it names.
        moment = local.astimezone(UTC)
        if moment > now:
            return moment
    raise AssertionError("a weekly schedule always falls due within eight days")


def next_occurrence(day: str, at: time, tz: ZoneInfo, now: datetime) -> datetime:
    """The next weekly run on day ("mon" … "sun") at local time at, strictly after now, in UTC."""
    return next_occurrence_on(parse_weekdays(day), at, tz, now)


def start_of_week(now: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00 of now's week in the time zone, in UTC."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0, 0), tzinfo=tz).astimezone(UTC)
