"""The first look at every signed Slack request: its shape and its ids, before anything reads it.

It runs before Bolt authorizes the request. A request whose envelope is of the wrong shape
(handlers/payloads.py), or whose workspace or user id is missing or malformed, reaches no
listener and changes nothing: a slash command is answered with an ephemeral sentence (the
person who typed it sees why), an event with an empty 200 (Slack would retry anything
else), and any other request with a 400.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from handlers.payloads import envelope_problem
from storage.slack_ids import is_team_id, is_user_id

logger = logging.getLogger(__name__)

REFUSED = (
    "leadloop could not read this request (it did not come from Slack as Slack sends it), "
    "so it did nothing. If you typed a command, please try it again."
)


# Events about the workspace itself, which no user sends.
WORKSPACE_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})


def _without_user(body: dict[str, Any]) -> bool:
    event = body.get("event")
    return isinstance(event, dict) and event.get("type") in WORKSPACE_EVENTS


def id_problem(body: dict[str, Any], team_id: str | None, user_id: str | None) -> str | None:
    """What is wrong with the request's workspace and user ids, as Bolt read them."""
    if body.get("type") == "url_verification":
        return None
    if not is_team_id(team_id):
        return "the workspace id is missing or malformed"
    if _without_user(body):
        return None
    if not is_user_id(user_id):
        return "the user id is missing or malformed"
    return None


def refusal(body: Any) -> BoltResponse:
    """The answer to a request that reaches no listener."""
    if isinstance(body, dict) and "command" in body and body.get("type") is None:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": REFUSED})
    if isinstance(body, dict) and body.get("type") == "event_callback":
        return BoltResponse(status=200, body="")
    return BoltResponse(status=400, body={"ok": False, "error": "malformed request"})


class RequestCheck(AsyncMiddleware):
    """Refuses a request of the wrong shape or with bad ids; lets every other one through.

    A class, not a function middleware: Bolt builds a function middleware's arguments from
    the payload, which is exactly what fails on a malformed one.
    """

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        """Pass a well-formed request on; answer any other one here."""
        problem = envelope_problem(req.body) or id_problem(
            req.body, req.context.team_id, req.context.user_id
        )
        if problem is None:
            return await next()
        # The problem names a field, never a value: request bodies are never logged.
        logger.warning("refused a signed Slack request: %s", problem)
        return refusal(req.body)
