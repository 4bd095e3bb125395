"""Configuration, read once at start-up from the environment and an optional `.env` file.

Every setting has a hint that says what a valid value looks like, so a bad one stops start-up
with one line (see `describe_error`) instead of a traceback.
"""

import re
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.goal_targets import GoalTargets
from storage.schedules import WEEKDAYS, canonical_zone, parse_clock_time, parse_weekdays
from storage.team_settings import TeamSettings

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///leadloop.db"

_SHARE_HINT = "a percentage such as 80 or 80%, a fraction below 1 such as 0.8, or off"

HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the Signing Secret from your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write, for Socket Mode",
    "SLACK_API_URL": "an http(s) URL such as https://slack.com/api/",
    "DATABASE_URL": "sqlite:///leadloop.db or postgresql://user:password@host:5432/dbname",
    "LEADLOOP_SHARED_CHANNEL": "a Slack channel id such as C0123456789",
    "LEADLOOP_DIGEST_CHANNEL": "a Slack channel id such as C0123456789",
    "LEADLOOP_DIGEST_DAY": "a weekday: mon, tue, wed, thu, fri, sat or sun",
    "LEADLOOP_DIGEST_TIME": "a 24-hour time such as 09:00",
    "LEADLOOP_NUDGE_DAYS": "weekdays such as mon-fri, fri-mon or mon,wed,fri",
    "LEADLOOP_NUDGE_TIME": "a 24-hour time such as 10:00",
    "LEADLOOP_STALE_AFTER_DAYS": "a whole number of days from 1 to 365",
    "LEADLOOP_TIMEZONE": "an IANA time zone such as Europe/Berlin or UTC",
    "LEADLOOP_LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR",
    "LEADLOOP_ADMINS": "Slack user ids separated by commas, such as U0123456789,U0987654321",
    "LEADLOOP_API_TOKEN": "a random string of at least 16 characters (openssl rand -hex 32)",
    "LEADLOOP_FEEDBACK_WEBHOOK_URL": "an http(s) URL of your CRM's endpoint for feedback",
    "LEADLOOP_WEBHOOK_SECRET": "a random string of at least 16 characters (openssl rand -hex 32)",
    "LEADLOOP_GOAL_COVERAGE": _SHARE_HINT,
    "LEADLOOP_GOAL_JUNK_SHARE": _SHARE_HINT,
    "LEADLOOP_GOAL_FIRST_FEEDBACK_HOURS": "a number of hours from 1 to 720 such as 48, or off",
    "LEADLOOP_GOAL_PREVIEW_REACTIONS": _SHARE_HINT,
}

_CHANNEL_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_RE = re.compile(r"^[UW][A-Z0-9]{2,31}$")

MIN_SECRET_LENGTH = 16


GOAL_HOURS_MIN, GOAL_HOURS_MAX = 1, 720
_GOAL_OFF = {"", "off", "none", "no", "false"}


def _goal_number(value: Any, *, unit: str) -> tuple[float, bool] | None:
    """A goal's target as written in the environment: the number and whether the unit was
    written after it, or None for off."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), False
    if not isinstance(value, str):
        raise ValueError("not a number")
    text = value.strip().lower()
    if text in _GOAL_OFF:
        return None
    match = re.fullmatch(rf"(\d{{1,4}}(?:\.\d+)?|\.\d+)\s*({re.escape(unit)})?", text)
    if match is None:
        raise ValueError("not a number")
    return float(match.group(1)), match.group(2) is not None


def _share(value: Any) -> float | None:
    """A share as a fraction: "80%" and "80" are per cent, and so is any number from 1 up (1
    is 1 %); a number below 1 without % is already a fraction ("0.8" is 80 %)."""
    written = _goal_number(value, unit="%")
    if written is None:
        return None
    number, percent = written
    share = number if number < 1 and not percent else number / 100
    if not 0 <= share <= 1:
        raise ValueError("not a percentage")
    return share


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line fit for the terminal."""


def _env(name: str, **kwargs: Any) -> Any:
    return Field(validation_alias=AliasChoices(name), **kwargs)


