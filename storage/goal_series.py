"""Weekly series of the shared goals' figures: one SQL query per goal covers every week.

The weeks come in as a small derived table (one row per week, or per launch day), joined to
the team's leads, feedback and previews, and grouped by week; a week with nothing to measure
has no row and reads as None.

- coverage: leads handed over in the week with feedback before its end, over those leads;
- junk share: of the leads that got feedback in the week, the share whose latest rating
  before the week's end is junk (the digest's rating counts);
- time to first feedback: the median hours from hand-off to a lead's first feedback, over
  the leads whose first feedback came in the week;
- first touch: the median business minutes from hand-off to first touch of the leads handed
  over in the week (storage.first_touch; counted in Python, business hours are not SQL);
- preview reaction rate: of the previews (campaigns whose preview was posted) launching in
  the week's local days, the share that at least three people other than the campaign's
  owner reacted to before the launch day began in the team's time zone.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, Integer, and_, case, cast, func, literal, or_, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.business_hours import DEFAULT_HOURS, BusinessHours, parse_hours
from storage.first_touch import as_of, first_touch_figures, handed_over
from storage.goal_targets import Goal
from storage.models import Campaign, CampaignReactionEvent, Feedback, Lead
from storage.types import UTCDateTime
from storage.vocabulary import Rating

Week = tuple[datetime, datetime]
REACTIONS_NEEDED = 3


class hours_between(FunctionElement[float]):  # noqa: N801 - reads as the SQL function it is
    """Hours from the second timestamp to the first, in SQL, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True


@compiles(hours_between, "sqlite")
def _hours_sqlite(element: hours_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"((julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)})) * 24.0)"
    )


@compiles(hours_between, "postgresql")
def _hours_postgresql(element: hours_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - "
        f"{compiler.process(earlier, **kw)})) / 3600.0)"
    )


def _weeks_table(weeks: Sequence[Week]) -> Any:
    rows = [
        select(
            literal(index, Integer()).label("idx"),
            literal(start, UTCDateTime()).label("week_start"),
            literal(end, UTCDateTime()).label("week_end"),
        )
        for index, (start, end) in enumerate(weeks)
    ]
    return union_all(*rows).subquery("weeks")


def launch_days(weeks: Sequence[Week], zone: ZoneInfo) -> list[tuple[date, int, datetime]]:
    """Each local day a week covers: (day, week index, the day's local midnight in UTC).

    A week covers the local dates from its start's to its end's, the end's excluded: a
    campaign launching on a digest's day was "upcoming" in that digest, so it counts next week.
    """
    days = []
    for index, (start, end) in enumerate(weeks):
        day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        while day < last:
            days.append((day, index, datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)))
            day += timedelta(days=1)
    return days


def _days_table(days: Sequence[tuple[date, int, datetime]]) -> Any:
    rows = [
        select(
            literal(day, Date()).label("day"),
            literal(index, Integer()).label("idx"),
            literal(cutoff, UTCDateTime()).label("cutoff"),
        )
        for day, index, cutoff in days
    ]
    return union_all(*rows).subquery("launch_days")


def _aligned(count: int, rows: Sequence[Any]) -> list[float | None]:
    found = {int(index): value for index, value in rows}
    return [None if found.get(i) is None else float(found[i]) for i in range(count)]


def _share(part: Any, whole: Any) -> Any:
    return cast(part, Float()) / func.nullif(whole, 0)


async def coverage_series(
    *, session: AsyncSession, team_id: str, weeks: Sequence[Week]
) -> list[float | None]:
    """Per week: the share of leads handed over with feedback before the week's end."""
    w = _weeks_table(weeks)
    has_feedback = (
        select(Feedback.id)
        .where(col(Feedback.lead_id) == col(Lead.id), col(Feedback.created_at) < w.c.week_end)
        .exists()
    )
    handed = func.count(col(Lead.id))
    with_feedback = func.count(case((has_feedback, 1)))
    rows = (
        await session.exec(
            select(w.c.idx, _share(with_feedback, handed))
            .select_from(w)
            .join(
                Lead,
                and_(
                    col(Lead.team_id) == team_id,
                    col(Lead.handed_off_at) >= w.c.week_start,
                    col(Lead.handed_off_at) < w.c.week_end,
                ),
            )
            .group_by(w.c.idx)
        )
    ).all()
    return _aligned(len(weeks), rows)


async def junk_share_series(
    *, session: AsyncSession, team_id: str, weeks: Sequence[Week]
) -> list[float | None]:
    """Per week: of the leads with feedback in it, the share whose latest rating is junk."""
    w = _weeks_table(weeks)
    # A lead's latest feedback before the week's end is in the week exactly when it got
    # feedback in the week, so ranking the week's own feedback finds its latest rating.
    ranked = (
        select(
            w.c.idx.label("idx"),
            col(Feedback.rating).label("rating"),
            func.row_number()
            .over(
                partition_by=(w.c.idx, col(Feedback.lead_id)),
                order_by=(col(Feedback.created_at).desc(), col(Feedback.id).desc()),
            )
            .label("rank"),
        )
        .select_from(w)
        .join(
            Feedback,
            and_(
                col(Feedback.team_id) == team_id,
                col(Feedback.created_at) >= w.c.week_start,
                col(Feedback.created_at) < w.c.week_end,
            ),
        )
        .subquery("ranked")
    )
    junk = func.count(case((ranked.c.rating == Rating.JUNK.value, 1)))
    rows = (
        await session.exec(
            select(ranked.c.idx, _share(junk, func.count()))
            .where(ranked.c.rank == 1)
            .group_by(ranked.c.idx)
        )
    ).all()
    return _aligned(len(weeks), rows)


