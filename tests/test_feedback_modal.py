"""The feedback modal: opening, lead search, inline errors, submission and Edit."""

import json
from typing import Any

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from handlers.views import ids
from storage.models import Feedback, Lead
from tests.factories import OTHER_TEAM, REP, SlackDriver, block_suggestion, view_submission
from tests.helpers import all_rows, count_rows, texts_of, wait_for_responses
from tests.test_leadfeedback_command import seed_campaign, seed_lead


async def opened_view(standin: SlackStandIn, count: int = 1) -> dict[str, Any]:
    """The view the app asked Slack to open (the stand-in checked its Block Kit)."""
    calls = await standin.wait_for("views.open", count)
    call = calls[count - 1]
    assert call.response["ok"], call.response
    return call.params["view"]


def values(
    lead: str | None,
    rating: str | None,
    *,
    status: str | None = None,
    reason: str | None = None,
    campaign: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """view.state.values as Slack sends them for the feedback modal."""

    def chosen(value: str | None) -> dict[str, Any]:
        return {"selected_option": {"value": value} if value else None}

    return {
        ids.FEEDBACK_LEAD_BLOCK: {ids.FEEDBACK_LEAD_ACTION: chosen(lead)},
        ids.FEEDBACK_RATING_BLOCK: {ids.FEEDBACK_RATING_ACTION: chosen(rating)},
        ids.FEEDBACK_STATUS_BLOCK: {ids.FEEDBACK_STATUS_ACTION: chosen(status)},
        ids.FEEDBACK_REASON_BLOCK: {ids.FEEDBACK_REASON_ACTION: chosen(reason)},
        ids.FEEDBACK_CAMPAIGN_BLOCK: {ids.FEEDBACK_CAMPAIGN_ACTION: chosen(campaign)},
        ids.FEEDBACK_NOTE_BLOCK: {ids.FEEDBACK_NOTE_ACTION: {"value": note}},
    }


async def test_bare_command_opens_the_modal(slack: SlackDriver, deps: Deps) -> None:
    response = await slack.command("")
    assert response.status_code == 200 and response.text == ""
    view = await opened_view(slack.standin)
    assert view["callback_id"] == ids.FEEDBACK_MODAL
    block_ids = [b["block_id"] for b in view["blocks"]]
    assert block_ids == [
        ids.FEEDBACK_LEAD_BLOCK,
        ids.FEEDBACK_RATING_BLOCK,
        ids.FEEDBACK_STATUS_BLOCK,
        ids.FEEDBACK_REASON_BLOCK,
        ids.FEEDBACK_NOTE_BLOCK,
    ]
    assert "initial_option" not in view["blocks"][0]["element"]


async def test_command_with_a_lead_prefills_it(slack: SlackDriver, deps: Deps) -> None:
    lead = await seed_lead(deps, email="pre@fill.com", name="Pre Fill")
    await seed_campaign(deps, "launch")
    await slack.command("pre@fill.com")
    view = await opened_view(slack.standin)
    lead_block, *_ = view["blocks"]
    assert lead_block["element"]["initial_option"]["value"] == f"lead:{lead.id}"
    assert ids.FEEDBACK_CAMPAIGN_BLOCK in [b["block_id"] for b in view["blocks"]]


async def test_command_with_a_new_email_offers_to_create_it(slack: SlackDriver) -> None:
    await slack.command("fresh@lead.io")
    view = await opened_view(slack.standin)
    assert view["blocks"][0]["element"]["initial_option"]["value"] == "new:fresh@lead.io"


async def test_expired_trigger_is_explained(slack: SlackDriver) -> None:
    slack.standin.fail_next("views.open", status=200, error="expired_trigger_id")
    await slack.command("")
    [response] = await wait_for_responses(slack.standin)
    assert "did not open the feedback form" in response.body["text"]


async def test_lead_search_finds_only_this_teams_leads(slack: SlackDriver, deps: Deps) -> None:
    ours = await seed_lead(deps, name="Initech", email="bill@initech.com")
    await seed_lead(deps, team=OTHER_TEAM, name="Initech Two", email="x@initech.com")
    payload = block_suggestion(ids.FEEDBACK_LEAD_ACTION, ids.FEEDBACK_LEAD_BLOCK, "initech")
    response = await slack.interact(payload)
    options = response.json()["options"]
    assert [o["value"] for o in options] == [f"lead:{ours.id}"]


async def test_lead_search_offers_a_typed_new_email(slack: SlackDriver) -> None:
    payload = block_suggestion(ids.FEEDBACK_LEAD_ACTION, ids.FEEDBACK_LEAD_BLOCK, "New@Lead.com")
    options = (await slack.interact(payload)).json()["options"]
    assert options[0]["value"] == "new:new@lead.com"
    assert options[0]["text"]["text"] == "New lead: new@lead.com"


async def test_invalid_submission_gets_inline_errors_and_stores_nothing(
    slack: SlackDriver, deps: Deps
) -> None:
    await slack.command("")
    view = await opened_view(slack.standin)
    response = await slack.interact(
        view_submission(view, values(None, "scorching", status="bogus", note="x" * 2001))
    )
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {
        ids.FEEDBACK_LEAD_BLOCK,
        ids.FEEDBACK_RATING_BLOCK,
        ids.FEEDBACK_STATUS_BLOCK,
        ids.FEEDBACK_NOTE_BLOCK,
    }
    assert await count_rows(deps, Feedback) == 0


async def test_another_teams_lead_or_campaign_is_refused_inline(
    slack: SlackDriver, deps: Deps
) -> None:
    theirs = await seed_lead(deps, team=OTHER_TEAM, email="t@x.com")
    their_campaign = await seed_campaign(deps, "theirs", team=OTHER_TEAM)
    await slack.command("")
    view = await opened_view(slack.standin)
    body = (await slack.interact(view_submission(view, values(f"lead:{theirs.id}", "hot")))).json()
    assert body["errors"] == {ids.FEEDBACK_LEAD_BLOCK: "That lead is not in this workspace."}
    ours = await seed_lead(deps, email="o@x.com")
    body = (
        await slack.interact(
            view_submission(
                view, values(f"lead:{ours.id}", "hot", campaign=f"campaign:{their_campaign.id}")
            )
        )
    ).json()
    assert body["errors"] == {
        ids.FEEDBACK_CAMPAIGN_BLOCK: "That campaign is not in this workspace."
    }
    assert await count_rows(deps, Feedback) == 0


async def test_valid_submission_stores_then_confirms(slack: SlackDriver, deps: Deps) -> None:
    campaign = await seed_campaign(deps, "q4-push")
    await slack.command("")
    view = await opened_view(slack.standin)
    submission = values(
        "new:someone@new.co",
        "warm",
        status="contacted",
        reason="timing",
        campaign=f"campaign:{campaign.id}",
        note="Back in <!here> Q1",
    )
    response = await slack.interact(view_submission(view, submission))
    assert response.status_code == 200 and response.text == ""
    [lead] = await all_rows(deps, Lead)
    [feedback] = await all_rows(deps, Feedback)
    assert (lead.email, lead.status, lead.campaign_id, lead.owner) == (
        "someone@new.co",
        "contacted",
        campaign.id,
        REP,
    )
    assert (feedback.rating, feedback.reason, feedback.note) == (
        "warm",
        "timing",
        "Back in <!here> Q1",
    )
    [confirmation] = await wait_for_responses(slack.standin)
    assert confirmation.name == "command"  # the command's own response_url
    shown = texts_of(confirmation.body["blocks"])
    assert "someone@new.co" in shown and "#q4-push" in shown and "&lt;!here&gt;" in shown


async def test_confirmation_falls_back_to_a_dm(slack: SlackDriver, deps: Deps) -> None:
    lead = await seed_lead(deps, email="dm@x.com")
    await slack.command("", response_url="")
    view = await opened_view(slack.standin)
    await slack.interact(view_submission(view, values(f"lead:{lead.id}", "cold")))
    [dm] = await slack.standin.wait_for("chat.postMessage")
    assert dm.params["channel"] == REP and "Recorded for" in dm.params["text"]


async def test_edit_reopens_prefilled_and_replaces_within_the_window(
    slack: SlackDriver, deps: Deps
) -> None:
    await slack.command("ed@x.com hot meeting first take")
    [feedback] = await all_rows(deps, Feedback)
    await slack.click(ids.FEEDBACK_EDIT, str(feedback.id))
    view = await opened_view(slack.standin)
    rating_block = next(b for b in view["blocks"] if b["block_id"] == ids.FEEDBACK_RATING_BLOCK)
    assert rating_block["element"]["initial_option"]["value"] == "hot"
    note_block = next(b for b in view["blocks"] if b["block_id"] == ids.FEEDBACK_NOTE_BLOCK)
    assert note_block["element"]["initial_value"] == "first take"
    assert json.loads(view["private_metadata"])["replaces"] == feedback.id

    await slack.interact(
        view_submission(view, values(f"lead:{feedback.lead_id}", "warm", note="second take"))
    )
    [replacement] = await all_rows(deps, Feedback)
    assert (replacement.rating, replacement.note) == ("warm", "second take")
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "new"  # the replaced record's status change was undone
    [updated] = await wait_for_responses(slack.standin)
    assert updated.body["replace_original"] is True


async def test_someone_elses_edit_button_is_refused(slack: SlackDriver, deps: Deps) -> None:
    await slack.command("mine@x.com hot")
    [feedback] = await all_rows(deps, Feedback)
    await slack.click(ids.FEEDBACK_EDIT, str(feedback.id), user="U0INTRUDER")
    [response] = await wait_for_responses(slack.standin)
    assert "only undo or edit your own" in response.body["text"]
    assert slack.standin.calls_to("views.open") == []
    assert [(f.id, f.rating) for f in await all_rows(deps, Feedback)] == [(feedback.id, "hot")]