def normalise_database_url(url: str) -> str:
    """Rewrite a SQLite or PostgreSQL URL to the async driver the app uses."""
    url = url.strip()
    for plain, async_prefix in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
        ("postgresql+asyncpg://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return async_prefix + url[len(plain) :]
    raise ValueError("unsupported database URL")


class Settings(BaseSettings):
    """Everything leadloop reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, case_sensitive=False
    )

    slack_bot_token: SecretStr | None = _env("SLACK_BOT_TOKEN", default=None)
    slack_signing_secret: SecretStr | None = _env("SLACK_SIGNING_SECRET", default=None)
    slack_app_token: SecretStr | None = _env("SLACK_APP_TOKEN", default=None)
    slack_api_url: str = _env("SLACK_API_URL", default=SLACK_API_URL)
    database_url: str = _env("DATABASE_URL", default=DEFAULT_DATABASE_URL)
    shared_channel: str | None = _env("LEADLOOP_SHARED_CHANNEL", default=None)
    digest_channel: str | None = _env("LEADLOOP_DIGEST_CHANNEL", default=None)
    digest_day: str = _env("LEADLOOP_DIGEST_DAY", default="mon")
    digest_time: str = _env("LEADLOOP_DIGEST_TIME", default="09:00")
    nudge_days: str = _env("LEADLOOP_NUDGE_DAYS", default="mon-fri")
    nudge_time: str = _env("LEADLOOP_NUDGE_TIME", default="10:00")
    stale_after_days: int = _env("LEADLOOP_STALE_AFTER_DAYS", default=3, ge=1, le=365)
    timezone: str = _env("LEADLOOP_TIMEZONE", default="UTC")
    log_level: str = _env("LEADLOOP_LOG_LEVEL", default="INFO")
    # Who may change settings besides Slack's workspace admins and owners.
    admin_users: Annotated[tuple[str, ...], NoDecode] = _env("LEADLOOP_ADMINS", default=())

    api_token: SecretStr | None = _env("LEADLOOP_API_TOKEN", default=None)
    feedback_webhook_url: str | None = _env("LEADLOOP_FEEDBACK_WEBHOOK_URL", default=None)
    webhook_secret: SecretStr | None = _env("LEADLOOP_WEBHOOK_SECRET", default=None)

    # Shared goals' default targets, None: switched off. Shares are written in per cent (80,
    # 80%) or as a fraction below 1 (0.8) and held as fractions (the defaults are validated
    # too); hours are hours.
    goal_coverage: float | None = _env("LEADLOOP_GOAL_COVERAGE", default=80)
    goal_junk_share: float | None = _env("LEADLOOP_GOAL_JUNK_SHARE", default=10)
    goal_first_feedback_hours: float | None = _env(
        "LEADLOOP_GOAL_FIRST_FEEDBACK_HOURS", default=48.0
    )
    goal_preview_reactions: float | None = _env("LEADLOOP_GOAL_PREVIEW_REACTIONS", default=50)

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_missing(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("api_token", "webhook_secret", mode="before")
    @classmethod
    def _shared_secret(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not isinstance(value, str) or len(value.strip()) < MIN_SECRET_LENGTH:
            raise ValueError("too short")
        return value.strip()

    @field_validator("feedback_webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not re.match(r"^https?://[^/\s]+\S*$", value.strip()):
            raise ValueError("not an http(s) URL")
        return value.strip()

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("not an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("shared_channel", "digest_channel", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not _CHANNEL_RE.match(value.strip()):
            raise ValueError("not a channel id")
        return value.strip()

    # The schedule is checked by the parsers that turn it into triggers (storage.schedules),
    # so whatever start-up accepts, the scheduler can run.
    @field_validator("digest_day")
    @classmethod
    def _day(cls, value: str) -> str:
        days = parse_weekdays(value)
        if len(days) != 1:
            raise ValueError("not one weekday")
        return WEEKDAYS[days[0]]

    @field_validator("nudge_days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_weekdays(value)
        return value.strip().lower().replace(" ", "")

    @field_validator("digest_time", "nudge_time")
    @classmethod
    def _time(cls, value: str) -> str:
        return parse_clock_time(value).strftime("%H:%M")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return canonical_zone(value)

    @field_validator("admin_users", mode="before")
    @classmethod
    def _admin_users(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not all(isinstance(user, str) and _USER_RE.match(user) for user in value):
            raise ValueError("not a list of user ids")
        return tuple(value)

    @field_validator("goal_coverage", "goal_junk_share", "goal_preview_reactions", mode="before")
    @classmethod
    def _goal_share(cls, value: Any) -> Any:
        return _share(value)

    @field_validator("goal_first_feedback_hours", mode="before")
    @classmethod
    def _goal_hours(cls, value: Any) -> Any:
        written = _goal_number(value, unit="h")
        if written is None:
            return None
        number, _hours = written
        if not GOAL_HOURS_MIN <= number <= GOAL_HOURS_MAX:
            raise ValueError("not a number of hours")
        return number

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("unknown log level")
        return value

    def require(self, *names: str) -> None:
        """Raise SettingsError naming the first of these settings that is not set."""
        for name in names:
            if getattr(self, _FIELD_BY_ENV[name]) is None:
                raise SettingsError(f"{name} is not set: set it to {HINTS[name]}.")

    @property
    def effective_digest_channel(self) -> str | None:
        """The digest channel, falling back to the shared channel."""
        return self.digest_channel or self.shared_channel

    @property
    def team_defaults(self) -> TeamSettings:
        """The settings of a team that never saved any: the environment's."""
        channel = self.effective_digest_channel
        return TeamSettings(
            team_id="",
            digest_channels=(channel,) if channel else (),
            digest_day=self.digest_day,
            digest_time=self.digest_time,
            nudge_days=self.nudge_days,
            nudge_time=self.nudge_time,
            stale_after_days=self.stale_after_days,
            timezone=self.timezone,
            admin_users=self.admin_users,
            customised=False,
            goals=GoalTargets(
                coverage=self.goal_coverage,
                junk_share=self.goal_junk_share,
                time_to_first_feedback_hours=self.goal_first_feedback_hours,
                preview_reaction_rate=self.goal_preview_reactions,
            ),
            shared_channel=self.shared_channel,
        )


_FIELD_BY_ENV = {
    field.validation_alias.choices[0]: name  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


_ENV_BY_FIELD = {name: env for env, name in _FIELD_BY_ENV.items()}


def describe_error(exc: ValidationError) -> str:
    """One line naming the first bad setting and what a valid value looks like."""
    error = exc.errors()[0]
    where = str(error["loc"][0]) if error["loc"] else "a setting"
    env_name = _ENV_BY_FIELD.get(where, where.upper())
    if error["type"] == "missing":
        return f"{env_name} is not set: set it to {HINTS.get(env_name, 'a value')}."
    return f"{env_name} is malformed: use {HINTS.get(env_name, 'a valid value')}."


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning any validation failure into a one-line SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_error(exc)) from None
