"""The Bolt app: one AsyncWebClient and every handler registered (signatures: bot.web)."""

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

from bot.deps import Deps
from bot.slack_client import build_client
from bot.workspace_tokens import WorkspaceTokens
from handlers.registry import register_all

logger = logging.getLogger(__name__)


def build_bolt_app(
    deps: Deps, *, tokens: WorkspaceTokens | None = None, process_before_response: bool = False
) -> AsyncApp:
    """The Bolt app, each request with its own workspace's bot token.

    Authorization is local: the token comes from the environment (one workspace) or, with
    tokens, from the workspace's installation (bot.workspace_tokens), so no auth.test call
    sits on the request path; requests from workspaces not installed are turned away by
    handlers.workspace before any listener runs.
    """
    settings = deps.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    if settings.slack_signing_secret is None:
        raise ValueError("the Bolt app needs SLACK_SIGNING_SECRET")
    # The token reaches each request's client through authorize(); Bolt warns if both are set.
    client = build_client(token=None, base_url=settings.slack_api_url)

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        bot_token = token
        if tokens is not None and team_id:
            bot_token = await tokens.bot_token(team_id)
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot_token)

    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        authorize=authorize,
        raise_error_for_unhandled_request=False,
        # bot.web checks the signature on the raw bytes before Bolt parses anything (and
        # never logs a body, which Bolt's own check does when it refuses a request).
        request_verification_enabled=False,
        process_before_response=process_before_response,
        logger=logger,
    )
    register_all(app, deps)
    return app


def build_socket_handler(app: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """Socket Mode for the same app, its connection opened through the configured Web API."""
    return AsyncSocketModeHandler(app, app_token, web_client=app.client)
