"""What every surface's buttons share: reading a button's value, and answering one user."""

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.blocks import Message

logger = logging.getLogger(__name__)


def action_value(body: dict[str, Any]) -> str:
    """The clicked element's value ("" when the payload has none)."""
    actions = body.get("actions") or [{}]
    value = actions[0].get("value") if isinstance(actions[0], dict) else None
    return value if isinstance(value, str) else ""


def action_row_id(body: dict[str, Any]) -> int | None:
    """The row id a button carries, or None when its value is not one."""
    value = action_value(body)
    return int(value) if re.fullmatch(r"\d{1,18}", value) else None


async def reply_privately(respond: AsyncRespond, message: Message) -> None:
    """An ephemeral answer to the clicker that leaves the clicked message as it is."""
    await respond(response_type="ephemeral", replace_original=False, **message.as_kwargs())


async def send_dm(client: AsyncWebClient, user_id: str, message: Message) -> None:
    """A message from the app to one user; a failure is logged, never raised."""
    try:
        await client.chat_postMessage(channel=user_id, **message.as_kwargs())
    except SlackApiError as exc:
        logger.error("could not DM %s: %s", user_id, exc.response.get("error"))
