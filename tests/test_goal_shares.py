"""Goal shares in the environment: `80%`, `80` and `0.8` all mean 80 %, and the settings
modal shows the target in per cent."""

from dataclasses import replace

import pytest

from bot.settings import SettingsError, load_settings
from handlers.views import ids
from handlers.views.settings_blocks import settings_modal
from storage.goal_targets import Goal
from tests.factories import TEAM


@pytest.mark.parametrize(
    ("written", "share"),
    [
        ("80%", 0.8),
        ("80", 0.8),
        ("0.8", 0.8),
        (".8", 0.8),
        ("80 %", 0.8),
        # A number of 1 or more is per cent: 1 is 1 %, not 100 %.
        ("1", 0.01),
        ("100", 1.0),
        ("0.5%", 0.005),
        ("0", 0.0),
        ("off", None),
    ],
)
def test_a_share_is_read_with_one_meaning(
    monkeypatch: pytest.MonkeyPatch, written: str, share: float | None
) -> None:
    monkeypatch.setenv("LEADLOOP_GOAL_COVERAGE", written)
    assert load_settings(_env_file=None).goal_coverage == pytest.approx(share)


@pytest.mark.parametrize("written", ["180", "101%", "1.5%%", "-0.2", "eighty"])
def test_a_share_out_of_range_stops_start_up(monkeypatch: pytest.MonkeyPatch, written: str) -> None:
    monkeypatch.setenv("LEADLOOP_GOAL_JUNK_SHARE", written)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value) == (
        "LEADLOOP_GOAL_JUNK_SHARE is malformed: use a percentage such as 10 or 10%, "
        "a fraction below 1 such as 0.1, or off."
    )


def test_the_modal_shows_a_fraction_from_the_environment_in_per_cent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEADLOOP_GOAL_COVERAGE", "0.8")
    monkeypatch.setenv("LEADLOOP_GOAL_PREVIEW_REACTIONS", "0.57")
    team = replace(load_settings(_env_file=None).team_defaults, team_id=TEAM)
    inputs = {b["block_id"]: b for b in settings_modal(team)["blocks"] if b["type"] == "input"}

    def shown(goal: Goal) -> tuple[str, str]:
        block = inputs[ids.SETTINGS_GOAL_BLOCK_PREFIX + goal.value]
        return block["label"]["text"], block["element"]["initial_value"]

    assert shown(Goal.COVERAGE) == ("Feedback coverage: at least (%)", "80")
    assert shown(Goal.PREVIEW_REACTION_RATE)[1] == "57"
