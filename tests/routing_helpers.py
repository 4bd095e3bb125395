"""Routing scenarios' shared set-up: the real app with routing on, the lead API and Slack."""

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from bot.app import build_bolt_app
from bot.deps import Deps
from bot.installation import install_workspace
from bot.web import build_web_app
from handlers.lead_routing import notices_sent
from storage.db import create_engine, create_sessions
from tests.factories import CHANNEL, SlackDriver

API_TOKEN = "lead-api-token-0123456789abcdef"
REPS = ("U0REPA", "U0REPB", "U0REPC")


def routed_deps(deps: Deps, **settings: Any) -> Deps:
    """deps with the lead API on and routing settings (round-robin over REPS by default)."""
    update = {
        "api_token": SecretStr(API_TOKEN),
        "routing": "round-robin",
        "routing_pool": REPS,
        "shared_channel": CHANNEL,
        **settings,
    }
    return dataclasses.replace(deps, settings=deps.settings.model_copy(update=update))


def replica(deps: Deps) -> Deps:
    """A second process on the same database: its own engine and sessions."""
    engine = create_engine(deps.settings.database_url)
    return dataclasses.replace(deps, engine=engine, sessions=create_sessions(engine))


@dataclass
class RoutedApp:
    """The real HTTP app: the lead API and Slack's requests."""

    deps: Deps
    api: httpx.AsyncClient
    slack: SlackDriver

    async def send_leads(self, leads: list[dict[str, Any]]) -> dict[str, Any]:
        """POST leads to /api/leads and wait until reps and channel were told."""
        response = await self.api.post(
            "/api/leads", json=leads, headers={"Authorization": f"Bearer {API_TOKEN}"}
        )
        assert response.status_code == 200, response.text
        await notices_sent()
        return dict(response.json())


@asynccontextmanager
async def routed_app(deps: Deps, standin: Any) -> AsyncIterator[RoutedApp]:
    """The app of the installed workspace with routing on."""
    await install_workspace(deps)
    web_app = build_web_app(build_bolt_app(deps), deps)
    transport = httpx.ASGITransport(app=web_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://leadloop.test") as http:
        yield RoutedApp(deps, http, SlackDriver(http, standin))
    await notices_sent()
    # Listeners still running after their ack finish before the database goes away.
    pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if pending:
        await asyncio.wait(pending, timeout=10)


def new_leads(count: int, start: int = 0) -> list[dict[str, Any]]:
    """count new leads without an owner."""
    return [
        {"external_id": f"crm-{n}", "email": f"lead{n}@example.com", "name": f"Lead {n}"}
        for n in range(start, start + count)
    ]
