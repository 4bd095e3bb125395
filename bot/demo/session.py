"""`leadloop demo`: the real app against the Slack stand-in, with no workspace and no network.

`DemoApp` starts what `serve` starts (the HTTP app, a migrated database in a temporary
directory, the scheduled jobs) but points the Slack client at the loopback stand-in and gives
everything a clock that only moves when told. Requests reach the app as Slack sends them:
signed, through the HTTP app. Every message the app sends is drawn in the terminal and kept
for the HTML transcript.
"""

import asyncio
import base64
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import httpx

from bot.app import build_bolt_app
from bot.clock import ManualClock
from bot.demo.mrkdwn_reader import Readers
from bot.demo.render_html import Entry, render_transcript
from bot.demo.render_text import render_message
from bot.demo.signed_requests import SlackDriver
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.settings import Settings
from bot.slack_client import build_client
from bot.web import build_web_app
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade

BOT_TOKEN = "xoxb-demo-not-a-real-token"
SIGNING_SECRET = "demo-signing-secret-not-real"
API_TOKEN = "demo-api-token-not-a-real-secret"
TIMEZONE = "Europe/Berlin"
SALES_CHANNEL = "C0SALES"
_QUIET_METHODS = {
    "auth.test",
    "conversations.join",
    "conversations.info",
    "chat.getPermalink",
    "users.info",
    "files.getUploadURLExternal",
}


@dataclass
class Transcript:
    """What the demo showed, in order: step captions and every message and view."""

    entries: list[Entry] = field(default_factory=list)

    def write(self, path: Path, readers: Readers) -> Path:
        """Write the transcript as one self-contained HTML page."""
        path.parent.mkdir(parents=True, exist_ok=True)
        page = render_transcript("leadloop demo: one week", self.entries, readers)
        path.write_text(page, "utf-8")
        return path


