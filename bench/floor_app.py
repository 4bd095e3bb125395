"""The floor for ack latency: a bare Bolt AsyncApp whose listeners only ack, under uvicorn.

python -m bench.floor_app {false,true} PORT

The first argument is Bolt's process_before_response: `true` is the floor leadloop's own
setting is held to, `false` is Bolt as shipped. The server runs as `leadloop serve` runs its
own: the same uvicorn configuration (httptools when installed, no access log) on uvloop when
it is installed, so the floor differs from leadloop only in the app.
"""

import asyncio
import os
import sys

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handlers.views import ids


def build(process_before_response: bool) -> Starlette:
    """A Bolt app, authorized locally like leadloop's, whose listeners ack at once."""
    token = os.environ["SLACK_BOT_TOKEN"]

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    bolt = AsyncApp(
        client=AsyncWebClient(base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        authorize=authorize,
        process_before_response=process_before_response,
    )

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    bolt.command("/leadfeedback")(only_ack)
    bolt.action(ids.NUDGE_SNOOZE)(only_ack)
    bolt.action(ids.FEEDBACK_UNDO)(only_ack)
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_request: Request) -> Response:
        return Response("ok")

    return Starlette(
        routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)]
    )


def main() -> None:
    """Serve the floor on loopback."""
    app = build(sys.argv[1] == "true")
    config = uvicorn.Config(
        app, host="127.0.0.1", port=int(sys.argv[2]), log_config=None, access_log=False
    )
    serving = uvicorn.Server(config).serve()
    try:
        import uvloop
    except ImportError:
        asyncio.run(serving)
        return
    uvloop.run(serving)


if __name__ == "__main__":
    main()
