"""Admin settings from the App Home: the modal, inline validation, saving without a restart,
and refusing anyone who is not an admin at the moment they submit."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.app import build_bolt_app
from bot.demo.slack_standin import SlackStandIn, view_errors
from bot.deps import Deps
from bot.installation import install_workspace
from bot.web import build_web_app
from handlers.views import ids
from handlers.views.settings_blocks import NOT_ADMIN, read_settings, settings_modal
from storage.models import TeamSettingsRow
from storage.schedules import next_fire
from storage.team_settings import effective_settings, save_team_settings
from tests.conftest import make_settings
from tests.factories import OTHER_TEAM, REP, TEAM, SlackDriver, view_submission
from tests.factories import home_action as home_click
from tests.helpers import all_rows, texts_of
from tests.test_home import ADMIN, published


@contextlib.asynccontextmanager
async def app_with(deps: Deps, standin: SlackStandIn) -> AsyncIterator[SlackDriver]:
    """The real HTTP app built on these deps (the `slack` fixture's, with other services)."""
    await install_workspace(deps)
    app = build_web_app(build_bolt_app(deps), deps)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://leadloop.test") as http:
        yield SlackDriver(http, standin)


@pytest.fixture
def saved() -> list[str]:
    """The team ids the app reported as saved, in order."""
    return []


@pytest.fixture
def deps(deps: Deps, saved: list[str]) -> Deps:
    """The app's services with a settings callback that records the team id, as the
    scheduler's would reschedule it."""

    async def record(team_id: str) -> None:
        saved.append(team_id)

    return replace(deps, on_settings_saved=record)


def values(
    *,
    channels: Any = ("C0DIGEST", "G0PRIVATE"),
    day: Any = "fri",
    digest_time: Any = "16:30",
    nudge_days: Any = ("mon", "wed", "thu", "fri"),
    nudge_time: Any = "08:15",
    stale: Any = "7",
    zone: Any = "europe/berlin",
    admins: Any = ("U0LISTED",),
    routing: Any = "claim",
) -> dict[str, Any]:
    """view.state.values as Slack sends them for the settings modal."""
    return {
        ids.SETTINGS_DIGEST_CHANNELS_BLOCK: {
            ids.SETTINGS_DIGEST_CHANNELS_ACTION: {
                "type": "multi_conversations_select",
                "selected_conversations": list(channels) if channels is not None else None,
            }
        },
        ids.SETTINGS_DIGEST_DAY_BLOCK: {
            ids.SETTINGS_DIGEST_DAY_ACTION: {
                "type": "static_select",
                "selected_option": {"value": day} if day is not None else None,
            }
        },
        ids.SETTINGS_DIGEST_TIME_BLOCK: {
            ids.SETTINGS_DIGEST_TIME_ACTION: {"type": "timepicker", "selected_time": digest_time}
        },
        ids.SETTINGS_NUDGE_DAYS_BLOCK: {
            ids.SETTINGS_NUDGE_DAYS_ACTION: {
                "type": "checkboxes",
                "selected_options": [{"value": d} for d in nudge_days],
            }
        },
        ids.SETTINGS_NUDGE_TIME_BLOCK: {
            ids.SETTINGS_NUDGE_TIME_ACTION: {"type": "timepicker", "selected_time": nudge_time}
        },
        ids.SETTINGS_STALE_DAYS_BLOCK: {
            ids.SETTINGS_STALE_DAYS_ACTION: {"type": "number_input", "value": stale}
        },
        ids.SETTINGS_TIMEZONE_BLOCK: {
            ids.SETTINGS_TIMEZONE_ACTION: {"type": "plain_text_input", "value": zone}
        },
        ids.SETTINGS_ADMINS_BLOCK: {
            ids.SETTINGS_ADMINS_ACTION: {"type": "multi_users_select", "selected_users": admins}
        },
        ids.SETTINGS_ROUTING_BLOCK: {
            ids.SETTINGS_ROUTING_ACTION: {
                "type": "static_select",
                "selected_option": {"value": routing} if routing is not None else None,
            }
        },
    }


def submission(user: str = ADMIN, **changes: Any) -> dict[str, Any]:
    """A settings modal submission by user."""
    view = settings_modal(replace(make_settings().team_defaults, team_id=TEAM))
    return view_submission(view, values(**changes), user=user)


async def test_the_settings_button_opens_the_modal_for_an_admin(slack: SlackDriver) -> None:
    slack.standin.add_user(ADMIN, is_admin=True)
    await slack.interact(home_click(ids.HOME_OPEN_SETTINGS, "open", user=ADMIN))
    [call] = await slack.standin.wait_for("views.open")
    assert call.response["ok"], call.response
    view = call.params["view"]
    assert view_errors(view) == [] and view["callback_id"] == ids.SETTINGS_MODAL
    blocks = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert blocks[ids.SETTINGS_DIGEST_DAY_BLOCK]["initial_option"]["value"] == "mon"
    assert blocks[ids.SETTINGS_DIGEST_TIME_BLOCK]["initial_time"] == "09:00"
    nudge = blocks[ids.SETTINGS_NUDGE_DAYS_BLOCK]["initial_options"]
    assert [o["value"] for o in nudge] == ["mon", "tue", "wed", "thu", "fri"]
    assert blocks[ids.SETTINGS_TIMEZONE_BLOCK]["initial_value"] == "UTC"
    assert blocks[ids.SETTINGS_STALE_DAYS_BLOCK]["initial_value"] == "3"
    assert blocks[ids.SETTINGS_DIGEST_CHANNELS_BLOCK]["type"] == "multi_conversations_select"
    assert blocks[ids.SETTINGS_ADMINS_BLOCK]["type"] == "multi_users_select"


async def test_the_settings_button_explains_itself_to_a_non_admin(slack: SlackDriver) -> None:
    await slack.interact(home_click(ids.HOME_OPEN_SETTINGS, "open", user=REP))
    [call] = await slack.standin.wait_for("views.open")
    view = call.params["view"]
    assert view_errors(view) == [] and view["callback_id"] == ids.SETTINGS_REFUSED_MODAL
    assert "Only Slack workspace admins" in texts_of(view["blocks"])


async def test_a_refused_trigger_on_settings_is_explained_on_the_home(slack: SlackDriver) -> None:
    slack.standin.add_user(ADMIN, is_admin=True)
    slack.standin.fail_next("views.open", status=200, error="expired_trigger_id")
    await slack.interact(home_click(ids.HOME_OPEN_SETTINGS, "open", user=ADMIN))
    view = await published(slack.standin)
    assert "did not open the settings form" in texts_of(view["blocks"])


async def test_an_admin_saves_settings_and_the_schedule_moves_at_once(
    slack: SlackDriver, deps: Deps, saved: list[str]
) -> None:
    slack.standin.add_user(ADMIN, is_admin=True)
    response = await slack.interact(submission())
    assert response.status_code == 200 and response.text == ""
    view = await published(slack.standin)
    assert saved == [TEAM]
    [row] = await all_rows(deps, TeamSettingsRow)
    assert (row.updated_by, row.digest_channels, row.timezone) == (
        ADMIN,
        ["C0DIGEST", "G0PRIVATE"],
        "Europe/Berlin",
    )
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=TEAM, defaults=deps.settings.team_defaults
        )
    assert (team.digest_day, team.digest_time, team.nudge_days, team.nudge_time) == (
        "fri",
        "16:30",
        "mon,wed-fri",
        "08:15",
    )
    assert (team.stale_after_days, team.admin_users) == (7, ("U0LISTED",))
    # The next digest is at the new time (Friday 16:30 Berlin = 15:30 UTC), with no restart.
    now = deps.clock.now()
    expected = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
    assert next_fire(team.digest_trigger, now) == expected
    text = texts_of(view["blocks"])
    assert "Settings saved" in text and f"<!date^{int(expected.timestamp())}^" in text
    assert "<#C0DIGEST>, <#G0PRIVATE>" in text

    # Another save moves it again; the callback is told each time.
    await slack.interact(submission(digest_time="07:00", day="mon"))
    await published(slack.standin, 2)
    assert saved == [TEAM, TEAM]
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=TEAM, defaults=deps.settings.team_defaults
        )
    assert next_fire(team.digest_trigger, now) == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("prepare", "expected"),
    [
        (
            lambda standin: standin.add_channel("G0DEALS", "deals", private=True, member=False),
            "No channel G0DEALS that leadloop can see: check it, and if it is private, "
            "type `/invite @leadloop` in it first.",
        ),
        (
            lambda standin: standin.forget_channel("G0DEALS"),
            "No channel G0DEALS that leadloop can see",
        ),
        (
            lambda standin: standin.add_channel("G0DEALS", "deals", private=True, archived=True),
            "#deals is archived: unarchive it, or pick another channel.",
        ),
    ],
)
async def test_a_digest_channel_leadloop_cannot_post_in_is_refused_with_the_fix(
    slack: SlackDriver, deps: Deps, prepare: Any, expected: str
) -> None:
    slack.standin.add_user(ADMIN, is_admin=True)
    prepare(slack.standin)
    response = await slack.interact(submission(channels=("C0DIGEST", "G0DEALS")))
    body = response.json()
    assert body["response_action"] == "errors"
    assert body["errors"][ids.SETTINGS_DIGEST_CHANNELS_BLOCK].startswith(expected)
    assert await all_rows(deps, TeamSettingsRow) == []


