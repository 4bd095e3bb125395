"""What a listener is handed: one Slack request, who sent it, and the app's services.

A global middleware builds a `Turn` before any listener runs and puts it in the Bolt
context under `turn`; Bolt passes context entries to listeners by parameter name, so a
listener is written `async def undo(turn: Turn) -> None` and starts with `await turn.ack()`.

Bolt runs with process_before_response (bot.app), so the HTTP response leaves when the
listener returns. A listener registered through `after_ack` returns to Bolt as soon as it
has acked, and goes on with its slow work (a modal to open, a message to redraw, a DM) in
the background; `work_after_acks` lets that work finish before the process exits.
"""

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.deps import Deps
from handlers.admins import WorkspaceAdmins
from handlers.replies import Respond, send_dm
from handlers.views.blocks import Block, Message

logger = logging.getLogger(__name__)


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
    # Done once the request is acknowledged: the HTTP response may leave then.
    acked: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def later(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run work in the background once this listener returns (after its ack); an error
        it raises after the ack is logged, and `serve` waits for it at shut-down."""
        task = asyncio.create_task(work)
        _after_ack.add(task)
        task.add_done_callback(functools.partial(_finished, self))
        return task

    async def ack(self, **answer: Any) -> None:
        """Acknowledge the request (within Slack's 3 seconds), with the answer if it has one:
        an ephemeral message for a command, `response_action` for a modal."""
        await self.context.ack(**answer)
        if not self.acked.done():
            self.acked.set_result(None)

    @property
    def client(self) -> AsyncWebClient:
        """The Web API client, with this workspace's token."""
        return self.context.client

    @property
    def respond(self) -> Respond:
        """Answers through the request's response_url (commands and message buttons have one);
        a request without one (a Home or modal button) is answered in a DM from the app."""
        url = self.response_url
        if url is None:
            return self._direct_message
        return functools.partial(self._to_response_url, url)

    async def _to_response_url(self, url: str, **message: Any) -> None:
        await AsyncWebhookClient(url, session=self.deps.http.get()).send(**message)

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


Listener = Callable[[Turn], Awaitable[None]]

_after_ack: set[asyncio.Task[None]] = set()


def after_ack(listener: Listener) -> Listener:
    """The listener, returning to Bolt once it has acked while the rest of it runs on.

    An error before the ack reaches Bolt as the listener's own would; one after it is
    logged, since the user's request was already answered.
    """

    async def until_acked(turn: Turn) -> None:
        work = turn.later(listener(turn))
        await asyncio.wait((work, turn.acked), return_when=asyncio.FIRST_COMPLETED)
        if work.done() and not turn.acked.done():
            work.result()

    until_acked.__name__ = listener.__name__
    until_acked.__qualname__ = listener.__qualname__
    until_acked.__doc__ = listener.__doc__
    return until_acked


def _finished(turn: Turn, work: asyncio.Task[None]) -> None:
    _after_ack.discard(work)
    # Before the ack, the error is until_acked's to raise.
    if work.cancelled() or work.exception() is None or not turn.acked.done():
        return
    error = work.exception()
    logger.error("work after an ack failed", exc_info=(type(error), error, error.__traceback__))


async def work_after_acks() -> None:
    """Wait for the work listeners still do after their acks (at shut-down)."""
    while _after_ack:
        await asyncio.wait(set(_after_ack))


def register(app: AsyncApp, deps: Deps, admins: WorkspaceAdmins) -> None:
    """Add the middleware that hands every listener its Turn."""

    app.use(_AttachTurn(deps, admins))


class _AttachTurn(AsyncMiddleware):
    """Puts the request's Turn in its context (a class: see bot.app._NoteTeam)."""

    def __init__(self, deps: Deps, admins: WorkspaceAdmins):
        self._deps = deps
        self._admins = admins

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        """Build the Turn, then go on."""
        context = req.context
        context["turn"] = Turn(
            deps=self._deps,
            admins=self._admins,
            context=context,
            body=req.body,
            team_id=context.team_id or "",
            user_id=context.user_id or "",
        )
        return await next()
