"""The quick form on a known lead (storage.quick_feedback): what is stored, what the rep
sees and what the CRM will receive, the same as through the full path."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.deps import Deps
from handlers.views import ids
from storage.db import create_engine
from storage.models import Feedback, Lead, WebhookOutbox
from tests.factories import REP, SlackDriver
from tests.helpers import all_rows, texts_of, wait_for_responses
from tests.test_leadfeedback_command import answer, seed_campaign, seed_lead


async def test_a_known_lead_moves_along_and_its_event_waits_for_the_crm(
    slack: SlackDriver, deps: Deps
) -> None:
    campaign = await seed_campaign(deps, "spring-webinar")
    handed = deps.clock.now()
    await seed_lead(
        deps,
        email="priya@acme.com",
        name="Priya Shah",
        company="Acme",
        owner=REP,
        campaign_id=campaign.id,
        status="contacted",
    )
    deps.clock.advance(timedelta(hours=3))

    body = answer(await slack.command("Priya@Acme.com hot meeting call back on Tuesday"))

    shown = texts_of(body["blocks"])
    assert "*Priya Shah*" in shown and "Acme" in shown and "priya@acme.com" in shown
    assert "*Hot*" in shown and "*Meeting*" in shown and "call back on Tuesday" in shown
    [lead] = await all_rows(deps, Lead)
    assert (lead.status, lead.campaign_id) == ("meeting", campaign.id)
    assert lead.last_touch_at == lead.first_feedback_at == lead.first_touch_at == deps.clock.now()
    assert lead.handed_off_at == handed
    [feedback] = await all_rows(deps, Feedback)
    assert (feedback.lead_id, feedback.author, feedback.rating, feedback.status) == (
        lead.id,
        REP,
        "hot",
        "meeting",
    )
    assert (feedback.previous_status, feedback.note) == ("contacted", "call back on Tuesday")
    assert f'"value": "{feedback.id}"' in json.dumps(body["blocks"])  # Undo and Edit
    [event] = await all_rows(deps, WebhookOutbox)
    sent = json.loads(event.body)
    assert (event.feedback_id, event.next_attempt_at) == (feedback.id, deps.clock.now())
    assert sent["feedback"]["id"] == feedback.id and sent["id"] == event.event_id
    assert sent["lead"]["name"] == "Priya Shah" and sent["lead"]["status"] == "meeting"
    assert sent["campaign"] == {"slug": "spring-webinar", "name": "Spring-Webinar"}
    assert sent["feedback"]["note"] == "call back on Tuesday"


async def test_a_rating_from_someone_else_keeps_the_owners_first_touch_open(
    slack: SlackDriver, deps: Deps
) -> None:
    await seed_lead(deps, external_id="SF-9", name="Lee", owner="U0OWNER", status="new")
    deps.clock.advance(timedelta(minutes=5))
    answer(await slack.command("SF-9 warm"))
    [lead] = await all_rows(deps, Lead)
    assert lead.first_touch_at is None and lead.first_feedback_at == deps.clock.now()
    assert lead.status == "new"


async def test_junk_closes_a_known_lead_and_undo_opens_it_again(
    slack: SlackDriver, deps: Deps
) -> None:
    await seed_lead(deps, email="gone@x.com", status="contacted")
    body = answer(await slack.command("gone@x.com junk"))
    assert "The lead is closed" in texts_of(body["blocks"])
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "disqualified"
    [feedback] = await all_rows(deps, Feedback)
    await slack.click(ids.FEEDBACK_UNDO, str(feedback.id))
    [undone] = await wait_for_responses(slack.standin)
    assert "Undone" in texts_of(undone.body["blocks"])
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "contacted"
    assert [json.loads(e.body)["type"] for e in await all_rows(deps, WebhookOutbox)] == []


async def test_a_closed_lead_rated_hot_opens_where_it_stood(slack: SlackDriver, deps: Deps) -> None:
    await seed_lead(deps, email="back@x.com", status="meeting")
    answer(await slack.command("back@x.com junk"))
    deps.clock.advance(timedelta(days=2))
    body = answer(await slack.command("back@x.com hot"))
    assert "The lead is open again" in texts_of(body["blocks"])
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "meeting"


async def test_a_quick_form_outlives_dropped_database_connections(
    slack: SlackDriver, deps: Deps
) -> None:
    if deps.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's connections can be dropped from the server side")
    await seed_lead(deps, email="known@x.com", status="contacted")
    answer(await slack.command("known@x.com warm"))  # the pool now holds connections

    # From a connection of its own: the app's pool holds the ones to drop.
    outside = create_engine(deps.engine.url.render_as_string(hide_password=False))
    async with outside.connect() as admin:
        await admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await outside.dispose()
    known = answer(await slack.command("known@x.com hot"))
    unknown = answer(await slack.command("new@x.com cold"))

    assert "Recorded for" in known["text"] and "Recorded for" in unknown["text"]
    assert [f.rating for f in await all_rows(deps, Feedback)] == ["warm", "hot", "cold"]
