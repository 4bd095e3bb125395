"""The digest and the nudges on each team's schedule, with make-up runs after downtime.

Each scheduled call asks "which run is due now?": the trigger's latest fire time at or
before now. Claims make asking twice harmless, so the same function serves the cron fire,
the catch-up at start-up and the periodic retry sweep. A digest missed while the app was
down is made up if it is less than 24 hours late; nudges only on the day they were due, so
nobody gets one on a day without nudges. Older runs are skipped and logged.
"""

import asyncio
import contextlib
import logging
from datetime import datetime

from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.scheduler import Scheduler
from jobs.digest import digest_claim_job, post_digest
from jobs.nudges import NudgeReport, post_nudges
from jobs.post_once import PostResult, Sleep
from jobs.schedule import (
    MAKE_UP_WINDOW,
    digest_trigger,
    latest_occurrence,
    nudge_trigger,
    team_schedule,
    week_ending,
)
from storage.claims import ClaimState, get_claim
from storage.teams import get_team, list_teams

logger = logging.getLogger(__name__)

SWEEP_MINUTES = 10


async def _team_created_at(deps: Deps, team_id: str) -> datetime | None:
    async with deps.sessions() as session:
        team = await get_team(session=session, team_id=team_id)
    return team.created_at if team is not None else None


async def run_due_digest(
    deps: Deps,
    client: AsyncWebClient,
    team_id: str,
    *,
    now: datetime,
    sleep: Sleep = asyncio.sleep,
    log_skipped: bool = False,
) -> PostResult | None:
    """Post the digest whose time came last, unless it is posted, too late, or not yet due."""
    schedule = await team_schedule(deps, team_id)
    due = latest_occurrence(digest_trigger(schedule), now)
    created = await _team_created_at(deps, team_id)
    if due is None or created is None or created > due:
        return None
    period = week_ending(due, schedule.zone)
    async with deps.sessions() as session:
        claims = [
            await get_claim(
                session=session, team_id=team_id, job=digest_claim_job(channel), period=period.key
            )
            for channel in schedule.digest_channels
        ]
    if claims and all(c is not None and c.state == ClaimState.POSTED for c in claims):
        return None
    if now - due >= MAKE_UP_WINDOW:
        if log_skipped and all(c is None for c in claims):
            logger.warning(
                "the digest for team %s due %s was missed by more than 24 hours; skipped",
                team_id,
                due.isoformat(),
            )
        return None
    return await post_digest(deps, client, team_id, period, sleep=sleep)


async def run_due_nudges(
    deps: Deps,
    client: AsyncWebClient,
    team_id: str,
    *,
    now: datetime,
    sleep: Sleep = asyncio.sleep,
    log_skipped: bool = False,
) -> NudgeReport | None:
    """Send the nudges whose time came last, if that was earlier on today (local time)."""
    schedule = await team_schedule(deps, team_id)
    due = latest_occurrence(nudge_trigger(schedule), now)
    if due is None:
        return None
    zone = schedule.zone
    if due.astimezone(zone).date() != now.astimezone(zone).date() or now - due >= MAKE_UP_WINDOW:
        if log_skipped:
            logger.info(
                "nudges for team %s last due %s are not made up on another day",
                team_id,
                due.isoformat(),
            )
        return None
    return await post_nudges(deps, client, team_id, now=now, sleep=sleep)


class ScheduledJobs:
    """Puts every team's digest and nudges on the scheduler, and keeps them up to date."""

    def __init__(
        self,
        scheduler: Scheduler,
        deps: Deps,
        client: AsyncWebClient,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.scheduler = scheduler
        self.deps = deps
        self.client = client
        self.sleep = sleep
        self._catch_up: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Schedule every team, start the scheduler, and make up what was missed meanwhile."""
        team_ids = await self._team_ids()
        for team_id in team_ids:
            await self.reschedule_team(team_id)
        self.scheduler.put("teams:sweep", self.sweep, IntervalTrigger(minutes=SWEEP_MINUTES))
        await self.scheduler.start()
        self._catch_up = asyncio.create_task(self.catch_up(team_ids))

    async def stop(self) -> None:
        """Stop the scheduler and any catch-up still running."""
        await self.scheduler.stop()
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catch_up

    async def reschedule_team(self, team_id: str) -> None:
        """(Re)place a team's jobs on its current schedule; call it after its settings change."""
        schedule = await team_schedule(self.deps, team_id)
        self.scheduler.put(f"digest:{team_id}", self.digest_due, digest_trigger(schedule), team_id)
        self.scheduler.put(f"nudges:{team_id}", self.nudges_due, nudge_trigger(schedule), team_id)

    async def digest_due(self, team_id: str) -> None:
        """The digest job: post the due digest, logging whatever goes wrong."""
        try:
            await run_due_digest(
                self.deps, self.client, team_id, now=self.deps.clock.now(), sleep=self.sleep
            )
        except Exception:
            logger.exception("the digest job for team %s failed", team_id)

    async def nudges_due(self, team_id: str) -> None:
        """The nudge job: send the due nudges, logging whatever goes wrong."""
        try:
            await run_due_nudges(
                self.deps, self.client, team_id, now=self.deps.clock.now(), sleep=self.sleep
            )
        except Exception:
            logger.exception("the nudge job for team %s failed", team_id)

    async def sweep(self) -> None:
        """Schedule teams that joined since start-up, and retry digests that failed."""
        for team_id in await self._team_ids():
            if f"digest:{team_id}" not in self.scheduler.names():
                await self.reschedule_team(team_id)
            await self.digest_due(team_id)

    async def catch_up(self, team_ids: list[str]) -> None:
        """Make up the runs missed while the app was down, if they are recent enough."""
        for team_id in team_ids:
            now = self.deps.clock.now()
            try:
                await run_due_digest(
                    self.deps, self.client, team_id, now=now, sleep=self.sleep, log_skipped=True
                )
                await run_due_nudges(
                    self.deps, self.client, team_id, now=now, sleep=self.sleep, log_skipped=True
                )
            except Exception:
                logger.exception("catching up team %s failed", team_id)

    async def _team_ids(self) -> list[str]:
        async with self.deps.sessions() as session:
            return [team.team_id for team in await list_teams(session=session)]
