"""Signed requests of the wrong shape, or with bad workspace or user ids, reach no listener:
an ephemeral sentence for a command, 200 for an event, 400 otherwise; nothing is stored."""

import json
from typing import Any

import pytest

from bot.deps import Deps
from handlers.request_check import REFUSED
from handlers.views import ids
from storage.models import Campaign, CampaignReaction, Feedback, Lead, Team
from tests.factories import (
    REP,
    TEAM,
    SlackDriver,
    app_home_opened,
    block_action,
    block_suggestion,
    command_form,
    view_submission,
)
from tests.helpers import all_rows, count_rows, errors_logged, seed_campaign, settle

BAD_TEAMS = ["", "T" + "A" * 40, "t0team", "U0REP", "T0TE AM", "<!channel>"]
BAD_USERS = ["", "<!channel>", "U" + "1" * 40, "T0TEAM", "u0rep", "U0REP\n"]


async def assert_nothing_happened(slack: SlackDriver, deps: Deps, caplog: Any) -> None:
    """No row but the installed workspace's, no call to Slack, no traceback in the log."""
    await settle()
    assert [team.team_id for team in await all_rows(deps, Team)] == [TEAM]
    for model in (Lead, Feedback, Campaign, CampaignReaction):
        assert await count_rows(deps, model) == 0, model.__name__
    assert slack.standin.calls == [] and slack.standin.responses == []
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("team", BAD_TEAMS)
async def test_a_command_from_a_malformed_workspace_is_refused_in_words(
    slack: SlackDriver, deps: Deps, caplog: Any, team: str
) -> None:
    response = await slack.post_form(command_form("new@lead.com hot", team=team))
    assert response.status_code == 200
    assert response.json() == {"response_type": "ephemeral", "text": REFUSED}
    await assert_nothing_happened(slack, deps, caplog)


@pytest.mark.parametrize("user", BAD_USERS)
async def test_a_command_from_a_malformed_user_creates_no_lead_and_no_feedback(
    slack: SlackDriver, deps: Deps, caplog: Any, user: str
) -> None:
    response = await slack.post_form(command_form("new@lead.com hot", user=user))
    assert response.json()["text"] == REFUSED
    await assert_nothing_happened(slack, deps, caplog)


async def test_a_command_without_its_ids_is_refused(
    slack: SlackDriver, deps: Deps, caplog: Any
) -> None:
    for missing in ("team_id", "user_id"):
        form = command_form("new@lead.com hot")
        del form[missing]
        response = await slack.post_form(form)
        assert response.json()["text"] == REFUSED
    await assert_nothing_happened(slack, deps, caplog)


def _with(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**payload, **changes}


@pytest.mark.parametrize(
    "payload",
    [
        _with(block_action(ids.CAMPAIGN_READY, "1"), team=None, user={"id": REP}),
        _with(block_action(ids.CAMPAIGN_READY, "1"), team={"id": "T" + "9" * 40}),
        _with(block_action(ids.CAMPAIGN_READY, "1"), user={"id": ""}),
        _with(block_action(ids.CAMPAIGN_READY, "1"), user={"id": "<!channel>"}),
        _with(block_action(ids.CAMPAIGN_READY, "1"), user=None),
        view_submission({"type": "modal", "callback_id": ids.CAMPAIGN_MODAL}, {}, user=""),
        view_submission({"type": "modal", "callback_id": ids.FEEDBACK_MODAL}, {}, team="E0ORG"),
        _with(
            block_suggestion(ids.FEEDBACK_LEAD_ACTION, ids.FEEDBACK_LEAD_BLOCK, "a"),
            user={"id": "W"},
        ),
    ],
    ids=[
        "no-team-anywhere",
        "team-too-long",
        "user-empty",
        "user-broadcast",
        "user-null",
        "submission-user-empty",
        "submission-enterprise-team",
        "suggestion-user-short",
    ],
)
async def test_an_interaction_with_bad_ids_gets_400_and_reaches_no_listener(
    slack: SlackDriver, deps: Deps, caplog: Any, payload: dict[str, Any]
) -> None:
    response = await slack.interact(payload)
    assert response.status_code == 400
    await assert_nothing_happened(slack, deps, caplog)


