"""The scheduler runs jobs when the injected clock says so, never by the wall clock."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.scheduler import Scheduler
from storage.schedules import weekly_trigger

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MONDAY_NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def _started(clock: ManualClock, ran: asyncio.Queue[str]) -> Scheduler:
    async def job(name: str) -> None:
        ran.put_nowait(name)

    scheduler = Scheduler(clock)
    scheduler.put("weekly", job, weekly_trigger("mon", "09:00", ZoneInfo("UTC")), "weekly")
    await scheduler.start()
    return scheduler


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_job_runs_when_the_injected_clock_reaches_its_time() -> None:
    clock, ran = ManualClock(TUESDAY), asyncio.Queue[str]()
    scheduler = await _started(clock, ran)
    try:
        assert scheduler.next_run_time("weekly") == MONDAY_NINE
        scheduler.wake()
        await _settle()
        assert ran.empty()
        clock.set(MONDAY_NINE)
        scheduler.wake()
        async with asyncio.timeout(5):
            assert await ran.get() == "weekly"
        assert scheduler.next_run_time("weekly") == MONDAY_NINE + timedelta(days=7)
    finally:
        await scheduler.stop()
    assert not scheduler.running


async def test_a_run_more_than_an_hour_late_is_skipped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, ran = ManualClock(TUESDAY), asyncio.Queue[str]()
    scheduler = await _started(clock, ran)
    try:
        clock.set(MONDAY_NINE + timedelta(hours=2))
        with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
            scheduler.wake()
            await _settle()
        assert ran.empty()
        assert "job weekly due 2026-11-30T09:00:00+00:00 was missed; skipped" in caplog.text
        assert scheduler.next_run_time("weekly") == MONDAY_NINE + timedelta(days=7)
    finally:
        await scheduler.stop()
