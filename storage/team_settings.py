"""A team's settings: the workspace defaults (from the environment), overridden per team.

`effective_settings` is the one way to read a team's schedule, channels, threshold, time zone
and admin list: the digest, the nudges, the Home and `/leadfeedback mine` all call it, so a
change saved from the App Home reaches every one of them without a restart.
"""

from dataclasses import dataclass, replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_ignoring_conflicts
from storage.goal_targets import GoalTargets
from storage.models import Team, TeamSettingsRow
from storage.schedules import canonical_zone, parse_clock_time, parse_weekdays, weekly_trigger

DIGEST_CHANNELS_MAX = 5
ADMIN_USERS_MAX = 20
STALE_AFTER_DAYS_RANGE = (1, 365)


@dataclass(frozen=True)
class TeamSettings:
    """The settings a team runs with: its overrides where it has them, else the defaults."""

    team_id: str
    digest_channels: tuple[str, ...]
    digest_day: str
    digest_time: str
    nudge_days: str
    nudge_time: str
    stale_after_days: int
    timezone: str
    admin_users: tuple[str, ...]
    # Whether an admin ever saved settings for this team.
    customised: bool
    goals: GoalTargets = GoalTargets()
    # Where previews and ownerless nudges go (the workspace's; not overridden per team yet).
    shared_channel: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The team's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def digest_at(self) -> time:
        """The digest's local time of day."""
        return parse_clock_time(self.digest_time)

    @property
    def digest_trigger(self) -> CronTrigger:
        """The weekly digest's trigger, in the team's time zone."""
        return weekly_trigger(self.digest_day, self.digest_time, self.zone)

    @property
    def nudge_trigger(self) -> CronTrigger:
        """The nudges' trigger: the nudge time on each nudge day, in the team's time zone."""
        return weekly_trigger(self.nudge_days, self.nudge_time, self.zone)


@dataclass(frozen=True)
class SettingsChange:
    """Every setting an admin saves at once, already validated."""

    digest_channels: tuple[str, ...]
    digest_day: str
    digest_time: str
    nudge_days: str
    nudge_time: str
    stale_after_days: int
    timezone: str
    admin_users: tuple[str, ...]
    # None keeps the workspace's default targets.
    goals: GoalTargets | None = None

    def __post_init__(self) -> None:
        # Storage refuses what the modal should have caught, so no bad row is ever written.
        parse_weekdays(self.digest_day)
        parse_weekdays(self.nudge_days)
        parse_clock_time(self.digest_time)
        parse_clock_time(self.nudge_time)
        if canonical_zone(self.timezone) != self.timezone:
            raise ValueError("time zone not in its canonical spelling")
        low, high = STALE_AFTER_DAYS_RANGE
        if not low <= self.stale_after_days <= high:
            raise ValueError("stale_after_days out of range")
        if len(self.digest_channels) > DIGEST_CHANNELS_MAX:
            raise ValueError("too many digest channels")
        if len(self.admin_users) > ADMIN_USERS_MAX:
            raise ValueError("too many admins")


_OVERRIDABLE = (
    "digest_channels",
    "digest_day",
    "digest_time",
    "nudge_days",
    "nudge_time",
    "stale_after_days",
    "timezone",
    "admin_users",
)


async def effective_settings(
    *, session: AsyncSession, team_id: str, defaults: TeamSettings
) -> TeamSettings:
    """The team's settings: each override it saved, else the workspace default."""
    base = replace(defaults, team_id=team_id)
    row = await session.get(TeamSettingsRow, team_id)
    if row is None:
        return base
    overrides = {
        name: tuple(value) if isinstance(value, list) else value
        for name in _OVERRIDABLE
        if (value := getattr(row, name)) is not None
    }
    goals = GoalTargets.from_json(row.goal_targets, defaults=base.goals)
    return replace(base, customised=True, goals=goals, **overrides)


async def save_team_settings(
    *, session: AsyncSession, team_id: str, change: SettingsChange, by: str, now: datetime
) -> None:
    """Store the team's settings as overrides of the defaults (creating the team if need be)."""
    await insert_ignoring_conflicts(session, Team, {"team_id": team_id, "created_at": now})
    # Two admins saving at once both succeed; the later save wins.
    await insert_ignoring_conflicts(
        session, TeamSettingsRow, {"team_id": team_id, "updated_by": by, "updated_at": now}
    )
    row = await session.get(TeamSettingsRow, team_id, populate_existing=True)
    if row is None:
        raise LookupError("team settings vanished right after they were created")
    row.digest_channels = list(change.digest_channels)
    row.digest_day = change.digest_day
    row.digest_time = change.digest_time
    row.nudge_days = change.nudge_days
    row.nudge_time = change.nudge_time
    row.stale_after_days = change.stale_after_days
    row.timezone = change.timezone
    row.admin_users = list(change.admin_users)
    if change.goals is not None:
        row.goal_targets = change.goals.as_json()
    row.updated_by = by
    row.updated_at = now
    session.add(row)
    await session.flush()
