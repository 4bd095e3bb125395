"""The in-process scheduler: named jobs on triggers, replaceable while the app runs.

A thin wrapper over APScheduler 3's AsyncIOScheduler, so the rest of the app adds, moves
and removes jobs by name and never touches APScheduler's options. It knows nothing of
what the jobs do.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

logger = logging.getLogger(__name__)

# A run the event loop could not start on time (a busy loop, a suspended laptop) still runs
# if it is at most this late; the jobs themselves decide about runs missed while stopped.
MISFIRE_GRACE_SECONDS = 3600


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
