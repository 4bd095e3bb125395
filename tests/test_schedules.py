"""Weekly schedules: parsing them, and when they next fall due across daylight saving."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from storage.schedules import (
    canonical_zone,
    format_weekdays,
    next_fire,
    parse_clock_time,
    parse_weekdays,
    start_of_week,
    weekly_trigger,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("mon,wed,fri", (0, 2, 4)),
        ("fri-mon", (0, 4, 5, 6)),
        ("Sat", (5,)),
        ("mon-tue, thu", (0, 1, 3)),
    ],
)
def test_weekdays_parse(spec: str, days: tuple[int, ...]) -> None:
    assert parse_weekdays(spec) == days


@pytest.mark.parametrize("spec", ["", "monday", "mon-", "mon--fri", "mon;tue", "1-5"])
def test_bad_weekdays_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_weekdays(spec)


def test_weekdays_format_back_compactly() -> None:
    assert format_weekdays([4, 0, 1, 2, 3]) == "mon-fri"
    assert format_weekdays([0, 2, 4]) == "mon,wed,fri"
    assert format_weekdays([0, 1, 3, 4, 5]) == "mon,tue,thu-sat"
    assert parse_weekdays(format_weekdays([5, 6])) == (5, 6)


def test_clock_times() -> None:
    assert parse_clock_time("9:05") == time(9, 5)
    assert parse_clock_time("23:59") == time(23, 59)
    for bad in ("24:00", "12:60", "noon", "12", ""):
        with pytest.raises(ValueError):
            parse_clock_time(bad)


def test_zone_names_are_checked_and_canonicalised() -> None:
    assert canonical_zone("europe/berlin") == "Europe/Berlin"
    assert canonical_zone(" UTC ") == "UTC"
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "x" * 500):
        with pytest.raises(ValueError):
            canonical_zone(bad)


def test_next_monday_nine_in_berlin_in_winter_and_summer() -> None:
    winter = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday
    assert next_fire(weekly_trigger("mon", "09:00", BERLIN), winter) == datetime(
        2026, 11, 30, 8, 0, tzinfo=UTC
    )
    summer = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)
    assert next_fire(weekly_trigger("mon", "09:00", BERLIN), summer) == datetime(
        2026, 6, 8, 7, 0, tzinfo=UTC
    )


def test_the_week_daylight_saving_ends_keeps_the_wall_clock_time() -> None:
    # Berlin leaves summer time on Sunday 2026-10-25: Monday 09:00 is then 08:00 UTC, not 07:00.
    friday_before = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)
    assert next_fire(weekly_trigger("mon", "09:00", BERLIN), friday_before) == datetime(
        2026, 10, 26, 8, 0, tzinfo=UTC
    )
    # New York starts summer time on Sunday 2026-03-08.
    saturday_before = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    assert next_fire(weekly_trigger("mon", "09:00", NEW_YORK), saturday_before) == datetime(
        2026, 3, 9, 13, 0, tzinfo=UTC
    )


def test_skipped_and_repeated_local_times() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29; the run happens at 03:30 local (01:30 UTC).
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert next_fire(weekly_trigger("sun", "02:30", BERLIN), before) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    # 02:30 happens twice on 2026-10-25; the first one (summer time, 00:30 UTC) counts.
    before = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    assert next_fire(weekly_trigger("sun", "02:30", BERLIN), before) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_the_next_fire_is_strictly_after_now() -> None:
    at_the_moment = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
    assert next_fire(weekly_trigger("mon", "09:00", BERLIN), at_the_moment) == datetime(
        2026, 12, 7, 8, 0, tzinfo=UTC
    )
    later_today = datetime(2026, 11, 30, 7, 59, tzinfo=UTC)
    assert next_fire(weekly_trigger("mon", "09:00", BERLIN), later_today) == at_the_moment


def test_several_days_pick_the_nearest() -> None:
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert next_fire(weekly_trigger("mon-fri", "10:00", ZoneInfo("UTC")), friday_evening) == (
        datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    )


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        next_fire(weekly_trigger("mon", "09:00", BERLIN), datetime(2026, 1, 1))


def test_start_of_week_is_local_monday_midnight() -> None:
    sunday_night_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin
    assert start_of_week(sunday_night_utc, BERLIN) == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