class DemoApp:
    """The app, the stand-in and the clock of one demo run."""

    def __init__(
        self,
        *,
        out: TextIO,
        start: datetime,
        names: dict[str, str],
        color: bool = False,
    ) -> None:
        self.out = out
        self.color = color
        self.clock = ManualClock(start)
        self.names = names
        self.readers = Readers(names=names, zone=ZoneInfo(TIMEZONE))
        self.transcript = Transcript()
        self.standin = SlackStandIn(token=BOT_TOKEN, team_id="T0DEMO")
        self._workdir = tempfile.TemporaryDirectory(prefix="leadloop-demo-")
        self._calls_seen = 0
        self._responses_seen = 0

    async def __aenter__(self) -> "DemoApp":
        self.standin.start()
        database = Path(self._workdir.name) / "demo.db"
        self.settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=self.standin.base_url,
            database_url=f"sqlite:///{database}",
            shared_channel=SALES_CHANNEL,
            timezone=TIMEZONE,
            api_token=API_TOKEN,
        )
        engine = create_engine(self.settings.database_url)
        await upgrade(engine)
        self.deps = Deps(
            settings=self.settings,
            engine=engine,
            sessions=create_sessions(engine),
            clock=self.clock,
        )
        self.client = build_client(
            token=BOT_TOKEN, base_url=self.standin.base_url, backoff_factor=0.01
        )
        web_app = build_web_app(build_bolt_app(self.deps), self.deps)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=web_app), base_url="http://leadloop.demo"
        )
        self.slack = SlackDriver(self.http, self.standin, signing_secret=SIGNING_SECRET)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.settled()
        await self.http.aclose()
        await self.deps.engine.dispose()
        self.standin.stop()
        self._workdir.cleanup()

    async def settled(self) -> None:
        """Wait until the app has finished what it does after acknowledging (posts, DMs)."""
        for _ in range(50):
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if not pending:
                return
            await asyncio.wait(pending, timeout=10)

    # What the reader sees

    def local_time(self) -> str:
        """The demo clock as the team reads it, e.g. 'Mon 16 Nov 09:30'."""
        return self.clock.now().astimezone(ZoneInfo(TIMEZONE)).strftime("%a %d %b %H:%M")

    def _print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def step(self, caption: str) -> None:
        """Announce the next step of the story."""
        line = f"▶ {self.local_time()} · {caption}"
        self._print()
        self._print(f"\033[1m{line}\033[0m" if self.color else line)
        self.transcript.entries.append(Entry("step", caption=line))

    def where(self, target: str | None) -> str:
        """A channel or user id as a reader would name it."""
        if not target:
            return "a modal"
        if target.startswith(("U", "D")):
            return f"DM to @{self.names.get('U' + target[1:], target)}"
        return self.names.get(target, target)

    def show(self, kind: str, payload: dict[str, Any], where: str) -> None:
        """Draw one message or view, and keep it for the transcript."""
        label = {
            "ephemeral": "only visible to you",
            "reply": "thread reply",
            "view": "modal",
            "updated": "updated in place",
        }.get(kind, "message")
        heading = f"  ┌ leadloop → {where} ({label})"
        self._print(f"\033[2m{heading}\033[0m" if self.color else heading)
        body = render_message(payload, color=self.color, width=74, readers=self.readers)
        self._print("\n".join("  │ " + line for line in body.split("\n")))
        entry_kind = "message" if kind == "updated" else kind
        caption = f"{where} (updated)" if kind == "updated" else where
        self.transcript.entries.append(Entry(entry_kind, payload, caption, self.local_time()))

    def show_new_output(self) -> None:
        """Draw everything the app sent to Slack since the last call."""
        calls = self.standin.calls
        for call in calls[self._calls_seen :]:
            if call.method in _QUIET_METHODS or not call.response.get("ok"):
                continue
            params = call.params
            if call.method == "chat.postMessage":
                kind = "reply" if params.get("thread_ts") else "message"
                self.show(kind, params, self.where(params.get("channel")))
            elif call.method == "chat.update":
                self.show("updated", params, self.where(params.get("channel")))
            elif call.method == "chat.postEphemeral":
                self.show("ephemeral", params, self.where(params.get("channel")))
            elif call.method in ("views.open", "views.push"):
                self.show("view", params["view"], "a modal")
            elif call.method == "files.completeUploadExternal":
                self.show(
                    "reply", self._uploaded_images(params), self.where(params.get("channel_id"))
                )
            elif call.method == "views.publish":
                self.show("view", params["view"], f"App Home of {self.where(params['user_id'])}")
        self._calls_seen = len(calls)
        responses = self.standin.responses
        for response in responses[self._responses_seen :]:
            kind = "updated" if response.body.get("replace_original") else "ephemeral"
            self.show(kind, response.body, "you")
        self._responses_seen = len(responses)

    def _uploaded_images(self, params: dict[str, Any]) -> dict[str, Any]:
        """Files shared in a thread, as image blocks (inline, so the transcript stays whole)."""
        blocks = []
        for entry in params.get("files") or []:
            content = self.standin.upload_content(entry.get("id", ""))
            title = entry.get("title") or "file"
            if content.startswith(b"\x89PNG"):
                data = "data:image/png;base64," + base64.b64encode(content).decode()
                alt = entry.get("alt_txt") or title
                blocks.append({"type": "image", "image_url": data, "alt_text": alt})
            else:
                blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": title}]})
        text = params.get("initial_comment") or "Shared a file"
        return {"text": text, "blocks": blocks}

    # Acting as Slack users

    async def command(self, user: str, text: str, *, command: str = "/leadfeedback") -> None:
        """A user types a slash command in #sales; their answer and the app's posts are shown."""
        typed = f"  @{self.names.get(user, user)} types: {command} {text}".rstrip()
        self._print(typed)
        self.transcript.entries.append(Entry("step", caption=typed.strip()))
        response = await self.slack.command(
            text, command=command, user=user, team="T0DEMO", channel=SALES_CHANNEL
        )
        await self.settled()
        if response.headers.get("content-type", "").startswith("application/json"):
            answer = response.json()
            if answer.get("blocks") or answer.get("text"):
                self.show("ephemeral", answer, "you")
        self.show_new_output()

    async def interact(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a click or a submission; returns the app's direct answer, if any."""
        response = await self.slack.interact(payload)
        await self.settled()
        self.show_new_output()
        if response.headers.get("content-type", "").startswith("application/json"):
            return dict(response.json())
        return {}

    async def post_leads(self, leads: list[dict[str, Any]]) -> dict[str, Any]:
        """The CRM sends leads to /api/leads with the bearer token."""
        response = await self.http.post(
            "/api/leads",
            content=json.dumps(leads),
            headers={
                "Authorization": f"Bearer {API_TOKEN}",
                "Content-Type": "application/json",
            },
        )
        await self.settled()
        return dict(response.json())

    def last_view(self) -> dict[str, Any]:
        """The view the app opened most recently."""
        return dict(self.standin.calls_to("views.open")[-1].params["view"])

    def find_button(
        self, blocks: list[dict[str, Any]], matches: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        """The first button in blocks that matches."""
        for block in blocks:
            elements = block.get("elements", []) + [block.get("accessory") or {}]
            for element in elements:
                if element.get("type") == "button" and matches(element):
                    return dict(element)
        raise LookupError("no such button in the message")


def use_color(out: TextIO) -> bool:
    """Colour only on a terminal."""
    return out.isatty() and out is sys.stdout