@pytest.mark.parametrize(
    "payload",
    [
        # Each of these made Bolt itself raise while it read the payload.
        view_submission({"callback_id": ids.FEEDBACK_MODAL}, {}),
        view_submission({"type": "workflow_step", "callback_id": ids.FEEDBACK_MODAL}, {}),
        _with(block_action(ids.CAMPAIGN_READY, "1"), actions="ready"),
        _with(block_action(ids.CAMPAIGN_READY, "1"), actions=[]),
        _with(block_action(ids.CAMPAIGN_READY, "1"), actions=[{"value": "1"}]),
        _with(block_action(ids.CAMPAIGN_READY, "1"), container="C0SALES"),
        _with(block_action(ids.CAMPAIGN_READY, "1"), message={"blocks": "none"}),
        _with(block_action(ids.CAMPAIGN_READY, "1"), response_url="javascript:alert(1)"),
        _with(block_action(ids.CAMPAIGN_READY, "1"), command="/leadfeedback"),
        _with(block_action(ids.CAMPAIGN_READY, "\ud800")),
        {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": REP}, "view": 7},
        {"type": "shortcut", "callback_id": "x", "team": {"id": TEAM}, "user": {"id": REP}},
        [1, 2, 3],
    ],
    ids=[
        "view-without-type",
        "workflow-step-view",
        "actions-a-string",
        "actions-empty",
        "action-without-id",
        "container-a-string",
        "blocks-a-string",
        "response-url-not-http",
        "command-and-type",
        "lone-surrogate",
        "view-a-number",
        "unhandled-kind",
        "not-an-object",
    ],
)
async def test_a_payload_of_the_wrong_shape_gets_400_without_a_traceback(
    slack: SlackDriver, deps: Deps, caplog: Any, payload: Any
) -> None:
    await seed_campaign(deps, TEAM, "spring")
    calls_before = len(slack.standin.calls)
    response = await slack.interact(payload)
    assert response.status_code == 400
    await settle()
    assert await count_rows(deps, CampaignReaction) == 0
    assert len(slack.standin.calls) == calls_before and slack.standin.responses == []
    assert errors_logged(caplog) == []


async def test_an_event_with_a_bad_user_is_acknowledged_and_ignored(
    slack: SlackDriver, deps: Deps, caplog: Any
) -> None:
    response = await slack.event(app_home_opened(user="<!here>"))
    assert (response.status_code, response.text) == (200, "")
    # An envelope without a workspace, or whose event is not an object, is no event Slack
    # sends: the web layer answers 400 before Bolt reads it.
    for envelope in (
        _with(app_home_opened(), event="app_home_opened"),
        _with(app_home_opened(), team_id=None, authorizations=None),
    ):
        assert (await slack.event(envelope)).status_code == 400
    await assert_nothing_happened(slack, deps, caplog)


async def test_slack_checking_the_request_url_still_gets_its_challenge(slack: SlackDriver) -> None:
    response = await slack.event(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
        | {"type": "url_verification"}
    )
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


async def test_a_command_without_a_trigger_is_told_to_try_again(slack: SlackDriver) -> None:
    form = command_form("", response_url=slack.standin.response_url("command"))
    del form["trigger_id"]
    response = await slack.post_form(form)
    assert (response.status_code, response.text) == (200, "")
    await settle()
    assert slack.standin.calls_to("views.open") == []
    [answer] = slack.standin.responses
    assert "did not open the feedback form in time" in answer.body["text"]


async def test_a_button_without_a_response_url_is_answered_in_a_dm(
    slack: SlackDriver, deps: Deps, caplog: Any
) -> None:
    response = await slack.interact(block_action(ids.FEEDBACK_UNDO, "2147483648"))
    assert response.status_code == 200
    await settle()
    [dm] = slack.standin.messages(REP)
    assert "out of date or broken" in dm["text"]
    assert errors_logged(caplog) == []


def test_the_envelope_of_each_kind_is_named_in_the_refusal() -> None:
    from handlers.payloads import envelope_problem

    assert envelope_problem({"type": "block_actions", "user": {"id": REP}}) == (
        "actions: Field required"
    )
    payload = json.loads(json.dumps(block_action(ids.CAMPAIGN_READY, "secret-value")))
    payload["actions"][0]["value"] = 12
    problem = envelope_problem(payload)
    assert problem == "actions.0.value: Input should be a valid string"
    assert "12" not in problem.replace("actions.0", "")
