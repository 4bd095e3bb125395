"""The weekly digest: compute the figures (SQL), render them (pure), post them (once)."""

import asyncio
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.views.blocks import (
    SECTION_TEXT_MAX,
    Block,
    Message,
    context,
    divider,
    escape,
    header,
    section,
    slack_date,
    truncate,
)
from handlers.views.feedback_blocks import RATING_EMOJI
from handlers.views.goal_blocks import goal_line
from handlers.views.goal_chart import ChartData, alt_text, render_chart
from jobs.post_once import Outcome, PostResult, RetryPolicy, Sleep, post_once, run_once
from jobs.schedule import Period, team_schedule
from storage import digest as queries
from storage.claims import record_job_result
from storage.goal_targets import Goal, GoalTargets
from storage.goals import GoalStatus, GoalTrend, compute_goals, compute_trend
from storage.team_settings import effective_settings
from storage.vocabulary import Rating

logger = logging.getLogger(__name__)

DIGEST_JOB = "digest"
CHART_JOB = "digest_chart"
# A chart is a nice-to-have: two tries, then the digest stands alone.
CHART_RETRY = RetryPolicy(attempts=2)
CHART_CAMPAIGNS = 5
UPCOMING_DAYS = 14
STALE_OWNERS_MAX = 5
LEADERS_MAX = 5
ESCALATIONS_MAX = 10
CAMPAIGNS_SHOWN = 5
REASONS_SHOWN = 5
UPCOMING_SHOWN = 10
NAME_MAX = 80
NO_CAMPAIGN = "no campaign"
_USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,31}$")


@dataclass(frozen=True)
class UpcomingFigures:
    """A campaign launching in the two weeks after the period, with sales' reactions."""

    campaign_id: int
    name: str
    slug: str
    launch_date: str
    reactions: dict[str, int]


@dataclass(frozen=True)
class StaleFigures:
    """Stale leads at the period's end, and the owners who hold most of them."""

    count: int
    owners: list[dict[str, Any]]


@dataclass(frozen=True)
class DigestFigures:
    """Everything a digest says, named as SPEC §4 names it."""

    team_id: str
    period_start: datetime
    period_end: datetime
    timezone: str
    stale_after_days: int
    leads_handed_over: int
    leads_with_feedback: int
    coverage: float | None
    feedback_count: int
    ratings: dict[str, int]
    by_campaign: list[dict[str, Any]]
    top_reasons: list[dict[str, Any]]
    upcoming: list[UpcomingFigures]
    stale: StaleFigures
    escalations: list[dict[str, Any]]
    escalations_total: int
    feedback_leaders: list[dict[str, Any]]
    previous: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    # The switched-on shared goals this week, against the week before.
    goals: list[GoalStatus] = field(default_factory=list)

    @property
    def quiet(self) -> bool:
        """A week with no leads handed over and no feedback given."""
        return self.leads_handed_over == 0 and self.feedback_count == 0

    def as_json(self) -> dict[str, Any]:
        """The figures as plain JSON types (timestamps in ISO 8601 UTC)."""
        data = asdict(self)
        for key in ("period_start", "period_end"):
            data[key] = data[key].isoformat()
        for row in data["escalations"]:
            row["escalated_at"] = row["escalated_at"].isoformat()
        return data


def _coverage(handed: int, with_feedback: int) -> float | None:
    return with_feedback / handed if handed else None


def _junk_share(ratings: dict[str, int]) -> float | None:
    rated = sum(ratings.values())
    return ratings[Rating.JUNK.value] / rated if rated else None


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


