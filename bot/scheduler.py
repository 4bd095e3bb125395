"""The in-process scheduler: every team's digest and nudges on their triggers.

`Scheduler` runs named asynchronous jobs on APScheduler triggers, timed by the injected
clock: APScheduler's own schedulers read the wall clock, so a test (or a demo) could never
say what time it is. It keeps APScheduler's behaviour where it matters: a run late by more
than the misfire grace is skipped, runs missed meanwhile collapse into one, and a job never
runs twice at once. `ScheduledJobs` puts each team's jobs (from `jobs.due_runs`) on it and
keeps them in step with the settings.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.deps import Deps
from bot.metrics import JOB_FAILURES, JOB_RUNS
from jobs.due_runs import run_due_digest, run_due_nudges
from jobs.nudges import NudgeReport
from jobs.post_once import Outcome, PostResult, Sleep
from jobs.sla import run_sla_pass
from storage.schedules import next_fire
from storage.team_settings import TeamSettings
from storage.teams import get_team, list_teams

logger = logging.getLogger(__name__)

# A run the event loop could not start on time (a busy loop, a suspended laptop) still runs
# if it is at most this late; the jobs themselves decide about runs missed while stopped.
MISFIRE_GRACE = timedelta(hours=1)
SWEEP_MINUTES = 10
# How often the scheduler looks for schedules changed by another process (another worker of
# `serve --workers`, another replica): a settings change saved there reaches it this late.
FOLLOW_MINUTES = 1
# The first-touch SLA pass (reminders, reassignments, notices left unsent) runs this often.
SLA_MINUTES = 1
# The scheduler looks at the clock at least this often, so a clock that jumps (a laptop
# waking from sleep) is noticed within a minute.
MAX_WAIT_SECONDS = 60.0
# How long stop() lets a running job finish before cancelling it.
STOP_WAIT_SECONDS = 30.0


@dataclass
class _Job:
    func: Callable[..., Awaitable[Any]]
    trigger: BaseTrigger
    args: tuple[Any, ...]
    next_run: datetime


RunResult = PostResult | NudgeReport | None


async def counted(kind: str, run: Awaitable[RunResult]) -> RunResult:
    """Await a job's run and count it for /metrics: a run that did nothing is not counted."""
    try:
        result = await run
    except Exception:
        JOB_RUNS.labels(kind=kind).inc()
        JOB_FAILURES.labels(kind=kind).inc()
        raise
    if result is not None:
        JOB_RUNS.labels(kind=kind).inc()
        if _failed(result):
            JOB_FAILURES.labels(kind=kind).inc()
    return result


def _failed(result: PostResult | NudgeReport) -> bool:
    if isinstance(result, NudgeReport):
        return bool(result.errors)
    return result.outcome is Outcome.FAILED


class Scheduler:
    """Named asynchronous jobs on APScheduler triggers, due by the given clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._jobs: dict[str, _Job] = {}
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._changed = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False

    def put(
        self,
        name: str,
        func: Callable[..., Awaitable[Any]],
        trigger: BaseTrigger,
        *args: Any,
    ) -> None:
        """Run func(*args) on trigger under name, replacing any job of that name."""
        self._jobs[name] = _Job(func, trigger, args, next_fire(trigger, self._clock.now()))
        self._changed.set()

    def remove(self, name: str) -> None:
        """Stop running the job of that name, if there is one."""
        if self._jobs.pop(name, None) is not None:
            self._changed.set()

    def names(self) -> set[str]:
        """The names of the scheduled jobs."""
        return set(self._jobs)

    def next_run_time(self, name: str) -> datetime | None:
        """When the named job runs next, in UTC (None if there is no such job)."""
        job = self._jobs.get(name)
        return job.next_run if job is not None else None

    @property
    def running(self) -> bool:
        """Whether the scheduler is started."""
        return self._loop is not None and not self._loop.done()

    def wake(self) -> None:
        """Look at the clock again now, rather than at the next planned wake-up."""
        self._changed.set()

    async def start(self) -> None:
        """Start running jobs on the current event loop."""
        self._stopping = False
        self._loop = asyncio.create_task(self._run(), name="scheduler")
        logger.info("scheduler started with %s jobs", len(self._jobs))

    async def stop(self) -> None:
        """Stop running jobs; one already running gets a little while to finish."""
        if self._loop is None:
            return
        self._stopping = True
        self._changed.set()
        await self._loop
        self._loop = None
        busy = [task for task in self._running.values() if not task.done()]
        if busy:
            _done, late = await asyncio.wait(busy, timeout=STOP_WAIT_SECONDS)
            for task in late:
                task.cancel()
        self._running.clear()
        logger.info("scheduler stopped")

    async def _run(self) -> None:
        while not self._stopping:
            self._changed.clear()
            now = self._clock.now()
            for name, job in list(self._jobs.items()):
                if job.next_run <= now:
                    self._fire(name, job, now)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._wait_seconds(now)):
                    await self._changed.wait()

    def _wait_seconds(self, now: datetime) -> float:
        soonest = min((job.next_run for job in self._jobs.values()), default=None)
        if soonest is None:
            return MAX_WAIT_SECONDS
        return min(max((soonest - now).total_seconds(), 0.0), MAX_WAIT_SECONDS)

    def _fire(self, name: str, job: _Job, now: datetime) -> None:
        due, job.next_run = job.next_run, next_fire(job.trigger, now)
        if now - due > MISFIRE_GRACE:
            logger.warning("job %s due %s was missed; skipped", name, due.isoformat())
            return
        busy = self._running.get(name)
        if busy is not None and not busy.done():
            logger.warning("job %s is still running from before; this run is skipped", name)
            return
        task = asyncio.create_task(job.func(*job.args), name=name)
        task.add_done_callback(_log_failure)
        self._running[name] = task


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("job %s failed", task.get_name(), exc_info=task.exception())


def _triggers(schedule: TeamSettings) -> tuple[str, str]:
    """A team's digest and nudge triggers, comparable with those of another reading."""
    return repr(schedule.digest_trigger), repr(schedule.nudge_trigger)


