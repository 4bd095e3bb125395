"""What people type when they name a Slack channel, read into an id or a name.

An id (`C0123456789`), Slack's own encoding (`<#C0123456789|sales>`), a link copied from
Slack (`https://acme.slack.com/archives/C0123456789`, also with a message's `/p…` after it,
or `https://app.slack.com/client/T…/C…`) all give the id; `#sales` (or `sales`) gives a name,
which only Slack can turn into an id (conversations.list).
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_ID = r"[CGD][A-Z0-9]{2,21}"
_ID_RE = re.compile(_ID)
_ENCODED_RE = re.compile(rf"<#({_ID})(\|[^>]*)?>")
_LINK_PATH_RE = re.compile(rf"/(?:archives|client/[TE][A-Z0-9]+)/({_ID})(?:/.*)?")
# Slack's rule for channel names: lower-case letters, digits, hyphens, underscores (and
# periods in older workspaces), at most 80 characters.
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
_SLACK_HOSTS = (".slack.com", ".slack-gov.com")


@dataclass(frozen=True)
class ChannelRef:
    """A channel as named: by id, or by name (without the #)."""

    id: str | None = None
    name: str | None = None

    def describe(self) -> str:
        """The channel as the user wrote it, in short: `C0123456789` or `#sales`."""
        return self.id if self.id is not None else f"#{self.name}"


def read_channel(text: str) -> ChannelRef | None:
    """The channel text names, or None when it names none."""
    text = text.strip()
    if _ID_RE.fullmatch(text):
        return ChannelRef(id=text)
    encoded = _ENCODED_RE.fullmatch(text)
    if encoded:
        return ChannelRef(id=encoded.group(1))
    link = _link_id(text)
    if link is not None:
        return ChannelRef(id=link)
    name = text.removeprefix("#").lower()
    return ChannelRef(name=name) if _NAME_RE.fullmatch(name) else None


def _link_id(text: str) -> str | None:
    """The channel id of a link to a channel (or to a message in it) in Slack."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host.endswith(_SLACK_HOSTS):
        return None
    found = _LINK_PATH_RE.fullmatch(parts.path)
    return found.group(1) if found else None
