"""Settings: defaults, URL normalisation, and one clear line for a bad value."""

import pytest

from bot.cli import main
from bot.settings import SettingsError, load_settings, normalise_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///leadloop.db", "sqlite+aiosqlite:///leadloop.db"),
        ("sqlite+aiosqlite:////abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        ("postgresql://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgres://u@h/d", "postgresql+asyncpg://u@h/d"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_database_url_gets_the_async_driver(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///leadloop.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.digest_day, settings.digest_time, settings.nudge_days) == (
        "mon",
        "09:00",
        "mon-fri",
    )
    assert (settings.stale_after_days, settings.timezone) == (3, "UTC")


def test_env_file_and_normalisation(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        "SLACK_API_URL=http://127.0.0.1:9/api\nLEADLOOP_DIGEST_TIME=9:30\nLEADLOOP_NUDGE_DAYS=Mon-Thu\n"
    )
    settings = load_settings()
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert (settings.digest_time, settings.nudge_days) == ("09:30", "mon-thu")


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("LEADLOOP_TIMEZONE", "Mars/Olympus", "an IANA time zone such as Europe/Berlin"),
        ("LEADLOOP_DIGEST_TIME", "9am", "a 24-hour time such as 09:00"),
        ("LEADLOOP_DIGEST_DAY", "someday", "a weekday"),
        ("LEADLOOP_NUDGE_DAYS", "weekdays", "weekdays such as mon-fri"),
        ("LEADLOOP_STALE_AFTER_DAYS", "0", "a whole number of days from 1 to 365"),
        ("LEADLOOP_STALE_AFTER_DAYS", "three", "a whole number of days"),
        ("LEADLOOP_SHARED_CHANNEL", "two words", "a channel id such as C0123456789, a link"),
        (
            "LEADLOOP_DIGEST_CHANNEL",
            "https://example.com/archives/C0123456789",
            "up to 5 channels separated by commas: ids such as C0123456789, links",
        ),
        ("LEADLOOP_TEAM_ID", "acme.slack.com", "the Slack workspace id of the bot token"),
        ("DATABASE_URL", "mysql://root@localhost/x", "sqlite:///leadloop.db or postgresql://"),
        ("SLACK_API_URL", "ftp://slack", "an http(s) URL"),
        ("LEADLOOP_PUBLIC_URL", "leads.example.com", "the https URL Slack reaches leadloop at"),
        ("LEADLOOP_ENCRYPTION_KEY", "hunter2", "a Fernet key for the stored Slack tokens"),
    ],
)
def test_malformed_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    hint: str,
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"leadloop: {name} is malformed: use {hint}")


def test_missing_slack_settings_stop_serve(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == (
        "leadloop: SLACK_BOT_TOKEN is not set: set it to the Bot User OAuth Token from your "
        "Slack app's OAuth & Permissions page.\n"
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret-value")
    assert main(["serve", "--socket"]) == 2
    assert "SLACK_APP_TOKEN is not set" in capsys.readouterr().err


def test_secrets_never_appear_in_the_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://admin:hunter2-secret@db/x")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "hunter2" not in err and "xoxb" not in err


def test_load_settings_raises_settings_error() -> None:
    with pytest.raises(SettingsError, match="LEADLOOP_TIMEZONE is malformed"):
        load_settings(_env_file=None, timezone="Nowhere/Else")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("C0123456789", "C0123456789"),
        (" <#C0123456789|sales> ", "C0123456789"),
        ("https://acme.slack.com/archives/C0123456789", "C0123456789"),
        ("https://acme.slack.com/archives/C0123456789/p1700000000000100", "C0123456789"),
        ("#Sales", "#sales"),  # a name, resolved with Slack at start-up
        ("sales-leads", "#sales-leads"),
    ],
)
def test_a_channel_may_be_an_id_a_link_or_a_name(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("LEADLOOP_SHARED_CHANNEL", value)
    assert load_settings(_env_file=None).shared_channel == expected


def test_digest_channels_may_be_ids_links_and_names_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "LEADLOOP_DIGEST_CHANNEL", "#Deals, https://acme.slack.com/archives/C0LINKED,C0PLAIN"
    )
    assert load_settings(_env_file=None).digest_channels == ("#deals", "C0LINKED", "C0PLAIN")


def test_add_to_slack_names_the_first_setting_it_misses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1234.5678")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret-value")
    assert main(["serve"]) == 2
    assert capsys.readouterr().err.startswith("leadloop: SLACK_CLIENT_SECRET is not set")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret-value")
    monkeypatch.setenv("LEADLOOP_PUBLIC_URL", "https://leads.example.com")
    # No SLACK_BOT_TOKEN needed with Add to Slack; the key for the stored tokens is.
    assert main(["serve"]) == 2
    assert capsys.readouterr().err.startswith(
        "leadloop: LEADLOOP_ENCRYPTION_KEY is not set: set it to a Fernet key"
    )