class ScheduledJobs:
    """Puts every team's digest and nudges on the scheduler, and keeps them up to date."""

    def __init__(
        self,
        scheduler: Scheduler,
        deps: Deps,
        client: AsyncWebClient | None,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.scheduler = scheduler
        self.deps = deps
        self.client = client
        self.sleep = sleep
        self._catch_up: asyncio.Task[None] | None = None
        # Each scheduled team's triggers as scheduled, to see when another process moved them.
        self._scheduled: dict[str, tuple[str, str]] = {}

    async def start(self) -> None:
        """Schedule every team, start the scheduler, and make up what was missed meanwhile."""
        team_ids = await self._team_ids()
        for team_id in team_ids:
            await self.reschedule_team(team_id)
        sweep = IntervalTrigger(
            minutes=SWEEP_MINUTES, start_date=self.deps.clock.now(), timezone=UTC
        )
        self.scheduler.put("teams:sweep", self.sweep, sweep)
        sla = IntervalTrigger(minutes=SLA_MINUTES, start_date=self.deps.clock.now(), timezone=UTC)
        self.scheduler.put("sla", self.sla_due, sla)
        follow = IntervalTrigger(
            minutes=FOLLOW_MINUTES, start_date=self.deps.clock.now(), timezone=UTC
        )
        self.scheduler.put("teams:follow", self.follow_schedules, follow)
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
        """(Re)place a team's jobs on its current schedule, or remove them if it is uninstalled;
        call it after its settings change and when it is installed or uninstalled."""
        async with self.deps.sessions() as session:
            team = await get_team(session=session, team_id=team_id)
        if team is None or team.uninstalled_at is not None:
            self.scheduler.remove(f"digest:{team_id}")
            self.scheduler.remove(f"nudges:{team_id}")
            self._scheduled.pop(team_id, None)
            logger.info("workspace %s is not installed: no more jobs for it", team_id)
            return
        schedule = await self.deps.team_settings(team_id)
        self.scheduler.put(f"digest:{team_id}", self.digest_due, schedule.digest_trigger, team_id)
        self.scheduler.put(f"nudges:{team_id}", self.nudges_due, schedule.nudge_trigger, team_id)
        self._scheduled[team_id] = _triggers(schedule)

    async def follow_schedules(self) -> None:
        """Move the jobs of teams whose schedule another process changed (an admin's save
        answered by another worker or replica); a digest the move made due is posted now, as
        the sweep would."""
        for team_id in await self._team_ids():
            scheduled = self._scheduled.get(team_id)
            if scheduled is None or scheduled == _triggers(await self.deps.team_settings(team_id)):
                continue
            logger.info("workspace %s has a new schedule: its jobs follow", team_id)
            await self.reschedule_team(team_id)
            await self.digest_due(team_id)

    async def digest_due(self, team_id: str) -> None:
        """The digest job: post the due digest, logging whatever goes wrong."""
        try:
            client = await self.deps.slack_for(team_id, self.client)
            if client is None:
                logger.warning("no bot token for workspace %s: its digest is skipped", team_id)
                return
            await counted(
                "digest",
                run_due_digest(
                    self.deps, client, team_id, now=self.deps.clock.now(), sleep=self.sleep
                ),
            )
        except Exception:
            logger.exception("the digest job for team %s failed", team_id)

    async def nudges_due(self, team_id: str) -> None:
        """The nudge job: send the due nudges, logging whatever goes wrong."""
        try:
            client = await self.deps.slack_for(team_id, self.client)
            if client is None:
                logger.warning("no bot token for workspace %s: its nudges are skipped", team_id)
                return
            await counted(
                "nudges",
                run_due_nudges(
                    self.deps, client, team_id, now=self.deps.clock.now(), sleep=self.sleep
                ),
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
        """Schedule teams that joined since start-up (and drop those that left, also when
        another process heard of it), and retry digests that failed."""
        team_ids = await self._team_ids()
        for name in self.scheduler.names():
            kind, _, team_id = name.partition(":")
            if kind in ("digest", "nudges") and team_id not in team_ids:
                self.scheduler.remove(name)
        for team_id in team_ids:
            if f"digest:{team_id}" not in self.scheduler.names():
                await self.reschedule_team(team_id)
            await self.digest_due(team_id)

    async def catch_up(self, team_ids: list[str]) -> None:
        """Make up the runs missed while the app was down, if they are recent enough."""
        for team_id in team_ids:
            now = self.deps.clock.now()
            try:
                client = await self.deps.slack_for(team_id, self.client)
                if client is None:
                    continue
                await counted(
                    "digest",
                    run_due_digest(
                        self.deps, client, team_id, now=now, sleep=self.sleep, log_skipped=True
                    ),
                )
                await counted(
                    "nudges",
                    run_due_nudges(
                        self.deps, client, team_id, now=now, sleep=self.sleep, log_skipped=True
                    ),
                )
            except Exception:
                logger.exception("catching up team %s failed", team_id)

    async def _team_ids(self) -> list[str]:
        async with self.deps.sessions() as session:
            return [team.team_id for team in await list_teams(session=session)]
