"""The HTTP surface: request verification, body limits, health and readiness."""

import time
from urllib.parse import urlencode

import httpx

from bot.app import build_bolt_app
from bot.deps import Deps
from bot.web import build_web_app
from storage.db import create_engine, create_sessions
from storage.models import Feedback, Lead
from tests.factories import SlackDriver, command_form, sign
from tests.helpers import count_rows


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
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/readyz")
    await engine.dispose()
    assert (response.status_code, response.json()["database"]) == (503, "unreachable")