async def test_a_public_channel_leadloop_is_not_in_yet_is_saved(
    slack: SlackDriver, deps: Deps
) -> None:
    slack.standin.add_user(ADMIN, is_admin=True)
    slack.standin.add_channel("C0NEWS", "news", member=False)
    response = await slack.interact(submission(channels=("C0NEWS",)))
    assert response.text == ""  # leadloop joins a public channel when it posts
    [row] = await all_rows(deps, TeamSettingsRow)
    assert row.digest_channels == ["C0NEWS"]


async def test_a_listed_admin_may_save_without_being_a_slack_admin(
    slack: SlackDriver, deps: Deps, saved: list[str]
) -> None:
    async with deps.sessions.begin() as session:
        defaults = replace(deps.settings.team_defaults, team_id=TEAM)
        first = read_settings(values(admins=["U0LISTED"]))
        assert not isinstance(first, dict)
        await save_team_settings(
            session=session, team_id=TEAM, change=first, by=ADMIN, now=deps.clock.now()
        )
    assert defaults.admin_users == ()
    await slack.interact(submission(user="U0LISTED", stale="14"))
    await published(slack.standin)
    [row] = await all_rows(deps, TeamSettingsRow)
    assert (row.updated_by, row.stale_after_days) == ("U0LISTED", 14) and saved == [TEAM]
    assert slack.standin.calls_to("users.info") == []


