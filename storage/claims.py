"""Scheduled-job bookkeeping: exactly-once claims and each team's last success or failure.

A claim is a row with a unique (team, job, period) key. Whoever inserts it, or takes over a
failed or abandoned one with a compare-and-set update, is the only process that may post;
once the Slack `ts` is recorded the claim is done for good, so no retry can post again.

The claim is also the post's recorded intent: its post_key goes out in the message's
metadata. When an attempt ended without knowing whether Slack took the post (a 5xx, a
dropped connection, a claimant whose lease ran out), the next claimant is told to look the
post up by that key before it posts.
"""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_ignoring_conflicts
from storage.models import JobClaim, JobStatus

ERROR_MAX = 500


class ClaimState(StrEnum):
    """Where a claimed run stands."""

    RUNNING = "running"
    FAILED = "failed"  # Slack refused: nothing was posted
    UNSURE = "unsure"  # Slack may have posted: look before posting again
    POSTED = "posted"


@dataclass(frozen=True)
class Claim:
    """A run this process now owns and must post, under its intent key.

    look_first: an earlier attempt may have posted, so find it by key before posting.
    """

    id: int
    attempts: int
    key: str
    look_first: bool = False


def new_post_key() -> str:
    """A fresh, unique intent key (32 hex digits)."""
    return uuid.uuid4().hex


async def claim_run(
    *,
    session: AsyncSession,
    team_id: str,
    job: str,
    period: str,
    now: datetime,
    lease: timedelta,
    max_attempts: int,
) -> Claim | None:
    """Claim (team, job, period) for this process, or None if it is done or someone has it.

    A new run is claimed by inserting its row. A failed run, or one whose claimant let its
    lease run out without posting, is taken over only if the row is still as it was read,
    so two processes never both win. Runs that failed max_attempts times stay failed.
    """
    key = new_post_key()
    new_id = await insert_ignoring_conflicts(
        session,
        JobClaim,
        {
            "team_id": team_id,
            "job": job,
            "period": period,
            "state": ClaimState.RUNNING,
            "attempts": 1,
            "lease_until": now + lease,
            "claimed_at": now,
            "post_key": key,
        },
        returning=JobClaim.id,
    )
    if new_id is not None:
        return Claim(id=new_id, attempts=1, key=key)
    existing = (
        await session.exec(
            select(JobClaim).where(
                JobClaim.team_id == team_id, JobClaim.job == job, JobClaim.period == period
            )
        )
    ).one()
    lapsed = existing.state == ClaimState.RUNNING and existing.lease_until <= now
    retryable = lapsed or existing.state in (ClaimState.FAILED, ClaimState.UNSURE)
    if not retryable or existing.attempts >= max_attempts:
        return None
    claim_id, attempts = existing.id, existing.attempts + 1
    assert claim_id is not None
    key = existing.post_key or key
    # Read before the update below, which refreshes `existing` in the session.
    look_first = lapsed or existing.state == ClaimState.UNSURE
    taken = await session.exec(
        update(JobClaim)
        .where(
            col(JobClaim.id) == claim_id,
            col(JobClaim.state) == existing.state,
            col(JobClaim.attempts) == existing.attempts,
        )
        .values(state=ClaimState.RUNNING, attempts=attempts, lease_until=now + lease, post_key=key)
    )
    if taken.rowcount != 1:
        return None
    return Claim(id=claim_id, attempts=attempts, key=key, look_first=look_first)


async def mark_posted(
    *, session: AsyncSession, claim_id: int, channel_id: str, message_ts: str, now: datetime
) -> None:
    """Record where the claimed run was posted; from now on it never posts again."""
    await session.exec(
        update(JobClaim)
        .where(col(JobClaim.id) == claim_id)
        .values(
            state=ClaimState.POSTED,
            channel_id=channel_id,
            message_ts=message_ts,
            posted_at=now,
            last_error=None,
        )
    )


async def mark_failed(
    *, session: AsyncSession, claim_id: int, error: str, unsure: bool = False
) -> None:
    """Release a claim whose post failed, so a retry may take it over.

    unsure: Slack may have posted it anyway, so the retry looks for it first.
    """
    state = ClaimState.UNSURE if unsure else ClaimState.FAILED
    await session.exec(
        update(JobClaim)
        .where(col(JobClaim.id) == claim_id, col(JobClaim.state) == ClaimState.RUNNING)
        .values(state=state, last_error=error[:ERROR_MAX])
    )


async def get_claim(
    *, session: AsyncSession, team_id: str, job: str, period: str
) -> JobClaim | None:
    """The claim of (team, job, period), or None if nobody claimed it."""
    statement = select(JobClaim).where(
        JobClaim.team_id == team_id, JobClaim.job == job, JobClaim.period == period
    )
    return (await session.exec(statement)).first()


async def failed_runs(
    *, session: AsyncSession, team_id: str, job: str, periods: Collection[str]
) -> dict[str, str]:
    """The error of each of these runs whose latest attempt failed (and none posted since)."""
    if not periods:
        return {}
    statement = select(JobClaim.period, JobClaim.last_error).where(
        JobClaim.team_id == team_id,
        JobClaim.job == job,
        col(JobClaim.period).in_(list(periods)),
        JobClaim.state == ClaimState.FAILED,
    )
    return {period: error or "unknown_error" for period, error in (await session.exec(statement))}


async def record_job_result(
    *, session: AsyncSession, team_id: str, job: str, now: datetime, error: str | None = None
) -> None:
    """Remember the latest success (error None) or failure of a team's job."""
    await insert_ignoring_conflicts(session, JobStatus, {"team_id": team_id, "job": job})
    values: dict[str, object] = (
        {"last_success_at": now}
        if error is None
        else {"last_failure_at": now, "last_error": error[:ERROR_MAX]}
    )
    await session.exec(
        update(JobStatus)
        .where(col(JobStatus.team_id) == team_id, col(JobStatus.job) == job)
        .values(**values)
    )


async def job_statuses(*, session: AsyncSession, job: str | None = None) -> list[JobStatus]:
    """Every team's latest job results (optionally for one job), by team then job."""
    statement = select(JobStatus)
    if job is not None:
        statement = statement.where(JobStatus.job == job)
    statement = statement.order_by(col(JobStatus.team_id), col(JobStatus.job))
    return list((await session.exec(statement)).all())


async def failing_jobs(*, session: AsyncSession, team_id: str) -> list[JobStatus]:
    """The team's jobs whose latest result is a failure."""
    statement = select(JobStatus).where(JobStatus.team_id == team_id).order_by(col(JobStatus.job))
    return [status for status in (await session.exec(statement)).all() if is_failing(status)]


def is_failing(status: JobStatus) -> bool:
    """Whether the job's latest result is a failure."""
    if status.last_failure_at is None:
        return False
    return status.last_success_at is None or status.last_failure_at > status.last_success_at
