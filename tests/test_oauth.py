"""Add to Slack: the OAuth flow against the fake Slack, tokens encrypted at rest, and every
request and job of a workspace made with its own token while the first keeps its own."""

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from bot.cli import main
from bot.cli.job_commands import digest_now
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.scheduler import ScheduledJobs
from bot.serving import ServedApp, prepare_served_app
from bot.workspace_tokens import WorkspaceTokens
from handlers.workspace import NOT_INSTALLED
from storage.models import Lead, Team, WorkspaceInstallation
from tests.conftest import START
from tests.factories import BOT_TOKEN, OTHER_TEAM, TEAM, SlackDriver
from tests.helpers import (
    add_lead,
    all_rows,
    count_rows,
    job_client,
    lifespan,
    no_sleep,
    with_settings,
)

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "oauth-client-secret-0123456789"
INSTALLER = "U0INSTALLER"
DIGEST_CHANNEL = "C0DIGEST"
API_TOKEN = "lead-api-token-0123456789abcdef"
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
        [href] = re.findall(r'href="([^"]+/oauth/v2/authorize\?[^"]+)"', page.text)
        assert href.startswith(self.standin.origin)  # Slack's page, by SLACK_API_URL
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


@pytest.fixture(params=["beside"])
async def installing(
    deps: Deps, standin: SlackStandIn, request: pytest.FixtureRequest
) -> AsyncIterator[Installing]:
    """Add to Slack beside the bot token's workspace (TEAM), or (param "alone") without one."""
    alone = request.param == "alone"
    oauth = with_settings(
        deps,
        slack_client_id=CLIENT_ID,
        slack_client_secret=SecretStr(CLIENT_SECRET),
        public_url="https://leadloop.test",
        encryption_key=SecretStr(Fernet.generate_key().decode()),
        digest_channels=(DIGEST_CHANNEL,),
        api_token=SecretStr(API_TOKEN),
        **({"slack_bot_token": None, "team_id": None} if alone else {}),
    )
    if alone:
        oauth = replace(oauth, slack=None)
    standin.oauth_client(CLIENT_ID, CLIENT_SECRET)
    served = await prepare_served_app(oauth, None if alone else job_client(deps))
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

    # Installed again (for new scopes, say): the new token is stored, nobody welcomed twice.
    again = await installing.install(OTHER_TEAM)
    assert (
        installing.deps.settings.token_cipher().decrypt(
            (await raw_tokens(installing.deps, OTHER_TEAM))[0]
        )
        == again
    )
    assert len(standin.calls_to("chat.postMessage")) == 1


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


async def jobs_gone(jobs: ScheduledJobs, team_id: str, timeout: float = 5.0) -> None:
    """Wait until the team's jobs are off the scheduler (event listeners run after the ack)."""
    for _ in range(int(timeout / 0.01)):
        if not {f"digest:{team_id}", f"nudges:{team_id}"} & jobs.scheduler.names():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the jobs of {team_id} are still scheduled")


def workspace_event(event_type: str, team: str, **event: object) -> dict[str, object]:
    """An Events API envelope of a workspace-level event (no user behind it)."""
    return {
        "token": "deprecated-verification-token",
        "team_id": team,
        "api_app_id": "A0LEADLOOP",
        "type": "event_callback",
        "event_id": f"Ev{event_type}{team}",
        "event_time": int(START.timestamp()),
        "event": {"type": event_type, "event_ts": f"{START.timestamp():.6f}", **event},
    }


