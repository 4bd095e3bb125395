"""The weekly digest: compute the figures (through storage), render them (handlers.views),
post them (once per channel and week)."""

import asyncio
import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.post_intent import find_message
from handlers.views.digest_blocks import chart_data, render_digest
from handlers.views.goal_chart import alt_text, render_chart
from jobs.post_once import Outcome, PostResult, RetryPolicy, Sleep, post_once, run_once
from storage import digest as queries
from storage.business_hours import BusinessHours
from storage.claims import Claim, record_job_result
from storage.digest import (
    ESCALATIONS_MAX,
    CampaignRow,
    DigestFigures,
    LeadTotals,
    PeriodFeedback,
    StaleFigures,
    UpcomingFigures,
    junk_share,
)
from storage.first_touch import as_of, fastest_reps, first_touch_figures, handed_over
from storage.goal_targets import Goal, GoalTargets
from storage.goals import GoalStatus, GoalTrend, compute_goals, compute_trend
from storage.routing_rules import RoutingRules
from storage.schedules import Period
from storage.team_settings import effective_settings

logger = logging.getLogger(__name__)

DIGEST_JOB = "digest"
CHART_JOB = "digest_chart"
# A chart is a nice-to-have: two tries, then the digest stands alone.
CHART_RETRY = RetryPolicy(attempts=2)
UPCOMING_DAYS = 14
NO_CAMPAIGN = "no campaign"
STALE_OWNERS_MAX = 5
LEADERS_MAX = 5
MEDIAN_MINUTES = "median_business_minutes"


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


@dataclass(frozen=True)
class _Week:
    """What happened in one period: the leads handed over and the feedback given."""

    totals: LeadTotals
    feedback: PeriodFeedback

    @property
    def coverage(self) -> float | None:
        handed = self.totals.leads_handed_over
        return self.totals.leads_with_feedback / handed if handed else None

    @property
    def junk_share(self) -> float | None:
        return junk_share(self.feedback.ratings)

    def headline(self) -> dict[str, Any]:
        """The figures the digest compares with the week before."""
        return {
            "leads_handed_over": self.totals.leads_handed_over,
            "leads_with_feedback": self.totals.leads_with_feedback,
            "coverage": self.coverage,
            "feedback_count": self.feedback.count,
        }


async def _weeks(
    session: AsyncSession, team_id: str, period: Period
) -> tuple[_Week, _Week, list[CampaignRow]]:
    """The week before the period and the period itself, and the period's campaigns."""
    bounds = {
        "session": session,
        "team_id": team_id,
        "before": (period.before().start, period.before().end),
        "this": (period.start, period.end),
    }
    last_feedback, this_feedback = await queries.weeks_feedback(**bounds)
    last_totals, this_totals, campaigns = await queries.handed_over_by_campaign(**bounds)
    return _Week(last_totals, last_feedback), _Week(this_totals, this_feedback), campaigns


def _campaign_figures(rows: list[CampaignRow]) -> list[dict[str, Any]]:
    return [
        {
            "campaign": row.name or NO_CAMPAIGN,
            "slug": row.slug,
            "leads": row.leads,
            "with_feedback": row.with_feedback,
            "hot": row.hot,
            "warm": row.warm,
            "cold": row.cold,
            "junk": row.junk,
            "top_reason": row.top_reason,
        }
        for row in rows
    ]


async def _upcoming(session: AsyncSession, team_id: str, first_day: date) -> list[UpcomingFigures]:
    upcoming = await queries.upcoming_campaigns(
        session=session, team_id=team_id, first_day=first_day, days=UPCOMING_DAYS
    )
    reactions = await queries.campaign_reaction_counts(
        session=session, team_id=team_id, campaign_ids=[c.campaign_id for c in upcoming]
    )
    return [
        UpcomingFigures(
            campaign_id=c.campaign_id,
            name=c.name,
            slug=c.slug,
            launch_date=c.launch_date.isoformat(),
            reactions=reactions.get(c.campaign_id, {}),
        )
        for c in upcoming
    ]


async def _stale(
    session: AsyncSession, team_id: str, at: datetime, stale_after_days: int
) -> StaleFigures:
    total, owners = await queries.stale_counts(
        session=session,
        team_id=team_id,
        at=at,
        stale_after_days=stale_after_days,
        owners=STALE_OWNERS_MAX,
    )
    return StaleFigures(count=total, owners=[{"owner": o, "count": n} for o, n in owners])


async def _goal_statuses(
    session: AsyncSession,
    team_id: str,
    *,
    end: datetime,
    zone: ZoneInfo,
    goals: GoalTargets | None,
    weeks: tuple[_Week, _Week],
    first_touch: tuple[dict[str, Any], dict[str, Any]],
    hours: BusinessHours,
) -> list[GoalStatus]:
    """The shared goals for the local week ending at end (none without targets)."""
    if goals is None:
        return []
    last, this = weeks
    # The digest's coverage, rating counts and first touch are these goals' figures already.
    known = {
        Goal.COVERAGE: [last.coverage, this.coverage],
        Goal.JUNK_SHARE: [last.junk_share, this.junk_share],
        Goal.FIRST_TOUCH_MINUTES: [week[MEDIAN_MINUTES] for week in first_touch],
    }
    return await compute_goals(
        session, team_id, end=end, zone=zone, targets=goals, known=known, hours=hours
    )


