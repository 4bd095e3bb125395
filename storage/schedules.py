"""Weekly schedules as people write them ("mon-fri", "09:00", "Europe/Berlin"), when they fall
due, and the local weeks a digest covers.

A schedule is wall-clock time in a time zone, so the UTC moment moves when daylight saving
starts or ends: Monday 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
APScheduler's CronTrigger does that arithmetic; this module only turns people's words into
triggers. Periods are whole local weeks (a week before 09:00 on a Monday is 09:00 on the
Monday before, whatever the offset), so consecutive digests tile time without a gap or an
overlap.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DIGEST_DAYS = 7
_LOOKBACK = timedelta(days=8)

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


def weekly_trigger(days: str, at: str, zone: ZoneInfo) -> CronTrigger:
    """A trigger at local time at ("09:00") on days ("mon-fri", "fri-mon", "mon,wed") in zone.

    The days are read by parse_weekdays, the same parser that validates the setting, so a
    schedule that passed validation always makes a trigger.
    """
    when = parse_clock_time(at)
    day_list = ",".join(WEEKDAYS[day] for day in parse_weekdays(days))
    return CronTrigger(day_of_week=day_list, hour=when.hour, minute=when.minute, timezone=zone)


def next_fire(trigger: CronTrigger, now: datetime) -> datetime:
    """The trigger's first fire time strictly after now, in UTC."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    moment = trigger.get_next_fire_time(None, now)
    if moment is not None and moment <= now:
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    if moment is None:
        raise AssertionError("a weekly trigger always fires again")
    return moment.astimezone(UTC)


def latest_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The trigger's last fire time at or before now (within the last eight days), in UTC."""
    latest = None
    moment = trigger.get_next_fire_time(None, now - _LOOKBACK)
    while moment is not None and moment <= now:
        latest = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    return latest.astimezone(UTC) if latest is not None else None


def start_of_week(now: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00 of now's week in the time zone, in UTC."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0, 0), tzinfo=tz).astimezone(UTC)


def local_day_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """Midnight of moment's local day, in UTC."""
    local = moment.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return midnight.replace(tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """Seven local days [start, end), held in UTC, with the zone they are local to and the key
    their claims use."""

    start: datetime
    end: datetime
    key: str
    zone: ZoneInfo

    def before(self) -> "Period":
        """The seven local days that end where this period starts.

        Not the same number of hours: the week before the one in which clocks went forward
        (167 hours) has 168, and "last week" is what a reader compares with.
        """
        return week_ending(self.start, self.zone)


def week_ending(end: datetime, zone: ZoneInfo, *, key: str | None = None) -> Period:
    """The seven local days that end at end; keyed by end's local date unless key is given."""
    local_end = end.astimezone(zone)
    local_start = (local_end.replace(tzinfo=None) - timedelta(days=DIGEST_DAYS)).replace(
        tzinfo=zone
    )
    return Period(
        start=local_start.astimezone(UTC),
        end=end.astimezone(UTC),
        key=key if key is not None else local_end.date().isoformat(),
        zone=zone,
    )


def weeks_ending(end: datetime, zone: ZoneInfo, *, count: int) -> list[Period]:
    """The count local weeks that tile time up to end, oldest first: each the one before the
    next, exactly as the digest's "previous" week is cut."""
    weeks = [week_ending(end, zone)]
    while len(weeks) < count:
        weeks.insert(0, weeks[0].before())
    return weeks
