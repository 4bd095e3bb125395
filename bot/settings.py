"""Configuration, read once at start-up from the environment and an optional `.env` file.

Every setting has a hint that says what a valid value looks like, so a bad one stops start-up
with one line (see `describe_error`) instead of a traceback.
"""

import re
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.business_hours import DEFAULT_HOURS, parse_country, parse_hours, parse_minutes
from storage.channel_refs import read_channel
from storage.routing_rules import DEFAULT_CAP, RoutingRules, parse_managers
from storage.slack_ids import is_team_id
from storage.team_settings import (
    DIGEST_CHANNELS_MAX,
    FIELD_BY_ENV,
    TEAM_SETTING_FIELDS,
    TeamSettings,
    workspace_settings,
)
from storage.token_cipher import TokenCipher, read_keys

SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///leadloop.db"

ROUTING_CAP_MAX = 1000

HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "the Signing Secret from your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write, for Socket Mode",
    "SLACK_API_URL": "an http(s) URL such as https://slack.com/api/",
    "SLACK_CLIENT_ID": "the Client ID from your Slack app's Basic Information page",
    "SLACK_CLIENT_SECRET": "the Client Secret from your Slack app's Basic Information page",
    "LEADLOOP_PUBLIC_URL": "the https URL Slack reaches leadloop at, such as https://leads.example.com",
    "LEADLOOP_ENCRYPTION_KEY": (
        "a Fernet key for the stored Slack tokens (python -c 'from cryptography.fernet "
        "import Fernet; print(Fernet.generate_key().decode())')"
    ),
    "DATABASE_URL": "sqlite:///leadloop.db or postgresql://user:password@host:5432/dbname",
    "LEADLOOP_TEAM_ID": "the Slack workspace id of the bot token, such as T0123456789",
    "LEADLOOP_SHARED_CHANNEL": (
        "a channel id such as C0123456789, a link to the channel, or its #name"
    ),
    "LEADLOOP_ROUTING_CHANNEL": (
        "a channel id such as C0123456789, a link to the channel, or its #name"
    ),
    "LEADLOOP_ROUTING_POOL": (
        "reps separated by commas: Slack user ids (U0123456789), emails, or a user group id "
        "(S0123456789)"
    ),
    "LEADLOOP_ROUTING_MANAGERS": (
        "rep:manager pairs of Slack user ids separated by commas, such as "
        "U0REP1:U0BOSS,U0REP2:U0BOSS (a bare id is everyone's manager)"
    ),
    "LEADLOOP_ROUTING_CAP": f"a whole number of untouched new leads from 1 to {ROUTING_CAP_MAX}",
    "LEADLOOP_FIRST_TOUCH_SLA": "a duration in business time such as 60m, 2h or 1h30m",
    "LEADLOOP_BUSINESS_HOURS": f"weekdays and hours such as {DEFAULT_HOURS}",
    "LEADLOOP_HOLIDAYS": "a country code the holidays package knows, such as DE or US",
    "LEADLOOP_LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR",
    "LEADLOOP_API_TOKEN": "a random string of at least 16 characters (openssl rand -hex 32)",
    "LEADLOOP_FEEDBACK_WEBHOOK_URL": "an http(s) URL of your CRM's endpoint for feedback",
    "LEADLOOP_WEBHOOK_SECRET": "a random string of at least 16 characters (openssl rand -hex 32)",
    "LEADLOOP_METRICS": "1 to serve GET /metrics to anyone who can reach it, 0 (default) not to",
    "LEADLOOP_METRICS_TOKEN": "a random string of at least 16 characters (openssl rand -hex 32)",
    # The settings a team may override: their hints are in their list.
    **{field.env: field.hint for field in TEAM_SETTING_FIELDS},
}

MIN_SECRET_LENGTH = 16
POOL_MAX = 200
_POOL_MEMBER = re.compile(r"^(?:[UW][A-Z0-9]{2,31}|S[A-Z0-9]{2,31}|[^@\s,]+@[^@\s,]+\.[^@\s,]+)$")


def _digest_channels(value: Any, parse: Any) -> tuple[str, ...]:
    """Digest channels as the environment may write them: ids, links or `#names`.

    Ids (also from links) are held to the settings modal's rules by parse; a `#name` is kept
    as written for start-up to resolve with Slack (bot.channel_defaults).
    """
    if not isinstance(value, str):
        return tuple(parse(value))
    refs = [read_channel(part) for part in value.split(",") if part.strip()]
    if len(refs) > DIGEST_CHANNELS_MAX:
        raise ValueError("too many channels")
    named = [ref for ref in refs if ref is not None]
    if len(named) < len(refs):
        raise ValueError("not a list of channels")
    ids = iter(parse(",".join(ref.id for ref in named if ref.id)))
    return tuple(next(ids) if ref.id else ref.describe() for ref in named)


