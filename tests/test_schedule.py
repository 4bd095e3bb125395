"""Schedules in the team's time zone: DST changes, make-up runs, weekends, two schedulers."""

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.clock import ManualClock
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.scheduler import ScheduledJobs, Scheduler
from jobs.due_runs import run_due_digest, run_due_nudges
from storage.db import create_engine, create_sessions
from storage.models import JobClaim
from storage.schedules import week_ending
from tests.factories import TEAM
from tests.helpers import add_lead, add_team, all_rows, job_client, no_sleep, with_settings

BERLIN = "Europe/Berlin"
BERLIN_ZONE = ZoneInfo(BERLIN)
CHANNEL = "C0DIGEST"
SHARED = "C0SHARED"


def fire_times(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Every time the trigger fires in [start, end), in UTC."""
    found: list[datetime] = []
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment < end:
        found.append(moment.astimezone(UTC))
        moment = trigger.get_next_fire_time(moment, moment)
    return found


@pytest.fixture
def berlin(deps: Deps) -> Deps:
    return with_settings(deps, timezone=BERLIN, digest_channels=(CHANNEL,), shared_channel=SHARED)


async def test_monday_nine_in_berlin_is_eight_utc_in_winter_and_seven_in_summer(
    berlin: Deps,
) -> None:
    trigger = (await berlin.team_settings(TEAM)).digest_trigger
    march = fire_times(trigger, datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 4, 7, tzinfo=UTC))
    # Clocks go forward on Sunday 29 March 2026.
    assert march == [
        datetime(2026, 3, 16, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 23, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        datetime(2026, 4, 6, 7, 0, tzinfo=UTC),
    ]
    october = fire_times(
        trigger, datetime(2026, 10, 19, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)
    )
    # Clocks go back on Sunday 25 October 2026.
    assert october == [
        datetime(2026, 10, 19, 7, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
    ]


async def test_periods_either_side_of_the_change_tile_without_a_gap() -> None:
    zone = BERLIN_ZONE
    before = week_ending(datetime(2026, 3, 23, 8, 0, tzinfo=UTC), zone)
    across = week_ending(datetime(2026, 3, 30, 7, 0, tzinfo=UTC), zone)
    assert across.start == before.end
    assert across.end - across.start == timedelta(days=7, hours=-1)
    assert (before.key, across.key) == ("2026-03-23", "2026-03-30")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (
            datetime(2026, 3, 21, tzinfo=UTC),
            [datetime(2026, 3, 23, 8, 0, tzinfo=UTC), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)],
        ),
        (
            datetime(2026, 10, 17, tzinfo=UTC),
            [datetime(2026, 10, 19, 7, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)],
        ),
    ],
)
async def test_a_clock_ticking_through_the_change_posts_each_digest_once_on_time(
    berlin: Deps, standin: SlackStandIn, start: datetime, expected: list[datetime]
) -> None:
    """The scheduler asks "what is due?" every 30 minutes for 11 days: one post a Monday."""
    clock = ManualClock(start)
    deps = Deps(berlin.settings, berlin.engine, berlin.sessions, clock)
    await add_team(deps, created_at=start - timedelta(days=30))
    client = job_client(deps)
    posted_at: list[datetime] = []
    while clock.now() < start + timedelta(days=11):
        before = len(standin.messages(CHANNEL))
        await run_due_digest(deps, client, TEAM, now=clock.now(), sleep=no_sleep)
        if len(standin.messages(CHANNEL)) > before:
            posted_at.append(clock.now())
        clock.advance(timedelta(minutes=30))
    assert posted_at == expected
    claims = await all_rows(deps, JobClaim)
    assert [c.period for c in claims] == [
        e.astimezone(BERLIN_ZONE).date().isoformat() for e in expected
    ]


async def test_nudges_never_fire_on_a_weekend(berlin: Deps) -> None:
    trigger = (await berlin.team_settings(TEAM)).nudge_trigger
    times = fire_times(trigger, datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 4, 6, tzinfo=UTC))
    assert len(times) == 10
    assert all(t.astimezone(BERLIN_ZONE).weekday() < 5 for t in times)
    assert {t.hour for t in times} == {9, 8}  # 10:00 Berlin, before and after the change


async def test_a_missed_digest_is_made_up_within_a_day_and_skipped_after(
    berlin: Deps, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    await add_team(berlin)
    client = job_client(berlin)
    due = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
    late = await run_due_digest(
        berlin, client, TEAM, now=due + timedelta(hours=25), sleep=no_sleep, log_skipped=True
    )
    assert late is None and standin.messages(CHANNEL) == []
    assert "missed by more than 24 hours; skipped" in caplog.text
    made_up = await run_due_digest(
        berlin, client, TEAM, now=due + timedelta(hours=23), sleep=no_sleep
    )
    assert made_up is not None and len(standin.messages(CHANNEL)) == 1


async def test_a_missed_nudge_is_not_made_up_on_saturday(
    berlin: Deps, standin: SlackStandIn
) -> None:
    await add_team(berlin)
    await add_lead(berlin, "Old", handed_off_at=datetime(2026, 11, 1, tzinfo=UTC))
    client = job_client(berlin)
    friday_due = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday 10:00 in Berlin
    saturday = friday_due + timedelta(hours=20)
    assert await run_due_nudges(berlin, client, TEAM, now=saturday, sleep=no_sleep) is None
    assert standin.calls_to("chat.postMessage") == []
    report = await run_due_nudges(
        berlin, client, TEAM, now=friday_due + timedelta(hours=2), sleep=no_sleep
    )
    assert report is not None and report.owners_nudged == 1


async def test_two_schedulers_due_at_the_same_minute_post_one_digest(
    berlin: Deps, standin: SlackStandIn
) -> None:
    """Two processes' worth of engines and connections race for the same Monday."""
    await add_team(berlin)
    due = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    engines = [create_engine(berlin.settings.database_url) for _ in range(4)]
    try:
        racers = [
            Deps(berlin.settings, engine, create_sessions(engine), ManualClock(due))
            for engine in engines
        ]
        results = await asyncio.gather(
            *(
                run_due_digest(racer, job_client(racer), TEAM, now=due, sleep=no_sleep)
                for racer in racers
            )
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert len(standin.messages(CHANNEL)) == 1
    assert sorted(r.outcome.value for r in results if r is not None) == ["not_ours"] * 3 + [
        "posted"
    ]


async def test_serve_wiring_schedules_every_team_and_can_reschedule_one(
    berlin: Deps, standin: SlackStandIn
) -> None:
    await add_team(berlin)
    await add_team(berlin, "T0OTHER")
    scheduler = Scheduler(berlin.clock)
    jobs = ScheduledJobs(scheduler, berlin, job_client(berlin), sleep=no_sleep)
    await jobs.start()
    try:
        assert scheduler.names() == {
            "digest:T0TEAM",
            "nudges:T0TEAM",
            "digest:T0OTHER",
            "nudges:T0OTHER",
            "teams:sweep",
            "teams:follow",
            "sla",
        }
        next_digest = scheduler.next_run_time("digest:T0TEAM")
        assert next_digest is not None and next_digest.astimezone(UTC).weekday() == 0
        moved = with_settings(berlin, digest_day="fri")
        jobs.deps = moved
        await jobs.reschedule_team(TEAM)
        moved_to = scheduler.next_run_time("digest:T0TEAM")
        assert moved_to is not None and moved_to.astimezone(UTC).weekday() == 4
    finally:
        await jobs.stop()
    assert not scheduler.running
