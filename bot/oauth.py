"""Installing leadloop with "Add to Slack" (OAuth v2): Bolt's flow over our own database.

`GET /slack/install` shows the Add to Slack page and hands the browser a state (a row in
oauth_states, and a cookie); `GET /slack/oauth_redirect` checks both, uses the state up,
exchanges the code with oauth.v2.access, and stores the bot with its tokens encrypted
(storage.installations). The workspace exists from then on: its jobs are scheduled at once
and the installer gets a welcome DM with the next three steps.

Bolt's SQLAlchemy stores are synchronous, so the two stores here are small async ones over
the app's sessions; the state's lifetime follows the injected clock.
"""

import logging
import secrets
from datetime import datetime, timedelta
from urllib.parse import urljoin

from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.deps import Deps
from bot.slack_client import build_client
from bot.workspace_tokens import WorkspaceTokens
from handlers.views.install_blocks import welcome_message
from storage.installations import InstalledBot, save_installation
from storage.oauth_states import consume_state, issue_state
from storage.slack_ids import is_team_id
from storage.token_cipher import TokenCipher

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_LIFETIME = timedelta(minutes=10)
# Every scope the code uses, and no other (tests/test_manifest.py holds app.yaml to them).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "channels:join",
    "channels:read",
    "groups:read",
    "users:read",
    "users:read.email",
    "files:write",
    "channels:history",
    "groups:history",
    "im:history",
    "im:write",
    "usergroups:read",
)


class DatabaseStateStore(AsyncOAuthStateStore):
    """OAuth states in the oauth_states table, each consumed at most once."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        """A new unguessable state, stored until it is used or expires."""
        state = secrets.token_urlsafe(32)
        now = self._deps.clock.now()
        async with self._deps.sessions.begin() as session:
            await issue_state(
                session=session, state=state, expires_at=now + STATE_LIFETIME, now=now
            )
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued here and not expired; a forged or replayed one is False."""
        if not state:
            return False
        async with self._deps.sessions.begin() as session:
            return await consume_state(session=session, state=state, now=self._deps.clock.now())


class DatabaseInstallationStore(AsyncInstallationStore):
    """Installations in the installations table, tokens encrypted; saving creates the team."""

    def __init__(self, deps: Deps, cipher: TokenCipher) -> None:
        self._deps = deps
        self._cipher = cipher
        # Workspaces installed anew (not re-installed, say for new scopes) whose installer
        # the success page's callback has yet to welcome.
        self.to_welcome: set[str] = set()

    async def async_save(self, installation: Installation) -> None:
        """Store a workspace's bot from a completed install (an Enterprise Grid org is refused)."""
        team_id, token = installation.team_id, installation.bot_token
        if team_id is None or not is_team_id(team_id) or token is None:
            raise BoltError("only workspace installs with a bot token are supported")
        now = self._deps.clock.now()
        bot = InstalledBot(
            team_id=team_id,
            bot_token=token,
            bot_refresh_token=installation.bot_refresh_token,
            bot_token_expires_at=_expiry(installation, now),
            enterprise_id=installation.enterprise_id,
            app_id=installation.app_id,
            bot_id=installation.bot_id,
            bot_user_id=installation.bot_user_id,
            bot_scopes=",".join(installation.bot_scopes or []),
            installer_user_id=installation.user_id,
        )
        async with self._deps.sessions.begin() as session:
            new = await save_installation(session=session, bot=bot, cipher=self._cipher, now=now)
        if new:
            self.to_welcome.add(team_id)
        logger.info("workspace %s installed with Add to Slack", team_id)


def _expiry(installation: Installation, now: datetime) -> datetime | None:
    """When a rotating bot token expires, by the app's clock.

    slack-sdk keeps only the moment by the wall clock (installed then plus expires_in); the
    lifetime is that moment less the install's, and it is counted from now.
    """
    expires_at = installation.bot_token_expires_at
    if expires_at is None:
        return None
    lifetime = timedelta(seconds=round(expires_at - installation.installed_at))
    return now + lifetime


class Installed:
    """What follows a completed install: the jobs scheduled, the installer welcomed."""

    def __init__(
        self, deps: Deps, tokens: WorkspaceTokens, store: DatabaseInstallationStore
    ) -> None:
        self._deps = deps
        self._tokens = tokens
        self._store = store

    async def success(self, args: AsyncSuccessArgs) -> BoltResponse:
        """Schedule the workspace, greet the installer of a new install, then show Slack's
        default success page."""
        team_id = args.installation.team_id
        assert team_id is not None
        if self._deps.on_installation_changed is not None:
            await self._deps.on_installation_changed(team_id)
        installer = args.installation.user_id
        if team_id in self._store.to_welcome and installer:
            self._store.to_welcome.discard(team_id)
            await self._welcome(team_id, installer)
        return await args.default.success(args)

    async def _welcome(self, team_id: str, installer: str) -> None:
        client = await self._tokens.client(team_id)
        if client is not None:
            try:
                await client.chat_postMessage(
                    channel=installer, **welcome_message(installer).as_kwargs()
                )
            except SlackApiError as exc:
                logger.warning("could not welcome the installer: %s", exc.response.get("error"))

    async def failure(self, args: AsyncFailureArgs) -> BoltResponse:
        """Log why an install failed (never the code or state), then Slack's failure page."""
        logger.warning("an install did not complete: %s", args.reason)
        return await args.default.failure(args)


def build_oauth_flow(deps: Deps, tokens: WorkspaceTokens) -> AsyncOAuthFlow:
    """The Add to Slack flow; needs SLACK_CLIENT_ID, its secret, LEADLOOP_PUBLIC_URL and
    LEADLOOP_ENCRYPTION_KEY (SettingsError names the first one missing)."""
    settings = deps.settings
    settings.require(
        "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "LEADLOOP_PUBLIC_URL", "LEADLOOP_ENCRYPTION_KEY"
    )
    assert settings.slack_client_secret is not None
    store = DatabaseInstallationStore(deps, settings.token_cipher())
    installed = Installed(deps, tokens, store)
    oauth_settings = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        redirect_uri=f"{str(settings.public_url).rstrip('/')}{REDIRECT_PATH}",
        # Slack's own page, or GovSlack's (or a stand-in's) when SLACK_API_URL points there.
        authorization_url=urljoin(settings.slack_api_url, "../oauth/v2/authorize"),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=DatabaseStateStore(deps),
        state_expiration_seconds=int(STATE_LIFETIME.total_seconds()),
        callback_options=AsyncCallbackOptions(success=installed.success, failure=installed.failure),
        logger=logger,
    )
    client = build_client(token=None, base_url=settings.slack_api_url)
    return AsyncOAuthFlow(client=client, logger=logger, settings=oauth_settings)