async def compute_digest(
    session: AsyncSession,
    team_id: str,
    period: Period,
    *,
    stale_after_days: int,
    zone: ZoneInfo,
    goals: GoalTargets | None = None,
    speed: RoutingRules | None = None,
) -> DigestFigures:
    """The digest's figures for [period.start, period.end), with the period before's changes.

    With goals, the shared goals for the local week ending at period.end are added; speed
    gives the SLA and business hours of the first-touch figures (default: the defaults).
    """
    end = period.end
    rules = speed or RoutingRules()
    hours = rules.business_hours(zone)
    last, this, campaigns = await _weeks(session, team_id, period)
    escalated, escalated_total = await queries.escalated_leads(
        session=session, team_id=team_id, at=end, limit=ESCALATIONS_MAX
    )
    first_touch, speed_weeks = await _first_touch(session, team_id, period, rules, hours)
    current, previous = this.headline(), last.headline()
    return DigestFigures(
        team_id=team_id,
        period_start=period.start,
        period_end=end,
        timezone=zone.key,
        stale_after_days=stale_after_days,
        leads_handed_over=this.totals.leads_handed_over,
        leads_with_feedback=this.totals.leads_with_feedback,
        coverage=this.coverage,
        feedback_count=this.feedback.count,
        ratings=this.feedback.ratings,
        by_campaign=_campaign_figures(campaigns),
        top_reasons=[{"reason": reason, "count": n} for reason, n in this.feedback.reasons],
        upcoming=await _upcoming(session, team_id, end.astimezone(zone).date()),
        stale=await _stale(session, team_id, end, stale_after_days),
        escalations=[asdict(row) for row in escalated],
        escalations_total=escalated_total,
        feedback_leaders=[
            {"author": a, "count": n} for a, n in this.feedback.authors[:LEADERS_MAX]
        ],
        previous=previous,
        changes={key: _change(current[key], previous[key]) for key in current},
        goals=await _goal_statuses(
            session,
            team_id,
            end=end,
            zone=zone,
            goals=goals,
            weeks=(last, this),
            first_touch=speed_weeks,
            hours=hours,
        ),
        first_touch=first_touch,
    )


async def _first_touch(
    session: AsyncSession,
    team_id: str,
    period: Period,
    rules: RoutingRules,
    hours: BusinessHours,
) -> tuple[dict[str, Any], tuple[dict[str, Any], dict[str, Any]]]:
    """Speed to lead in the period, each figure with its change against the period before;
    and both weeks' plain figures (the first-touch goal's). One read of both weeks' leads."""
    before = period.before()
    both = await handed_over(session=session, team_id=team_id, start=before.start, end=period.end)
    leads = as_of(both, period.start, period.end)
    previous = first_touch_figures(
        as_of(both, before.start, before.end), hours=hours, sla_minutes=rules.sla_minutes
    )
    current = first_touch_figures(leads, hours=hours, sla_minutes=rules.sla_minutes)
    figures = {
        **current,
        "changes": {key: _change(value, previous[key]) for key, value in current.items()},
        "sla_minutes": rules.sla_minutes,
        "fastest_reps": fastest_reps(leads, hours=hours),
    }
    return figures, (previous, current)


async def digest_figures(deps: Deps, team_id: str, period: Period) -> DigestFigures:
    """Compute a team's figures for period in a session of its own."""
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=team_id, defaults=deps.settings.team_defaults
        )
        return await compute_digest(
            session,
            team_id,
            period,
            stale_after_days=team.stale_after_days,
            zone=team.zone,
            goals=team.goals,
            speed=deps.settings.routing_rules,
        )


async def goal_trend(deps: Deps, figures: DigestFigures) -> GoalTrend:
    """The 12-week trend the chart draws, for the digest's team and week."""
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=figures.team_id, defaults=deps.settings.team_defaults
        )
        return await compute_trend(
            session,
            figures.team_id,
            end=figures.period_end,
            zone=team.zone,
            targets=team.goals,
            hours=deps.settings.routing_rules.business_hours(team.zone),
        )


def digest_claim_job(channel: str) -> str:
    """The claim key of the digest's post to one channel: each channel gets it once."""
    return f"{DIGEST_JOB}:{channel}"


def _combined(results: list[PostResult]) -> PostResult:
    """One outcome for the posts to every digest channel: failed if any failed."""
    failed = [r.error for r in results if r.outcome is Outcome.FAILED]
    if failed:
        return PostResult(Outcome.FAILED, error="; ".join(e or "failed" for e in failed))
    posted = [r for r in results if r.outcome is Outcome.POSTED]
    return posted[0] if posted else PostResult(Outcome.NOT_OURS)


def chart_claim_job(channel: str) -> str:
    """The claim key of the digest chart's upload to one channel."""
    return f"{CHART_JOB}:{channel}"


