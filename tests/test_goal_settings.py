"""Shared goals' targets: set by admins in the settings modal, shown on everyone's Home."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.deps import Deps
from handlers.views import ids
from handlers.views.settings_blocks import read_settings, settings_modal
from storage.goal_targets import Goal, GoalTargets
from storage.team_settings import effective_settings, save_team_settings
from tests.conftest import make_settings
from tests.factories import TEAM, SlackDriver, app_home_opened, view_submission
from tests.helpers import add_feedback, add_lead, add_team, texts_of
from tests.test_home import ADMIN, NEWCOMER, published
from tests.test_settings_modal import values

HOUR = timedelta(hours=1)


def goal_values(**targets: Any) -> dict[str, Any]:
    """The goal inputs of view.state.values; a missing goal is submitted empty."""
    return {
        ids.SETTINGS_GOAL_BLOCK_PREFIX + goal.value: {
            ids.SETTINGS_GOAL_ACTION_PREFIX + goal.value: {
                "type": "number_input",
                "value": targets.get(goal.value),
            }
        }
        for goal in Goal
    }


def form(**targets: Any) -> dict[str, Any]:
    """The whole modal's values as Slack sends them, with these goal targets."""
    return values(admins=["U0LISTED"]) | goal_values(**targets)


def test_the_modal_offers_each_goal_with_its_target() -> None:
    team = replace(make_settings(goal_junk_share="off").team_defaults, team_id=TEAM)
    view = settings_modal(team)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    initial = {
        goal: inputs[ids.SETTINGS_GOAL_BLOCK_PREFIX + goal.value]["element"].get("initial_value")
        for goal in Goal
    }
    assert initial == {
        Goal.COVERAGE: "80",
        Goal.JUNK_SHARE: None,
        Goal.TIME_TO_FIRST_FEEDBACK: "48",
        Goal.PREVIEW_REACTION_RATE: "50",
        Goal.FIRST_TOUCH_MINUTES: "60",
    }
    assert all(inputs[ids.SETTINGS_GOAL_BLOCK_PREFIX + g.value]["optional"] for g in Goal)
    assert "Leave a target empty to switch that goal off" in texts_of(view["blocks"])


def test_targets_are_read_back_and_an_empty_one_is_off() -> None:
    change = read_settings(
        form(
            coverage="70",
            time_to_first_feedback_hours=" 24.5 ",
            preview_reaction_rate="60",
            first_touch_minutes="30",
        )
    )
    assert not isinstance(change, dict)
    assert change.goals == GoalTargets(0.7, None, 24.5, 0.6, 30.0)


@pytest.mark.parametrize(
    ("goal", "text"),
    [("coverage", "150"), ("junk_share", "-1"), ("time_to_first_feedback_hours", "0"),
     ("time_to_first_feedback_hours", "abc"), ("preview_reaction_rate", "1e3"),
     ("first_touch_minutes", "0"), ("first_touch_minutes", "3000")],
)  # fmt: skip
def test_a_bad_target_is_answered_inline(goal: str, text: str) -> None:
    errors = read_settings(form(**{goal: text}))
    assert isinstance(errors, dict)
    assert list(errors) == [ids.SETTINGS_GOAL_BLOCK_PREFIX + goal]
    assert "leave it empty to switch this goal off" in errors[ids.SETTINGS_GOAL_BLOCK_PREFIX + goal]


def test_a_modal_opened_before_goals_existed_keeps_the_targets() -> None:
    change = read_settings(values(admins=["U0LISTED"]))
    assert not isinstance(change, dict) and change.goals is None


async def test_an_admin_sets_targets_and_everyone_sees_the_goals(
    slack: SlackDriver, deps: Deps
) -> None:
    await add_team(deps)
    now = deps.clock.now()
    lead = await add_lead(deps, "Ada", handed_off_at=now - 30 * HOUR)
    await add_feedback(deps, lead, "junk", at=now - 6 * HOUR)
    slack.standin.add_user(ADMIN, is_admin=True)
    view = settings_modal(replace(deps.settings.team_defaults, team_id=TEAM))
    response = await slack.interact(
        view_submission(view, form(coverage="90", junk_share="5"), user=ADMIN)
    )
    assert response.status_code == 200 and response.text in ("", "null")
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=TEAM, defaults=deps.settings.team_defaults
        )
    assert team.goals == GoalTargets(0.9, 0.05, None, None, None)

    await slack.event(app_home_opened(user=NEWCOMER))
    home = texts_of((await published(slack.standin, 2))["blocks"])
    assert "Shared goals" in home
    assert ":warning: Feedback coverage: *100%*" not in home
    assert ":white_check_mark: Feedback coverage: *100%* · target ≥ 90% · on track" in home
    assert ":warning: Junk share of rated leads: *100%* · target ≤ 5% · off track" in home
    assert "Median time to first feedback" not in home and "Previews" not in home


async def test_saved_targets_stay_until_a_modal_with_goals_changes_them(deps: Deps) -> None:
    with_goals = read_settings(form(coverage="75"))
    without_goals = read_settings(values(admins=["U0LISTED"]))
    assert not isinstance(with_goals, dict) and not isinstance(without_goals, dict)
    for change in (with_goals, without_goals):
        async with deps.sessions.begin() as session:
            await save_team_settings(
                session=session, team_id=TEAM, change=change, by=ADMIN, now=deps.clock.now()
            )
    async with deps.sessions() as session:
        team = await effective_settings(
            session=session, team_id=TEAM, defaults=deps.settings.team_defaults
        )
    assert team.goals == GoalTargets(0.75, None, None, None, None)
    assert team.goals.enabled == (Goal.COVERAGE,)
