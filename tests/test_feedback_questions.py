"""`/leadfeedback` asks before it records a slip of a word, a slip of a known lead's email,
or two words that contradict each other; each answer works end to end."""

import json
from typing import Any

import pytest

from bot.deps import Deps
from handlers.views import ids
from storage.models import Feedback, Lead
from tests.factories import SlackDriver
from tests.helpers import all_rows, count_rows, texts_of, wait_for_responses
from tests.test_leadfeedback_command import answer, seed_lead


def buttons_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The message's buttons by their label."""
    return {
        element["text"]["text"]: element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def press(slack: SlackDriver, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Press a button of an ephemeral question; returns what replaced the question."""
    chosen = buttons_of(message)[label]
    before = len(slack.standin.responses)
    await slack.click(chosen["action_id"], chosen["value"])
    responses = await wait_for_responses(slack.standin, before + 1)
    reply = responses[before].body
    assert reply["replace_original"] is True
    return reply


# --- A slip of a word ----------------------------------------------------------------------


async def test_a_slip_of_the_rating_is_asked_about_and_yes_records_it(
    slack: SlackDriver, deps: Deps
) -> None:
    question = answer(await slack.command("jane@acme.com hto call back Tuesday"))
    shown = texts_of(question["blocks"])
    assert "`hto` as *hot*" in shown and "Did you mean" in shown
    assert "call back Tuesday" in shown
    # Without the slip the rating is missing, so the words cannot be kept as typed.
    assert set(buttons_of(question)) == {"Yes, record it", "Edit"}
    assert await count_rows(deps, Feedback) == 0 and await count_rows(deps, Lead) == 0

    reply = await press(slack, question, "Yes, record it")
    assert "Recorded for" in texts_of(reply["blocks"])
    [feedback] = await all_rows(deps, Feedback)
    assert (feedback.rating, feedback.note) == ("hot", "call back Tuesday")


async def test_a_slip_of_a_reason_can_be_taken_or_kept_as_the_note(
    slack: SlackDriver, deps: Deps
) -> None:
    await seed_lead(deps, external_id="SF-42")
    question = answer(await slack.command("SF-42 warm wrong-persna was a student"))
    assert "`wrong-persna` as *wrong persona*" in texts_of(question["blocks"])

    await press(slack, question, "Yes, record it")
    await press(slack, question, "No, keep my words as the note")
    taken, kept = await all_rows(deps, Feedback)
    assert (taken.rating, taken.reason, taken.note) == ("warm", "wrong-persona", "was a student")
    assert (kept.rating, kept.reason, kept.note) == ("warm", None, "wrong-persna was a student")


async def test_a_word_far_from_every_word_is_the_note_as_before(
    slack: SlackDriver, deps: Deps
) -> None:
    body = answer(await slack.command("jane@acme.com warm spoke to procurement"))
    assert "Recorded for" in texts_of(body["blocks"])
    [feedback] = await all_rows(deps, Feedback)
    assert feedback.note == "spoke to procurement"


async def test_edit_opens_the_form_with_the_corrected_verdict(
    slack: SlackDriver, deps: Deps
) -> None:
    question = answer(await slack.command("new@lead.com wram timnig"))
    assert "`wram` as *warm* and `timnig` as *timing*" in texts_of(question["blocks"])
    edit = buttons_of(question)["Edit"]
    await slack.click(edit["action_id"], edit["value"])
    [call] = await slack.standin.wait_for("views.open")
    view = call.params["view"]
    assert view["callback_id"] == ids.FEEDBACK_MODAL
    blocks = {b["block_id"]: b for b in view["blocks"]}
    lead = blocks[ids.FEEDBACK_LEAD_BLOCK]["element"]["initial_option"]
    assert lead["value"] == "new:new@lead.com"
    assert blocks[ids.FEEDBACK_RATING_BLOCK]["element"]["initial_option"]["value"] == "warm"
    assert blocks[ids.FEEDBACK_REASON_BLOCK]["element"]["initial_option"]["value"] == "timing"
    assert await count_rows(deps, Feedback) == 0


# --- A slip of a known lead's email ---------------------------------------------------------


async def test_a_slip_of_a_known_email_asks_and_use_records_for_that_lead(
    slack: SlackDriver, deps: Deps
) -> None:
    known = await seed_lead(deps, email="acme@example.com", name="Acme Buyer")
    question = answer(await slack.command("acme@exmaple.com warm"))
    assert "No lead has *acme@exmaple.com* yet" in texts_of(question["blocks"])
    assert list(buttons_of(question)) == ["Use acme@example.com", "Create acme@exmaple.com"]
    assert await count_rows(deps, Lead) == 1 and await count_rows(deps, Feedback) == 0

    reply = await press(slack, question, "Use acme@example.com")
    assert "Recorded for *Acme Buyer*" in texts_of(reply["blocks"])
    [feedback] = await all_rows(deps, Feedback)
    assert (feedback.lead_id, feedback.rating) == (known.id, "warm")
    assert await count_rows(deps, Lead) == 1


async def test_create_makes_the_new_lead_as_typed(slack: SlackDriver, deps: Deps) -> None:
    await seed_lead(deps, email="acme@example.com")
    question = answer(await slack.command("acme@exmaple.com cold timing next quarter"))
    reply = await press(slack, question, "Create acme@exmaple.com")
    assert "New lead, owned by you" in texts_of(reply["blocks"])
    _, created = await all_rows(deps, Lead)
    [feedback] = await all_rows(deps, Feedback)
    assert created.email == "acme@exmaple.com" and feedback.lead_id == created.id
    assert (feedback.rating, feedback.reason, feedback.note) == ("cold", "timing", "next quarter")


@pytest.mark.parametrize(
    ("known", "typed"),
    [
        ("jane@acme.com", "jake@acme.com"),  # a colleague with a short name: not asked
        ("acme@example.com", "acme@other.org"),  # far from the known address
    ],
)
async def test_an_email_not_close_to_a_known_one_creates_the_lead_at_once(
    slack: SlackDriver, deps: Deps, known: str, typed: str
) -> None:
    await seed_lead(deps, email=known)
    body = answer(await slack.command(f"{typed} warm"))
    assert "New lead, owned by you" in texts_of(body["blocks"])
    assert await count_rows(deps, Lead) == 2


# --- Contradictions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("SF-42 hot no-budget", ("*hot*", "*budget*")),
        ("SF-42 junk won", ("*junk*", "*won*")),
        ("SF-42 hot dq", ("*hot*", "*disqualified*")),
    ],
)
async def test_a_contradiction_is_questioned_and_record_anyway_records_it(
    slack: SlackDriver, deps: Deps, text: str, words: tuple[str, str]
) -> None:
    await seed_lead(deps, external_id="SF-42")
    question = answer(await slack.command(text))
    shown = texts_of(question["blocks"])
    assert f"{words[0]} and {words[1]} do not go together" in shown
    assert list(buttons_of(question)) == ["Record anyway", "Edit"]
    assert await count_rows(deps, Feedback) == 0

    reply = await press(slack, question, "Record anyway")
    assert "Recorded for" in texts_of(reply["blocks"])
    assert await count_rows(deps, Feedback) == 1


async def test_a_note_too_long_for_a_button_is_not_dropped(slack: SlackDriver, deps: Deps) -> None:
    await seed_lead(deps, external_id="SF-42")
    question = answer(await slack.command("SF-42 hot budget " + "n" * 1_990))
    assert buttons_of(question) == {}
    assert "too long to carry on a button" in texts_of(question["blocks"])
    assert await count_rows(deps, Feedback) == 0


async def test_questions_come_one_after_another_until_it_is_recorded(
    slack: SlackDriver, deps: Deps
) -> None:
    known = await seed_lead(deps, email="acme@example.com")
    question = answer(await slack.command("acme@exmaple.com hto no-budget"))
    assert "`hto` as *hot*" in texts_of(question["blocks"])
    clash = await press(slack, question, "Yes, record it")
    assert "do not go together" in texts_of(clash["blocks"])
    similar = await press(slack, clash, "Record anyway")
    assert "No lead has *acme@exmaple.com*" in texts_of(similar["blocks"])
    await press(slack, similar, "Use acme@example.com")
    [feedback] = await all_rows(deps, Feedback)
    assert (feedback.lead_id, feedback.rating, feedback.reason) == (known.id, "hot", "budget")


async def test_a_forged_answer_records_nothing(slack: SlackDriver, deps: Deps) -> None:
    forged = [
        "not json",
        json.dumps({"v": {"rating": "superb"}, "ref": ["email", "a@b.com"]}),
        json.dumps({"v": {"rating": "hot"}, "ref": ["email", "<!channel>"]}),
        json.dumps({"v": {"rating": "hot"}, "lead": 1, "ref": ["email", "a@b.com"]}),
        json.dumps({"v": {"rating": "hot"}}),
    ]
    for position, value in enumerate(forged):
        await slack.click(f"{ids.FEEDBACK_ANSWER_PREFIX}0", value)
        responses = await wait_for_responses(slack.standin, position + 1)
        assert "out of date or broken" in responses[-1].body["text"]
    assert await count_rows(deps, Feedback) == 0 and await count_rows(deps, Lead) == 0
