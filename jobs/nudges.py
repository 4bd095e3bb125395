"""Stale-lead nudges: one DM per owner, a summary of ownerless leads, each posted once a day."""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.views.nudge_blocks import render_nudge, render_ownerless
from jobs.post_once import Outcome, Sleep, post_once
from storage.claims import record_job_result
from storage.nudges import Nudge, record_nudges, stale_holders, stale_leads_held_by
from storage.schedules import local_day_start
from storage.team_settings import TeamSettings

logger = logging.getLogger(__name__)

NUDGE_JOB = "nudges"
LEADS_PER_NUDGE = 10
OWNERLESS = "ownerless"


@dataclass
class NudgeReport:
    """What one nudge run did, for the log and the CLI."""

    owners_nudged: int = 0
    leads_nudged: int = 0
    ownerless_leads: int = 0
    escalated: int = 0
    errors: list[str] = field(default_factory=list)


async def plan_nudges(
    session: AsyncSession, team_id: str, *, now: datetime, schedule: TeamSettings
) -> list[Nudge]:
    """Who gets nudged today about which leads: leads nudged earlier today are left out."""
    since = local_day_start(now, schedule.zone)
    plans = []
    for owner, total in await stale_holders(
        session=session,
        team_id=team_id,
        now=now,
        stale_after_days=schedule.stale_after_days,
        since=since,
    ):
        leads = await stale_leads_held_by(
            session=session,
            team_id=team_id,
            owner=owner,
            now=now,
            stale_after_days=schedule.stale_after_days,
            since=since,
            limit=LEADS_PER_NUDGE,
        )
        plans.append(Nudge(owner=owner, leads=leads, total=total))
    return plans


async def post_nudges(
    deps: Deps,
    client: AsyncWebClient,
    team_id: str,
    *,
    now: datetime,
    sleep: Sleep = asyncio.sleep,
) -> NudgeReport:
    """Send today's nudges for a team, each DM and the summary at most once a day."""
    schedule = await deps.team_settings(team_id)
    day = now.astimezone(schedule.zone).date().isoformat()
    async with deps.sessions() as session:
        plans = await plan_nudges(session, team_id, now=now, schedule=schedule)
    report = NudgeReport()
    for plan in plans:
        await _send(deps, client, team_id, plan, schedule, now, day, report, sleep)
    if plans:
        error = "; ".join(report.errors) or None
        async with deps.sessions.begin() as session:
            await record_job_result(
                session=session, team_id=team_id, job=NUDGE_JOB, now=deps.clock.now(), error=error
            )
    logger.info(
        "nudges for team %s (%s): %s owners, %s leads, %s ownerless, %s escalated, %s errors",
        team_id,
        day,
        report.owners_nudged,
        report.leads_nudged,
        report.ownerless_leads,
        report.escalated,
        len(report.errors),
    )
    return report


async def _send(
    deps: Deps,
    client: AsyncWebClient,
    team_id: str,
    plan: Nudge,
    schedule: TeamSettings,
    now: datetime,
    day: str,
    report: NudgeReport,
    sleep: Sleep,
) -> None:
    if plan.owner is None:
        if schedule.shared_channel is None:
            logger.warning(
                "%s ownerless stale leads in team %s, but LEADLOOP_SHARED_CHANNEL is not set",
                plan.total,
                team_id,
            )
            return
        channel = schedule.shared_channel
        message = render_ownerless(plan, now=now, stale_after_days=schedule.stale_after_days)
    else:
        channel = plan.owner
        message = render_nudge(plan, now=now, stale_after_days=schedule.stale_after_days)
    escalated: list[int] = []

    async def count_nudges(session: AsyncSession, _channel: str, _ts: str) -> None:
        escalated.extend(
            await record_nudges(session=session, team_id=team_id, leads=plan.leads, now=now)
        )

    result = await post_once(
        deps,
        client,
        team_id=team_id,
        job=f"nudge:{plan.owner or OWNERLESS}",
        period=day,
        channel=channel,
        message=message,
        after_post=count_nudges,
        sleep=sleep,
    )
    if result.outcome is Outcome.FAILED:
        report.errors.append(f"{plan.owner or OWNERLESS}: {result.error}")
        logger.error(
            "could not nudge %s in team %s: %s", plan.owner or OWNERLESS, team_id, result.error
        )
    elif result.outcome is Outcome.POSTED:
        report.escalated += len(escalated)
        if plan.owner is None:
            report.ownerless_leads += plan.total
        else:
            report.owners_nudged += 1
            report.leads_nudged += len(plan.leads)