async def compute_digest(
    session: AsyncSession,
    team_id: str,
    period: Period,
    *,
    stale_after_days: int,
    zone: ZoneInfo,
    goals: GoalTargets | None = None,
) -> DigestFigures:
    """The digest's figures for [period.start, period.end), with the period before's changes.

    With goals, the shared goals for the local week ending at period.end are added.
    """
    start, end = period.start, period.end
    before = period.before()
    totals = await queries.lead_totals(session=session, team_id=team_id, start=start, end=end)
    earlier = await queries.lead_totals(
        session=session, team_id=team_id, start=before.start, end=before.end
    )
    given = await queries.period_feedback(session=session, team_id=team_id, start=start, end=end)
    given_before = await queries.period_feedback(
        session=session, team_id=team_id, start=before.start, end=before.end
    )
    campaigns = await queries.campaign_rows(session=session, team_id=team_id, start=start, end=end)
    first_day = end.astimezone(zone).date()
    upcoming = await queries.upcoming_campaigns(
        session=session, team_id=team_id, first_day=first_day, days=UPCOMING_DAYS
    )
    reactions = await queries.campaign_reaction_counts(
        session=session, team_id=team_id, campaign_ids=[c.campaign_id for c in upcoming]
    )
    stale_total, stale_owners = await queries.stale_counts(
        session=session,
        team_id=team_id,
        at=end,
        stale_after_days=stale_after_days,
        owners=STALE_OWNERS_MAX,
    )
    escalated, escalated_total = await queries.escalated_leads(
        session=session, team_id=team_id, at=end, limit=ESCALATIONS_MAX
    )
    coverage = _coverage(totals.leads_handed_over, totals.leads_with_feedback)
    statuses = (
        []
        if goals is None
        else await compute_goals(
            session,
            team_id,
            end=end,
            zone=zone,
            targets=goals,
            # The digest's coverage and rating counts are these goals' figures already.
            known={
                Goal.COVERAGE: [
                    _coverage(earlier.leads_handed_over, earlier.leads_with_feedback),
                    coverage,
                ],
                Goal.JUNK_SHARE: [_junk_share(given_before.ratings), _junk_share(given.ratings)],
            },
        )
    )
    previous = {
        "leads_handed_over": earlier.leads_handed_over,
        "leads_with_feedback": earlier.leads_with_feedback,
        "coverage": _coverage(earlier.leads_handed_over, earlier.leads_with_feedback),
        "feedback_count": given_before.count,
    }
    current = {
        "leads_handed_over": totals.leads_handed_over,
        "leads_with_feedback": totals.leads_with_feedback,
        "coverage": coverage,
        "feedback_count": given.count,
    }
    return DigestFigures(
        team_id=team_id,
        period_start=start,
        period_end=end,
        timezone=zone.key,
        stale_after_days=stale_after_days,
        leads_handed_over=totals.leads_handed_over,
        leads_with_feedback=totals.leads_with_feedback,
        coverage=coverage,
        feedback_count=given.count,
        ratings=given.ratings,
        by_campaign=[
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
            for row in campaigns
        ],
        top_reasons=[{"reason": reason, "count": n} for reason, n in given.reasons],
        upcoming=[
            UpcomingFigures(
                campaign_id=c.campaign_id,
                name=c.name,
                slug=c.slug,
                launch_date=c.launch_date.isoformat(),
                reactions=reactions.get(c.campaign_id, {}),
            )
            for c in upcoming
        ],
        stale=StaleFigures(
            count=stale_total, owners=[{"owner": o, "count": n} for o, n in stale_owners]
        ),
        escalations=[asdict(row) for row in escalated],
        escalations_total=escalated_total,
        feedback_leaders=[{"author": a, "count": n} for a, n in given.authors[:LEADERS_MAX]],
        previous=previous,
        changes={key: _change(current[key], previous[key]) for key in current},
        goals=statuses,
    )


# --- Rendering ----------------------------------------------------------------------------


def user_mention(user_id: str) -> str:
    """A mention for a stored Slack user id; anything that is not one shows as plain text."""
    return f"<@{user_id}>" if _USER_ID_RE.match(user_id) else escape(user_id)


def bounded_list(title: str, lines: list[str], *, shown: int, total: int | None = None) -> str:
    """A titled list of at most shown lines that fits one section; the rest "and N more"."""
    total = len(lines) if total is None else total
    text, count = title, 0
    for line in lines[:shown]:
        # Keep room for the "and N more" line.
        if len(text) + 1 + len(line) > SECTION_TEXT_MAX - 40:
            break
        text += "\n" + line
        count += 1
    if total > count:
        text += f"\n…and {total - count} more"
    return text


def _signed(n: float, unit: str = "") -> str:
    if n > 0:
        return f"▲ {n:g}{unit}"
    if n < 0:
        return f"▼ {-n:g}{unit}"
    return "no change"


def _count_change(figures: DigestFigures, key: str) -> str:
    change = figures.changes.get(key)
    return "" if change is None else f" ({_signed(change)} on the week before)"


def _headline(figures: DigestFigures) -> str:
    lines = [
        f"*{figures.leads_handed_over}* leads handed over to sales"
        + _count_change(figures, "leads_handed_over"),
    ]
    if figures.coverage is not None:
        coverage = f"*{figures.coverage:.0%}* coverage"
        change = figures.changes.get("coverage")
        if change is not None:
            coverage += f" ({_signed(round(change * 100), ' pts')})"
        lines.append(f"*{figures.leads_with_feedback}* of them have feedback: {coverage}")
    lines.append(
        f"*{figures.feedback_count}* pieces of feedback given"
        + _count_change(figures, "feedback_count")
    )
    rated = [f"{RATING_EMOJI[Rating(r)]} {n} {r}" for r, n in figures.ratings.items() if n]
    if rated:
        lines.append("Latest ratings: " + " · ".join(rated))
    return "\n".join(lines)


