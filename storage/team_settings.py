"""A team's settings: the workspace defaults (from the environment), overridden per team.

`TEAM_SETTING_FIELDS` lists every setting a team may override, once: the environment
variable holding the workspace default, the label, what a valid value looks like, the
parser that checks it and how it is shown. The environment's validators and hints, the
storage row's read and write, the settings modal and the App Home's summary all follow it.

`effective_settings` is the one way to read a team's schedule, channels, threshold, time zone
and admin list: the digest, the nudges, the Home and `/leadfeedback mine` all call it, so a
change saved from the App Home reaches every one of them without a restart.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_ignoring_conflicts
from storage.goal_targets import GOAL_LABELS, Goal, GoalTargets, parse_target
from storage.models import Team, TeamSettingsRow
from storage.routing_rules import RoutingMode, parse_mode
from storage.schedules import (
    WEEKDAYS,
    canonical_zone,
    parse_clock_time,
    parse_weekdays,
    weekly_trigger,
)
from storage.slack_ids import is_channel_id, is_user_id

DIGEST_CHANNELS_MAX = 5
ADMIN_USERS_MAX = 20
STALE_AFTER_DAYS_RANGE = (1, 365)
# The column that holds a team's goal targets, one JSON object keyed by goal.
GOALS_COLUMN = "goal_targets"


@dataclass(frozen=True)
class SettingField:
    """One setting a team may override, and everything each place needs to know about it."""

    # The attribute of TeamSettings and SettingsChange (for a goal target: of GoalTargets).
    name: str
    # The environment variable holding the workspace's default.
    env: str
    # How the settings modal names it.
    label: str
    # What a valid value looks like, completing "use …" in a start-up error.
    hint: str
    # The value as people write it (in the environment or a form) checked and normalised,
    # ValueError when it is not valid; a setting with its own column gives a stored value back
    # unchanged.
    parse: Callable[[Any], Any]
    # The value as the App Home's settings summary shows it (None: not shown there).
    show: Callable[[Any], str] | None = None
    # The column the goal targets share; every other setting has one named like itself.
    shared_column: str | None = None

    @property
    def column(self) -> str:
        """The TeamSettingsRow column holding a team's override."""
        return self.shared_column or self.name


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not text")
    return value.strip()


