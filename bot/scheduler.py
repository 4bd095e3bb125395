"""The in-process scheduler: every team's digest and nudges on their triggers.

`Scheduler` is a thin wrapper over APScheduler 3's AsyncIOScheduler, so the rest of the app
adds, moves and removes jobs by name and never touches APScheduler's options. `ScheduledJobs`
puts each team's jobs (from `jobs.due_runs`) on it and keeps them in step with the settings.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from jobs.due_runs import run_due_digest, run_due_nudges
from jobs.post_once import Sleep
from jobs.sla import run_sla_pass
from storage.teams import list_teams

logger = logging.getLogger(__name__)

# A run the event loop could not start on time (a busy loop, a suspended laptop) still runs
# if it is at most this late; the jobs themselves decide about runs missed while stopped.
MISFIRE_GRACE_SECONDS = 3600
SWEEP_MINUTES = 10
# The first-touch SLA pass (reminders, reassignments, notices left unsent) runs this often.
SLA_MINUTES = 1


class Scheduler:
    """Named asynchronous jobs on APScheduler triggers."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            },
        )

    def put(
        self,
        name: str,
        func: Callable[..., Awaitable[Any]],
        trigger: BaseTrigger,
        *args: Any,
    ) -> None:
        """Run func(*args) on trigger under name, replacing any job of that name."""
        self._scheduler.add_job(func, trigger, args=args, id=name, name=name, replace_existing=True)

    def remove(self, name: str) -> None:
        """Stop running the job of that name, if there is one."""
        if self._scheduler.get_job(name) is not None:
            self._scheduler.remove_job(name)

    def names(self) -> set[str]:
        """The names of the scheduled jobs."""
        return {job.id for job in self._scheduler.get_jobs()}

    def next_run_time(self, name: str) -> datetime | None:
        """When the named job runs next (None if it does not exist or is not started)."""
        job = self._scheduler.get_job(name)
        return getattr(job, "next_run_time", None) if job is not None else None

    @property
    def running(self) -> bool:
        """Whether the scheduler is started."""
        return bool(self._scheduler.running)

    async def start(self) -> None:
        """Start running jobs on the current event loop."""
        self._scheduler.start()
        logger.info("scheduler started with %s jobs", len(self._scheduler.get_jobs()))

    async def stop(self) -> None:
        """Stop running jobs; a job already running is not waited for."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            # AsyncIOScheduler hands the shutdown to the event loop; let it happen.
            await asyncio.sleep(0)


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
        self.scheduler.put("sla", self.sla_due, IntervalTrigger(minutes=SLA_MINUTES))
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
        schedule = await self.deps.team_settings(team_id)
        self.scheduler.put(f"digest:{team_id}", self.digest_due, schedule.digest_trigger, team_id)
        self.scheduler.put(f"nudges:{team_id}", self.nudges_due, schedule.nudge_trigger, team_id)

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

    async def sla_due(self) -> None:
        """The SLA pass: remind and reassign what is due, logging whatever goes wrong."""
        try:
            await run_sla_pass(self.deps, self.client, now=self.deps.clock.now(), sleep=self.sleep)
        except Exception:
            logger.exception("the SLA pass failed")

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
