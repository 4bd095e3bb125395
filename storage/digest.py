"""The weekly digest's figures, each one SQL aggregate over a team's leads and feedback.

Period bounds are half-open: [start, end). "Latest rating before end" is the rating of a
lead's newest feedback created before end (ties broken by the higher id).
"""

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, literal_column, true, union_all
from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.goals import GoalStatus
from storage.models import Campaign, Feedback, Lead, LeadNudge
from storage.reactions import reaction_counts
from storage.stale import stale_condition
from storage.types import UTCDateTime
from storage.vocabulary import OPEN_STATUSES, Rating

# How many escalated leads the digest lists by name.
ESCALATIONS_MAX = 10


def junk_share(ratings: dict[str, int]) -> float | None:
    """The junk share of leads counted by rating; None when none were rated."""
    rated = sum(ratings.values())
    return ratings[Rating.JUNK.value] / rated if rated else None


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
    # Speed to lead (storage.first_touch): median and p90 business minutes, within-SLA share,
    # untouched, each with its change in "changes", the SLA and the fastest reps.
    first_touch: dict[str, Any] = field(default_factory=dict)

    @property
    def junk_share(self) -> float | None:
        """Of the leads rated in the period, the share whose latest rating is junk."""
        return junk_share(self.ratings)

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


@dataclass(frozen=True)
class LeadTotals:
    """Leads handed over in a period, and those of them with feedback before its end."""

    leads_handed_over: int
    leads_with_feedback: int


@dataclass(frozen=True)
class PeriodFeedback:
    """The feedback given in a period, counted three ways in one pass over its rows."""

    count: int
    # Each lead rated in the period, by its latest rating before the period's end.
    ratings: dict[str, int]
    # Most first, ties by name.
    reasons: list[tuple[str, int]]
    # Who gave it, most first, ties by user id.
    authors: list[tuple[str, int]]


@dataclass(frozen=True)
class CampaignRow:
    """How the leads one campaign (or none) handed over in the period fared."""

    campaign_id: int | None
    name: str | None
    slug: str | None
    leads: int
    with_feedback: int
    hot: int
    warm: int
    cold: int
    junk: int
    top_reason: str | None


@dataclass(frozen=True)
class UpcomingRow:
    """A campaign launching soon."""

    campaign_id: int
    name: str
    slug: str
    launch_date: date


@dataclass(frozen=True)
class EscalatedRow:
    """A lead whose nudges went unanswered."""

    lead_id: int
    title: str
    owner: str | None
    nudge_count: int
    escalated_at: datetime


Bounds = tuple[datetime, datetime]


def _handed_over_in(team_id: str, start: datetime, end: datetime) -> Any:
    return and_(
        col(Lead.team_id) == team_id,
        col(Lead.handed_off_at) >= start,
        col(Lead.handed_off_at) < end,
    )


def _feedback_in(team_id: str, start: datetime, end: datetime) -> Any:
    return and_(
        col(Feedback.team_id) == team_id,
        col(Feedback.created_at) >= start,
        col(Feedback.created_at) < end,
    )


def _latest_rating(end: Any, lead_id: Any) -> Any:
    """A correlated scalar subquery: the rating of the lead's newest feedback before end.

    One probe of ix_feedback_lead_created_cover per lead, which holds the rating, so the
    table is never read (a lead's feedback is its team's, so no team filter that would
    tempt the planner onto the team's index); a window over every feedback row before end
    took seconds at a million rows.
    """
    return (
        select(Feedback.rating)
        .where(
            col(Feedback.lead_id) == lead_id,
            col(Feedback.created_at) < end,
        )
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id).desc())
        .limit(1)
        .scalar_subquery()
    )


def _contiguous(before: Bounds, this: Bounds) -> None:
    if before[1] != this[0]:
        raise ValueError(f"the week before must end where the week starts: {before}, {this}")


def _in_this_week(moment: Any, this: Bounds) -> Any:
    """1 for a moment in this week, 0 for one in the week before."""
    return case((moment >= literal(this[0], UTCDateTime()), 1), else_=0)


