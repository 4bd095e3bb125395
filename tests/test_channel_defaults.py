"""The environment's default channels: a #name is resolved with Slack at start-up, and one
leadloop cannot see stops start-up with one line that says how to fix it."""

import logging

import pytest

from bot.channel_defaults import resolve_default_channels
from bot.cli import main
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.settings import SettingsError
from tests.factories import BOT_TOKEN, SIGNING_SECRET
from tests.helpers import job_client


async def test_a_name_becomes_the_channel_id_and_the_log_says_which(
    deps: Deps, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standin.add_channel("C0OTHER", "other")
    standin.add_channel("C0SALES", "sales", member=False)
    settings = deps.settings.model_copy(
        update={"shared_channel": "#sales", "digest_channels": ("C0OTHER",)}
    )
    with caplog.at_level(logging.INFO, logger="bot.channel_defaults"):
        resolved = await resolve_default_channels(settings, job_client(deps))
    assert (resolved.shared_channel, resolved.digest_channels) == ("C0SALES", ("C0OTHER",))
    assert "LEADLOOP_SHARED_CHANNEL: #sales is C0SALES" in caplog.text


@pytest.mark.parametrize("private", [False, True])
async def test_a_name_leadloop_cannot_see_is_one_line_with_the_fix(
    deps: Deps, standin: SlackStandIn, private: bool
) -> None:
    if private:
        standin.add_channel("G0DEALS", "deals", private=True, member=False)
    settings = deps.settings.model_copy(update={"digest_channels": ("#deals",)})
    with pytest.raises(SettingsError) as raised:
        await resolve_default_channels(settings, job_client(deps))
    assert str(raised.value) == (
        "LEADLOOP_DIGEST_CHANNEL: no channel #deals that leadloop can see: check it, and if "
        "it is private, type `/invite @leadloop` in it first."
    )


async def test_an_id_leadloop_cannot_see_is_kept_with_a_warning(
    deps: Deps, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standin.forget_channel("C0GONE")
    settings = deps.settings.model_copy(update={"shared_channel": "C0GONE"})
    resolved = await resolve_default_channels(settings, job_client(deps))
    assert resolved.shared_channel == "C0GONE"
    assert "LEADLOOP_SHARED_CHANNEL: no channel C0GONE that leadloop can see" in caplog.text


def test_serve_stops_on_a_channel_name_that_matches_nothing(
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    standin: SlackStandIn,
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert main(["migrate"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", standin.base_url)
    monkeypatch.setenv("LEADLOOP_SHARED_CHANNEL", "#nope")
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        "leadloop: LEADLOOP_SHARED_CHANNEL: no channel #nope that leadloop can see"
    )


async def test_a_name_slack_cannot_be_asked_about_says_why(
    deps: Deps, standin: SlackStandIn
) -> None:
    standin.fail_next("conversations.list", status=200, error="missing_scope")
    settings = deps.settings.model_copy(update={"shared_channel": "#sales"})
    with pytest.raises(SettingsError, match="reinstall the app from app.yaml") as raised:
        await resolve_default_channels(settings, job_client(deps))
    assert "set its id or link instead" in str(raised.value)
