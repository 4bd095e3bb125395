"""The shared goals for a digest week: each goal's figure, target, track and the week before."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.business_hours import BusinessHours
from storage.goal_series import coverage_series, junk_share_series, one_goal_series
from storage.goal_targets import Goal, GoalTargets, on_track
from storage.schedules import weeks_ending

# The digest and the Home compare this week with the last; the chart's trend is longer.
STATUS_WEEKS = 2
TREND_WEEKS = 12


@dataclass(frozen=True)
class GoalStatus:
    """One goal this week, as `digest --json` lists it."""

    name: str
    value: float | None
    target: float | None
    on_track: bool | None
    previous: float | None


@dataclass(frozen=True)
class GoalTrend:
    """The chart's weekly series of coverage, junk share and first touch (oldest week first)."""

    # Local dates of each week's end, ISO 8601.
    week_ending: list[str] = field(default_factory=list)
    series: dict[str, list[float | None]] = field(default_factory=dict)
    targets: dict[str, float | None] = field(default_factory=dict)


def goal_statuses(series: dict[Goal, list[float | None]], targets: GoalTargets) -> list[GoalStatus]:
    """The switched-on goals' figures for the last week of the series, against the one before."""
    statuses = []
    for goal in targets.enabled:
        values = series[goal]
        value = values[-1] if values else None
        previous = values[-2] if len(values) > 1 else None
        target = targets.target(goal)
        track = on_track(goal, value, target)
        statuses.append(GoalStatus(goal.value, value, target, track, previous))
    return statuses


async def compute_goals(
    session: AsyncSession,
    team_id: str,
    *,
    end: datetime,
    zone: ZoneInfo,
    targets: GoalTargets,
    known: Mapping[Goal, Sequence[float | None]] | None = None,
    hours: BusinessHours | None = None,
) -> list[GoalStatus]:
    """The switched-on goals for the local week ending at end, against the week before.

    `known` holds figures the caller already has for the latest weeks (the digest's own
    coverage and junk share are the same numbers), so only the rest is queried; hours are the
    business hours the first touch is counted in.
    """
    periods = weeks_ending(end, zone, count=STATUS_WEEKS)
    weeks = [(p.start, p.end) for p in periods]
    series: dict[Goal, list[float | None]] = {}
    for goal in targets.enabled:
        have = list((known or {}).get(goal, []))[-STATUS_WEEKS:]
        missing = weeks[: STATUS_WEEKS - len(have)]
        computed = (
            await one_goal_series(
                goal, session=session, team_id=team_id, weeks=missing, zone=zone, hours=hours
            )
            if missing
            else []
        )
        series[goal] = [*computed, *have]
    return goal_statuses(series, targets)


async def compute_trend(
    session: AsyncSession,
    team_id: str,
    *,
    end: datetime,
    zone: ZoneInfo,
    targets: GoalTargets,
    hours: BusinessHours | None = None,
) -> GoalTrend:
    """Coverage, junk share and first touch for the 12 local weeks ending at end: what the
    chart draws.

    Kept apart from the digest's figures: the chart is drawn after the digest is posted, so
    a long history never delays the digest itself.
    """
    periods = weeks_ending(end, zone, count=TREND_WEEKS)
    weeks = [(p.start, p.end) for p in periods]
    return GoalTrend(
        week_ending=[p.end.astimezone(zone).date().isoformat() for p in periods],
        series={
            Goal.COVERAGE.value: await coverage_series(
                session=session, team_id=team_id, weeks=weeks
            ),
            Goal.JUNK_SHARE.value: await junk_share_series(
                session=session, team_id=team_id, weeks=weeks
            ),
            Goal.FIRST_TOUCH_MINUTES.value: await one_goal_series(
                Goal.FIRST_TOUCH_MINUTES,
                session=session,
                team_id=team_id,
                weeks=weeks,
                zone=zone,
                hours=hours,
            ),
        },
        targets=targets.as_json(),
    )