def _latest_ratings(week: int, bounds: Bounds, team_id: str, postgresql: bool) -> Any:
    """(week, rating, leads, rows): a week's rated leads by their latest rating in the week.

    A lead's newest feedback before the week's end lies in the week exactly when it got
    feedback in it, so it is the lead's newest row in the week's range of
    ix_feedback_team_created_cover. PostgreSQL keeps it with DISTINCT ON (a sort and a
    pass); SQLite numbers each lead's rows, and counts every row on the way (PostgreSQL's
    rows are counted by the caller).
    """
    newest_first = (col(Feedback.created_at).desc(), col(Feedback.id).desc())
    if postgresql:
        latest = (
            select(Feedback.rating)
            .where(_feedback_in(team_id, *bounds))
            .ext(distinct_on(col(Feedback.lead_id)))
            .order_by(col(Feedback.lead_id), *newest_first)
            .subquery(f"latest_{week}")
        )
        return select(literal(week), latest.c.rating, func.count(), literal(0)).group_by(
            latest.c.rating
        )
    ranked = (
        select(
            Feedback.rating,
            func.row_number()
            .over(partition_by=col(Feedback.lead_id), order_by=newest_first)
            .label("newest_first"),
        )
        .where(_feedback_in(team_id, *bounds))
        .subquery(f"ranked_{week}")
    )
    return select(
        literal(week),
        ranked.c.rating,
        func.count(case((ranked.c.newest_first == 1, 1))),
        func.count(),
    ).group_by(ranked.c.rating)


async def weeks_feedback(
    *, session: AsyncSession, team_id: str, before: Bounds, this: Bounds
) -> tuple[PeriodFeedback, PeriodFeedback]:
    """The feedback of the week before and of this week, in one statement.

    Every branch is a range of ix_feedback_team_created_cover, which holds each column
    counted here, so none reads the table: each week's rated leads by latest rating, how
    many rows each week has, and this week's reasons and authors (the week before is
    compared by its count and ratings only). Authors are grouped by an expression: SQLite,
    grouping the column itself, walks the team's author index over every row the team ever
    gave instead of sorting the week's.
    """
    _contiguous(before, this)
    postgresql = session.bind.dialect.name == "postgresql"
    n = func.count()
    author = func.coalesce(col(Feedback.author), "")
    branches = [
        _latest_ratings(0, before, team_id, postgresql).add_columns(literal("rating")),
        _latest_ratings(1, this, team_id, postgresql).add_columns(literal("rating")),
        select(literal(1), Feedback.reason, n, literal(0), literal("reason"))
        .where(_feedback_in(team_id, *this), col(Feedback.reason).is_not(None))
        .group_by(col(Feedback.reason)),
        select(literal(1), author, n, literal(0), literal("author"))
        .where(_feedback_in(team_id, *this))
        .group_by(author),
    ]
    if postgresql:
        branches.append(
            select(literal(0), literal(""), n, literal(0), literal("rows")).where(
                _feedback_in(team_id, *before)
            )
        )
    rows: dict[tuple[str, int], list[tuple[str, int, int]]] = {}
    for in_week, key, count, counted_rows, kind in (await session.exec(union_all(*branches))).all():
        rows.setdefault((kind, int(in_week)), []).append((str(key), int(count), int(counted_rows)))

    def week_figures(in_week: int) -> PeriodFeedback:
        by_rating = rows.get(("rating", in_week), [])
        reasons = [(key, count) for key, count, _ in rows.get(("reason", in_week), [])]
        authors = [(key, count) for key, count, _ in rows.get(("author", in_week), [])]
        ratings = {rating.value: 0 for rating in Rating}
        ratings.update((key, count) for key, count, _ in by_rating)
        if not postgresql:
            total = sum(counted for _, _, counted in by_rating)
        elif in_week:
            total = sum(count for _, count in authors)
        else:
            total = sum(count for _, count, _ in rows.get(("rows", in_week), []))
        return PeriodFeedback(
            count=total,
            ratings=ratings,
            reasons=_most_first(reasons),
            authors=_most_first(authors),
        )

    return week_figures(0), week_figures(1)


