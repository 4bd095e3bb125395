"""The digest and the nudges on each team's schedule, with make-up runs after downtime.

Each scheduled call asks "which run is due now?": the trigger's latest fire time at or
before now. Claims make asking twice harmless, so the same function serves the cron fire,
the catch-up at start-up and the periodic retry sweep. A digest missed while the app was
down is made up if it is less than 24 hours late; nudges only on the day they were due, so
nobody gets one on a day without nudges. Older runs are skipped and logged.
"""

import asyncio
import logging
from datetime import datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from jobs.digest import digest_claim_job, post_digest
from jobs.nudges import NudgeReport, post_nudges
from jobs.post_once import PostResult, Sleep
from storage.claims import ClaimState, get_claim
from storage.schedules import latest_fire, week_ending
from storage.teams import get_team

logger = logging.getLogger(__name__)

MAKE_UP_WINDOW = timedelta(hours=24)


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
    schedule = await deps.team_settings(team_id)
    due = latest_fire(schedule.digest_trigger, now)
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
    schedule = await deps.team_settings(team_id)
    due = latest_fire(schedule.nudge_trigger, now)
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
