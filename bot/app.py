"""The Bolt app: one AsyncWebClient and every handler registered (signatures: bot.web)."""

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import (
    warning_client_prioritized_and_token_skipped,
    warning_token_skipped,
)
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from bot.access_log import note_team
from bot.deps import Deps
from bot.slack_client import build_client
from bot.workspace_tokens import WorkspaceTokens
from handlers.registry import register_all, request_check

logger = logging.getLogger(__name__)


class _TokenUnusedFilter(logging.Filter):
    """Drops Bolt's start-up warning that SLACK_BOT_TOKEN goes unused.

    Bolt reads SLACK_BOT_TOKEN from the environment by itself, and warns on every start that
    it is ignored because a client and authorize() are given. That is the design here: the
    token reaches each request through authorize(), from Settings (which also reads .env).
    """

    _UNUSED = frozenset({warning_client_prioritized_and_token_skipped(), warning_token_skipped()})

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but those two warnings."""
        return record.getMessage() not in self._UNUSED


logger.addFilter(_TokenUnusedFilter())


class SocketRefused(Exception):
    """Slack refused the app-level token; the message is one line for the terminal."""


class _NoteTeam(AsyncMiddleware):
    """Names the request's workspace in its access log line.

    Middleware here are classes: Bolt builds a function middleware's arguments by
    inspecting it on every request, which costs more than what these do.
    """

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        """Note the team, then go on."""
        note_team(req.context.team_id)
        return await next()


def build_bolt_app(deps: Deps, *, tokens: WorkspaceTokens | None = None) -> AsyncApp:
    """The Bolt app, each request with its own workspace's bot token.

    Bolt runs with process_before_response: the HTTP response waits for the listener, so a
    quick answer (the quick form's confirmation) travels in the ack itself, with no
    response_url round trip, and no 10 ms polling for the ack as in Bolt's default mode.
    Listeners that have slow work after their ack run it in the background
    (handlers.turn.after_ack), so the response still leaves at the ack.

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
        # Named, Bolt does not call inspect.stack() for the caller's file name (its default,
        # "app.py"): that reads the source of every frame, 3 to 5 ms per app in the tests,
        # which build about 1,400 apps.
        name="leadloop",
        client=client,
        # Malformed requests stop here, before Bolt reads their envelope for anything else.
        before_authorize=request_check(),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        authorize=authorize,
        raise_error_for_unhandled_request=False,
        # bot.web checks the signature on the raw bytes before Bolt parses anything (and
        # never logs a body, which Bolt's own check does when it refuses a request).
        request_verification_enabled=False,
        process_before_response=True,
        logger=logger,
    )
    app.use(_NoteTeam())
    register_all(app, deps)
    return app


def build_socket_handler(app: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """Socket Mode for the same app, its connection opened through the configured Web API."""
    return AsyncSocketModeHandler(app, app_token, web_client=app.client)


async def connect_socket(handler: AsyncSocketModeHandler) -> None:
    """Open the Socket Mode connection, or raise SocketRefused once if Slack refuses the app
    token: the SDK itself would retry for ever, logging a traceback each time."""
    client = handler.client
    try:
        response = await client.web_client.apps_connections_open(app_token=client.app_token)
    except SlackApiError as exc:
        # Nothing is connected yet: close the HTTP session quietly (close_async() would log
        # that a session never opened is abandoned).
        await client.aiohttp_client_session.close()
        raise SocketRefused(
            f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error')}): use an app-level "
            "token (xapp-…) with connections:write, from your Slack app's Basic Information page."
        ) from None
    # The URL is good for one connection: hand it over rather than ask Slack twice.
    client.wss_uri = str(response["url"])
    await handler.connect_async()