def _most_first(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(counts, key=lambda item: (-item[1], item[0]))


async def handed_over_by_campaign(
    *, session: AsyncSession, team_id: str, before: Bounds, this: Bounds
) -> tuple[LeadTotals, LeadTotals, list[CampaignRow]]:
    """The leads handed over in the week before and in this week: for each week how many and
    how many had feedback by its end, and this week's by campaign, biggest first.

    One range of ix_leads_team_handed_off_cover, which holds each lead's campaign and first
    feedback time (a lead had feedback by a moment exactly when its first came before it),
    and for this week's leads with feedback one probe of ix_feedback_lead_created_cover for
    the latest rating before the end; neither reads a table.
    """
    _contiguous(before, this)
    in_this_week = col(Lead.handed_off_at) >= literal(this[0], UTCDateTime())
    week_end = case(
        (in_this_week, literal(this[1], UTCDateTime())),
        else_=literal(before[1], UTCDateTime()),
    )
    had_feedback = col(Lead.first_feedback_at) < week_end
    # The latest rating is a group key, so its probe runs once per lead; the outer counts by
    # rating read the few groups (referenced in each count, PostgreSQL would probe once per
    # count).
    by_rating = (
        select(
            case((in_this_week, 1), else_=0).label("week"),
            col(Lead.campaign_id).label("campaign_id"),
            case((had_feedback, 1), else_=0).label("had_feedback"),
            case((and_(in_this_week, had_feedback), _latest_rating(this[1], col(Lead.id)))).label(
                "rating"
            ),
            func.count().label("leads"),
        )
        .where(_handed_over_in(team_id, before[0], this[1]))
        .group_by(*(literal_column(str(n)) for n in range(1, 5)))
        .subquery()
    )
    leads = func.sum(by_rating.c.leads)

    def with_rating(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, by_rating.c.leads), else_=0)), 0)

    grouped = (
        await session.exec(
            select(
                by_rating.c.week,
                by_rating.c.campaign_id,
                Campaign.name,
                Campaign.slug,
                leads,
                with_rating(by_rating.c.had_feedback == 1),
                *(with_rating(by_rating.c.rating == r.value) for r in Rating),
            )
            .select_from(by_rating)
            .outerjoin(Campaign, col(Campaign.id) == by_rating.c.campaign_id)
            .group_by(
                by_rating.c.week, by_rating.c.campaign_id, col(Campaign.name), col(Campaign.slug)
            )
            .order_by(by_rating.c.week, leads.desc(), col(Campaign.name))
        )
    ).all()
    campaigns = [
        CampaignRow(
            campaign_id=campaign_id,
            name=name,
            slug=slug,
            leads=int(leads),
            with_feedback=int(with_feedback),
            hot=int(hot),
            warm=int(warm),
            cold=int(cold),
            junk=int(junk),
            top_reason=None,
        )
        for week, campaign_id, name, slug, leads, with_feedback, hot, warm, cold, junk in grouped
        if week == 1
    ]

    def totals(in_week: int) -> LeadTotals:
        rows = [row for row in grouped if row[0] == in_week]
        return LeadTotals(sum(int(row[4]) for row in rows), sum(int(row[5]) for row in rows))

    if campaigns:
        reasons = await _top_reason_by_campaign(session, team_id, *this)
        campaigns = [replace(row, top_reason=reasons.get(row.campaign_id)) for row in campaigns]
    return totals(0), totals(1), campaigns


