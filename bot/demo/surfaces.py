"""What the demo's app showed, where, and its buttons: enough to press one as Slack would."""

from dataclasses import dataclass
from typing import Any

from bot.demo.modal_input import text_of
from bot.demo.mrkdwn_reader import Readers, emojize, plain_line
from bot.demo.signed_requests import block_action, home_action, message_action

TEAM = "T0DEMO"
SALES_CHANNEL = "C0SALES"
TITLE_MAX = 60


@dataclass(frozen=True)
class Shown:
    """Something the app showed, and where, so a person can press its buttons or fill it in.

    surface: "message" (in a channel or DM, at ts), "ephemeral" (only visible to the user),
    "modal" or "home".
    """

    surface: str
    payload: dict[str, Any]
    where: str
    channel: str = SALES_CHANNEL
    ts: str | None = None


@dataclass(frozen=True)
class Press:
    """One button on something shown; group names the section it sits under, if any."""

    shown: Shown
    block: dict[str, Any]
    element: dict[str, Any]
    group: str = ""

    @property
    def label(self) -> str:
        """The button's text as Slack draws it."""
        return emojize(text_of(self.element.get("text")))


def _first_line(text: str, readers: Readers) -> str:
    line = plain_line(text.split("\n", 1)[0], readers)
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1] + "…"


def title(shown: Shown, readers: Readers) -> str:
    """What to call a message: its header, else the first line of its text."""
    blocks = shown.payload.get("blocks") or []
    for block in blocks:
        if block.get("type") == "header":
            return emojize(text_of(block.get("text")))
    first = next((b for b in blocks if b.get("type") == "section" and b.get("text")), None)
    text = text_of(first["text"]) if first else str(shown.payload.get("text") or "")
    return _first_line(text, readers)


def _buttons(block: dict[str, Any]) -> list[dict[str, Any]]:
    elements = [*block.get("elements", []), block.get("accessory") or {}]
    # A button with a URL opens a link; Slack's app hears nothing worth showing here.
    return [e for e in elements if e.get("type") == "button" and not e.get("url")]


def presses(shown: list[Shown], readers: Readers) -> list[Press]:
    """Every button on messages, ephemeral answers and Homes; a button in a section, or in a
    row right under one, is grouped by that section's first line (a nudge's lead, say)."""
    found = []
    for item in shown:
        if item.surface == "modal":
            continue
        previous: dict[str, Any] = {}
        for block in item.payload.get("blocks") or []:
            section = block if block.get("type") == "section" else previous
            text = section.get("text") if section.get("type") == "section" else None
            group = _first_line(text_of(text), readers) if text else ""
            found += [Press(item, block, button, group) for button in _buttons(block)]
            previous = block
    return found


def click_payload(press: Press, *, user: str, response_url: str) -> dict[str, Any]:
    """The block_actions payload Slack sends when user clicks the button."""
    element, shown = press.element, press.shown
    action_id, value = element.get("action_id", ""), element.get("value", "")
    if shown.surface == "home":
        payload = home_action(action_id, value, user=user, team=TEAM)
    elif shown.surface == "message" and shown.ts:
        message = {**shown.payload, "ts": shown.ts}
        payload = message_action(
            action_id, value, message=message, channel=shown.channel, user=user, team=TEAM
        )
        payload["response_url"] = response_url
    else:
        payload = block_action(
            action_id, value, user=user, team=TEAM, channel=shown.channel, response_url=response_url
        )
    payload["actions"][0]["block_id"] = press.block.get("block_id", "b1")
    return payload
