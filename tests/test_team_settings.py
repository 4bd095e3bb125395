"""Per-team settings: the environment's defaults until an admin saves overrides, and one way
to read them."""

import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.deps import Deps
from bot.settings import HINTS, Settings, SettingsError, load_settings
from storage.goal_targets import GoalTargets
from storage.models import TeamSettingsRow
from storage.schedules import parse_weekdays
from storage.team_settings import (
    COLUMN_FIELDS,
    TEAM_SETTING_FIELDS,
    SettingsChange,
    TeamSettings,
    effective_settings,
    save_team_settings,
)
from tests.conftest import make_settings
from tests.factories import OTHER_TEAM, TEAM
from tests.helpers import count_rows

CHANGE = SettingsChange(
    digest_channels=("C0DIGEST", "G0PRIVATE"),
    digest_day="fri",
    digest_time="16:30",
    nudge_days="mon,wed",
    nudge_time="08:15",
    stale_after_days=7,
    timezone="Europe/Berlin",
    admin_users=("U0ADMIN",),
)


async def test_a_team_without_overrides_gets_the_defaults(deps: Deps) -> None:
    defaults = make_settings(
        shared_channel="C0SHARED", digest_day="tue", timezone="America/New_York"
    )
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=TEAM, defaults=defaults.team_defaults
        )
    assert team.digest_channels == ("C0SHARED",)
    assert (team.digest_day, team.digest_time, team.nudge_days, team.nudge_time) == (
        "tue",
        "09:00",
        "mon-fri",
        "10:00",
    )
    assert (team.stale_after_days, team.timezone, team.admin_users) == (3, "America/New_York", ())
    assert team.customised is False
    assert str(team.zone) == "America/New_York" and parse_weekdays(team.nudge_days) == (
        0,
        1,
        2,
        3,
        4,
    )


async def test_saved_settings_override_the_defaults_for_that_team_only(deps: Deps) -> None:
    async with deps.sessions.begin() as session:
        await save_team_settings(
            session=session, team_id=TEAM, change=CHANGE, by="U0ADMIN", now=deps.clock.now()
        )
    async with deps.sessions() as session:
        mine = await effective_settings(
            session=session, team_id=TEAM, defaults=deps.settings.team_defaults
        )
        other = await effective_settings(
            session=session, team_id=OTHER_TEAM, defaults=deps.settings.team_defaults
        )
    assert mine.customised and mine.digest_channels == ("C0DIGEST", "G0PRIVATE")
    assert (mine.digest_day, mine.digest_time, mine.timezone) == ("fri", "16:30", "Europe/Berlin")
    assert (mine.nudge_days, mine.nudge_time, mine.stale_after_days) == ("mon,wed", "08:15", 7)
    assert mine.admin_users == ("U0ADMIN",)
    assert other == replace(other, customised=False) and other.digest_day == "mon"


async def test_saving_again_updates_the_one_row(deps: Deps) -> None:
    for change in (CHANGE, replace(CHANGE, digest_channels=(), stale_after_days=30)):
        async with deps.sessions.begin() as session:
            await save_team_settings(
                session=session, team_id=TEAM, change=change, by="U0ADMIN", now=deps.clock.now()
            )
    assert await count_rows(deps, TeamSettingsRow) == 1
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=TEAM, defaults=deps.settings.team_defaults
        )
    # An empty channel list is a choice (no digest), not "use the default".
    assert team.digest_channels == () and team.stale_after_days == 30


@pytest.mark.parametrize(
    "bad",
    [
        {"digest_day": "someday"},
        {"digest_time": "25:00"},
        {"nudge_days": ""},
        {"stale_after_days": 0},
        {"stale_after_days": 366},
        {"timezone": "Mars/Olympus"},
        {"timezone": "europe/berlin"},
        {"digest_channels": tuple(f"C0{i}" for i in range(6))},
    ],
)
def test_a_bad_change_cannot_even_be_built(bad: dict) -> None:
    with pytest.raises(ValueError):
        replace(CHANGE, **bad)


