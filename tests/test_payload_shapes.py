"""The parts each listener reads (private_metadata, button values, chosen options) are typed:
a wrong one is answered in words, never by a 500 or a traceback, and stores nothing. Ids past
PostgreSQL's 32-bit integers used to fail the query there."""

import json
from typing import Any

import pytest

from bot.deps import Deps
from handlers.feedback_modal import BROKEN_FORM
from handlers.payloads import ROW_ID_MAX, CandidatePick, read_json, row_id
from handlers.views import ids
from storage.models import CampaignReaction, Feedback, Lead
from tests.factories import TEAM, SlackDriver, block_suggestion, home_action, view_submission
from tests.helpers import count_rows, errors_logged, seed_campaign, seed_team, settle
from tests.test_feedback_modal import values

HUGE = [ROW_ID_MAX + 1, 10**18, 10**20]


def feedback_form(metadata: Any) -> dict[str, Any]:
    """The feedback modal as Slack sends it back, with this private_metadata."""
    text = metadata if isinstance(metadata, str) else json.dumps(metadata)
    return {"type": "modal", "callback_id": ids.FEEDBACK_MODAL, "private_metadata": text}


@pytest.mark.parametrize(
    "metadata",
    [
        {"replaces": 10**20},
        {"replaces": ROW_ID_MAX + 1},
        {"replaces": "12"},
        {"replaces": 0},
        {"response_url": "javascript:alert(1)"},
        {"response_url": 12},
        "{not json",
        "[1, 2]",
    ],
)
async def test_broken_feedback_form_metadata_records_nothing(
    slack: SlackDriver, deps: Deps, caplog: Any, metadata: Any
) -> None:
    await seed_team(deps, TEAM)
    response = await slack.interact(
        view_submission(feedback_form(metadata), values("new:fresh@lead.io", "hot"))
    )
    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {ids.FEEDBACK_LEAD_BLOCK: BROKEN_FORM},
    }
    await settle()
    assert await count_rows(deps, Lead) == 0 and await count_rows(deps, Feedback) == 0
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("huge", HUGE)
async def test_a_chosen_lead_or_campaign_past_the_id_range_is_answered_inline(
    slack: SlackDriver, deps: Deps, caplog: Any, huge: int
) -> None:
    await seed_team(deps, TEAM)
    for chosen, block in (
        (values(f"lead:{huge}", "hot"), ids.FEEDBACK_LEAD_BLOCK),
        (values("new:a@b.co", "hot", campaign=f"campaign:{huge}"), ids.FEEDBACK_CAMPAIGN_BLOCK),
    ):
        response = await slack.interact(view_submission(feedback_form({}), chosen))
        assert response.status_code == 200
        assert list(response.json()["errors"]) == [block]
    await settle()
    assert await count_rows(deps, Feedback) == 0
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("huge", HUGE)
@pytest.mark.parametrize(
    "action_id", [ids.FEEDBACK_UNDO, ids.FEEDBACK_EDIT, ids.FEEDBACK_OPEN_MODAL, ids.CAMPAIGN_READY]
)
async def test_a_button_naming_a_row_past_the_id_range_changes_nothing(
    slack: SlackDriver, deps: Deps, caplog: Any, action_id: str, huge: int
) -> None:
    await seed_campaign(deps, TEAM, "spring")
    response = await slack.click(action_id, str(huge))
    assert response.status_code == 200
    await settle()
    [answer] = slack.standin.responses
    assert answer.body["response_type"] == "ephemeral"
    assert await count_rows(deps, CampaignReaction) == 0
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "action_id",
    [f"{ids.NUDGE_RATE_PREFIX}hot", ids.NUDGE_SNOOZE, f"{ids.HOME_RATE_PREFIX}junk"],
)
async def test_nudge_and_home_buttons_past_the_id_range_change_nothing(
    slack: SlackDriver, deps: Deps, caplog: Any, action_id: str
) -> None:
    await seed_team(deps, TEAM)
    response = await slack.interact(home_action(action_id, str(10**15)))
    assert response.status_code == 200
    await settle()
    assert await count_rows(deps, Feedback) == 0
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "value",
    [
        {"lead": 10**20, "then": "show"},
        {"lead": 1, "then": "record", "verdict": {"rating": "hot", "campaign_id": 10**12}},
        {"lead": 1, "then": "record", "verdict": {"rating": "scorching"}},
        {"lead": 1, "then": "record"},
        {"lead": 1, "then": "show", "verdict": {"rating": "hot"}},
        {"lead": "1", "then": "modal"},
        {"lead": 1, "then": "record", "verdict": {"rating": "hot", "note": "x" * 2001}},
    ],
)
async def test_a_broken_candidate_button_records_nothing(
    slack: SlackDriver, deps: Deps, caplog: Any, value: dict[str, Any]
) -> None:
    await seed_team(deps, TEAM)
    response = await slack.click(f"{ids.FEEDBACK_PICK_LEAD_PREFIX}1", json.dumps(value))
    assert response.status_code == 200
    await settle()
    [answer] = slack.standin.responses
    assert "out of date or broken" in answer.body["text"]
    assert await count_rows(deps, Feedback) == 0
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "metadata",
    [{"campaign": 10**20, "kind": "question"}, {"campaign": 1, "kind": "ready"}, {"kind": "x"}],
)
async def test_broken_comment_form_metadata_is_answered_inline(
    slack: SlackDriver, deps: Deps, caplog: Any, metadata: dict[str, Any]
) -> None:
    await seed_campaign(deps, TEAM, "spring")
    view = {
        "type": "modal",
        "callback_id": ids.CAMPAIGN_COMMENT_MODAL,
        "private_metadata": json.dumps(metadata),
    }
    comment = {ids.CAMPAIGN_COMMENT_BLOCK: {ids.CAMPAIGN_COMMENT_ACTION: {"value": "Why?"}}}
    response = await slack.interact(view_submission(view, comment))
    assert response.json()["response_action"] == "errors"
    await settle()
    assert await count_rows(deps, CampaignReaction) == 0
    assert errors_logged(caplog) == []


def test_row_ids_are_digits_within_postgresqls_integer() -> None:
    assert [row_id(v) for v in ("1", "2147483647", "007")] == [1, ROW_ID_MAX, 7]
    for bad in ("0", "2147483648", "-1", "+1", " 1", "1.0", "١", "²", "", None, 5):
        assert row_id(bad) is None, bad


def test_a_candidate_pick_is_read_exactly() -> None:
    pick = read_json(CandidatePick, '{"lead": 3, "then": "record", "verdict": {"rating": "hot"}}')
    assert pick is not None and pick.lead == 3 and pick.verdict is not None
    assert read_json(CandidatePick, '{"lead": true, "then": "show"}') is None
    assert read_json(CandidatePick, '{"lead": 3.0, "then": "show"}') is None
    assert read_json(CandidatePick, " " * 3001) is None


@pytest.mark.parametrize("typed", ["a\x00b", "\x00", "Ada\x1b[2J"])
async def test_a_lead_search_with_control_characters_finds_by_the_rest(
    slack: SlackDriver, deps: Deps, caplog: Any, typed: str
) -> None:
    await seed_team(deps, TEAM)
    payload = block_suggestion(ids.FEEDBACK_LEAD_ACTION, ids.FEEDBACK_LEAD_BLOCK, typed)
    response = await slack.interact(payload)
    assert response.status_code == 200 and response.json() == {"options": []}
    assert errors_logged(caplog) == []
