"""Reading what the Home shows and publishing it; shared by the Home and the settings modal."""

import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.turn import Turn
from handlers.views import home_blocks
from handlers.views.home_blocks import HomeData
from handlers.views.routing_blocks import Waiting
from storage.campaigns import owned_campaigns_quality, preview_refusals
from storage.claims import failing_jobs
from storage.feedback import feedback_count_by, feedback_leaders, has_given_feedback
from storage.goals import compute_goals
from storage.leads import open_leads_of
from storage.reactions import reaction_counts
from storage.routing import is_away
from storage.routing_rules import RoutingMode
from storage.schedules import next_fire, start_of_week
from storage.sla import deadlines, minutes_left, waiting_leads
from storage.team_settings import TeamSettings, effective_settings

logger = logging.getLogger(__name__)


async def read_home(
    session: AsyncSession, deps: Deps, *, team: TeamSettings, user_id: str
) -> HomeData:
    """The user's Home data: their leads, their week, the leaders, their campaigns."""
    now = deps.clock.now()
    team_id = team.team_id
    week_start = start_of_week(now, team.zone)
    leads, open_total = await open_leads_of(
        session=session, team_id=team_id, owner=user_id, limit=home_blocks.HOME_LEADS_MAX
    )
    campaigns, campaigns_total = await owned_campaigns_quality(
        session=session, team_id=team_id, owner=user_id, limit=home_blocks.HOME_CAMPAIGNS_MAX
    )
    unposted = [q.campaign.id for q in campaigns if q.campaign.id and not q.campaign.message_ts]
    return HomeData(
        user_id=user_id,
        now=now,
        team=team,
        next_digest=next_fire(team.digest_trigger, now),
        open_leads=leads,
        open_total=open_total,
        feedback_this_week=await feedback_count_by(
            session=session, team_id=team_id, author=user_id, since=week_start
        ),
        gave_feedback_ever=await has_given_feedback(
            session=session, team_id=team_id, author=user_id
        ),
        leaders=await feedback_leaders(
            session=session,
            team_id=team_id,
            since=week_start,
            limit=home_blocks.LEADERS_MAX,
        ),
        campaigns=campaigns,
        campaigns_total=campaigns_total,
        failing=tuple(await failing_jobs(session=session, team_id=team_id)),
        goals=(
            await compute_goals(
                session,
                team_id,
                end=now,
                zone=team.zone,
                targets=team.goals,
                hours=deps.settings.routing_rules.business_hours(team.zone),
            )
            if team.goals.enabled
            else []
        ),
        reactions=await reaction_counts(
            session=session,
            team_id=team_id,
            campaign_ids=[q.campaign.id for q in campaigns if q.campaign.id is not None],
        ),
        preview_refusals=await preview_refusals(
            session=session,
            team_id=team_id,
            campaign_ids=unposted,
        ),
        **await _routing(session, deps, team=team, user_id=user_id),
    )


async def _routing(
    session: AsyncSession, deps: Deps, *, team: TeamSettings, user_id: str
) -> dict[str, Any]:
    """The user's leads waiting for a first touch, with time left, and whether they are away."""
    if RoutingMode(team.routing) is RoutingMode.OFF:
        return {}
    rules, now = deps.settings.routing_rules, deps.clock.now()
    hours = rules.business_hours(team.zone)
    leads = await waiting_leads(session=session, team_id=team.team_id, owner=user_id)
    waiting = [
        Waiting(
            lead,
            minutes_left(
                deadlines(lead.assigned_at or now, hours, rules.sla_minutes).remind_at, now, hours
            ),
        )
        for lead in leads
    ]
    away = await is_away(session=session, team_id=team.team_id, user_id=user_id)
    return {"waiting": waiting, "away": away}


async def publish_home(turn: Turn, *, notice: str | None = None) -> None:
    """Build the user's Home from the database and publish it with views.publish."""
    async with turn.deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=turn.team_id, defaults=turn.deps.settings.team_defaults
        )
        data = await read_home(session, turn.deps, team=team, user_id=turn.user_id)
    is_admin = await turn.admins.may_change_settings(turn.client, team=team, user_id=turn.user_id)
    view = home_blocks.home_view(replace(data, is_admin=is_admin, notice=notice))
    await turn.client.views_publish(user_id=turn.user_id, view=view)


async def refresh_home(turn: Turn, *, notice: str | None = None) -> None:
    """Publish the user's Home, logging instead of failing when Slack refuses it."""
    try:
        await publish_home(turn, notice=notice)
    except SlackApiError as exc:
        logger.error("views.publish failed: %s", exc.response.get("error"))


async def explain_on_home(turn: Turn, text: str) -> None:
    """Say on the user's Home what went wrong (a Home button has no response_url to answer)."""
    await refresh_home(turn, notice=f":warning: {text}")
