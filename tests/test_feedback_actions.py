"""Undo and the other buttons on /leadfeedback messages."""

from datetime import timedelta

import pytest

from bot.deps import Deps
from handlers.views import ids
from storage.models import Feedback, Lead
from tests.factories import OTHER_TEAM, SlackDriver
from tests.helpers import all_rows, count_rows, seed_team, texts_of, wait_for_responses
from tests.test_leadfeedback_command import seed_lead


async def recorded(slack: SlackDriver, deps: Deps, text: str) -> Feedback:
    """Give quick-form feedback and return the stored record."""
    response = await slack.command(text)
    assert "Recorded for" in response.json()["text"]
    return (await all_rows(deps, Feedback))[-1]


async def test_undo_within_ten_minutes_removes_the_record(slack: SlackDriver, deps: Deps) -> None:
    await seed_lead(deps, email="u@x.com", status="contacted")
    feedback = await recorded(slack, deps, "u@x.com junk disqualified")
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "disqualified"
    deps.clock.advance(timedelta(minutes=9, seconds=59))
    await slack.click(ids.FEEDBACK_UNDO, str(feedback.id))
    [response] = await wait_for_responses(slack.standin)
    assert response.body["replace_original"] is True
    assert "Undone" in texts_of(response.body["blocks"])
    assert await count_rows(deps, Feedback) == 0
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "contacted" and lead.last_touch_at == lead.handed_off_at
    assert lead.first_feedback_at is None


async def test_undo_after_ten_minutes_is_refused(slack: SlackDriver, deps: Deps) -> None:
    feedback = await recorded(slack, deps, "late@x.com hot")
    deps.clock.advance(timedelta(minutes=10, seconds=1))
    await slack.click(ids.FEEDBACK_UNDO, str(feedback.id))
    [response] = await wait_for_responses(slack.standin)
    assert "more than 10 minutes old" in response.body["text"]
    assert response.body["replace_original"] is False
    assert await count_rows(deps, Feedback) == 1


async def test_undo_of_someone_elses_record_is_refused(slack: SlackDriver, deps: Deps) -> None:
    feedback = await recorded(slack, deps, "own@x.com hot")
    await slack.click(ids.FEEDBACK_UNDO, str(feedback.id), user="U0SOMEONE")
    [response] = await wait_for_responses(slack.standin)
    assert "only undo or edit your own" in response.body["text"]
    assert await count_rows(deps, Feedback) == 1


async def test_undo_from_another_team_cannot_reach_the_record(
    slack: SlackDriver, deps: Deps
) -> None:
    feedback = await recorded(slack, deps, "team@x.com hot")
    await seed_team(deps, OTHER_TEAM)
    await slack.click(ids.FEEDBACK_UNDO, str(feedback.id), team=OTHER_TEAM)
    [response] = await wait_for_responses(slack.standin)
    assert "already gone" in response.body["text"]
    assert await count_rows(deps, Feedback) == 1


async def test_undo_only_touches_its_own_record(slack: SlackDriver, deps: Deps) -> None:
    first = await recorded(slack, deps, "two@x.com cold")
    deps.clock.advance(timedelta(minutes=1))
    second = await recorded(slack, deps, "two@x.com hot meeting")
    await slack.click(ids.FEEDBACK_UNDO, str(first.id))
    await wait_for_responses(slack.standin)
    [left] = await all_rows(deps, Feedback)
    assert left.id == second.id
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "meeting"  # a later status change stays
    assert lead.last_touch_at == second.created_at
    assert lead.first_feedback_at == second.created_at  # the first one is gone


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999999999", '{"lead": 1}'])
async def test_forged_button_values_change_nothing(
    slack: SlackDriver, deps: Deps, value: str
) -> None:
    await recorded(slack, deps, "keep@x.com hot")
    for action_id in (ids.FEEDBACK_UNDO, f"{ids.FEEDBACK_PICK_LEAD_PREFIX}0"):
        response = await slack.click(action_id, value)
        assert response.status_code == 200
    await wait_for_responses(slack.standin, 2)
    assert await count_rows(deps, Feedback) == 1


async def test_give_feedback_button_opens_the_modal_for_that_lead(
    slack: SlackDriver, deps: Deps
) -> None:
    lead = await seed_lead(deps, email="btn@x.com")
    await slack.click(ids.FEEDBACK_OPEN_MODAL, str(lead.id))
    [call] = await slack.standin.wait_for("views.open")
    assert (
        call.params["view"]["blocks"][0]["element"]["initial_option"]["value"] == f"lead:{lead.id}"
    )


async def test_a_refused_trigger_on_a_button_is_explained(slack: SlackDriver, deps: Deps) -> None:
    lead = await seed_lead(deps, email="late@x.com")
    slack.standin.fail_next("views.open", status=200, error="expired_trigger_id")
    await slack.click(ids.FEEDBACK_OPEN_MODAL, str(lead.id))
    [response] = await wait_for_responses(slack.standin)
    assert response.body["response_type"] == "ephemeral"
    assert response.body["replace_original"] is False
    assert response.body["text"] == (
        "Slack did not open the feedback form in time. Please press it again."
    )


async def test_show_candidates_lead_to_the_history(slack: SlackDriver, deps: Deps) -> None:
    await seed_lead(deps, name="Twin", email="one@twin.com")
    await seed_lead(deps, name="Twin", email="two@twin.com")
    body = (await slack.command('show "twin"')).json()
    [picker] = [b for b in body["blocks"] if b["type"] == "actions"]
    chosen = picker["elements"][1]
    await slack.click(chosen["action_id"], chosen["value"])
    [response] = await wait_for_responses(slack.standin)
    shown = texts_of(response.body["blocks"])
    assert "No feedback yet" in shown and "two@twin.com" in shown


async def test_answers_through_response_urls_share_one_connection(
    slack: SlackDriver, deps: Deps
) -> None:
    first = await recorded(slack, deps, "one@x.com hot")
    second = await recorded(slack, deps, "two@x.com cold")
    for count, feedback in enumerate((first, second), start=1):
        await slack.click(ids.FEEDBACK_UNDO, str(feedback.id))
        undone = await wait_for_responses(slack.standin, count=count)
    assert all("Undone" in texts_of(r.body["blocks"]) for r in undone)
    assert undone[0].connection == undone[1].connection
