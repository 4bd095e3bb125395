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
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import httpx

from bot.app import build_bolt_app
from bot.clock import ManualClock
from bot.demo.modal_input import filled_in
from bot.demo.mrkdwn_reader import Readers, as_typed
from bot.demo.render_html import Entry, render_transcript
from bot.demo.render_text import render_message
from bot.demo.signed_requests import SlackDriver, block_suggestion, view_submission
from bot.demo.slack_standin import SlackStandIn
from bot.demo.surfaces import SALES_CHANNEL, TEAM, Press, Shown, click_payload, presses
from bot.deps import Deps
from bot.installation import install_workspace
from bot.settings import Settings
from bot.slack_client import build_client
from bot.web import build_web_app
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade

BOT_TOKEN = "xoxb-demo-not-a-real-token"
SIGNING_SECRET = "demo-signing-secret-not-real"
API_TOKEN = "demo-api-token-not-a-real-secret"
TIMEZONE = "Europe/Berlin"
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
        self.standin = SlackStandIn(token=BOT_TOKEN, team_id=TEAM)
        self._workdir = tempfile.TemporaryDirectory(prefix="leadloop-demo-")
        self._calls_seen = 0
        self._responses_seen = 0
        self._clicks = 0
        # What the app showed since the interactive prompt last looked.
        self.recent: list[Shown] = []

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
        self.client = build_client(
            token=BOT_TOKEN, base_url=self.standin.base_url, backoff_factor=0.01
        )
        self.deps = Deps(
            settings=self.settings,
            engine=engine,
            sessions=create_sessions(engine),
            clock=self.clock,
            slack=self.client,
        )
        await install_workspace(self.deps)
        web_app = build_web_app(build_bolt_app(self.deps), self.deps)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=web_app), base_url="http://leadloop.demo"
        )
        self.slack = SlackDriver(self.http, self.standin, signing_secret=SIGNING_SECRET)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.settled()
        await self.http.aclose()
        await self.deps.http.close()
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

    def show(
        self,
        kind: str,
        payload: dict[str, Any],
        where: str,
        *,
        surface: str = "message",
        channel: str = SALES_CHANNEL,
        ts: str | None = None,
    ) -> None:
        """Draw one message or view, and keep it for the transcript and the prompt."""
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
        self.recent.append(Shown(surface, payload, where, channel, ts))

    def show_new_output(self) -> None:
        """Draw everything the app sent to Slack since the last call."""
        calls = self.standin.calls
        for call in calls[self._calls_seen :]:
            if call.method in _QUIET_METHODS or not call.response.get("ok"):
                continue
            self._show_call(call.method, call.params, call.response)
        self._calls_seen = len(calls)
        responses = self.standin.responses
        for response in responses[self._responses_seen :]:
            kind = "updated" if response.body.get("replace_original") else "ephemeral"
            self.show(kind, response.body, "you", surface="ephemeral")
        self._responses_seen = len(responses)

    def _show_call(self, method: str, params: dict[str, Any], response: dict[str, Any]) -> None:
        channel = str(response.get("channel") or params.get("channel") or "")
        where = self.where(channel)
        if method == "chat.postMessage":
            kind = "reply" if params.get("thread_ts") else "message"
            self.show(kind, params, where, channel=channel, ts=response.get("ts"))
        elif method == "chat.update":
            self.show("updated", params, where, channel=channel, ts=params.get("ts"))
        elif method == "chat.postEphemeral":
            self.show("ephemeral", params, where, surface="ephemeral", channel=channel)
        elif method in ("views.open", "views.push"):
            view = {**params["view"], "id": (response.get("view") or {}).get("id", "")}
            self.show("view", view, "a modal", surface="modal")
        elif method == "files.completeUploadExternal":
            channel = str(params.get("channel_id") or "")
            self.show("reply", self._uploaded_images(params), self.where(channel), channel=channel)
        elif method == "views.publish":
            where = f"App Home of {self.where(params['user_id'])}"
            self.show("view", params["view"], where, surface="home")

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

    def _name(self, user: str) -> str:
        return self.names.get(user, user)

    def _did(self, user: str, what: str, action: dict[str, Any], where: str) -> None:
        """Show and record what a person did: typed, clicked or submitted."""
        self._print(f"  @{self._name(user)} {what}")
        self.transcript.entries.append(
            Entry("user", action, where, self.local_time(), caption=self._name(user))
        )

    def note(self, text: str) -> None:
        """Something that happened outside Slack (the CRM's call), shown under the step."""
        self._print(f"  {text}")
        self.transcript.entries.append(Entry("note", caption=text, when=self.local_time()))

    async def command(self, user: str, text: str, *, command: str = "/leadfeedback") -> None:
        """A user types a slash command in #sales; their answer and the app's posts are shown."""
        typed = f"{command} {as_typed(text, self.readers)}".rstrip()
        self._did(user, f"types: {typed}", {"typed": typed}, self.where(SALES_CHANNEL))
        response = await self.slack.command(
            text, command=command, user=user, team=TEAM, channel=SALES_CHANNEL
        )
        await self.settled()
        if response.headers.get("content-type", "").startswith("application/json"):
            answer = response.json()
            if answer.get("blocks") or answer.get("text"):
                self.show("ephemeral", answer, "you", surface="ephemeral")
        self.show_new_output()

    async def interact(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a click or a submission; returns the app's direct answer, if any."""
        response = await self.slack.interact(payload)
        await self.settled()
        self.show_new_output()
        if response.headers.get("content-type", "").startswith("application/json"):
            return dict(response.json())
        return {}

    async def click(self, user: str, press: Press) -> dict[str, Any]:
        """A user clicks a button the app showed; returns the app's direct answer, if any.

        A message's button acts on the message as it is now (a nudge updated since, say).
        """
        shown = press.shown
        if shown.surface == "message" and shown.ts:
            current = {m["ts"]: m for m in self.standin.messages(shown.channel)}.get(shown.ts)
            if current is not None:
                press = replace(press, shown=replace(shown, payload=current))
        self._did(user, f"clicks [ {press.label} ]", {"clicked": press.label}, press.shown.where)
        self._clicks += 1
        response_url = self.standin.response_url(f"click-{self._clicks}")
        return await self.interact(click_payload(press, user=user, response_url=response_url))

    async def submit(
        self, user: str, view: dict[str, Any], values: dict[str, Any]
    ) -> dict[str, Any]:
        """A user fills in a modal and submits it; returns the app's answer (errors, say)."""
        title = str((view.get("title") or {}).get("text", "the form"))
        button = str((view.get("submit") or {}).get("text", "Submit"))
        fields = filled_in(view, values, self.readers)
        action = {"submitted": title, "button": button, "fields": fields}
        self._did(user, f"fills in “{title}” and clicks [ {button} ]", action, "a modal")
        for label, shown in fields:
            one_line = " · ".join(shown.splitlines())
            self._print(f"    {label}: {one_line}")
        return await self.interact(view_submission(view, values, user=user, team=TEAM))

    async def suggest(self, user: str, block: dict[str, Any], query: str) -> list[dict[str, Any]]:
        """The options the app offers an external select for what a user typed into it."""
        element = block["element"]
        payload = block_suggestion(
            element.get("action_id", ""), block.get("block_id", ""), query, team=TEAM
        )
        payload["user"] = {"id": user, "team_id": TEAM}
        answer = (await self.slack.interact(payload)).json()
        groups = answer.get("option_groups") or []
        return list(answer.get("options") or []) + [o for g in groups for o in g["options"]]

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

    def take_recent(self) -> list[Shown]:
        """What the app showed since the last call."""
        recent, self.recent = self.recent, []
        return recent

    def last_view(self) -> dict[str, Any]:
        """The view the app opened most recently."""
        return dict(self.standin.calls_to("views.open")[-1].params["view"])

    def messages_seen_by(self, user: str) -> list[Shown]:
        """The current messages in #sales and the user's DM with the app, oldest first."""
        return [
            Shown("message", message, self.where(channel), channel, message["ts"])
            for channel in (SALES_CHANNEL, "D" + user[1:])
            for message in self.standin.messages(channel)
        ]

    def find_button(self, shown: Shown, matches: Callable[[dict[str, Any]], bool]) -> Press:
        """The first button on something shown that matches."""
        for press in presses([shown], self.readers):
            if matches(press.element):
                return press
        raise LookupError("no such button in the message")


def use_color(out: TextIO) -> bool:
    """Colour only on a terminal."""
    return out.isatty() and out is sys.stdout