def _campaign_name(row: dict[str, Any]) -> str:
    if row["slug"] is None:
        return "_no campaign_"
    return f"*{escape(truncate(row['campaign'], NAME_MAX))}*"


def _campaign_line(row: dict[str, Any]) -> str:
    parts = [f"{row['leads']} leads", f"{row['with_feedback']} rated"]
    if row["hot"]:
        parts.append(f":fire: {row['hot']} hot")
    if row["junk"]:
        parts.append(f":wastebasket: {row['junk']} junk")
    if row["top_reason"]:
        parts.append(f"mostly _{row['top_reason']}_")
    return f"• {_campaign_name(row)}: " + ", ".join(parts)


def _campaign_sections(figures: DigestFigures) -> list[Block]:
    rated = [row for row in figures.by_campaign if row["with_feedback"]]
    best = sorted(
        (row for row in rated if row["hot"]),
        key=lambda r: (-r["hot"] / r["with_feedback"], -r["hot"], r["campaign"]),
    )
    worst = sorted(
        (row for row in rated if row["junk"]),
        key=lambda r: (-r["junk"] / r["with_feedback"], -r["junk"], r["campaign"]),
    )
    blocks: list[Block] = []
    if best:
        lines = [_campaign_line(row) for row in best]
        blocks.append(
            section(
                bounded_list("*Campaigns that brought hot leads*", lines, shown=CAMPAIGNS_SHOWN)
            )
        )
    if worst:
        lines = [_campaign_line(row) for row in worst]
        blocks.append(
            section(bounded_list("*Campaigns that brought junk*", lines, shown=CAMPAIGNS_SHOWN))
        )
    unrated = len(figures.by_campaign) - len(rated)
    if unrated:
        blocks.append(
            context(f"{unrated} campaign{'s' * (unrated != 1)} brought leads nobody has rated yet.")
        )
    return blocks


def _goals_section(figures: DigestFigures) -> Block:
    lines = [goal_line(g.name, g.value, g.target, g.on_track, g.previous) for g in figures.goals]
    return section("*:dart: Shared goals*\n" + "\n".join(lines))


def _reasons_section(figures: DigestFigures) -> Block:
    lines = [f"• {row['reason']}: {row['count']}" for row in figures.top_reasons]
    return section(bounded_list("*Why leads were not hot*", lines, shown=REASONS_SHOWN))


def _reactions(counts: dict[str, int]) -> str:
    if not counts:
        return "no reactions from sales yet"
    return " · ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def _upcoming_section(figures: DigestFigures) -> Block:
    lines = [
        f"• {c.launch_date}: *{escape(truncate(c.name, NAME_MAX))}* "
        f"(`#{escape(c.slug)}`), {_reactions(c.reactions)}"
        for c in figures.upcoming
    ]
    return section(bounded_list("*Launching in the next two weeks*", lines, shown=UPCOMING_SHOWN))


def _stale_section(figures: DigestFigures) -> Block:
    stale = figures.stale
    text = (
        f"*:hourglass: {stale.count} stale lead{'s' * (stale.count != 1)}*: open and untouched "
        f"for {figures.stale_after_days}+ days"
    )
    if stale.owners:
        holders = ", ".join(f"{user_mention(o['owner'])} ({o['count']})" for o in stale.owners)
        text += f"\nMost are with {holders}."
    return section(text)


def _escalations_section(figures: DigestFigures) -> Block:
    lines = [
        f"• *{escape(truncate(row['title'], NAME_MAX))}*, "
        + (user_mention(row["owner"]) if row["owner"] else "no owner")
        + f", {row['nudge_count']} nudges unanswered since "
        + slack_date(row["escalated_at"], "{date_short_pretty}")
        for row in figures.escalations
    ]
    return section(
        bounded_list(
            "*:rotating_light: Escalated: nobody answered three nudges*",
            lines,
            shown=ESCALATIONS_MAX,
            total=figures.escalations_total,
        )
    )


def _leaders_section(figures: DigestFigures) -> Block:
    leaders = " · ".join(
        f"{user_mention(row['author'])} {row['count']}" for row in figures.feedback_leaders
    )
    return section(f"*:trophy: Most feedback this week:* {leaders}")


def _period_text(figures: DigestFigures) -> str:
    token = "{date_short_pretty} {time}"
    return f"{slack_date(figures.period_start, token)} to {slack_date(figures.period_end, token)}"


