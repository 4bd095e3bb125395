"""What every surface shares: a button's value, an answer to one user, a post, a message link."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.http_session import HttpSession
from handlers.payloads import row_id
from handlers.views.blocks import Message

logger = logging.getLogger(__name__)

# How a request is answered: Bolt's respond, or a DM where the request has no response_url.
Respond = Callable[..., Awaitable[Any]]
# What chat.postMessage answers when the bot is not in a channel it could join.
_JOINABLE_ERRORS = ("not_in_channel", "channel_not_found")


def action_value(body: dict[str, Any]) -> str:
    """The clicked element's value ("" when the payload has none)."""
    actions = body.get("actions") or [{}]
    value = actions[0].get("value") if isinstance(actions[0], dict) else None
    return value if isinstance(value, str) else ""


def action_id(body: dict[str, Any]) -> str:
    """The clicked element's action_id ("" when the payload has none)."""
    actions = body.get("actions") or [{}]
    value = actions[0].get("action_id") if isinstance(actions[0], dict) else None
    return value if isinstance(value, str) else ""


def action_row_id(body: dict[str, Any]) -> int | None:
    """The row id a button carries, or None when its value is not one."""
    return row_id(action_value(body))


async def reply_privately(respond: Respond, message: Message) -> None:
    """An ephemeral answer to the clicker that leaves the clicked message as it is."""
    await respond(response_type="ephemeral", replace_original=False, **message.as_kwargs())


async def sent_to_response_url(
    http: HttpSession,
    response_url: str | None,
    message: Message,
    *,
    replace_original: bool = False,
) -> bool:
    """Answer the user ephemerally through a response_url; False when there is none, or it
    has expired, was used up or could not be reached (the failure is logged, not raised)."""
    if not response_url:
        return False
    webhook = AsyncWebhookClient(response_url, session=http.get())
    try:
        answer = await webhook.send(
            response_type="ephemeral", replace_original=replace_original, **message.as_kwargs()
        )
    except (aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("the response_url could not be reached: %s", type(exc).__name__)
        return False
    if answer.status_code != 200:
        logger.warning("the response_url answered %s %s", answer.status_code, answer.body[:40])
        return False
    return True


async def tell_clicker(
    client: AsyncWebClient,
    http: HttpSession,
    *,
    response_url: str | None,
    channel: str | None,
    user_id: str,
    message: Message,
) -> None:
    """An ephemeral answer to whoever clicked a button in channel: through the click's
    response_url, else (expired, unreachable) with chat.postEphemeral; never raises."""
    if await sent_to_response_url(http, response_url, message):
        return
    if channel is None:
        await send_dm(client, user_id, message)
        return
    try:
        await client.chat_postEphemeral(channel=channel, user=user_id, **message.as_kwargs())
    except SlackApiError as exc:
        logger.error("could not answer %s in %s: %s", user_id, channel, exc.response.get("error"))


async def send_dm(client: AsyncWebClient, user_id: str, message: Message) -> bool:
    """A message from the app to one user; whether it was sent (a failure is logged)."""
    try:
        await client.chat_postMessage(channel=user_id, **message.as_kwargs())
    except SlackApiError as exc:
        logger.error("could not DM %s: %s", user_id, exc.response.get("error"))
        return False
    return True


async def post_or_join(
    client: AsyncWebClient,
    channel: str,
    message: Message,
    *,
    metadata: dict[str, Any] | None = None,
) -> AsyncSlackResponse:
    """Post to a channel; if the bot is not in it and it is public, join once and post again.

    A channel the bot cannot join (private, archived) raises the SlackApiError that says why.
    metadata, when given, is the message's metadata (event_type and event_payload).
    """
    try:
        return await client.chat_postMessage(
            channel=channel, metadata=metadata, **message.as_kwargs()
        )
    except SlackApiError as exc:
        if exc.response.get("error") not in _JOINABLE_ERRORS or not channel.startswith("C"):
            raise
    try:
        await client.conversations_join(channel=channel)
    except SlackApiError as exc:
        logger.info("could not join %s: %s", channel, exc.response.get("error"))
        raise
    return await client.chat_postMessage(channel=channel, metadata=metadata, **message.as_kwargs())


async def permalink(client: AsyncWebClient, channel: str, ts: str) -> str | None:
    """A link to a message, or None when Slack will not give one."""
    try:
        answer = await client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as exc:
        logger.warning("chat.getPermalink failed: %s", exc.response.get("error"))
        return None
    link = answer.get("permalink")
    return link if isinstance(link, str) else None
