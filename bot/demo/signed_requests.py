"""Slack's requests as Slack sends them: form-encoded or JSON, signed, with realistic payloads.

The test suite and `leadloop demo` drive the real HTTP app with these, so both exercise the
same path a request from Slack takes. The ids are sample values; pass real ones as needed.
"""

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bot.demo.slack_standin import SlackStandIn

TEAM = "T0TEAM"
REP = "U0REP"
CHANNEL = "C0SALES"


def sign(body: str, *, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's signature headers for a raw body."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_form(
    text: str,
    *,
    command: str = "/leadfeedback",
    user: str = REP,
    team: str = TEAM,
    channel: str = CHANNEL,
    response_url: str = "",
) -> dict[str, str]:
    """The form fields of a slash command invocation."""
    return {
        "token": "deprecated-verification-token",
        "team_id": team,
        "team_domain": "acme",
        "channel_id": channel,
        "channel_name": "sales",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0LEADLOOP",
        "response_url": response_url,
        "trigger_id": f"trigger-{time.monotonic_ns()}",
    }


def block_action(
    action_id: str,
    value: str,
    *,
    user: str = REP,
    team: str = TEAM,
    response_url: str = "",
    channel: str = CHANNEL,
    message_ts: str | None = None,
) -> dict[str, Any]:
    """A block_actions payload for a button click on an ephemeral message, or, given its ts,
    on a message in the channel."""
    container: dict[str, Any] = {"type": "message", "is_ephemeral": True, "channel_id": channel}
    if message_ts is not None:
        container = {**container, "is_ephemeral": False, "message_ts": message_ts}
    return _button_click(
        action_id,
        value,
        user=user,
        team=team,
        container=container,
        channel={"id": channel, "name": "sales"},
        response_url=response_url,
    )


def _button_click(
    action_id: str, value: str, *, user: str, team: str, **surface: Any
) -> dict[str, Any]:
    """The block_actions payload of one button click; surface says where the button was."""
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "team_id": team, "username": user.lower()},
        "api_app_id": "A0LEADLOOP",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        **surface,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }


def view_submission(
    view: dict[str, Any], values: dict[str, Any], *, user: str = REP, team: str = TEAM
) -> dict[str, Any]:
    """A view_submission payload for an opened view with the given state values."""
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A0LEADLOOP",
        "view": {**view, "id": "V0VIEW", "team_id": team, "state": {"values": values}},
    }


def block_suggestion(
    action_id: str, block_id: str, value: str, *, team: str = TEAM
) -> dict[str, Any]:
    """A block_suggestion payload: the user typed value into an external select."""
    return {
        "type": "block_suggestion",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": REP, "team_id": team},
        "api_app_id": "A0LEADLOOP",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "view": {"id": "V0VIEW", "type": "modal", "team_id": team},
    }


def app_home_opened(*, user: str = REP, team: str = TEAM, tab: str = "home") -> dict[str, Any]:
    """The Events API envelope Slack sends when a user opens the app's Home (or Messages) tab."""
    return {
        "token": "deprecated-verification-token",
        "team_id": team,
        "api_app_id": "A0LEADLOOP",
        "type": "event_callback",
        "event_id": f"Ev{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": "U0BOT", "is_bot": True}],
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D" + user[1:],
            "tab": tab,
            "event_ts": str(time.time()),
        },
    }


def home_action(action_id: str, value: str, *, user: str = REP, team: str = TEAM) -> dict[str, Any]:
    """A block_actions payload for a button click on the App Home (no response_url there)."""
    return _button_click(
        action_id,
        value,
        user=user,
        team=team,
        container={"type": "view", "view_id": "V0HOME"},
        view={"id": "V0HOME", "type": "home", "team_id": team},
    )


class SlackDriver:
    """Sends signed requests to the real HTTP app, as Slack would, and reads the answers."""

    def __init__(
        self, http: httpx.AsyncClient, standin: SlackStandIn, *, signing_secret: str
    ) -> None:
        self.http = http
        self.standin = standin
        self.signing_secret = signing_secret

    async def post_form(self, form: dict[str, str], **sign_kwargs: Any) -> httpx.Response:
        """POST form fields to /slack/events, signed (pass secret= or timestamp= to forge)."""
        body = urlencode(form)
        sign_kwargs.setdefault("secret", self.signing_secret)
        return await self.http.post(
            "/slack/events", content=body, headers=sign(body, **sign_kwargs)
        )

    async def event(self, envelope: dict[str, Any]) -> httpx.Response:
        """POST an Events API envelope as JSON to /slack/events, signed."""
        body = json.dumps(envelope)
        headers = sign(body, secret=self.signing_secret) | {"Content-Type": "application/json"}
        return await self.http.post("/slack/events", content=body, headers=headers)

    async def command(self, text: str, **kwargs: Any) -> httpx.Response:
        """Run a slash command; its response_url points at the stand-in."""
        kwargs.setdefault("response_url", self.standin.response_url("command"))
        return await self.post_form(command_form(text, **kwargs))

    async def interact(self, payload: dict[str, Any]) -> httpx.Response:
        """Send an interaction payload (`payload=<JSON>`)."""
        return await self.post_form({"payload": json.dumps(payload)})

    async def click(self, action_id: str, value: str, **kwargs: Any) -> httpx.Response:
        """Click a button on an ephemeral message."""
        kwargs.setdefault("response_url", self.standin.response_url("click"))
        return await self.interact(block_action(action_id, value, **kwargs))


def message_action(
    action_id: str,
    value: str,
    *,
    message: dict[str, Any],
    channel: str,
    user: str = REP,
    team: str = TEAM,
) -> dict[str, Any]:
    """A block_actions payload for a button on a message the bot posted (a DM, say)."""
    payload = block_action(action_id, value, user=user, team=team, channel=channel)
    payload["container"] = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel,
        "is_ephemeral": False,
    }
    payload["message"] = message
    return payload