def render_digest(figures: DigestFigures) -> Message:
    """The digest as a Slack message; a quiet week is one short section."""
    if figures.quiet:
        text = f"Quiet week ({_period_text(figures)}): no leads handed over and no feedback given."
        if figures.stale.count:
            text += f" {figures.stale.count} open leads are stale."
        return Message("Weekly lead digest: a quiet week", [section(text)])
    blocks: list[Block] = [
        header("Weekly lead digest"),
        context(_period_text(figures)),
        section(_headline(figures)),
        divider(),
    ]
    if figures.goals:
        blocks.append(_goals_section(figures))
    blocks += _campaign_sections(figures)
    if figures.top_reasons:
        blocks.append(_reasons_section(figures))
    if figures.upcoming:
        blocks.append(_upcoming_section(figures))
    if figures.stale.count:
        blocks.append(_stale_section(figures))
    if figures.escalations_total:
        blocks.append(_escalations_section(figures))
    if figures.feedback_leaders:
        blocks.append(_leaders_section(figures))
    coverage = "" if figures.coverage is None else f", {figures.coverage:.0%} with feedback"
    fallback = (
        f"Weekly lead digest: {figures.leads_handed_over} leads handed over{coverage}, "
        f"{figures.feedback_count} feedback, {figures.stale.count} stale."
    )
    return Message(fallback, blocks)


# --- Posting ------------------------------------------------------------------------------


async def digest_figures(deps: Deps, team_id: str, period: Period) -> DigestFigures:
    """Compute a team's figures for period in a session of its own."""
    async with deps.sessions() as session:
        team = await effective_settings(session=session, team_id=team_id, defaults=deps.settings)
        return await compute_digest(
            session,
            team_id,
            period,
            stale_after_days=team.stale_after_days,
            zone=team.zone,
            goals=team.goals,
        )


async def goal_trend(deps: Deps, figures: DigestFigures) -> GoalTrend:
    """The 12-week trend the chart draws, for the digest's team and week."""
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=figures.team_id, defaults=deps.settings
        )
        return await compute_trend(
            session, figures.team_id, end=figures.period_end, zone=team.zone, targets=team.goals
        )


def chart_data(figures: DigestFigures, trend: GoalTrend) -> ChartData:
    """What the digest's chart shows: the coverage and junk trend, and the top campaigns."""
    targets = trend.targets
    labels = [date.fromisoformat(day).strftime("%-d %b") for day in trend.week_ending]
    rated = [row for row in figures.by_campaign if row["with_feedback"]]
    end = figures.period_end.astimezone(ZoneInfo(figures.timezone))
    return ChartData(
        title=f"Shared goals, week ending {end:%-d %b %Y}",
        week_labels=labels,
        coverage=trend.series.get(Goal.COVERAGE.value, []),
        junk_share=trend.series.get(Goal.JUNK_SHARE.value, []),
        coverage_target=targets.get(Goal.COVERAGE.value),
        junk_target=targets.get(Goal.JUNK_SHARE.value),
        campaigns=[
            (row["campaign"], {r.value: row[r.value] for r in Rating})
            for row in rated[:CHART_CAMPAIGNS]
        ],
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
    logged and left out, never a reason to post the digest again.
    """
    try:
        data = chart_data(figures, await goal_trend(deps, figures))
        png = await asyncio.to_thread(render_chart, data)
    except Exception:
        # The chart is best-effort: whatever its query or matplotlib raises, the digest stands.
        logger.exception("could not draw the digest chart for team %s", figures.team_id)
        return
    description = alt_text(data)
    filename = f"leadloop-goals-{period.end:%Y-%m-%d}.png"
    for channel, ts in posted:

        async def upload(channel: str = channel, ts: str = ts) -> tuple[str, str]:
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
    schedule = await team_schedule(deps, team_id)
    if not schedule.digest_channels:
        result = PostResult(
            Outcome.FAILED,
            error="no digest channel: pick one in the App Home settings, "
            "or set LEADLOOP_DIGEST_CHANNEL or LEADLOOP_SHARED_CHANNEL",
        )
    else:
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
            for channel in schedule.digest_channels
        ]
        posted = [
            (channel, r.ts)
            for channel, r in zip(schedule.digest_channels, results, strict=True)
            if r.outcome is Outcome.POSTED and r.ts
        ]
        if posted and not figures.quiet:
            await attach_chart(deps, client, figures, period, posted, sleep=sleep)
        result = _combined(results)
    if result.outcome is Outcome.NOT_OURS:
        return result
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
    return result