async def test_an_uninstalled_workspace_gets_no_more_jobs_and_keeps_its_data_until_purged(
    installing: Installing,
    standin: SlackStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await installing.install(OTHER_TEAM)
    await add_lead(installing.deps, "Ada", handed_off_at=START, team_id=OTHER_TEAM)
    jobs = installing.served.jobs
    assert jobs is not None

    response = await installing.slack.event(workspace_event("app_uninstalled", OTHER_TEAM))

    assert response.status_code == 200
    await jobs_gone(jobs, OTHER_TEAM)
    assert {f"digest:{TEAM}", f"nudges:{TEAM}"} <= jobs.scheduler.names()
    assert await all_rows(installing.deps, WorkspaceInstallation) == []
    [gone] = [t for t in await all_rows(installing.deps, Team) if t.team_id == OTHER_TEAM]
    assert gone.uninstalled_at == START
    assert await count_rows(installing.deps, Lead) == 1  # kept
    await jobs.sweep()  # another process's sweep does not bring it back
    assert f"digest:{OTHER_TEAM}" not in jobs.scheduler.names()
    refused = await installing.slack.command("help", team=OTHER_TEAM)
    assert refused.json()["text"] == NOT_INSTALLED

    monkeypatch.setenv("DATABASE_URL", installing.deps.settings.database_url)
    assert (
        await asyncio.to_thread(main, ["purge", "--team", TEAM], clock=installing.deps.clock) == 2
    )
    assert "still has leadloop installed" in capsys.readouterr().err
    assert (
        await asyncio.to_thread(main, ["purge", "--team", OTHER_TEAM], clock=installing.deps.clock)
        == 0
    )
    assert "1 leads" in capsys.readouterr().out
    assert [t.team_id for t in await all_rows(installing.deps, Team)] == [TEAM]
    assert await count_rows(installing.deps, Lead) == 0


async def test_a_revoked_bot_token_uninstalls_and_a_new_install_brings_it_back(
    installing: Installing, standin: SlackStandIn
) -> None:
    await installing.install(OTHER_TEAM)
    jobs = installing.served.jobs
    assert jobs is not None

    user_only = workspace_event("tokens_revoked", OTHER_TEAM, tokens={"oauth": [INSTALLER]})
    await installing.slack.event(user_only)
    bot = workspace_event("tokens_revoked", OTHER_TEAM, tokens={"bot": ["U0BOT"]})
    await installing.slack.event(bot | {"event_id": "Ev2"})
    await jobs_gone(jobs, OTHER_TEAM)
    [team] = [t for t in await all_rows(installing.deps, Team) if t.team_id == OTHER_TEAM]
    assert team.uninstalled_at is not None

    token = await installing.install(OTHER_TEAM)

    assert f"digest:{OTHER_TEAM}" in jobs.scheduler.names()
    assert len(standin.calls_to("chat.postMessage")) == 2  # welcomed back
    await installing.slack.command("", team=OTHER_TEAM)
    [opened] = await standin.wait_for("views.open", 1)
    assert opened.token == token


async def test_a_rotating_token_is_refreshed_before_it_expires(
    installing: Installing, standin: SlackStandIn
) -> None:
    first = await installing.install(OTHER_TEAM, rotating=True)
    stored_before = await raw_tokens(installing.deps, OTHER_TEAM)
    assert first not in stored_before[0] and stored_before[1] is not None
    assert not stored_before[1].startswith("xoxe-")

    await installing.slack.command("", team=OTHER_TEAM)  # 12 hours left: no rotation
    installing.deps.clock.advance(timedelta(hours=11, minutes=40))  # type: ignore[attr-defined]
    await installing.slack.command("", team=OTHER_TEAM)
    await installing.slack.command("", team=OTHER_TEAM)  # the new token is fresh

    opened = await standin.wait_for("views.open", 3)
    refreshes = [
        c
        for c in standin.calls_to("oauth.v2.access")
        if c.params.get("grant_type") == "refresh_token"
    ]
    assert len(refreshes) == 1
    second = refreshes[0].response["access_token"]
    assert [call.token for call in opened] == [first, second, second]
    stored_after = await raw_tokens(installing.deps, OTHER_TEAM)
    assert second not in stored_after[0]
    assert installing.deps.settings.token_cipher().decrypt(stored_after[0]) == second


@pytest.mark.parametrize("installing", ["alone"], indirect=True)
async def test_without_a_bot_token_only_installed_workspaces_are_served(
    installing: Installing, standin: SlackStandIn
) -> None:
    assert installing.served.team_id is None
    token = await installing.install(OTHER_TEAM)
    standin.add_user("U0ADA", email="ada@example.com")

    refused = await installing.slack.command("help", team=TEAM)
    await installing.slack.command("", team=OTHER_TEAM)
    leads = await installing.browser.post(
        "/api/leads",
        json=[{"email": "lead@example.com", "owner": "ada@example.com", "team_id": OTHER_TEAM}],
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    )

    assert refused.json()["text"] == NOT_INSTALLED
    assert [call.token for call in await standin.wait_for("views.open", 1)] == [token]
    assert leads.json()["created"] == 1, leads.text
    assert tokens_of(standin, "users.lookupByEmail") == [token]
    [lead] = await all_rows(installing.deps, Lead)
    assert (lead.team_id, lead.owner) == (OTHER_TEAM, "U0ADA")


async def test_lookups_that_find_the_token_due_at_once_rotate_it_once(
    installing: Installing, standin: SlackStandIn
) -> None:
    await installing.install(OTHER_TEAM, rotating=True)
    installing.deps.clock.advance(timedelta(hours=11, minutes=45))  # type: ignore[attr-defined]
    if installing.deps.engine.dialect.name == "postgresql":
        processes = [WorkspaceTokens(installing.deps, env_team_id=TEAM) for _ in range(3)]
    else:  # an embedded SQLite file serves one process: three requests in it at once
        processes = [WorkspaceTokens(installing.deps, env_team_id=TEAM)] * 3

    tokens = await asyncio.gather(*(p.bot_token(OTHER_TEAM) for p in processes))

    refreshes = [
        c
        for c in standin.calls_to("oauth.v2.access")
        if c.params.get("grant_type") == "refresh_token"
    ]
    assert len(refreshes) == 1
    assert set(tokens) == {refreshes[0].response["access_token"]}


async def test_digest_now_posts_each_workspace_with_its_own_token(
    installing: Installing, standin: SlackStandIn
) -> None:
    token = await installing.install(OTHER_TEAM)
    tokens = WorkspaceTokens(installing.deps, env_team_id=TEAM)
    cli_deps = replace(installing.deps, workspace_slack=tokens.client)

    output = await digest_now(cli_deps, None, team=None, dry_run=False, as_json=False)

    assert output.status == 0, output.text
    digests = [
        c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == DIGEST_CHANNEL
    ]
    assert sorted(str(call.token) for call in digests) == sorted([token, BOT_TOKEN])
