"""Which Slack channel a setting means, and whether leadloop can post there.

A channel named by id is looked up with conversations.info, one named `#name` with
conversations.list. A bot sees every public channel (and joins one when it first posts
there) but only the private channels it was invited to, so a channel it cannot see is
answered with one line that says to check it and, if it is private, to invite leadloop.
"""

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from storage.channel_refs import ChannelRef

logger = logging.getLogger(__name__)

_PAGE = 1000
_PAGES_MAX = 50
INVITE = "/invite @leadloop"


@dataclass(frozen=True)
class Channel:
    """A channel as leadloop sees it."""

    id: str
    name: str
    is_archived: bool


class ChannelUnknown(Exception):
    """Slack was asked and knows no such channel (or hides it: private, without leadloop)."""


def cannot_see(ref: ChannelRef) -> str:
    """One line for a channel leadloop cannot find, and how to fix it (plain text)."""
    return (
        f"no channel {ref.describe()} that leadloop can see: check it, and if it is private, "
        f"type `{INVITE}` in it first."
    )


def _channel(info: dict[str, Any]) -> Channel:
    return Channel(
        id=str(info["id"]),
        name=str(info.get("name") or info["id"]),
        is_archived=bool(info.get("is_archived")),
    )


async def find_channel(client: AsyncWebClient, ref: ChannelRef) -> Channel:
    """The channel ref names; ChannelUnknown when Slack knows none (SlackApiError otherwise)."""
    if ref.id is not None:
        try:
            answer = await client.conversations_info(channel=ref.id)
        except SlackApiError as exc:
            if exc.response.get("error") == "channel_not_found":
                raise ChannelUnknown(ref.describe()) from None
            raise
        return _channel(answer["channel"])
    cursor = None
    for _ in range(_PAGES_MAX):
        answer = await client.conversations_list(
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=_PAGE,
            cursor=cursor,
        )
        for info in answer.get("channels") or []:
            if info.get("name") == ref.name:
                return _channel(info)
        cursor = (answer.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    raise ChannelUnknown(ref.describe())


async def channel_problem(client: AsyncWebClient, ref: ChannelRef) -> str | None:
    """One line why leadloop cannot post in the channel ref names; None when it can, or when
    Slack could not be asked (the post itself will then say)."""
    try:
        channel = await find_channel(client, ref)
    except ChannelUnknown:
        problem = cannot_see(ref)
        return problem[0].upper() + problem[1:]
    except SlackApiError as exc:
        logger.warning("could not look up %s: %s", ref.describe(), exc.response.get("error"))
        return None
    if channel.is_archived:
        return f"#{channel.name} is archived: unarchive it, or pick another channel."
    return None