def _optional_id(value: Any, pattern: re.Pattern[str], problem: str) -> str | None:
    """A Slack id setting: blank is unset; anything else must match pattern."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not pattern.match(value.strip()):
        raise ValueError(problem)
    return value.strip()


def _given(value: Any) -> str | None:
    """A text setting as given (a secret's value too), stripped; None when blank or unset."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError("not text")
    return value.strip()


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
    # "Add to Slack" (OAuth v2) for many workspaces; without them, the bot token's one.
    slack_client_id: str | None = _env("SLACK_CLIENT_ID", default=None)
    slack_client_secret: SecretStr | None = _env("SLACK_CLIENT_SECRET", default=None)
    public_url: str | None = _env("LEADLOOP_PUBLIC_URL", default=None)
    encryption_key: SecretStr | None = _env("LEADLOOP_ENCRYPTION_KEY", default=None)
    database_url: str = _env("DATABASE_URL", default=DEFAULT_DATABASE_URL)
    # The bot token's workspace; when unset, start-up asks Slack (auth.test).
    team_id: str | None = _env("LEADLOOP_TEAM_ID", default=None)
    shared_channel: str | None = _env("LEADLOOP_SHARED_CHANNEL", default=None)
    # Routing (the mode is a team setting, below): where claim cards go (default: the shared
    # channel), the round-robin pool as written, the cap on untouched new leads per rep.
    routing_channel: str | None = _env("LEADLOOP_ROUTING_CHANNEL", default=None)
    routing_pool: Annotated[tuple[str, ...], NoDecode] = _env("LEADLOOP_ROUTING_POOL", default=())
    routing_cap: int = _env("LEADLOOP_ROUTING_CAP", default=DEFAULT_CAP)
    # Who is told when a rep's untouched lead is reassigned (else the routing channel).
    routing_managers: Annotated[tuple[tuple[str | None, str], ...], NoDecode] = _env(
        "LEADLOOP_ROUTING_MANAGERS", default=()
    )
    # The first-touch SLA in business minutes, the business hours, the holidays' country.
    first_touch_sla: int = _env("LEADLOOP_FIRST_TOUCH_SLA", default="60m")
    business_hours: str = _env("LEADLOOP_BUSINESS_HOURS", default=DEFAULT_HOURS)
    holidays: str | None = _env("LEADLOOP_HOLIDAYS", default=None)
    log_level: str = _env("LEADLOOP_LOG_LEVEL", default="INFO")

    # The workspace's defaults of the settings a team may override (checked by the parsers
    # of storage.team_settings.TEAM_SETTING_FIELDS, found by their variable's name).
    digest_channels: Annotated[tuple[str, ...], NoDecode] = _env(
        "LEADLOOP_DIGEST_CHANNEL", default=()
    )
    digest_day: str = _env("LEADLOOP_DIGEST_DAY", default="mon")
    digest_time: str = _env("LEADLOOP_DIGEST_TIME", default="09:00")
    nudge_days: str = _env("LEADLOOP_NUDGE_DAYS", default="mon-fri")
    nudge_time: str = _env("LEADLOOP_NUDGE_TIME", default="10:00")
    stale_after_days: int = _env("LEADLOOP_STALE_AFTER_DAYS", default=3)
    timezone: str = _env("LEADLOOP_TIMEZONE", default="UTC")
    # Who may change settings besides Slack's workspace admins and owners.
    admin_users: Annotated[tuple[str, ...], NoDecode] = _env("LEADLOOP_ADMINS", default=())
    routing: str = _env("LEADLOOP_ROUTING", default="off")

    # Shared goals' default targets, None: switched off. Shares are given in percent and held
    # as fractions (the defaults are validated too); hours are hours.
    goal_coverage: float | None = _env("LEADLOOP_GOAL_COVERAGE", default=80)
    goal_junk_share: float | None = _env("LEADLOOP_GOAL_JUNK_SHARE", default=10)
    goal_first_feedback_hours: float | None = _env(
        "LEADLOOP_GOAL_FIRST_FEEDBACK_HOURS", default=48.0
    )
    goal_preview_reactions: float | None = _env("LEADLOOP_GOAL_PREVIEW_REACTIONS", default=50)
    goal_first_touch_minutes: float | None = _env("LEADLOOP_GOAL_FIRST_TOUCH_MINUTES", default=60.0)

    api_token: SecretStr | None = _env("LEADLOOP_API_TOKEN", default=None)
    feedback_webhook_url: str | None = _env("LEADLOOP_FEEDBACK_WEBHOOK_URL", default=None)
    webhook_secret: SecretStr | None = _env("LEADLOOP_WEBHOOK_SECRET", default=None)
    # GET /metrics: open with LEADLOOP_METRICS=1, for a bearer of the token when one is set,
    # otherwise not served.
    metrics_enabled: bool = _env("LEADLOOP_METRICS", default=False)
    metrics_token: SecretStr | None = _env("LEADLOOP_METRICS_TOKEN", default=None)

    @field_validator("*", mode="before")
    @classmethod
    def _team_setting(cls, value: Any, info: ValidationInfo) -> Any:
        field = FIELD_BY_ENV.get(_ENV_BY_FIELD.get(info.field_name or "", ""))
        if field is None:
            return value
        if field.name == "digest_channels":
            return _digest_channels(value, field.parse)
        return field.parse(value)

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_missing(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("metrics_enabled", mode="before")
    @classmethod
    def _blank_is_off(cls, value: Any) -> Any:
        return False if isinstance(value, str) and not value.strip() else value

    @field_validator("api_token", "webhook_secret", "metrics_token", mode="before")
    @classmethod
    def _shared_secret(cls, value: Any) -> Any:
        text = _given(value)
        if text is not None and len(text) < MIN_SECRET_LENGTH:
            raise ValueError("too short")
        return text

    @field_validator("encryption_key", mode="before")
    @classmethod
    def _fernet_keys(cls, value: Any) -> Any:
        text = _given(value)
        return None if text is None else ",".join(read_keys(text))

    @field_validator("feedback_webhook_url", "public_url", mode="before")
    @classmethod
    def _http_url(cls, value: Any) -> Any:
        text = _given(value)
        if text is not None and not re.match(r"^https?://[^/\s]+\S*$", text):
            raise ValueError("not an http(s) URL")
        return text

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

    @field_validator("team_id", mode="before")
    @classmethod
    def _team_id(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not is_team_id(value.strip()):
            raise ValueError("not a workspace id")
        return value.strip()

    @field_validator("routing_pool", mode="before")
    @classmethod
    def _pool(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple) or len(value) > POOL_MAX:
            raise ValueError("not a list of reps")
        if not all(isinstance(v, str) and _POOL_MEMBER.match(v) for v in value):
            raise ValueError("not a list of reps")
        return tuple(dict.fromkeys(value))

    @field_validator("routing_managers", mode="before")
    @classmethod
    def _managers(cls, value: Any) -> Any:
        return parse_managers(value)

    @field_validator("routing_cap", mode="before")
    @classmethod
    def _cap(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or not 1 <= value <= ROUTING_CAP_MAX:
            raise ValueError("not a cap")
        return value

    @field_validator("first_touch_sla", mode="before")
    @classmethod
    def _sla(cls, value: Any) -> Any:
        return value if isinstance(value, int) else parse_minutes(str(value))

    @field_validator("business_hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        return parse_hours(str(value)).describe()

    @field_validator("holidays", mode="before")
    @classmethod
    def _holidays(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse_country(str(value))

    @field_validator("shared_channel", "routing_channel", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Any:
        """An id (also from Slack's encoding or a link), or `#name` for start-up to resolve."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        ref = read_channel(value) if isinstance(value, str) else None
        if ref is None:
            raise ValueError("not a channel")
        return ref.describe()

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
    def oauth_enabled(self) -> bool:
        """Whether workspaces install with "Add to Slack" (SLACK_CLIENT_ID and its secret set)."""
        return self.slack_client_id is not None and self.slack_client_secret is not None

    def token_cipher(self) -> TokenCipher:
        """The cipher for stored Slack tokens; SettingsError if LEADLOOP_ENCRYPTION_KEY is unset."""
        self.require("LEADLOOP_ENCRYPTION_KEY")
        assert self.encryption_key is not None
        return TokenCipher(self.encryption_key.get_secret_value().split(","))

    @property
    def routing_rules(self) -> RoutingRules:
        """The workspace's routing: channel, pool, cap, SLA and business hours."""
        return RoutingRules(
            channel=self.routing_channel or self.shared_channel,
            pool=self.routing_pool,
            cap=self.routing_cap,
            sla_minutes=self.first_touch_sla,
            hours=parse_hours(self.business_hours),
            holidays=self.holidays,
            managers=self.routing_managers,
        )

    @property
    def team_defaults(self) -> TeamSettings:
        """The settings of a team that never saved any: the environment's."""
        values = {
            field.name: getattr(self, _FIELD_BY_ENV[field.env]) for field in TEAM_SETTING_FIELDS
        }
        return workspace_settings(values, shared_channel=self.shared_channel)


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
