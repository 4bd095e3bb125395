"""The first-touch SLA pass (every minute, and `leadloop sla`): remind at the deadline,
reassign at twice the SLA, each exactly once across replicas and restarts.

The reminder is a claimed post (jobs.post_once: one claim per lead and hand-over) whose
success records the `reminded` event. The reassignment is a conditional UPDATE of the lead
from the hand-over it was at (storage.routing.hand_over): only one pass can move it, and only
that pass tells the channel (again under a claim).
"""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from bot.metrics import LEADS_BREACHED
from handlers.lead_routing import RoutingPlan, route_leads, routing_plan, send_notices
from handlers.views.routing_blocks import render_reassigned, render_reminder
from jobs.post_once import Outcome, Sleep, post_once
from storage.models import Lead
from storage.routing import EventKind, has_event, past_owners, record_events
from storage.routing_rules import RoutingMode
from storage.sla import deadlines, waiting_leads
from storage.teams import list_teams

logger = logging.getLogger(__name__)


@dataclass
class SlaReport:
    """What one pass did (or, dry, would do): lead ids reminded and reassigned."""

    reminded: list[int] = field(default_factory=list)
    reassigned: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def run_sla_pass(
    deps: Deps,
    client: AsyncWebClient | None,
    *,
    now: datetime,
    dry_run: bool = False,
    sleep: Sleep = asyncio.sleep,
) -> SlaReport:
    """One SLA pass over every routing team as of now; a dry run (or no client) only says
    what is due."""
    client = None if dry_run else client
    dry_run = client is None
    report = SlaReport()
    async with deps.sessions() as session:
        team_ids = [team.team_id for team in await list_teams(session=session)]
    for team_id in team_ids:
        team = await deps.team_settings(team_id)
        if RoutingMode(team.routing) is RoutingMode.OFF:
            continue
        rules = deps.settings.routing_rules
        hours = rules.business_hours(team.zone)
        async with deps.sessions() as session:
            leads = await waiting_leads(session=session, team_id=team_id)
        plan: RoutingPlan | None = None
        for lead in leads:
            due = deadlines(lead.assigned_at or lead.handed_off_at, hours, rules.sla_minutes)
            if now >= due.reassign_at:
                plan = plan or await routing_plan(deps, team)
                if dry_run or await _reassign(deps, client, plan, lead, now, sleep):
                    report.reassigned.append(lead.id or 0)
                    if not dry_run:
                        LEADS_BREACHED.inc()
            elif now >= due.remind_at and await _remind(deps, client, lead, report, sleep):
                report.reminded.append(lead.id or 0)
        if client is not None:
            await send_notices(deps, client, team_id)
    logger.info(
        "SLA pass: %s reminded, %s reassigned", len(report.reminded), len(report.reassigned)
    )
    return report


async def _remind(
    deps: Deps, client: AsyncWebClient | None, lead: Lead, report: SlaReport, sleep: Sleep
) -> bool:
    """Remind the owner once for this hand-over; whether this pass did (without a client,
    a dry run: whether it would)."""
    async with deps.sessions() as session:
        done = await has_event(
            session=session, lead_id=lead.id or 0, kind=EventKind.REMINDED, round=lead.routing_round
        )
    if done or client is None or lead.owner is None:
        return not done and client is None
    message = render_reminder(lead, sla_minutes=deps.settings.routing_rules.sla_minutes)

    async def record(session: AsyncSession, _channel: str, _ts: str) -> None:
        events = [(lead.id or 0, EventKind.REMINDED, lead.routing_round, lead.owner)]
        await record_events(
            session=session, team_id=lead.team_id, events=events, now=deps.clock.now()
        )

    result = await post_once(
        deps,
        client,
        team_id=lead.team_id,
        job=f"sla-remind:{lead.id}",
        period=f"round-{lead.routing_round}",
        channel=lead.owner,
        message=message,
        after_post=record,
        sleep=sleep,
    )
    if result.outcome is Outcome.FAILED:
        report.errors.append(f"reminder for lead {lead.id}: {result.error}")
    return result.outcome is Outcome.POSTED


async def _reassign(
    deps: Deps,
    client: AsyncWebClient | None,
    plan: RoutingPlan,
    lead: Lead,
    now: datetime,
    sleep: Sleep,
) -> bool:
    """Move the lead on from its hand-over (never back to anyone who had it); whether this
    pass did. The rep's manager, else the routing channel, is told once."""
    assert lead.id is not None
    async with deps.sessions() as session:
        exclude = {
            lead.id: await past_owners(session=session, lead_id=lead.id) | {lead.owner or ""}
        }
        moved = await route_leads(
            session,
            plan,
            team_id=lead.team_id,
            leads=[(lead.id, lead.routing_round)],
            now=now,
            exclude=exclude,
        )
        if not moved:
            await session.rollback()
            return False
        await record_events(
            session=session,
            team_id=lead.team_id,
            events=[(lead.id, EventKind.REASSIGNED, lead.routing_round, None)],
            now=now,
        )
        await session.commit()
    channel = plan.rules.manager_of(lead.owner) or plan.rules.channel
    if client is not None and channel is not None:
        message = render_reassigned(lead, before=lead.owner, after=moved[0].to)
        await post_once(
            deps,
            client,
            team_id=lead.team_id,
            job=f"sla-reassign:{lead.id}",
            period=f"round-{lead.routing_round}",
            channel=channel,
            message=message,
            sleep=sleep,
        )
    return True
