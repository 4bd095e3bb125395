"""The HTTP surface: request verification, body limits, health and readiness."""

import logging
import threading
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest

from bot.app import build_bolt_app
from bot.deps import Deps
from bot.web import build_web_app
from storage.db import create_engine, create_sessions
from storage.models import Feedback, Lead
from tests.factories import SlackDriver, command_form, sign
from tests.helpers import count_rows

FORM = "application/x-www-form-urlencoded"


async def test_bad_signature_gets_401_and_changes_nothing(slack: SlackDriver, deps: Deps) -> None:
    form = command_form("bad@sig.com hot")
    response = await slack.post_form(form, secret="not-the-signing-secret")
    assert response.status_code == 401
    assert await count_rows(deps, Lead) == 0 and await count_rows(deps, Feedback) == 0
    assert slack.standin.calls == []


async def test_stale_timestamp_gets_401_and_changes_nothing(slack: SlackDriver, deps: Deps) -> None:
    form = command_form("stale@sig.com hot")
    response = await slack.post_form(form, timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    assert await count_rows(deps, Lead) == 0


async def test_missing_signature_gets_401(slack: SlackDriver, deps: Deps) -> None:
    body = urlencode(command_form("nosig@x.com hot"))
    response = await slack.http.post(
        "/slack/events",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    assert await count_rows(deps, Lead) == 0


async def test_tampered_body_gets_401(slack: SlackDriver, deps: Deps) -> None:
    body = urlencode(command_form("a@b.com hot"))
    headers = sign(body)
    tampered = body.replace("hot", "junk")
    response = await slack.http.post("/slack/events", content=tampered, headers=headers)
    assert response.status_code == 401
    assert await count_rows(deps, Feedback) == 0


async def test_oversized_body_gets_413(slack: SlackDriver, deps: Deps) -> None:
    form = command_form("big@x.com hot " + "x" * 1_100_000)
    response = await slack.post_form(form)
    assert response.status_code == 413
    assert await count_rows(deps, Lead) == 0


async def test_garbage_payload_is_answered_without_a_crash(slack: SlackDriver, deps: Deps) -> None:
    for form in ({"payload": "{not json"}, {"payload": '{"type": "mystery"}'}, {"junk": "1"}):
        response = await slack.post_form(form)
        assert response.status_code in (200, 400, 404)
    assert await count_rows(deps, Lead) == 0


async def test_healthz(slack: SlackDriver) -> None:
    response = await slack.http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"ok": True})


async def test_readyz_when_the_database_is_ready(slack: SlackDriver) -> None:
    response = await slack.http.get("/readyz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


async def test_readyz_when_the_schema_is_missing(deps: Deps, tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'unmigrated.db'}")
    unmigrated = Deps(
        settings=deps.settings, engine=engine, sessions=create_sessions(engine), clock=deps.clock
    )
    app = build_web_app(build_bolt_app(unmigrated), unmigrated)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/readyz")
    await engine.dispose()
    assert response.status_code == 503
    assert "leadloop migrate" in response.json()["database"]


async def test_readyz_when_the_database_is_unreachable(deps: Deps, tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    unreachable = Deps(
        settings=deps.settings, engine=engine, sessions=create_sessions(engine), clock=deps.clock
    )
    app = build_web_app(build_bolt_app(unreachable), unreachable)
    threads = set(threading.enumerate())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/readyz")
    await engine.dispose()
    # aiosqlite stops the thread of a connection that failed to open without waiting for it;
    # on a busy machine it answered after this test's event loop had closed, and said so.
    for thread in set(threading.enumerate()) - threads:
        thread.join(timeout=5)
    assert (response.status_code, response.json()["database"]) == (503, "unreachable")


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> bool:
    return not any(record.exc_info for record in caplog.records) and "Traceback" not in caplog.text


async def test_an_unsigned_malformed_payload_is_401_before_any_parsing(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for body in ("payload=%7Bnot+json", urlencode({"payload": "[1]"}), "\xff"):
        response = await slack.http.post(
            "/slack/events", content=body, headers={"Content-Type": FORM}
        )
        assert response.status_code == 401, body
    assert no_tracebacks(caplog)


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "-5", "9" * 40])
async def test_a_malformed_timestamp_is_401(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    body = urlencode(command_form("ts@x.com hot"))
    headers = sign(body) | {"X-Slack-Request-Timestamp": timestamp}
    response = await slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert no_tracebacks(caplog)


@pytest.mark.parametrize(
    "body",
    [
        "payload=%7Bnot+json",
        urlencode({"payload": "[1]"}),
        urlencode({"payload": '"text"'}),
        urlencode({"payload": "5"}),
        urlencode({"payload": '{"type": "view_submission", "view": 5, "team": {"id": 5}}'}),
        urlencode({"payload": '{"type": "block_actions", "team": "T0", "user": 7}'}),
        "payload=%FF%FE",
    ],
)
async def test_a_malformed_but_signed_body_is_400_without_a_traceback(
    slack: SlackDriver, deps: Deps, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await slack.http.post("/slack/events", content=body, headers=sign(body))
    assert response.status_code == 400
    assert no_tracebacks(caplog)
    assert await count_rows(deps, Lead) == 0


async def test_a_signed_json_body_that_is_not_an_object_is_400(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    body = "[1, 2]"
    headers = sign(body) | {"Content-Type": "application/json"}
    response = await slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 400
    assert no_tracebacks(caplog)


async def test_a_replayed_request_is_answered_and_does_nothing(
    slack: SlackDriver, deps: Deps
) -> None:
    body = urlencode(command_form("replay@x.com hot"))
    headers = sign(body)

    responses = [
        await slack.http.post("/slack/events", content=body, headers=headers) for _ in range(3)
    ]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert await count_rows(deps, Feedback) == 1
    assert "Recorded" in responses[0].text and responses[1].text == responses[2].text == ""


async def test_request_bodies_never_reach_the_log(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    form = command_form("secret-note@x.com hot")
    body = urlencode(form)
    await slack.http.post("/slack/events", content=body, headers={"Content-Type": FORM})
    await slack.post_form(form, secret="not-the-signing-secret")
    await slack.http.post("/slack/events", content="payload=%7B", headers=sign("payload=%7B"))

    assert "deprecated-verification-token" not in caplog.text
    assert "secret-note" not in caplog.text and "%7B" not in caplog.text
    refused = [r.getMessage() for r in caplog.records if r.name == "bot.web"]
    assert refused and all("POST /slack/events" in line for line in refused)


async def chunks(size: int, piece: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A body sent in pieces, without a Content-Length (Transfer-Encoding: chunked)."""
    sent = 0
    while sent < size:
        yield b"x" * min(piece, size - sent)
        sent += piece


@pytest.mark.parametrize("path", ["/slack/events", "/api/leads"])
async def test_a_chunked_body_over_1_mb_gets_413(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    response = await slack.http.post(
        path, content=chunks(1_100_000), headers={"Content-Type": FORM}
    )
    assert response.status_code == 413
    assert no_tracebacks(caplog)
