"""Posts that can be found again: each carries its intent key in the message's metadata.

A chat.postMessage that fails with a 5xx, times out or loses its connection may have posted
the message all the same, and a blind retry posts it twice. So a post goes out with its key
(event_type leadloop_post, event_payload {"key": …}); after such a failure, and before any
retry of a post that may have landed, the conversation's history (a thread's replies) is
searched for that key, and a post found there is taken as done.
"""

import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.replies import post_or_join
from handlers.views.blocks import Message

logger = logging.getLogger(__name__)

POST_EVENT = "leadloop_post"
PAGE_SIZE = 200
# The newest 1,000 messages: a retry comes minutes after the post it looks for, not days.
PAGES_MAX = 5

Posted = tuple[str, str]  # (conversation id, message ts)
Matches = Callable[[dict[str, Any]], bool]


class LookupFailed(Exception):
    """Slack could not be asked whether an earlier post landed, so it still may have."""


# What a Slack call raises when it fails: Slack's answer, the network's, or a failed lookup.
SLACK_CALL_ERRORS = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError, LookupFailed)


def intent_metadata(key: str) -> dict[str, Any]:
    """The message metadata that carries a post's intent key."""
    return {"event_type": POST_EVENT, "event_payload": {"key": key}}


def carries_key(key: str) -> Matches:
    """A test for a listed message: does its metadata carry this intent key?"""

    def matches(message: dict[str, Any]) -> bool:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        return metadata.get("event_type") == POST_EVENT and payload.get("key") == key

    return matches


def is_ambiguous(exc: BaseException) -> bool:
    """Whether a failed call may have taken effect: a 5xx, a timeout, a dropped connection.

    Slack's own refusals (4xx, 429, ok=false) and connections that never opened did nothing.
    """
    if isinstance(exc, LookupFailed):
        return True
    if isinstance(exc, SlackApiError):
        return exc.response.status_code >= 500
    if isinstance(exc, SlackClientError | aiohttp.ClientConnectorError):
        return False
    return isinstance(exc, aiohttp.ClientError | OSError | TimeoutError)


def describe_failure(exc: BaseException) -> str:
    """A short, token-free description of why a Slack call failed."""
    if isinstance(exc, LookupFailed):
        return f"could not check whether Slack took the post: {exc}"
    if isinstance(exc, SlackApiError):
        return f"Slack answered {exc.response.status_code}: {exc.response.get('error')}"
    if isinstance(exc, SlackClientError):
        return f"{type(exc).__name__}: Slack refused the request"
    return f"{type(exc).__name__}: could not reach Slack"


async def find_message(
    client: AsyncWebClient, channel: str, matches: Matches, *, thread_ts: str | None = None
) -> tuple[str, dict[str, Any]] | None:
    """(conversation id, message) of the newest message (in a thread: the first) that
    matches, or None.

    channel may be a user id (a DM): it is opened to read it. Raises LookupFailed when
    Slack cannot be asked.
    """
    try:
        if channel[:1] in ("U", "W"):
            channel = str((await client.conversations_open(users=channel))["channel"]["id"])
        cursor = None
        for _ in range(PAGES_MAX):
            page = await _page(client, channel, thread_ts, cursor)
            for message in page.get("messages") or []:
                if matches(message):
                    return channel, message
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise LookupFailed(describe_failure(exc)) from exc
    logger.warning("%s: no post found in the newest %d messages", channel, PAGES_MAX * PAGE_SIZE)
    return None


async def _page(
    client: AsyncWebClient, channel: str, thread_ts: str | None, cursor: str | None
) -> Any:
    if thread_ts is None:
        return await client.conversations_history(
            channel=channel, limit=PAGE_SIZE, cursor=cursor, include_all_metadata=True
        )
    return await client.conversations_replies(
        channel=channel, ts=thread_ts, limit=PAGE_SIZE, cursor=cursor, include_all_metadata=True
    )


async def find_posted(client: AsyncWebClient, channel: str, key: str) -> Posted | None:
    """Where the message posted under key is, or None; LookupFailed if Slack cannot say."""
    found = await find_message(client, channel, carries_key(key))
    return None if found is None else (found[0], str(found[1]["ts"]))


async def post_with_intent(
    client: AsyncWebClient, channel: str, message: Message, *, key: str, look_first: bool
) -> Posted:
    """Post message to channel under key, once; returns where it is.

    look_first: an earlier attempt may have posted it, so search before posting. After an
    ambiguous failure the post is searched for at once; if it is not found (or Slack cannot
    be asked) the failure is raised, and the caller's retry must look first.
    """
    if look_first and (found := await find_posted(client, channel, key)):
        logger.info("%s: found the post an earlier attempt made; not posting again", channel)
        return found
    try:
        response = await post_or_join(client, channel, message, metadata=intent_metadata(key))
    except SLACK_CALL_ERRORS as exc:
        if not is_ambiguous(exc):
            raise
        found = await _look_after(client, channel, key, exc)
        if found is None:
            raise
        return found
    return str(response.get("channel") or channel), str(response["ts"])


async def _look_after(
    client: AsyncWebClient, channel: str, key: str, exc: BaseException
) -> Posted | None:
    try:
        found = await find_posted(client, channel, key)
    except LookupFailed as failed:
        logger.warning("%s: %s; %s", channel, describe_failure(exc), failed)
        return None
    if found is not None:
        logger.info("%s: Slack took the post despite %s", channel, describe_failure(exc))
    return found
