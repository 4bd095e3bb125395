"""Numbers, counts, durations and dates as a person writes them: "1,234 leads", "1 lead",
"3 days", "Mon 7 Dec"."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

# A duration longer than this reads in days ("3 days"), shorter in hours ("36 h").
HOURS_BEFORE_DAYS = 48


def number(n: int) -> str:
    """A whole number with thousands separators."""
    return f"{n:,}"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """n and the noun that agrees with it; the plural is singular + "s" unless given."""
    noun = singular if n == 1 else plural or singular + "s"
    return f"{n:,} {noun}"


def _one_decimal(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def duration(hours: float) -> str:
    """Hours as "4.5 h" or "12 h", and as days ("3 days", "2.5 days") past 48 hours."""
    if hours > HOURS_BEFORE_DAYS:
        return f"{_one_decimal(hours / 24)} days"
    return f"{hours:.0f} h" if hours >= 10 else f"{_one_decimal(hours)} h"


def day(when: date) -> str:
    """A day as "Mon 7 Dec" (give a moment already in the team's time zone)."""
    return f"{when:%a} {when.day} {when:%b}"


def day_and_time(moment: datetime, zone: ZoneInfo) -> str:
    """A moment in zone as "Mon 7 Dec 09:00"."""
    local = moment.astimezone(zone)
    return f"{day(local)} {local:%H:%M}"
