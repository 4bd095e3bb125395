"""Day one: the workspace is known from the bot token, so intake, import and schedules work
before Slack sends anything; a workspace leadloop is not installed in gets a polite no."""

import asyncio
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.installation import InstallationError, install_workspace, token_workspace
from bot.serving import prepare_served_app
from handlers.views import ids
from handlers.workspace import NOT_INSTALLED
from storage.models import Feedback, Lead, Team
from tests.factories import OTHER_TEAM, TEAM, SlackDriver, app_home_opened, block_action
from tests.helpers import (
    add_lead,
    all_rows,
    count_rows,
    job_client,
    lifespan,
    wait_for_responses,
    with_settings,
)

API_TOKEN = "lead-api-token-0123456789abcdef"


async def test_a_fresh_install_takes_leads_before_slack_sends_anything(deps: Deps) -> None:
    assert await count_rows(deps, Team) == 0
    served = await prepare_served_app(
        with_settings(deps, api_token=SecretStr(API_TOKEN)), job_client(deps)
    )
    async with lifespan(served.web_app):
        assert served.jobs is not None
        assert {f"digest:{TEAM}", f"nudges:{TEAM}"} <= served.jobs.scheduler.names()
        transport = httpx.ASGITransport(app=served.web_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://leadloop.test") as http:
            response = await http.post(
                "/api/leads",
                json=[{"email": "ada@example.com"}, {"external_id": "crm-2", "name": "Grace"}],
                headers={"Authorization": f"Bearer {API_TOKEN}"},
            )
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["rejected"]) == (2, 0)
    assert {lead.team_id for lead in await all_rows(deps, Lead)} == {TEAM}


async def test_a_fresh_install_imports_a_file_from_the_command_line(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "leads.csv"
    source.write_text("Email,First Name\nada@example.com,Ada\ngrace@example.com,Grace\n")
    monkeypatch.setenv("DATABASE_URL", deps.settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", deps.settings.slack_bot_token.get_secret_value())
    monkeypatch.setenv("SLACK_API_URL", deps.settings.slack_api_url)

    status = await asyncio.to_thread(main, ["import", str(source)], clock=deps.clock)

    out = capsys.readouterr().out
    assert status == 0 and "2 created" in out, out
    assert [team.team_id for team in await all_rows(deps, Team)] == [TEAM]
    assert await count_rows(deps, Lead) == 2


async def test_leadloop_team_id_names_the_workspace_without_asking_slack(
    deps: Deps, standin: SlackStandIn
) -> None:
    named = with_settings(deps, team_id="T0NAMED")
    assert await install_workspace(named) == "T0NAMED"
    assert await install_workspace(named) == "T0NAMED"  # a restart finds it
    assert [team.team_id for team in await all_rows(deps, Team)] == ["T0NAMED"]
    assert standin.calls_to("auth.test") == []


async def test_the_token_names_the_workspace_once_per_start(
    deps: Deps, standin: SlackStandIn
) -> None:
    asks_slack = with_settings(deps, team_id=None)
    assert await install_workspace(asks_slack) == TEAM
    assert len(standin.calls_to("auth.test")) == 1


async def test_a_refused_token_stops_serve_with_one_line(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", deps.settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-the-right-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret-value")
    monkeypatch.setenv("SLACK_API_URL", deps.settings.slack_api_url)

    status = await asyncio.to_thread(main, ["serve", "--port", "0"], clock=deps.clock)

    err = capsys.readouterr().err
    assert status == 2
    assert err == (
        "leadloop: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth "
        "Token from your Slack app's OAuth & Permissions page.\n"
    )
    assert await count_rows(deps, Team) == 0


async def test_without_a_token_or_team_id_the_workspace_is_unknown(deps: Deps) -> None:
    anonymous = with_settings(deps, slack_bot_token=None, team_id=None)
    with pytest.raises(InstallationError, match="set SLACK_BOT_TOKEN"):
        await token_workspace(anonymous.settings, None)


async def test_a_second_teams_click_creates_nothing(slack: SlackDriver, deps: Deps) -> None:
    lead = await add_lead(deps, "Jane Roe", handed_off_at=deps.clock.now())
    response_url = slack.standin.response_url("stranger")
    click = block_action(
        f"{ids.HOME_RATE_PREFIX}junk", str(lead), team=OTHER_TEAM, response_url=response_url
    )

    response = await slack.interact(click)

    assert response.status_code == 200
    [answer] = await wait_for_responses(slack.standin)
    assert answer.body["text"] == NOT_INSTALLED
    assert answer.body["response_type"] == "ephemeral"
    assert [team.team_id for team in await all_rows(deps, Team)] == [TEAM]
    assert await all_rows(deps, Feedback) == []


async def test_a_second_teams_command_gets_a_polite_no_and_its_events_nothing(
    slack: SlackDriver, deps: Deps
) -> None:
    response = await slack.command("help", team=OTHER_TEAM)
    assert response.status_code == 200
    assert response.json() == {"response_type": "ephemeral", "text": NOT_INSTALLED}

    response = await slack.event(app_home_opened(team=OTHER_TEAM))
    assert response.status_code == 200 and response.text == ""
    await asyncio.sleep(0.05)
    assert slack.standin.calls_to("views.publish") == []
    assert [team.team_id for team in await all_rows(deps, Team)] == [TEAM]

    response = await slack.command("help")  # the installed workspace is served as before
    assert response.json()["text"] == "How to use /leadfeedback"
