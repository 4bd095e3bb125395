"""Block Kit helpers shared by every surface: escaping, truncation and small builders.

User text is escaped before it goes into a message: Slack reads `<…>` as a mention or a link,
so replacing `&`, `<` and `>` makes `<!channel>`, `<@U…>` and `<http://…|x>` typed by a user
show as text and reach nobody. Characters that reorder or hide text (bidi overrides,
zero-width spaces) are dropped from all user text, in mrkdwn and plain text alike.

Names and titles sit inside our own formatting (`*{name}* launches …`), where a `*`, `_`,
`~` or backtick of theirs would end our bold or start a style of their own. mrkdwn has no
escape for these, so in names they are shown as look-alikes that Slack does not read as
markup (`name_text`).
"""

import re
from datetime import datetime
from typing import Any

from storage.slack_ids import is_channel_id, is_user_id

Block = dict[str, Any]

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
HEADER_TEXT_MAX = 150


# Bidi marks, embeddings, overrides and isolates (U+061C, U+200E-F, U+202A-E, U+2066-9) can
# show "exe.txt" for "txt.exe"; zero-width and invisible characters (U+180E, U+200B-D,
# U+2060-4, U+FEFF) hide inside words. A zero-width joiner before an emoji draws one
# emoji of two (👩‍💻), so that one stays. Lone surrogates (half a character, from a JSON
# escape) could not be sent at all.
_HIDDEN_RE = re.compile(
    r"[\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    r"\ud800-\udfff]|\u200d(?![\u2600-\u27bf\U0001f000-\U0001faff])"
)
_STYLE_LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})


def clean(text: str) -> str:
    """User text without the characters that reorder or hide what is shown."""
    return _HIDDEN_RE.sub("", text)


def escape(text: str) -> str:
    """Make user text safe to show in mrkdwn: no mentions, no links, no broadcasts, nothing
    hidden or reordered."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def name_text(text: str) -> str:
    """A name or title (a campaign's, a lead's, a company's) for mrkdwn: escaped, and with
    `*`, `_`, `~` and backticks shown as look-alikes, so it styles nothing around it."""
    return escape(text).translate(_STYLE_LOOKALIKES)


def mention(user_id: str) -> str:
    """A mention of a stored Slack user id; anything that is not one shows as escaped text."""
    return f"<@{user_id}>" if is_user_id(user_id) else escape(user_id)


def channel_link(channel_id: str | None) -> str:
    """A link to a stored Slack channel id; anything else shows as escaped text."""
    if is_channel_id(channel_id):
        return f"<#{channel_id}>"
    return escape(channel_id or "no channel")


def truncate(text: str, limit: int) -> str:
    """Cut text to at most limit characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = 1500) -> str:
    """User text as an escaped mrkdwn block quote."""
    escaped = escape(truncate(text, limit))
    return "\n".join("> " + line for line in escaped.splitlines() or [""])


def slack_date(moment: datetime, token: str = "{date_short_pretty} {time}") -> str:
    """A timestamp that Slack shows in each reader's own time zone."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{token}|{fallback}>"


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    """A plain_text object (never parsed for mentions)."""
    return {"type": "plain_text", "text": truncate(clean(text), limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object; callers escape user text first."""
    return {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX)}


def header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": plain(text, HEADER_TEXT_MAX)}


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    """A mrkdwn section, cut to Slack's 3,000 characters."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def context(*texts: str) -> Block:
    """A context block of mrkdwn texts (at most 10)."""
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def button(
    text: str, *, action_id: str, value: str = "", style: str | None = None, url: str | None = None
) -> Block:
    """A button; value over Slack's 2,000 characters is a programming error."""
    if len(value) > BUTTON_VALUE_MAX:
        raise ValueError("button value over 2,000 characters")
    element: Block = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_MAX),
        "action_id": action_id,
    }
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    """An actions block (at most 25 elements)."""
    block: Block = {"type": "actions", "elements": list(elements[:25])}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> Block:
    """A select or radio option, its text cut to 75 characters."""
    return {"text": plain(text, OPTION_TEXT_MAX), "value": value}


class Message:
    """A message to send: a plain-text fallback (notifications, screen readers) and blocks."""

    def __init__(self, text: str, blocks: list[Block]) -> None:
        self.text = truncate(clean(text), 3000)
        self.blocks = blocks

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ack(), respond() or chat.postMessage."""
        return {"text": self.text, "blocks": self.blocks}
