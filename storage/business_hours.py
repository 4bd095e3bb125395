"""Business hours ("mon-fri 09:00-17:00" in the team's zone, public holidays off) and the
first-touch SLA counted in them.

Each business day's window is built from its local date and wall-clock times, then turned
into UTC, so a window is always 09:00-17:00 on the clock whatever the offset that day:
daylight saving moves the UTC moments, never the working minutes. Counting walks whole
windows, so a week-long gap costs a handful of steps, not one per minute.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from storage.schedules import format_weekdays, parse_clock_time, parse_weekdays

DEFAULT_HOURS = "mon-fri 09:00-17:00"
DEFAULT_SLA_MINUTES = 60
# A year of days without one business day means the hours can never be met.
_SEARCH_DAYS = 400
_DURATION_RE = re.compile(r"^(?:(\d{1,4})h)?\s*(?:(\d{1,5})m?)?$")


@dataclass(frozen=True)
class HoursSpec:
    """Business hours as written: the weekdays (Monday = 0) and the daily opening hours."""

    days: tuple[int, ...]
    opens: time
    closes: time

    def describe(self) -> str:
        """The spec as written, normalised: "mon-fri 09:00-17:00"."""
        return f"{format_weekdays(self.days)} {self.opens:%H:%M}-{self.closes:%H:%M}"


def parse_hours(text: str) -> HoursSpec:
    """ "mon-fri 09:00-17:00" as an HoursSpec; ValueError when it is not one."""
    days_part, _space, hours_part = text.strip().lower().rpartition(" ")
    opens_text, dash, closes_text = hours_part.partition("-")
    if not days_part or not dash:
        raise ValueError(f"not business hours such as {DEFAULT_HOURS}: {text!r}")
    opens, closes = parse_clock_time(opens_text), parse_clock_time(closes_text)
    if closes <= opens:
        raise ValueError("business hours must close after they open")
    return HoursSpec(parse_weekdays(days_part), opens, closes)


def parse_minutes(text: str) -> int:
    """A duration written "60m", "1h", "1h30m" or "90" as whole minutes (at least 1)."""
    match = _DURATION_RE.match(text.strip().lower())
    if match is None or not any(match.groups()):
        raise ValueError(f"not a duration such as 60m or 2h: {text!r}")
    minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if minutes < 1:
        raise ValueError("a duration must be at least a minute")
    return minutes


def parse_country(text: str) -> str:
    """A country code the holidays package knows ("DE"), upper-case; ValueError otherwise."""
    code = text.strip().upper()
    if code not in holidays.list_supported_countries():
        raise ValueError(f"no public holidays known for {text!r}")
    return code


@cache
def _holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


@dataclass(frozen=True)
class BusinessHours:
    """A team's working time: the spec, in its zone, without its country's public holidays."""

    spec: HoursSpec
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    country: str | None = None

    def is_workday(self, day: date) -> bool:
        """Whether the local date is a business day."""
        if day.weekday() not in self.spec.days:
            return False
        return self.country is None or day not in _holidays(self.country)

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The UTC [open, close) windows from the one holding (or following) start on."""
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        idle = 0
        while idle < _SEARCH_DAYS:
            day += timedelta(days=1)
            if not self.is_workday(day):
                idle += 1
                continue
            idle = 0
            opens = datetime.combine(day, self.spec.opens, self.zone).astimezone(UTC)
            closes = datetime.combine(day, self.spec.closes, self.zone).astimezone(UTC)
            if closes > start:
                yield max(opens, start), closes
        raise ValueError("no business day in a year")

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` business minutes after start (a start out of hours counts
        from the next opening)."""
        left = timedelta(minutes=minutes)
        for opens, closes in self.windows(start):
            if opens + left <= closes:
                return opens + left
            left -= closes - opens
        raise AssertionError("windows never ends")

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes in [start, end) (0 when end is not after start)."""
        total = timedelta()
        if end <= start:
            return 0.0
        for opens, closes in self.windows(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total.total_seconds() / 60
