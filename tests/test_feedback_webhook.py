"""Feedback reaches the CRM's webhook through the outbox: signed, retried, exactly once."""

import asyncio
import dataclasses
import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.deps import Deps
from bot.settings import SettingsError, load_settings
from jobs.webhook_delivery import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    DeliveryReport,
    FeedbackWebhook,
    lifespan_hooks,
)
from storage.feedback import FeedbackInput, record_feedback, undo_feedback
from storage.leads import get_or_create_lead
from storage.models import Feedback, WebhookOutbox
from tests.factories import REP, TEAM, SlackDriver
from tests.helpers import all_rows, count_rows, seed_campaign, seed_team
from tests.webhook_receiver import WebhookReceiver

SECRET = "webhook-secret-0123456789abcdef"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


def verify(headers: dict[str, str], body: bytes, secret: str, *, now: int) -> bool:
    """The README's recipe, written independently of the app's code."""
    parts = dict(part.split("=", 1) for part in headers[SIGNATURE_HEADER].split(","))
    expected = hmac.new(
        secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    fresh = abs(now - int(parts["t"])) <= 300
    return fresh and hmac.compare_digest(expected, parts["v1"])


async def give_feedback(deps: Deps, *, note: str = "call back Tuesday") -> Feedback:
    async with deps.sessions.begin() as session:
        lead, _created = await get_or_create_lead(
            session=session, team_id=TEAM, now=deps.clock.now(), owner=REP, email="ada@example.com"
        )
        return await record_feedback(
            session=session,
            team_id=TEAM,
            lead=lead,
            author=REP,
            given=FeedbackInput(rating="warm", reason="timing", note=note),
            now=deps.clock.now(),
        )


def webhook(deps: Deps, url: str) -> FeedbackWebhook:
    return FeedbackWebhook(deps, url=url, secret=SECRET)


async def test_slash_command_feedback_is_delivered_signed(
    slack: SlackDriver, deps: Deps, receiver: WebhookReceiver
) -> None:
    await seed_campaign(deps, TEAM, "spring-webinar", name="Spring webinar")
    response = await slack.command("ada@example.com hot meeting #spring-webinar <!channel> hi")
    assert response.status_code == 200

    sender = webhook(deps, receiver.url)
    report = await sender.deliver_due()
    await sender.stop()

    assert (report.delivered, report.failed) == (1, 0)
    [post] = receiver.posts
    now = int(deps.clock.now().timestamp())
    assert verify(post.headers, post.body, SECRET, now=now)
    assert not verify(post.headers, post.body, "another-secret-0123456789", now=now)
    event = json.loads(post.body)
    assert post.headers[DELIVERY_HEADER] == event["id"]
    assert event["type"] == "feedback.created" and event["team_id"] == TEAM
    assert event["feedback"]["rating"] == "hot" and event["feedback"]["author"] == "U0REP"
    assert event["feedback"]["note"] == "<!channel> hi"
    assert event["lead"]["email"] == "ada@example.com" and event["lead"]["status"] == "meeting"
    assert event["campaign"] == {"slug": "spring-webinar", "name": "Spring webinar"}


async def test_a_failing_receiver_gets_it_once_after_back_off_even_across_a_restart(
    deps: Deps, receiver: WebhookReceiver
) -> None:
    await seed_team(deps, TEAM)
    receiver.statuses = [500, 503]
    await give_feedback(deps)

    first = webhook(deps, receiver.url)
    assert (await first.deliver_due()).failed == 1
    assert (await first.deliver_due()).failed == 0  # not due yet: back-off
    deps.clock.advance(timedelta(seconds=10))
    assert (await first.deliver_due()).failed == 1
    await first.stop()  # the app restarts; the event waits in the database

    second = webhook(deps, receiver.url)
    deps.clock.advance(timedelta(seconds=19))
    assert (await second.deliver_due()).delivered == 0  # second back-off is 20 s
    deps.clock.advance(timedelta(seconds=1))
    assert (await second.deliver_due()).delivered == 1
    deps.clock.advance(timedelta(days=1))
    assert await second.deliver_due() == DeliveryReport(0, 0)
    await second.stop()

    assert len(receiver.posts) == 3
    assert len({post.body for post in receiver.posts}) == 1
    assert len({post.headers[DELIVERY_HEADER] for post in receiver.posts}) == 1
    last = receiver.posts[-1]
    assert verify(last.headers, last.body, SECRET, now=int(deps.clock.now().timestamp()) - 86400)
    [event] = await all_rows(deps, WebhookOutbox)
    assert event.attempts == 3 and event.delivered_at is not None and event.last_error is None


async def test_a_receiver_that_is_down_never_blocks_or_loses_feedback(
    slack: SlackDriver, deps: Deps
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    sender = webhook(deps, f"http://127.0.0.1:{closed_port}/hook")

    response = await slack.command("ada@example.com hot")
    assert response.status_code == 200
    report = await sender.deliver_due()
    second = await slack.command("grace@example.com cold")
    assert second.status_code == 200
    await sender.stop()

    assert report.failed == 1
    assert await count_rows(deps, Feedback) == 2
    events = await all_rows(deps, WebhookOutbox)
    assert [e.delivered_at for e in events] == [None, None]
    assert events[0].last_error == "ConnectError" and events[0].attempts == 1


async def test_the_background_loop_delivers_until_stopped(
    deps: Deps, receiver: WebhookReceiver
) -> None:
    await seed_team(deps, TEAM)
    sender = FeedbackWebhook(deps, url=receiver.url, secret=SECRET, poll_seconds=0.01)
    await sender.start()
    try:
        await give_feedback(deps)
        assert await asyncio.to_thread(receiver.received.wait, 5)
    finally:
        await sender.stop()

    [event] = await all_rows(deps, WebhookOutbox)
    assert event.delivered_at is not None


async def test_undo_withdraws_an_undelivered_event_and_reports_a_delivered_one(
    deps: Deps, receiver: WebhookReceiver
) -> None:
    await seed_team(deps, TEAM)
    sender = webhook(deps, receiver.url)
    pending = await give_feedback(deps, note="first")
    async with deps.sessions.begin() as session:
        await undo_feedback(
            session=session, team_id=TEAM, feedback_id=pending.id, user_id=REP, now=deps.clock.now()
        )
    assert await count_rows(deps, WebhookOutbox) == 0

    delivered = await give_feedback(deps, note="second")
    await sender.deliver_due()
    async with deps.sessions.begin() as session:
        await undo_feedback(
            session=session,
            team_id=TEAM,
            feedback_id=delivered.id,
            user_id=REP,
            now=deps.clock.now(),
        )
    await sender.deliver_due()
    await sender.stop()

    events = [json.loads(post.body) for post in receiver.posts]
    kinds = [(event["type"], event["feedback"]["note"]) for event in events]
    assert kinds == [("feedback.created", "second"), ("feedback.deleted", "second")]


def test_the_webhook_needs_its_secret_and_secrets_need_length(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_url = dataclasses.replace(
        deps,
        settings=deps.settings.model_copy(update={"feedback_webhook_url": "https://crm.example/"}),
    )
    with pytest.raises(SettingsError, match="^LEADLOOP_WEBHOOK_SECRET is not set"):
        lifespan_hooks(with_url)
    assert lifespan_hooks(deps) == ([], [])
    monkeypatch.setenv("LEADLOOP_API_TOKEN", "short")
    with pytest.raises(SettingsError, match="^LEADLOOP_API_TOKEN is malformed: use a random"):
        load_settings(_env_file=None)
    monkeypatch.setenv("LEADLOOP_API_TOKEN", " padded-but-long-enough-0123 ")
    monkeypatch.setenv("LEADLOOP_FEEDBACK_WEBHOOK_URL", "ftp://crm.example/")
    with pytest.raises(SettingsError, match="^LEADLOOP_FEEDBACK_WEBHOOK_URL is malformed"):
        load_settings(_env_file=None)
    monkeypatch.delenv("LEADLOOP_FEEDBACK_WEBHOOK_URL")
    token = load_settings(_env_file=None).api_token
    assert token is not None and token.get_secret_value() == "padded-but-long-enough-0123"
