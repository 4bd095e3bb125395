"""Business hours and the first-touch SLA: evenings, weekends, DST changes, holidays."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from storage.business_hours import BusinessHours, parse_hours, parse_minutes
from storage.sla import deadlines

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = parse_hours("mon-fri 09:00-17:00")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_a_lead_handed_over_friday_1630_is_due_monday_0930() -> None:
    hours = BusinessHours(HOURS, BERLIN)
    due = deadlines(berlin(2026, 11, 20, 16, 30), hours, 60)
    assert due.remind_at == berlin(2026, 11, 23, 9, 30)
    assert due.reassign_at == berlin(2026, 11, 23, 10, 30)


@pytest.mark.parametrize(
    ("friday", "monday_utc"),
    [
        # Autumn: Friday is CEST (UTC+2), Monday CET (UTC+1); 09:30 on the clock either way.
        (berlin(2026, 10, 23, 16, 30), datetime(2026, 10, 26, 8, 30, tzinfo=UTC)),
        # Spring: Friday is CET, Monday CEST.
        (berlin(2026, 3, 27, 16, 30), datetime(2026, 3, 30, 7, 30, tzinfo=UTC)),
    ],
)
def test_friday_evening_sla_across_a_dst_change(friday: datetime, monday_utc: datetime) -> None:
    hours = BusinessHours(HOURS, BERLIN)
    due = hours.add_minutes(friday.astimezone(UTC), 60)
    assert due == monday_utc
    assert due.astimezone(BERLIN).hour == 9 and due.astimezone(BERLIN).minute == 30
    assert hours.minutes_between(friday, due) == 60


def test_public_holidays_are_not_business_days() -> None:
    # Friday 25 December is Christmas in Germany: Thursday 16:30 runs on to Monday 09:30.
    hours = BusinessHours(HOURS, BERLIN, "DE")
    assert hours.add_minutes(berlin(2026, 12, 24, 16, 30), 60) == berlin(2026, 12, 28, 9, 30)
    without = BusinessHours(HOURS, BERLIN)
    assert without.add_minutes(berlin(2026, 12, 24, 16, 30), 60) == berlin(2026, 12, 25, 9, 30)


def test_out_of_hours_counts_from_the_next_opening() -> None:
    hours = BusinessHours(HOURS, BERLIN)
    assert hours.add_minutes(berlin(2026, 11, 21, 12, 0), 30) == berlin(2026, 11, 23, 9, 30)
    assert hours.minutes_between(berlin(2026, 11, 20, 18, 0), berlin(2026, 11, 23, 8, 0)) == 0


@pytest.mark.parametrize(("text", "minutes"), [("60m", 60), ("1h", 60), ("1h30m", 90), ("45", 45)])
def test_sla_durations(text: str, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "0m", "soon", "-5m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_minutes(text)


def test_bad_hours_are_refused() -> None:
    for text in ("mon-fri", "mon-fri 17:00-09:00", "someday 09:00-17:00"):
        with pytest.raises(ValueError):
            parse_hours(text)
