"""The shared goals for a digest week: each goal's figure, target, track and the week before."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from jobs.schedule import weeks_ending
from storage.goal_series import goal_series
from storage.goal_targets import Goal, GoalTargets, on_track

GOAL_WEEKS = 12


@dataclass(frozen=True)
class GoalStatus:
    """One goal this week, as `digest --json` lists it."""

    name: str
    value: float | None
    target: float | None
    on_track: bool | None
    previous: float | None


@dataclass(frozen=True)
class GoalsReport:
    """The enabled goals' statuses, and every goal's weekly series (oldest week first)."""

    statuses: list[GoalStatus] = field(default_factory=list)
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
    weeks: int = GOAL_WEEKS,
) -> GoalsReport:
    """The goals for the local week ending at end, with the weeks before it."""
    periods = weeks_ending(end, zone, count=weeks)
    series = await goal_series(
        session=session, team_id=team_id, weeks=[(p.start, p.end) for p in periods], zone=zone
    )
    return GoalsReport(
        statuses=goal_statuses(series, targets),
        week_ending=[p.end.astimezone(zone).date().isoformat() for p in periods],
        series={goal.value: values for goal, values in series.items()},
        targets=targets.as_json(),
    )