async def find_chart(
    client: AsyncWebClient, channel: str, thread_ts: str, filename: str
) -> tuple[str, str] | None:
    """(channel, file id) of the chart an earlier attempt shared in the digest's thread.

    A file share carries no message metadata; within one digest's thread the chart's file
    name is as unique as a key.
    """

    def is_chart(file: dict[str, Any]) -> bool:
        return file.get("name") == filename

    found = await find_message(
        client,
        channel,
        lambda message: any(is_chart(f) for f in message.get("files") or []),
        thread_ts=thread_ts,
    )
    if found is None:
        return None
    chart = next(f for f in found[1]["files"] if is_chart(f))
    return found[0], str(chart.get("id") or "")


async def attach_chart(
    deps: Deps,
    client: AsyncWebClient,
    figures: DigestFigures,
    period: Period,
    posted: list[tuple[str, str]],
    *,
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Upload the goals chart in the thread of each digest just posted, once per channel.

    The digest is already posted when this runs: a chart that cannot be drawn or uploaded is
    logged and left out, never a reason to post the digest again. A chart with nothing on it
    (no week's figure, no rated campaign) is not posted at all.
    """
    try:
        data = chart_data(figures, await goal_trend(deps, figures))
        if data.empty:
            logger.info("no digest chart for team %s: nothing to draw", figures.team_id)
            return
        png = await asyncio.to_thread(render_chart, data)
    except Exception:
        # The chart is best-effort: whatever its query or matplotlib raises, the digest stands.
        logger.exception("could not draw the digest chart for team %s", figures.team_id)
        return
    description = alt_text(data)
    filename = f"leadloop-goals-{period.end:%Y-%m-%d}.png"
    for channel, ts in posted:

        async def upload(claim: Claim, channel: str = channel, ts: str = ts) -> tuple[str, str]:
            if claim.look_first and (found := await find_chart(client, channel, ts, filename)):
                return found
            response = await client.files_upload_v2(
                channel=channel,
                thread_ts=ts,
                file=png,
                filename=filename,
                title=data.title,
                alt_txt=description,
            )
            # The claim records the file's id where a message's ts would go.
            return channel, str((response.get("file") or {}).get("id") or "")

        result = await run_once(
            deps,
            team_id=figures.team_id,
            job=chart_claim_job(channel),
            period=period.key,
            attempt=upload,
            sleep=sleep,
            policy=CHART_RETRY,
        )
        if result.outcome is Outcome.FAILED:
            logger.error(
                "the digest chart for team %s (%s) was not uploaded to %s: %s",
                figures.team_id,
                period.key,
                channel,
                result.error,
            )


NO_DIGEST_CHANNEL = (
    "no digest channel: pick one in the App Home settings, "
    "or set LEADLOOP_DIGEST_CHANNEL or LEADLOOP_SHARED_CHANNEL"
)


async def post_digest(
    deps: Deps,
    client: AsyncWebClient,
    team_id: str,
    period: Period,
    *,
    sleep: Sleep = asyncio.sleep,
) -> PostResult:
    """Post the team's digest for period to each of its digest channels, exactly once.

    Success and failure are both recorded for /readyz and the App Home; a failure is
    also logged.
    """
    schedule = await deps.team_settings(team_id)
    if not schedule.digest_channels:
        result = PostResult(Outcome.FAILED, error=NO_DIGEST_CHANNEL)
    else:
        result = await _post_to_channels(
            deps, client, team_id, period, schedule.digest_channels, sleep=sleep
        )
    if result.outcome is not Outcome.NOT_OURS:
        await _record_result(deps, team_id, period, result)
    return result


async def _post_to_channels(
    deps: Deps,
    client: AsyncWebClient,
    team_id: str,
    period: Period,
    channels: tuple[str, ...],
    *,
    sleep: Sleep,
) -> PostResult:
    """Post the digest once to each channel, then its chart in the thread of each post."""
    figures = await digest_figures(deps, team_id, period)
    message = render_digest(figures)
    results = [
        await post_once(
            deps,
            client,
            team_id=team_id,
            job=digest_claim_job(channel),
            period=period.key,
            channel=channel,
            message=message,
            sleep=sleep,
        )
        for channel in channels
    ]
    posted = [
        (channel, r.ts)
        for channel, r in zip(channels, results, strict=True)
        if r.outcome is Outcome.POSTED and r.ts
    ]
    if posted and not figures.quiet:
        await attach_chart(deps, client, figures, period, posted, sleep=sleep)
    return _combined(results)


async def _record_result(deps: Deps, team_id: str, period: Period, result: PostResult) -> None:
    """Remember the run for /readyz and the App Home, and log it."""
    async with deps.sessions.begin() as session:
        await record_job_result(
            session=session,
            team_id=team_id,
            job=DIGEST_JOB,
            now=deps.clock.now(),
            error=result.error,
        )
    if result.outcome is Outcome.FAILED:
        logger.error(
            "the digest for team %s (%s) was not posted: %s", team_id, period.key, result.error
        )
    else:
        logger.info("posted the digest for team %s (%s)", team_id, period.key)
