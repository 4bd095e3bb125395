"""Schedule settings are checked by the parsers that schedule them: what start-up accepts,
the scheduler runs."""

import asyncio
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.deps import Deps
from bot.scheduler import ScheduledJobs, Scheduler
from bot.settings import SettingsError, load_settings
from storage.schedules import next_fire
from tests.factories import TEAM
from tests.helpers import add_team, job_client, no_sleep, with_settings


@pytest.mark.parametrize(
    ("name", "value", "field", "read"),
    [
        ("LEADLOOP_TIMEZONE", "europe/berlin", "timezone", "Europe/Berlin"),
        ("LEADLOOP_TIMEZONE", " America/New_York ", "timezone", "America/New_York"),
        ("LEADLOOP_NUDGE_DAYS", "fri-mon", "nudge_days", "fri-mon"),
        ("LEADLOOP_NUDGE_DAYS", "Fri - Mon", "nudge_days", "fri-mon"),
        ("LEADLOOP_DIGEST_DAY", " FRI", "digest_day", "fri"),
        ("LEADLOOP_DIGEST_TIME", "9:05", "digest_time", "09:05"),
        ("LEADLOOP_NUDGE_TIME", "23:59", "nudge_time", "23:59"),
    ],
)
def test_schedule_settings_are_read_as_the_scheduler_reads_them(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str, read: str
) -> None:
    monkeypatch.setenv(name, value)
    settings = load_settings(_env_file=None)
    assert getattr(settings, field) == read
    team = settings.team_defaults
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert next_fire(team.digest_trigger, now) > now
    assert next_fire(team.nudge_trigger, now) > now


@pytest.mark.parametrize(
    ("name", "value"),
    [
        # Files under the zoneinfo folder that are not zones the app can save from the Home.
        ("LEADLOOP_TIMEZONE", "posix/Europe/Berlin"),
        ("LEADLOOP_TIMEZONE", "right/UTC"),
        ("LEADLOOP_DIGEST_DAY", "mon-fri"),
        ("LEADLOOP_NUDGE_DAYS", "mon,,fri"),
        ("LEADLOOP_NUDGE_TIME", "24:00"),
    ],
)
def test_schedule_settings_the_scheduler_cannot_run_stop_start_up(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"^{name} is malformed: use "):
        load_settings(_env_file=None)


async def test_nudges_on_fri_mon_run_friday_to_monday(deps: Deps, clock: ManualClock) -> None:
    # The setting itself is accepted above; these deps carry it into a running scheduler.
    wrap = with_settings(deps, nudge_days="fri-mon")
    await add_team(wrap)
    scheduler = Scheduler(clock)
    jobs = ScheduledJobs(scheduler, wrap, job_client(wrap), sleep=no_sleep)
    ran: asyncio.Queue[str] = asyncio.Queue()
    nudges_due = jobs.nudges_due

    async def recorded(team_id: str) -> None:
        await nudges_due(team_id)
        ran.put_nowait(f"{clock.now():%a %d %H:%M}")

    jobs.nudges_due = recorded  # type: ignore[method-assign]
    await jobs.start()
    runs: list[str] = []
    try:
        for _ in range(5):
            due = scheduler.next_run_time(f"nudges:{TEAM}")
            assert due is not None
            clock.set(due)
            scheduler.wake()
            async with asyncio.timeout(5):
                runs.append(await ran.get())
    finally:
        await jobs.stop()
    assert runs == ["Fri 27 10:00", "Sat 28 10:00", "Sun 29 10:00", "Mon 30 10:00", "Fri 04 10:00"]
