"""Stale-lead nudges: one DM per owner, a summary of ownerless leads, each posted once a day."""

import asyncio
import copy
import logging
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.views import ids
from handlers.views.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    header,
    section,
    slack_date,
)
from handlers.views.feedback_blocks import RATING_EMOJI, lead_line
from jobs.post_once import Outcome, Sleep, post_once
from jobs.schedule import Schedule, local_day_start, team_schedule
from storage.claims import record_job_result
from storage.models import Lead
from storage.nudges import record_nudges, stale_holders, stale_leads_held_by
from storage.vocabulary import Rating

logger = logging.getLogger(__name__)

NUDGE_JOB = "nudges"
LEADS_PER_NUDGE = 10
SNOOZE_DAYS = 3
OWNERLESS = "ownerless"


@dataclass(frozen=True)
class Nudge:
    """The stale leads one owner (None: nobody) is reminded of, and how many they hold."""

    owner: str | None
    leads: list[Lead]
    total: int


@dataclass
class NudgeReport:
    """What one nudge run did, for the log and the CLI."""

    owners_nudged: int = 0
    leads_nudged: int = 0
    ownerless_leads: int = 0
    escalated: int = 0
    errors: list[str] = field(default_factory=list)


async def plan_nudges(
    session: AsyncSession, team_id: str, *, now: datetime, schedule: Schedule
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


def _age(lead: Lead, now: datetime) -> str:
    days = (now - lead.last_touch_at).days
    return f"untouched for {days} day{'s' * (days != 1)}"


def _lead_text(lead: Lead, now: datetime) -> str:
    handed = slack_date(lead.handed_off_at, "{date_short_pretty}")
    return (
        f"{lead_line(lead)}\n{lead.status.capitalize()} · handed over {handed} · {_age(lead, now)}"
    )


def _lead_buttons(lead: Lead) -> Block:
    value = str(lead.id)
    return actions(
        *(
            button(
                f"{RATING_EMOJI[rating]} {rating.value.capitalize()}",
                action_id=ids.NUDGE_RATE_PREFIX + rating.value,
                value=value,
            )
            for rating in Rating
        ),
        button(f"Snooze {SNOOZE_DAYS} days", action_id=ids.NUDGE_SNOOZE, value=value),
        block_id=f"{ids.NUDGE_ACTIONS_BLOCK_PREFIX}{lead.id}",
    )


def render_nudge(nudge: Nudge, *, now: datetime, stale_after_days: int) -> Message:
    """An owner's DM: up to ten stale leads, oldest first, each with rating and snooze buttons."""
    count = f"{nudge.total} lead{'s' * (nudge.total != 1)}"
    blocks: list[Block] = [
        header("Leads waiting for your verdict"),
        section(
            f"You have *{count}* open and untouched for {stale_after_days}+ days. "
            "One click tells marketing how good each one was."
        ),
    ]
    for lead in nudge.leads:
        blocks.append(
            section(_lead_text(lead, now), block_id=f"{ids.NUDGE_LEAD_BLOCK_PREFIX}{lead.id}")
        )
        blocks.append(_lead_buttons(lead))
    if nudge.total > len(nudge.leads):
        blocks.append(
            context(
                f"…and {nudge.total - len(nudge.leads)} more. "
                "`/leadfeedback mine` lists all your open leads."
            )
        )
    return Message(f"{count} waiting for your feedback", blocks)


def render_ownerless(nudge: Nudge, *, now: datetime, stale_after_days: int) -> Message:
    """The shared channel's summary of stale leads that nobody owns."""
    count = f"{nudge.total} stale lead{'s' * (nudge.total != 1)}"
    lines = [f"• {lead_line(lead)}, {_age(lead, now)}" for lead in nudge.leads]
    if nudge.total > len(nudge.leads):
        lines.append(f"…and {nudge.total - len(nudge.leads)} more")
    text = (
        f":hourglass: *{count} without an owner*, open and untouched for "
        f"{stale_after_days}+ days. Assign them in the CRM so someone follows up.\n"
        + "\n".join(lines)
    )
    return Message(f"{count} without an owner", [section(text)])


def mark_answered(blocks: list[Block], lead_id: int, note: str) -> list[Block]:
    """The DM's blocks with one lead's buttons replaced by what became of it."""
    target = f"{ids.NUDGE_ACTIONS_BLOCK_PREFIX}{lead_id}"
    return [
        context(note) | {"block_id": target} if block.get("block_id") == target else block
        for block in copy.deepcopy(blocks)
    ]


async def post_nudges(
    deps: Deps,
    client: AsyncWebClient,
    team_id: str,
    *,
    now: datetime,
    sleep: Sleep = asyncio.sleep,
) -> NudgeReport:
    """Send today's nudges for a team, each DM and the summary at most once a day."""
    schedule = await team_schedule(deps, team_id)
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
    schedule: Schedule,
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