async def test_an_admin_from_the_environment_may_save(
    deps: Deps, standin: SlackStandIn, saved: list[str]
) -> None:
    env_admins = deps.settings.model_copy(update={"admin_users": ("U0ENV",)})
    async with app_with(replace(deps, settings=env_admins), standin) as driver:
        await driver.interact(submission(user="U0ENV"))
        await published(driver.standin)
    assert len(await all_rows(deps, TeamSettingsRow)) == 1 and saved == [TEAM]


async def test_a_forged_submission_from_a_non_admin_changes_nothing(
    slack: SlackDriver, deps: Deps, saved: list[str]
) -> None:
    slack.standin.add_user(REP, is_admin=False)
    response = await slack.interact(submission(user=REP))
    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {ids.SETTINGS_DIGEST_CHANNELS_BLOCK: NOT_ADMIN},
    }
    assert await all_rows(deps, TeamSettingsRow) == []
    assert saved == []
    assert slack.standin.calls_to("views.publish") == []


@pytest.mark.parametrize(
    "admin_elsewhere",
    [
        {"is_admin": True, "team_id": OTHER_TEAM},
        {"is_primary_owner": True, "team_id": OTHER_TEAM},
        {
            "team_id": "E0ORG",
            "enterprise_user": {"enterprise_id": "E0ORG", "is_admin": True, "teams": [OTHER_TEAM]},
        },
    ],
    ids=["admin-of-another-workspace", "owner-of-another-workspace", "org-admin-elsewhere"],
)
async def test_an_admin_of_another_workspace_cannot_save_this_ones_settings(
    slack: SlackDriver, deps: Deps, saved: list[str], admin_elsewhere: dict[str, Any]
) -> None:
    slack.standin.add_user(ADMIN, **admin_elsewhere)
    response = await slack.interact(submission())
    assert response.json()["errors"] == {ids.SETTINGS_DIGEST_CHANNELS_BLOCK: NOT_ADMIN}
    assert await all_rows(deps, TeamSettingsRow) == [] and saved == []

    await slack.interact(home_click(ids.HOME_OPEN_SETTINGS, "open", user=ADMIN))
    [call] = await slack.standin.wait_for("views.open")
    assert call.params["view"]["callback_id"] == ids.SETTINGS_REFUSED_MODAL


async def test_an_org_admin_of_an_enterprise_grid_may_save_its_workspaces_settings(
    slack: SlackDriver, deps: Deps, saved: list[str]
) -> None:
    grid = {"enterprise_id": "E0ORG", "is_owner": True, "teams": [OTHER_TEAM, TEAM]}
    slack.standin.add_user(ADMIN, team_id=OTHER_TEAM, enterprise_user=grid)
    await slack.interact(submission())
    await published(slack.standin)
    assert len(await all_rows(deps, TeamSettingsRow)) == 1 and saved == [TEAM]


