"""The one rule for Slack ids, and the places that read ids with it."""

from datetime import UTC, datetime

import pytest

from handlers.lead_intake import ReadRules, parse_lead
from handlers.views.blocks import channel_link, mention
from storage.slack_ids import is_channel_id, is_team_id, is_user_id
from tests.conftest import make_settings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (is_team_id, ["T0123456789", "T01234567", "T0A"], ["U0123456789", "E0123456789"]),
        (is_user_id, ["U0123456789", "W01234567", "U0RAJ"], ["T0123456789", "B0123456789"]),
        (is_channel_id, ["C0123456789", "G01234567", "D0123456789"], ["U0123456789"]),
    ],
)
def test_each_kind_has_its_own_letters(check, good: list[str], bad: list[str]) -> None:
    assert all(check(value) for value in good)
    assert not any(check(value) for value in bad)


@pytest.mark.parametrize("check", [is_team_id, is_user_id, is_channel_id])
def test_lengths_case_and_shape(check) -> None:
    letter = {is_team_id: "T", is_user_id: "U", is_channel_id: "C"}[check]
    assert check(letter + "A" * 21) and not check(letter + "A" * 22)
    assert not check(letter + "A")
    for bad in (letter.lower() + "0ABC", letter + "0abc", letter + "0AB\n", f"<@{letter}0AB>"):
        assert not check(bad), bad
    assert not check(None) and not check(["C0ABC"]) and not check(12345)


def test_direct_messages_can_be_refused() -> None:
    assert is_channel_id("D0123456789")
    assert not is_channel_id("D0123456789", direct_messages=False)
    assert is_channel_id("G0123456789", direct_messages=False)


def test_mentions_and_links_only_for_real_ids() -> None:
    assert mention("W0123456789") == "<@W0123456789>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert channel_link("D0123456789") == "<#D0123456789>"
    assert channel_link(None) == "no channel"


def test_the_lead_api_and_the_environment_use_the_same_rule() -> None:
    rules = ReadRules()
    for team in ("T0123456789", "T0" + "1" * 20):
        draft = parse_lead({"email": "a@b.co", "team_id": team}, now=NOW, rules=rules)
        assert draft.team_id == team
    for team in ("E0123456789", "T0" + "1" * 22):
        refused = parse_lead({"email": "a@b.co", "team_id": team}, now=NOW, rules=rules)
        assert refused.field == "team_id"
    assert make_settings(admin_users="U0123456789,W0123456789").admin_users == (
        "U0123456789",
        "W0123456789",
    )
