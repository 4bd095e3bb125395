"""What a listener is handed: one Slack request, who sent it, and the app's services.

A global middleware builds a `Turn` before any listener runs and puts it in the Bolt
context under `turn`; Bolt passes context entries to listeners by parameter name, so a
listener is written `async def undo(turn: Turn) -> None` and starts with `await turn.ack()`.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers.admins import WorkspaceAdmins
from handlers.replies import Respond, send_dm
from handlers.views.blocks import Block, Message


@dataclass(frozen=True)
class Turn:
    """One request from Slack as a listener sees it, with the services to answer it."""

    deps: Deps
    admins: WorkspaceAdmins
    context: AsyncBoltContext
    body: dict[str, Any]
    # Well-formed Slack ids: handlers/request_check.py refuses any other request.
    team_id: str
    user_id: str

    @property
    def ack(self) -> AsyncAck:
        """Bolt's ack for this request: call it first, within Slack's 3 seconds."""
        return self.context.ack

    @property
    def client(self) -> AsyncWebClient:
        """The Web API client, with this workspace's token."""
        return self.context.client

    @property
    def respond(self) -> Respond:
        """Answers through the request's response_url (commands and message buttons have one);
        a request without one (a Home or modal button) is answered in a DM from the app."""
        respond = self.context.respond
        if respond is None or not self.has_response_url:
            return self._direct_message
        return respond

    async def _direct_message(
        self, *, text: str = "", blocks: list[Block] | None = None, **_how: Any
    ) -> None:
        await send_dm(self.client, self.user_id, Message(text, blocks or []))

    @property
    def has_response_url(self) -> bool:
        """Whether the request can be answered through a response_url."""
        return self.response_url is not None

    @property
    def command_text(self) -> str:
        """What the user typed after a slash command ("" for other requests)."""
        text = self.body.get("text")
        return text if isinstance(text, str) else ""

    @property
    def trigger_id(self) -> str:
        """The trigger that lets this request open a modal ("" when it carries none)."""
        trigger = self.body.get("trigger_id")
        return trigger if isinstance(trigger, str) else ""

    @property
    def response_url(self) -> str | None:
        """The request's own response_url, to hand on to a modal it opens."""
        url = self.body.get("response_url")
        return url if isinstance(url, str) and url else None

    @property
    def view(self) -> dict[str, Any]:
        """The submitted view of a view_submission ({} for other requests)."""
        view = self.body.get("view")
        return view if isinstance(view, dict) else {}

    @property
    def values(self) -> dict[str, Any]:
        """The submitted view's input values, `view.state.values`."""
        state = self.view.get("state")
        values = state.get("values") if isinstance(state, dict) else None
        return values if isinstance(values, dict) else {}


def register(app: AsyncApp, deps: Deps, admins: WorkspaceAdmins) -> None:
    """Add the middleware that hands every listener its Turn."""

    @app.middleware
    async def attach_turn(
        context: AsyncBoltContext, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> None:
        context["turn"] = Turn(
            deps=deps,
            admins=admins,
            context=context,
            body=body,
            team_id=context.team_id or "",
            user_id=context.user_id or "",
        )
        await next()