async def test_an_admin_demoted_minutes_ago_is_refused(
    slack: SlackDriver, deps: Deps, saved: list[str]
) -> None:
    slack.standin.add_user(ADMIN, is_admin=True)
    await slack.interact(home_click(ids.HOME_OPEN_SETTINGS, "open", user=ADMIN))
    await slack.standin.wait_for("views.open")
    slack.standin.add_user(ADMIN, is_admin=False)
    deps.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    response = await slack.interact(submission())
    assert response.json()["response_action"] == "errors"
    assert await all_rows(deps, TeamSettingsRow) == [] and saved == []


async def test_when_slack_cannot_say_who_is_admin_nothing_is_saved(
    slack: SlackDriver, deps: Deps, saved: list[str]
) -> None:
    slack.standin.add_user(ADMIN, is_admin=True)
    slack.standin.fail_next("users.info", status=200, error="user_not_found")
    response = await slack.interact(submission())
    assert response.json()["errors"] == {ids.SETTINGS_DIGEST_CHANNELS_BLOCK: NOT_ADMIN}
    assert await all_rows(deps, TeamSettingsRow) == [] and saved == []


async def test_a_failing_reschedule_still_saves_and_says_so(
    deps: Deps, standin: SlackStandIn
) -> None:
    async def broken(team_id: str) -> None:
        raise RuntimeError("scheduler down")

    standin.add_user(ADMIN, is_admin=True)
    async with app_with(replace(deps, on_settings_saved=broken), standin) as driver:
        await driver.interact(submission())
        view = await published(standin)
    assert len(await all_rows(deps, TeamSettingsRow)) == 1
    assert "apply after the next restart" in texts_of(view["blocks"])


@pytest.mark.parametrize(
    ("changes", "block_id"),
    [
        ({"digest_time": "25:00"}, ids.SETTINGS_DIGEST_TIME_BLOCK),
        ({"digest_time": None}, ids.SETTINGS_DIGEST_TIME_BLOCK),
        ({"nudge_time": "9am"}, ids.SETTINGS_NUDGE_TIME_BLOCK),
        ({"day": "someday"}, ids.SETTINGS_DIGEST_DAY_BLOCK),
        ({"day": None}, ids.SETTINGS_DIGEST_DAY_BLOCK),
        ({"nudge_days": ()}, ids.SETTINGS_NUDGE_DAYS_BLOCK),
        ({"nudge_days": ("mon", "funday")}, ids.SETTINGS_NUDGE_DAYS_BLOCK),
        ({"stale": "0"}, ids.SETTINGS_STALE_DAYS_BLOCK),
        ({"stale": "366"}, ids.SETTINGS_STALE_DAYS_BLOCK),
        ({"stale": "2.5"}, ids.SETTINGS_STALE_DAYS_BLOCK),
        ({"stale": None}, ids.SETTINGS_STALE_DAYS_BLOCK),
        ({"zone": "Mars/Olympus"}, ids.SETTINGS_TIMEZONE_BLOCK),
        ({"zone": "../../etc/passwd"}, ids.SETTINGS_TIMEZONE_BLOCK),
        ({"channels": ("D0DIRECT",)}, ids.SETTINGS_DIGEST_CHANNELS_BLOCK),
        ({"channels": tuple(f"C0{i}" for i in range(6))}, ids.SETTINGS_DIGEST_CHANNELS_BLOCK),
        ({"channels": "C0DIGEST"}, ids.SETTINGS_DIGEST_CHANNELS_BLOCK),
        ({"admins": ["<!channel>"]}, ids.SETTINGS_ADMINS_BLOCK),
        ({"admins": [f"U0{i}" for i in range(21)]}, ids.SETTINGS_ADMINS_BLOCK),
    ],
)
async def test_invalid_values_are_answered_inline(
    slack: SlackDriver, deps: Deps, saved: list[str], changes: dict[str, Any], block_id: str
) -> None:
    slack.standin.add_user(ADMIN, is_admin=True)
    response = await slack.interact(submission(**changes))
    body = response.json()
    assert body["response_action"] == "errors" and list(body["errors"]) == [block_id]
    assert await all_rows(deps, TeamSettingsRow) == [] and saved == []


def test_hostile_state_shapes_become_errors_not_crashes() -> None:
    for state in (None, [], "x", {ids.SETTINGS_DIGEST_DAY_BLOCK: "x"}, {"a": {"b": 1}}):
        errors = read_settings(state)
        assert isinstance(errors, dict) and ids.SETTINGS_TIMEZONE_BLOCK in errors


def test_empty_channel_and_admin_lists_are_valid_choices() -> None:
    change = read_settings(values(channels=None, admins=None))
    assert not isinstance(change, dict)
    assert change.digest_channels == () and change.admin_users == ()
    assert change.timezone == "Europe/Berlin" and change.nudge_days == "mon,wed-fri"
