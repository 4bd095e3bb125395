"""`serve --socket`: the same app answers a slash command that arrives over Socket Mode."""

import asyncio
import json
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from bot.app import build_bolt_app, build_socket_handler, connect_socket
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.installation import install_workspace
from storage.models import Feedback
from tests.factories import command_form
from tests.helpers import all_rows

APP_TOKEN = "xapp-1-A0-test-app-token"


async def test_slash_command_over_socket_mode(deps: Deps, standin: SlackStandIn) -> None:
    replies: asyncio.Queue[dict] = asyncio.Queue()
    form = dict(parse_qsl(urlencode(command_form("sock@x.com hot via socket"))))

    async def link(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1})
        envelope = {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": form,
        }
        await socket.send_str(json.dumps(envelope))
        async for message in socket:
            replies.put_nowait(json.loads(message.data))
            break
        return socket

    server = web.Application()
    server.router.add_get("/link", link)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    standin._app_token = APP_TOKEN
    standin.socket_url = f"ws://127.0.0.1:{port}/link"
    await install_workspace(deps)  # as `serve --socket` does before it connects
    handler = build_socket_handler(build_bolt_app(deps), APP_TOKEN)
    try:
        await connect_socket(handler)
        # One URL asked for at start, and used (later calls are the SDK reconnecting).
        [opened] = standin.calls_to("apps.connections.open")
        reply = await asyncio.wait_for(replies.get(), timeout=10)
    finally:
        await handler.close_async()
        await runner.cleanup()
        standin._app_token = None
        standin.socket_url = None
    assert reply["envelope_id"] == "env-1"
    assert reply["payload"]["text"].startswith("Recorded for sock@x.com")
    [feedback] = await all_rows(deps, Feedback)
    assert feedback.note == "via socket"
    assert opened.token == APP_TOKEN