async def _top_reason_by_campaign(
    session: AsyncSession, team_id: str, start: datetime, end: datetime
) -> dict[int | None, str]:
    """Each campaign's most given reason on the leads handed over in [start, end), by feedback
    before end (ties by name).

    A lead's reasons are a short range of ix_feedback_lead_created_cover. SQLite joins that
    way by itself; PostgreSQL, costing index probes as reads from disk, would rather hash
    every feedback row the table holds (a parallel scan of a million rows, 220 ms instead of
    40), so there the range is a lateral subquery it may not pull up (OFFSET 0).
    """
    own_reasons = and_(
        col(Feedback.lead_id) == col(Lead.id),
        col(Feedback.created_at) < end,
        col(Feedback.reason).is_not(None),
    )
    if session.bind.dialect.name == "postgresql":
        lead_reasons = (
            select(col(Feedback.reason).label("reason"))
            .where(own_reasons)
            .offset(0)
            .lateral("lead_reasons")
        )
        reason, joined = lead_reasons.c.reason, (lead_reasons, true())
    else:
        reason, joined = col(Feedback.reason), (Feedback, own_reasons)
    counted = (
        select(
            col(Lead.campaign_id).label("campaign_id"),
            reason.label("reason"),
            func.count().label("n"),
        )
        .select_from(Lead)
        .join(*joined)
        .where(_handed_over_in(team_id, start, end))
        .group_by(col(Lead.campaign_id), reason)
        .subquery()
    )
    ranked = select(
        counted.c.campaign_id,
        counted.c.reason,
        func.row_number()
        .over(
            partition_by=counted.c.campaign_id,
            order_by=(counted.c.n.desc(), counted.c.reason),
        )
        .label("rank"),
    ).subquery()
    rows = (
        await session.exec(select(ranked.c.campaign_id, ranked.c.reason).where(ranked.c.rank == 1))
    ).all()
    return {campaign_id: str(reason) for campaign_id, reason in rows}


async def upcoming_campaigns(
    *, session: AsyncSession, team_id: str, first_day: date, days: int
) -> list[UpcomingRow]:
    """Campaigns launching in [first_day, first_day + days), soonest first."""
    rows = (
        await session.exec(
            select(Campaign)
            .where(
                Campaign.team_id == team_id,
                col(Campaign.launch_date) >= first_day,
                col(Campaign.launch_date) < first_day + timedelta(days=days),
            )
            .order_by(col(Campaign.launch_date), col(Campaign.name), col(Campaign.id))
        )
    ).all()
    return [UpcomingRow(c.id or 0, c.name, c.slug, c.launch_date) for c in rows]


async def campaign_reaction_counts(
    *, session: AsyncSession, team_id: str, campaign_ids: list[int]
) -> dict[int, dict[str, int]]:
    """Sales' current reactions to each campaign's preview, by kind (kinds with none left out)."""
    counts = await reaction_counts(session=session, team_id=team_id, campaign_ids=campaign_ids)
    return {cid: {k: n for k, n in asdict(c).items() if n} for cid, c in counts.items()}


async def stale_counts(
    *, session: AsyncSession, team_id: str, at: datetime, stale_after_days: int, owners: int
) -> tuple[int, list[tuple[str, int]]]:
    """How many leads are stale at at, and the owners who hold most of them.

    One pass: the stale leads counted per owner (a team has as many owners as reps), the
    total being their sum; leads without an owner count in the total only.
    """
    condition = stale_condition(team_id=team_id, at=at, stale_after_days=stale_after_days)
    held = (
        await session.exec(
            select(Lead.owner, func.count()).where(condition).group_by(col(Lead.owner))
        )
    ).all()
    total = sum(int(count) for _, count in held)
    named = [(str(owner), int(count)) for owner, count in held if owner is not None]
    return total, _most_first(named)[:owners]


async def escalated_leads(
    *, session: AsyncSession, team_id: str, at: datetime, limit: int
) -> tuple[list[EscalatedRow], int]:
    """Open leads escalated before at and untouched since, oldest escalation first; and a count."""
    condition = and_(
        col(LeadNudge.team_id) == team_id,
        col(LeadNudge.escalated_at).is_not(None),
        col(LeadNudge.escalated_at) < at,
        col(Lead.status).in_(OPEN_STATUSES),
        col(Lead.last_touch_at) <= col(LeadNudge.escalated_at),
    )
    # The total rides along on every row (a window over the matches, before the limit).
    rows = (
        await session.exec(
            select(Lead, LeadNudge, func.count().over())
            .join(LeadNudge, col(LeadNudge.lead_id) == col(Lead.id))
            .where(condition)
            .order_by(col(LeadNudge.escalated_at), col(Lead.id))
            .limit(limit)
        )
    ).all()
    total = rows[0][2] if rows else 0
    found = [
        EscalatedRow(
            lead_id=lead.id or 0,
            title=lead.name or lead.email or lead.external_id or f"lead {lead.id}",
            owner=lead.owner,
            nudge_count=nudge.nudge_count,
            escalated_at=nudge.escalated_at,
        )
        for lead, nudge, _ in rows
    ]
    return found, int(total)
