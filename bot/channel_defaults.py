"""The environment's default channels, checked with Slack once at start-up.

LEADLOOP_SHARED_CHANNEL and LEADLOOP_DIGEST_CHANNEL may be an id, a link or `#name`. A name
needs Slack to become an id, so it is resolved here, before anything uses it, and a name
that matches no channel leadloop can see stops start-up with one line. An id is used as
given; one leadloop cannot see is only warned about, since an /invite fixes it without a
restart.
"""

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings, SettingsError
from handlers.channels import ChannelUnknown, cannot_see, find_channel
from storage.channel_refs import ChannelRef, read_channel

logger = logging.getLogger(__name__)


def _why(exc: Exception) -> str:
    """Slack's error code (with the fix for a missing scope), or the kind of failure."""
    if not isinstance(exc, SlackApiError):
        return type(exc).__name__
    code = str(exc.response.get("error"))
    if code == "missing_scope":
        return "missing_scope: reinstall the app from app.yaml for channels:read and groups:read"
    return code


async def _resolve(client: AsyncWebClient, env: str, ref: ChannelRef) -> str | None:
    """The id of the channel ref names, or None when leadloop cannot see it (warned)."""
    try:
        channel = await find_channel(client, ref)
    except ChannelUnknown:
        if ref.name is not None:
            raise SettingsError(f"{env}: {cannot_see(ref)}") from None
        logger.warning("%s: %s", env, cannot_see(ref))
        return None
    except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
        why = _why(exc)
        if ref.name is not None:
            raise SettingsError(
                f"{env} names a channel, {ref.describe()}, and Slack could not be asked which "
                f"one it is ({why}): set its id or link instead, or try again."
            ) from None
        logger.warning("%s: could not look up %s (%s)", env, ref.describe(), why)
        return None
    if ref.name is not None:
        logger.info("%s: #%s is %s", env, ref.name, channel.id)
    if channel.is_archived:
        logger.warning("%s: #%s is archived; nothing can be posted there", env, channel.name)
    return channel.id


async def _resolved(client: AsyncWebClient, env: str, written: str) -> str:
    """The id for one channel as the environment wrote it (the text itself when unseen)."""
    ref = read_channel(written)
    if ref is None:
        return written
    channel_id = await _resolve(client, env, ref)
    return channel_id if ref.name is not None and channel_id is not None else written


async def resolve_default_channels(settings: Settings, client: AsyncWebClient) -> Settings:
    """Settings whose default channels are ids; SettingsError (one line) for a `#name` that
    names no channel leadloop can see."""
    updates: dict[str, Any] = {}
    if settings.shared_channel is not None:
        updates["shared_channel"] = await _resolved(
            client, "LEADLOOP_SHARED_CHANNEL", settings.shared_channel
        )
    updates["digest_channels"] = tuple(
        [await _resolved(client, "LEADLOOP_DIGEST_CHANNEL", c) for c in settings.digest_channels]
    )
    return settings.model_copy(update=updates)