_SCHEDULE_FIELDS = "|".join(field.name for field in COLUMN_FIELDS)
_DIRECT_READ = re.compile(rf"\.settings\.({_SCHEDULE_FIELDS})\b")


def test_nothing_reads_the_schedule_defaults_around_effective_settings() -> None:
    root = Path(__file__).parent.parent
    allowed = {root / "bot" / "settings.py", root / "storage" / "team_settings.py"}
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for package in ("bot", "handlers", "storage", "jobs")
        for path in sorted((root / package).rglob("*.py"))
        if path not in allowed
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _DIRECT_READ.search(line)
    ]
    assert offenders == [], "read these through storage.team_settings.effective_settings"


def test_every_listed_setting_has_a_column_a_default_and_a_place() -> None:
    columns = set(TeamSettingsRow.__table__.columns.keys())  # type: ignore[attr-defined]
    by_env = {
        field.validation_alias.choices[0]: name  # type: ignore[union-attr]
        for name, field in Settings.model_fields.items()
    }
    for field in TEAM_SETTING_FIELDS:
        assert field.column in columns, field.name
        assert field.env in by_env, field.env
        assert HINTS[field.env] == field.hint
    for field in COLUMN_FIELDS:
        # The workspace default has the team setting's name, so nothing reads one for the other.
        assert by_env[field.env] == field.name
        assert field.name in TeamSettings.__dataclass_fields__
        assert field.name in SettingsChange.__dataclass_fields__
    goal_names = {f.name for f in TEAM_SETTING_FIELDS if f not in COLUMN_FIELDS}
    assert goal_names == set(GoalTargets.__dataclass_fields__)


@pytest.mark.parametrize(
    ("env", "written", "stored"),
    [
        ("LEADLOOP_DIGEST_CHANNEL", "C0ONE, G0TWO,C0ONE", ("C0ONE", "G0TWO")),
        ("LEADLOOP_DIGEST_DAY", " FRI ", "fri"),
        ("LEADLOOP_DIGEST_TIME", "9:05", "09:05"),
        ("LEADLOOP_NUDGE_DAYS", "Mon - Wed, Fri", "mon-wed,fri"),
        ("LEADLOOP_STALE_AFTER_DAYS", " 12 ", 12),
        ("LEADLOOP_TIMEZONE", "america/new_york", "America/New_York"),
        ("LEADLOOP_ADMINS", "U0A,W0B", ("U0A", "W0B")),
        ("LEADLOOP_GOAL_COVERAGE", "75%", 0.75),
        ("LEADLOOP_GOAL_FIRST_FEEDBACK_HOURS", "off", None),
    ],
)
def test_the_environment_and_storage_read_a_setting_with_one_parser(
    env: str, written: str, stored: object
) -> None:
    [field] = [f for f in TEAM_SETTING_FIELDS if f.env == env]
    assert field.parse(written) == stored
    if field in COLUMN_FIELDS:  # Goal targets are written in percent and stored as fractions.
        assert field.parse(stored) == stored


@pytest.mark.parametrize(
    ("env", "written"),
    [
        ("LEADLOOP_DIGEST_CHANNEL", "D0DIRECT"),
        ("LEADLOOP_DIGEST_CHANNEL", ",".join(f"C0{i}AB" for i in range(6))),
        ("LEADLOOP_DIGEST_DAY", "mon-fri"),
        ("LEADLOOP_ADMINS", ",".join(f"U0{i}AB" for i in range(21))),
        ("LEADLOOP_ADMINS", "<!channel>"),
    ],
)
def test_the_environment_is_held_to_the_modal_s_rules(
    monkeypatch: pytest.MonkeyPatch, env: str, written: str
) -> None:
    monkeypatch.setenv(env, written)
    with pytest.raises(SettingsError, match=f"^{env} is malformed: use "):
        load_settings(_env_file=None)