def _ids(value: Any, *, valid: Callable[[str], bool], limit: int) -> tuple[str, ...]:
    """Ids written "A,B" (the environment) or listed (a form, a row), each once."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple) or not all(valid(item) for item in value):
        raise ValueError("not a list of ids")
    chosen = tuple(dict.fromkeys(value))
    if len(chosen) > limit:
        raise ValueError(f"more than {limit}")
    return chosen


def _weekday(value: Any) -> str:
    day = _text(value).lower()
    if day not in WEEKDAYS:
        raise ValueError("not a weekday")
    return day


def _weekdays(value: Any) -> str:
    spec = _text(value).lower().replace(" ", "")
    parse_weekdays(spec)
    return spec


def _clock_time(value: Any) -> str:
    return parse_clock_time(_text(value)).strftime("%H:%M")


def _whole_days(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
        value = int(value)
    low, high = STALE_AFTER_DAYS_RANGE
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError("not a number of days in range")
    return value


def _zone(value: Any) -> str:
    return canonical_zone(_text(value))


def _days_shown(spec: str) -> str:
    return spec.replace("-", "–").replace(",", ", ").title()


def _count_of_days(days: int) -> str:
    return f"{days} day{'s' * (days != 1)}"


def _goal_field(goal: Goal, env: str, hint: str) -> SettingField:
    return SettingField(
        goal.value,
        env,
        GOAL_LABELS[goal],
        hint,
        partial(parse_target, goal),
        shared_column=GOALS_COLUMN,
    )


_PERCENT = "a percentage such as {0} or {0}%, a fraction below 1 such as {1:g}, or off"

TEAM_SETTING_FIELDS: tuple[SettingField, ...] = (
    SettingField(
        "digest_channels",
        "LEADLOOP_DIGEST_CHANNEL",
        "Digest channels",
        f"up to {DIGEST_CHANNELS_MAX} channels separated by commas: ids such as C0123456789, "
        "links to them or #names (channels, not direct messages)",
        partial(
            _ids, valid=partial(is_channel_id, direct_messages=False), limit=DIGEST_CHANNELS_MAX
        ),
    ),
    SettingField(
        "digest_day",
        "LEADLOOP_DIGEST_DAY",
        "Digest day",
        "a weekday: mon, tue, wed, thu, fri, sat or sun",
        _weekday,
        _days_shown,
    ),
    SettingField(
        "digest_time",
        "LEADLOOP_DIGEST_TIME",
        "Digest time",
        "a 24-hour time such as 09:00",
        _clock_time,
        str,
    ),
    SettingField(
        "nudge_days",
        "LEADLOOP_NUDGE_DAYS",
        "Stale-lead nudge days",
        "weekdays such as mon-fri or mon,wed,fri",
        _weekdays,
        _days_shown,
    ),
    SettingField(
        "nudge_time",
        "LEADLOOP_NUDGE_TIME",
        "Nudge time",
        "a 24-hour time such as 10:00",
        _clock_time,
        str,
    ),
    SettingField(
        "stale_after_days",
        "LEADLOOP_STALE_AFTER_DAYS",
        "A lead is stale after (days)",
        "a whole number of days from {} to {}".format(*STALE_AFTER_DAYS_RANGE),
        _whole_days,
        _count_of_days,
    ),
    SettingField(
        "timezone",
        "LEADLOOP_TIMEZONE",
        "Time zone",
        "an IANA time zone such as Europe/Berlin or UTC",
        _zone,
        str,
    ),
    SettingField(
        "admin_users",
        "LEADLOOP_ADMINS",
        "leadloop admins",
        f"up to {ADMIN_USERS_MAX} Slack user ids separated by commas, such as "
        "U0123456789,U0987654321",
        partial(_ids, valid=is_user_id, limit=ADMIN_USERS_MAX),
    ),
    SettingField(
        "routing",
        "LEADLOOP_ROUTING",
        "Lead routing",
        "off, claim or round-robin",
        parse_mode,
        lambda mode: RoutingMode(mode).value,
    ),
    _goal_field(Goal.COVERAGE, "LEADLOOP_GOAL_COVERAGE", _PERCENT.format(80, 0.8)),
    _goal_field(Goal.JUNK_SHARE, "LEADLOOP_GOAL_JUNK_SHARE", _PERCENT.format(10, 0.1)),
    _goal_field(
        Goal.TIME_TO_FIRST_FEEDBACK,
        "LEADLOOP_GOAL_FIRST_FEEDBACK_HOURS",
        "a number of hours from 1 to 720 such as 48, or off",
    ),
    _goal_field(
        Goal.PREVIEW_REACTION_RATE, "LEADLOOP_GOAL_PREVIEW_REACTIONS", _PERCENT.format(50, 0.5)
    ),
    _goal_field(
        Goal.FIRST_TOUCH_MINUTES,
        "LEADLOOP_GOAL_FIRST_TOUCH_MINUTES",
        "a number of business minutes from 1 to 2400 such as 60, or off",
    ),
)
# The settings with a column of their own, and the goal targets that share one.
COLUMN_FIELDS = tuple(f for f in TEAM_SETTING_FIELDS if f.column != GOALS_COLUMN)
GOAL_FIELDS = tuple(f for f in TEAM_SETTING_FIELDS if f.column == GOALS_COLUMN)
FIELD_BY_ENV = {field.env: field for field in TEAM_SETTING_FIELDS}


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
    # How new leads without an owner reach a rep (storage.routing_rules.RoutingMode).
    routing: str = RoutingMode.OFF.value

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
    routing: str = RoutingMode.OFF.value

    def __post_init__(self) -> None:
        # Storage refuses what the modal should have caught, so no bad row is ever written:
        # each value must be valid and already in the form its parser gives.
        for field in COLUMN_FIELDS:
            value = getattr(self, field.name)
            if field.parse(value) != value:
                raise ValueError(f"{field.name} is not in its normal form")


def workspace_settings(values: Mapping[str, Any], *, shared_channel: str | None) -> TeamSettings:
    """The settings of a team that never saved any, from the workspace's values by field name.

    Without digest channels of its own the digest goes to the shared channel.
    """
    plain = {field.name: values[field.name] for field in COLUMN_FIELDS}
    if not plain["digest_channels"] and shared_channel:
        plain["digest_channels"] = (shared_channel,)
    goals = GoalTargets(**{field.name: values[field.name] for field in GOAL_FIELDS})
    return TeamSettings(
        team_id="", customised=False, goals=goals, shared_channel=shared_channel, **plain
    )


def shown_settings(team: TeamSettings) -> dict[str, str]:
    """The team's settings as the App Home's summary shows them (plain text), by field name."""
    return {
        field.name: field.show(getattr(team, field.name))
        for field in COLUMN_FIELDS
        if field.show is not None
    }


async def effective_settings(
    *, session: AsyncSession, team_id: str, defaults: TeamSettings
) -> TeamSettings:
    """The team's settings: each override it saved, else the workspace default."""
    base = replace(defaults, team_id=team_id)
    row = await session.get(TeamSettingsRow, team_id)
    if row is None:
        return base
    overrides = {
        field.name: tuple(value) if isinstance(value, list) else value
        for field in COLUMN_FIELDS
        if (value := getattr(row, field.column)) is not None
    }
    goals = GoalTargets.from_json(getattr(row, GOALS_COLUMN), defaults=base.goals)
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
    for field in COLUMN_FIELDS:
        value = getattr(change, field.name)
        setattr(row, field.column, list(value) if isinstance(value, tuple) else value)
    if change.goals is not None:
        setattr(row, GOALS_COLUMN, change.goals.as_json())
    row.updated_by = by
    row.updated_at = now
    session.add(row)
    await session.flush()