async def first_feedback_hours_series(
    *, session: AsyncSession, team_id: str, weeks: Sequence[Week]
) -> list[float | None]:
    """Per week: the median hours from hand-off to first feedback, for first feedback in it."""
    w = _weeks_table(weeks)
    hours = hours_between(col(Lead.first_feedback_at), col(Lead.handed_off_at))
    ordered = (
        select(
            w.c.idx.label("idx"),
            hours.label("hours"),
            func.row_number().over(partition_by=w.c.idx, order_by=hours).label("position"),
            func.count().over(partition_by=w.c.idx).label("n"),
        )
        .select_from(w)
        .join(
            Lead,
            and_(
                col(Lead.team_id) == team_id,
                col(Lead.first_feedback_at) >= w.c.week_start,
                col(Lead.first_feedback_at) < w.c.week_end,
            ),
        )
        .subquery("ordered")
    )
    # The middle row, or the mean of the middle two, without a percentile function
    # (SQLite has none).
    middle = or_(
        ordered.c.position == (ordered.c.n + 1) // 2,
        ordered.c.position == (ordered.c.n + 2) // 2,
    )
    rows = (
        await session.exec(
            select(ordered.c.idx, func.avg(ordered.c.hours)).where(middle).group_by(ordered.c.idx)
        )
    ).all()
    return [None if v is None else round(v, 2) for v in _aligned(len(weeks), rows)]


async def preview_reaction_series(
    *, session: AsyncSession, team_id: str, weeks: Sequence[Week], zone: ZoneInfo
) -> list[float | None]:
    """Per week: the share of previews launching in it that three or more people reacted to."""
    days = _days_table(launch_days(weeks, zone))
    reactors = (
        select(func.count(func.distinct(CampaignReactionEvent.user_id)))
        .where(
            col(CampaignReactionEvent.campaign_id) == col(Campaign.id),
            col(CampaignReactionEvent.user_id) != col(Campaign.owner),
            col(CampaignReactionEvent.created_at) < days.c.cutoff,
        )
        .scalar_subquery()
    )
    previews = (
        select(days.c.idx.label("idx"), reactors.label("reactors"))
        .select_from(days)
        .join(
            Campaign,
            and_(
                col(Campaign.team_id) == team_id,
                col(Campaign.launch_date) == days.c.day,
                col(Campaign.message_ts).is_not(None),
            ),
        )
        .subquery("previews")
    )
    reacted = func.count(case((previews.c.reactors >= REACTIONS_NEEDED, 1)))
    rows = (
        await session.exec(
            select(previews.c.idx, _share(reacted, func.count())).group_by(previews.c.idx)
        )
    ).all()
    return _aligned(len(weeks), rows)


async def first_touch_series(
    *, session: AsyncSession, team_id: str, weeks: Sequence[Week], hours: BusinessHours
) -> list[float | None]:
    """Per week: the median business minutes to first touch of the leads handed over in it."""
    if not weeks:
        return []
    every = await handed_over(session=session, team_id=team_id, start=weeks[0][0], end=weeks[-1][1])
    series: list[float | None] = []
    for start, end in weeks:
        figures = first_touch_figures(as_of(every, start, end), hours=hours, sla_minutes=0)
        series.append(figures["median_business_minutes"])
    return series


async def one_goal_series(
    goal: Goal,
    *,
    session: AsyncSession,
    team_id: str,
    weeks: Sequence[Week],
    zone: ZoneInfo,
    hours: BusinessHours | None = None,
) -> list[float | None]:
    """One goal's weekly series, oldest week first, None where a week had nothing to measure.

    hours are the business hours of the first touch (default: the default hours in zone)."""
    if goal is Goal.FIRST_TOUCH_MINUTES:
        hours = hours or BusinessHours(parse_hours(DEFAULT_HOURS), zone)
        return await first_touch_series(session=session, team_id=team_id, weeks=weeks, hours=hours)
    if goal is Goal.COVERAGE:
        return await coverage_series(session=session, team_id=team_id, weeks=weeks)
    if goal is Goal.JUNK_SHARE:
        return await junk_share_series(session=session, team_id=team_id, weeks=weeks)
    if goal is Goal.TIME_TO_FIRST_FEEDBACK:
        return await first_feedback_hours_series(session=session, team_id=team_id, weeks=weeks)
    return await preview_reaction_series(session=session, team_id=team_id, weeks=weeks, zone=zone)
