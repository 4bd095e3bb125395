"""Exactly-once posting: claim the run in the database, post, record the Slack ts (or file id).

The claim is the post's recorded intent, and its key goes out in the message's metadata.
The Slack client retries 429s (and 5xx for calls that create nothing); when a post still
fails, the claim is released and taken again after a back-off, up to a few attempts. A
failure after which Slack may have posted anyway (a 5xx, a timeout, a dropped connection)
releases it as unsure, and so does a claimant that died with its lease running: the next
attempt first looks the post up by its key and records the one it finds. Because the claim
is marked posted (with its ts) in the same breath as the post returns, a retry, a second
process or a restart finds it done and never posts twice.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.post_intent import (
    SLACK_CALL_ERRORS,
    describe_failure,
    is_ambiguous,
    post_with_intent,
)
from handlers.views.blocks import Message
from storage.claims import Claim, claim_run, mark_failed, mark_posted

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
AfterPost = Callable[[AsyncSession, str, str], Awaitable[None]]
# Sends something to Slack under the claim's key (looking first if the claim says so).
Attempt = Callable[[Claim], Awaitable[tuple[str, str]]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one claimed post: attempts in all, and the first back-off."""

    attempts: int = 4
    first_delay_seconds: float = 5.0
    lease: timedelta = timedelta(minutes=10)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the given failed attempt (1-based): 5, 10, 20, …"""
        return self.first_delay_seconds * 2 ** (attempt - 1)


DEFAULT_RETRY = RetryPolicy()


class Outcome(StrEnum):
    """What became of a post_once call."""

    POSTED = "posted"
    NOT_OURS = "not_ours"  # already posted, or another process holds the claim
    FAILED = "failed"


@dataclass(frozen=True)
class PostResult:
    """The outcome, and the ts or the error when there is one."""

    outcome: Outcome
    ts: str | None = None
    error: str | None = None


async def post_once(
    deps: Deps,
    client: AsyncWebClient,
    *,
    team_id: str,
    job: str,
    period: str,
    channel: str,
    message: Message,
    after_post: AfterPost | None = None,
    sleep: Sleep = asyncio.sleep,
    policy: RetryPolicy = DEFAULT_RETRY,
) -> PostResult:
    """Post message to channel once for (team, job, period), retrying failures with back-off.

    after_post(session, channel_id, ts) runs in the transaction that marks the claim posted.
    """

    async def post(claim: Claim) -> tuple[str, str]:
        return await post_with_intent(
            client, channel, message, key=claim.key, look_first=claim.look_first
        )

    return await run_once(
        deps,
        team_id=team_id,
        job=job,
        period=period,
        attempt=post,
        after_post=after_post,
        sleep=sleep,
        policy=policy,
    )


async def run_once(
    deps: Deps,
    *,
    team_id: str,
    job: str,
    period: str,
    attempt: Attempt,
    after_post: AfterPost | None = None,
    sleep: Sleep = asyncio.sleep,
    policy: RetryPolicy = DEFAULT_RETRY,
) -> PostResult:
    """Run attempt once for (team, job, period) under a claim, retrying failures with back-off.

    attempt(claim) sends something to Slack under claim.key, first looking for what an
    earlier attempt may have sent when claim.look_first, and returns (channel id, ts or file
    id), which the claim records; after_post(session, channel_id, ts) runs in the same
    transaction.
    """
    error = "not attempted"
    while True:
        async with deps.sessions.begin() as session:
            claim = await claim_run(
                session=session,
                team_id=team_id,
                job=job,
                period=period,
                now=deps.clock.now(),
                lease=policy.lease,
                max_attempts=policy.attempts,
            )
        if claim is None:
            return PostResult(Outcome.NOT_OURS) if error == "not attempted" else _gave_up(error)
        try:
            posted_in, ts = await attempt(claim)
        except SLACK_CALL_ERRORS as exc:
            error = await _release(deps, claim, exc, what=f"{job} for team {team_id} ({period})")
            if claim.attempts >= policy.attempts:
                return _gave_up(error)
            await sleep(policy.delay(claim.attempts))
            continue
        async with deps.sessions.begin() as session:
            await mark_posted(
                session=session,
                claim_id=claim.id,
                channel_id=posted_in,
                message_ts=ts,
                now=deps.clock.now(),
            )
            if after_post is not None:
                await after_post(session, posted_in, ts)
        return PostResult(Outcome.POSTED, ts=ts)


async def _release(deps: Deps, claim: Claim, exc: BaseException, *, what: str) -> str:
    """Release a claim whose attempt failed, as unsure when Slack may have taken the post."""
    error = describe_failure(exc)
    unsure = is_ambiguous(exc)
    maybe = " (Slack may have taken it)" if unsure else ""
    logger.warning("%s, attempt %s failed%s: %s", what, claim.attempts, maybe, error)
    async with deps.sessions.begin() as session:
        await mark_failed(session=session, claim_id=claim.id, error=error, unsure=unsure)
    return error


def _gave_up(error: str) -> PostResult:
    return PostResult(Outcome.FAILED, error=error)
