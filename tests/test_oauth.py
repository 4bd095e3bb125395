"""Add to Slack: the OAuth flow against the fake Slack, tokens encrypted at rest, and every
request and job of a workspace made with its own token while the first keeps its own."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.serving import ServedApp, prepare_served_app
from storage.models import Team
from tests.conftest import START
from tests.factories import BOT_TOKEN, OTHER_TEAM, TEAM, SlackDriver
from tests.helpers import all_rows, job_client, lifespan, no_sleep, with_settings

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "oauth-client-secret-0123456789"
INSTALLER = "U0INSTALLER"
DIGEST_CHANNEL = "C0DIGEST"
# Monday 30 November 2026, just after the default digest time (mon 09:00 UTC).
DIGEST_TIME = datetime(2026, 11, 30, 9, 5, tzinfo=START.tzinfo)


@dataclass
class Installing:
    """The served app in OAuth mode, a browser, and Slack's signed requests."""

    deps: Deps
    served: ServedApp
    browser: httpx.AsyncClient
    slack: SlackDriver
    standin: SlackStandIn

    async def add_to_slack(self) -> str:
        """Open the Add to Slack page and return the state its button carries."""
        page = await self.browser.get("/slack/install")
        assert page.status_code == 200 and "Add to Slack" in page.text
        [href] = re.findall(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
        query = parse_qs(urlsplit(unescape(href)).query)
        assert query["client_id"] == [CLIENT_ID]
        assert query["redirect_uri"] == ["https://leadloop.test/slack/oauth_redirect"]
        assert "chat:write" in query["scope"][0].split(",")
        return query["state"][0]

    async def come_back(self, state: str, code: str) -> httpx.Response:
        """Slack sends the browser back to the redirect URL with the code and the state."""
        return await self.browser.get(
            "/slack/oauth_redirect", params={"code": code, "state": state}
        )

    async def install(self, team_id: str, **grant: bool) -> str:
        """A whole install of team_id; its new bot token."""
        token = self.standin.grant_code(
            f"code-{team_id}", team_id=team_id, installer=INSTALLER, **grant
        )
        response = await self.come_back(await self.add_to_slack(), f"code-{team_id}")
        assert response.status_code == 200, response.text
        return token


@pytest.fixture
async def installing(deps: Deps, standin: SlackStandIn) -> AsyncIterator[Installing]:
    oauth = with_settings(
        deps,
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr(CLIENT_SECRET),
        public_url="https://leadloop.test",
        encryption_key=SecretStr(Fernet.generate_key().decode()),
        digest_channels=(DIGEST_CHANNEL,),
    )
    standin.oauth_client(CLIENT_ID, CLIENT_SECRET)
    served = await prepare_served_app(oauth, job_client(deps))
    assert served.jobs is not None
    served.jobs.sleep = no_sleep
    transport = httpx.ASGITransport(app=served.web_app)
    async with (
        lifespan(served.web_app),
        # https: the state cookie is Secure, so a browser sends it back only over https.
        httpx.AsyncClient(transport=transport, base_url="https://leadloop.test") as browser,
        httpx.AsyncClient(transport=transport, base_url="https://leadloop.test") as slack_http,
    ):
        yield Installing(oauth, served, browser, SlackDriver(slack_http, standin), standin)


async def raw_tokens(deps: Deps, team_id: str) -> tuple[str, str | None]:
    """The token columns as stored, read with SQL past the models."""
    async with deps.engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT bot_token, bot_refresh_token FROM installations WHERE team_id = :t"),
                {"t": team_id},
            )
        ).one()
    return row[0], row[1]


def tokens_of(standin: SlackStandIn, method: str) -> list[str | None]:
    return [call.token for call in standin.calls_to(method)]


async def test_add_to_slack_installs_a_second_workspace_with_its_own_token(
    installing: Installing, standin: SlackStandIn
) -> None:
    token = standin.grant_code("code-1", team_id=OTHER_TEAM, installer=INSTALLER)
    state = await installing.add_to_slack()

    done = await installing.come_back(state, "code-1")

    assert done.status_code == 200, done.text
    [exchange] = standin.calls_to("oauth.v2.access")
    assert exchange.params["code"] == "code-1"
    assert exchange.params["redirect_uri"] == "https://leadloop.test/slack/oauth_redirect"
    # Stored encrypted: the raw column is not the token, and only the key opens it.
    stored, refresh = await raw_tokens(installing.deps, OTHER_TEAM)
    assert token not in stored and refresh is None
    assert installing.deps.settings.token_cipher().decrypt(stored) == token
    # The workspace exists at once, its jobs are scheduled, and the installer is welcomed.
    assert {team.team_id for team in await all_rows(installing.deps, Team)} == {TEAM, OTHER_TEAM}
    assert installing.served.jobs is not None
    assert {
        f"digest:{OTHER_TEAM}",
        f"nudges:{OTHER_TEAM}",
    } <= installing.served.jobs.scheduler.names()
    [welcome] = standin.calls_to("chat.postMessage")
    assert welcome.token == token and welcome.params["channel"] == INSTALLER
    assert "Three steps" in str(welcome.params["blocks"])


async def test_a_forged_state_or_a_replayed_one_installs_nothing(
    installing: Installing, standin: SlackStandIn
) -> None:
    standin.grant_code("code-1", team_id=OTHER_TEAM, installer=INSTALLER)
    state = await installing.add_to_slack()

    # Another browser (no state cookie), then a state leadloop never issued with its cookie.
    transport = httpx.ASGITransport(app=installing.served.web_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://leadloop.test") as other:
        stolen = await other.get("/slack/oauth_redirect", params={"code": "code-1", "state": state})
        forged = await other.get(
            "/slack/oauth_redirect",
            params={"code": "code-1", "state": "forged-state"},
            headers={"Cookie": "slack-app-oauth-state=forged-state"},
        )
    assert (stolen.status_code, forged.status_code) == (400, 401)
    assert standin.calls_to("oauth.v2.access") == []

    assert (await installing.come_back(state, "code-1")).status_code == 200
    # The success page clears the cookie; a replay that brings it back meets a used-up state.
    replayed = await installing.browser.get(
        "/slack/oauth_redirect",
        params={"code": "code-1", "state": state},
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )

    assert replayed.status_code == 401
    assert len(standin.calls_to("oauth.v2.access")) == 1
    assert {team.team_id for team in await all_rows(installing.deps, Team)} == {TEAM, OTHER_TEAM}


async def test_an_expired_state_is_refused(installing: Installing, standin: SlackStandIn) -> None:
    standin.grant_code("code-1", team_id=OTHER_TEAM, installer=INSTALLER)
    state = await installing.add_to_slack()
    installing.deps.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]

    assert (await installing.come_back(state, "code-1")).status_code == 401
    assert standin.calls_to("oauth.v2.access") == []


async def test_each_workspace_is_served_with_its_own_token(
    installing: Installing, standin: SlackStandIn
) -> None:
    token = await installing.install(OTHER_TEAM)

    for team in (OTHER_TEAM, TEAM):
        response = await installing.slack.command("", team=team)
        assert response.status_code == 200
    await standin.wait_for("views.open", 2)
    assert tokens_of(standin, "views.open") == [token, BOT_TOKEN]

    installing.deps.clock.set(DIGEST_TIME)  # type: ignore[attr-defined]
    jobs = installing.served.jobs
    assert jobs is not None
    await jobs.digest_due(OTHER_TEAM)
    await jobs.digest_due(TEAM)
    digests = [
        c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == DIGEST_CHANNEL
    ]
    assert [call.token for call in digests] == [token, BOT_TOKEN]
