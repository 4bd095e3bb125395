"""Running leadloop: its version, one clear line when Slack or the database says no, a quiet
start, one access-log line per request, and an .env.example that lists every setting."""

import asyncio
import io
import logging
import os
import re
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.app import build_bolt_app
from bot.cli import main
from bot.clock import ManualClock
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.settings import Settings
from tests.factories import BOT_TOKEN, SIGNING_SECRET, TEAM, SlackDriver, command_form

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE = "postgresql://leadloop:hunter2-secret@127.0.0.1:1/leadloop"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"leadloop {version('leadloop')}\n"


async def test_serve_socket_with_a_refused_app_token_exits_with_one_line(
    deps: Deps, standin: SlackStandIn
) -> None:
    """The SDK would retry for ever, logging a traceback each time; leadloop stops at once."""
    env = dict(
        os.environ,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN="xapp-1-A0-not-this-apps-token",
        SLACK_API_URL=standin.base_url,
        DATABASE_URL=deps.settings.database_url,
        # Start-up's INFO lines (the workspace served) are not the failure's; show only that.
        LEADLOOP_LOG_LEVEL="WARNING",
    )
    serve = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--socket",
        "--no-scheduler",
        "--port",
        "0",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(30):
            out, err = await serve.communicate()
    finally:
        if serve.returncode is None:
            serve.kill()
            await serve.wait()
    assert (serve.returncode, out) == (2, b"")
    assert err.decode() == (
        "leadloop: Slack refused SLACK_APP_TOKEN (invalid_auth): use an app-level token "
        "(xapp-…) with connections:write, from your Slack app's Basic Information page.\n"
    )
    [opened] = standin.calls_to("apps.connections.open")
    assert opened.token == "xapp-1-A0-not-this-apps-token"


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["serve", "--workers", "1"],
        ["serve", "--workers", "2"],
        ["digest", "--now", "--dry-run"],
        ["export", "leads"],
    ],
)
def test_an_unreachable_database_is_one_line_naming_it_and_the_fix(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: ManualClock,
    command: list[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    assert main(command, clock=clock) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hunter2" not in err, err
    assert err.startswith(
        "leadloop: cannot reach the database at "
        "postgresql+asyncpg://leadloop:***@127.0.0.1:1/leadloop ("
    )
    assert err.endswith(
        "): start it, or set DATABASE_URL to one that is running "
        "(sqlite:///leadloop.db or postgresql://user:password@host:5432/dbname).\n"
    )


def test_bolt_does_not_warn_about_the_token_on_every_start(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # as in any deployment's environment
    with caplog.at_level(logging.DEBUG):
        build_bolt_app(deps)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "leadloop.access"]


async def test_one_access_log_line_per_request_without_tokens_or_bodies(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="leadloop.access")
    await slack.post_form(command_form("someone@example.com hot private-note-text"))
    await slack.post_form(command_form("x@example.com hot"), secret="not-the-signing-secret")
    await slack.http.get("/healthz?token=xoxb-in-a-query")
    lines = _access_lines(caplog)
    assert len(lines) == 3, lines
    pattern = r"(POST|GET) (/\S*) (\d{3}) (\d+\.\d) ms team=(\S+)"
    parsed = [re.fullmatch(pattern, line) for line in lines]
    assert all(parsed), lines
    assert [m.group(1, 2, 3, 5) for m in parsed if m] == [
        ("POST", "/slack/events", "200", TEAM),
        ("POST", "/slack/events", "401", "-"),
        ("GET", "/healthz", "200", "-"),
    ]
    for secret in ("private-note-text", "someone@example.com", BOT_TOKEN, "xoxb", "v0="):
        assert secret not in caplog.text


def test_env_example_lists_every_setting_with_its_default() -> None:
    """Every setting appears in .env.example; one with a default shows it, one without is
    left empty."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    settings = [line.lstrip("# ") for line in lines if re.match(r"^#?\s*[A-Z][A-Z0-9_]*=", line)]
    listed = dotenv_values(stream=io.StringIO("\n".join(settings)))
    fields = {f.validation_alias.choices[0]: name for name, f in Settings.model_fields.items()}  # type: ignore[union-attr]
    compose_only = {"COMPOSE_PROJECT_NAME", "POSTGRES_PASSWORD", "LEADLOOP_PORT"}
    assert set(listed) - compose_only == set(fields)
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for env_name, field in fields.items():
        default = getattr(defaults, field)
        if default is None or default == ():
            assert listed[env_name] == "", f"{env_name} has no default: leave it empty"
        else:
            shown = Settings(_env_file=None, **{field: listed[env_name]})  # type: ignore[call-arg]
            assert getattr(shown, field) == default, env_name
