"""Reading `/campaign-preview` text and the campaign modal, without Slack or the database."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from handlers.views import ids, inputs
from storage.campaigns import CampaignInput, slugify
from storage.slack_ids import is_channel_id

COMMAND_TEXT_MAX = 4000
NAME_MAX = 150
AUDIENCE_MAX = 500
KEY_MESSAGE_MAX = 1500
CTA_MAX = 300
LINKS_TEXT_MAX = 3000
LINKS_MAX = 10
LINK_MAX = 500
EXPECTED_LEADS_MAX = 1_000_000
COMMENT_MAX = 2000

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Characters that would end or split a Slack link, or never belong in a URL as typed.
_UNSAFE_URL_RE = re.compile(r"[\s<>|\"`\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class OpenModal:
    """Open the campaign modal, with the name filled in if one was typed."""

    name: str = ""


@dataclass(frozen=True)
class ListCampaigns:
    """Show the upcoming campaigns and their reactions."""


@dataclass(frozen=True)
class Help:
    """Show how the command is used."""


@dataclass(frozen=True)
class ParseError:
    """What was wrong with the command text."""

    message: str


Command = OpenModal | ListCampaigns | Help


def parse_command(text: str) -> Command | ParseError:
    """What `/campaign-preview <text>` asks for."""
    if len(text) > COMMAND_TEXT_MAX:
        return ParseError(f"That is {len(text):,} characters; a campaign name takes {NAME_MAX}.")
    if _CONTROL_RE.search(text):
        return ParseError("The text contains control characters; please type it again.")
    text = " ".join(text.split())
    if text.lower() == "list":
        return ListCampaigns()
    if text.lower() == "help":
        return Help()
    return OpenModal(text[:NAME_MAX])


@dataclass(frozen=True)
class _TextInput:
    """One text input of a modal, and what a valid answer to it is."""

    block_id: str
    action_id: str
    label: str
    limit: int
    required: bool


_NAME = _TextInput(ids.CAMPAIGN_NAME_BLOCK, ids.CAMPAIGN_NAME_ACTION, "name", NAME_MAX, True)
_AUDIENCE = _TextInput(
    ids.CAMPAIGN_AUDIENCE_BLOCK, ids.CAMPAIGN_AUDIENCE_ACTION, "audience", AUDIENCE_MAX, True
)
_KEY_MESSAGE = _TextInput(
    ids.CAMPAIGN_MESSAGE_BLOCK, ids.CAMPAIGN_MESSAGE_ACTION, "key message", KEY_MESSAGE_MAX, True
)
_CTA = _TextInput(ids.CAMPAIGN_CTA_BLOCK, ids.CAMPAIGN_CTA_ACTION, "call to action", CTA_MAX, False)
_LINKS = _TextInput(
    ids.CAMPAIGN_LINKS_BLOCK, ids.CAMPAIGN_LINKS_ACTION, "links", LINKS_TEXT_MAX, False
)
_COMMENT = _TextInput(
    ids.CAMPAIGN_COMMENT_BLOCK, ids.CAMPAIGN_COMMENT_ACTION, "comment", COMMENT_MAX, True
)


def _text(values: dict[str, Any], errors: dict[str, str], field: _TextInput) -> str:
    """The input's text, trimmed; what is wrong with it goes into errors under its block."""
    raw = inputs.text(values, field.block_id, field.action_id)
    text = raw.replace("\r\n", "\n").strip() if raw is not None else ""
    if field.required and not text:
        errors[field.block_id] = f"Fill in the {field.label}."
    elif len(text) > field.limit:
        errors[field.block_id] = (
            f"Keep the {field.label} to {field.limit:,} characters (it is {len(text):,})."
        )
    elif _CONTROL_RE.search(text):
        errors[field.block_id] = f"The {field.label} contains control characters; retype it."
    return text


def _is_web_link(link: str) -> bool:
    if _UNSAFE_URL_RE.search(link):
        return False
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def parse_links(text: str) -> list[str] | str:
    """The http(s) links in text, one per line or separated by spaces, or what is wrong."""
    links = text.split()
    if len(links) > LINKS_MAX:
        return f"Give at most {LINKS_MAX} links (there are {len(links)})."
    for link in links:
        shown = link if len(link) <= 60 else link[:59] + "…"
        if len(link) > LINK_MAX:
            return f"Links can be {LINK_MAX} characters at most: {shown}"
        if not _is_web_link(link):
            return f"Only http:// and https:// links work here, and this is not one: {shown}"
    return list(dict.fromkeys(links))


def parse_expected_leads(text: str) -> int | None | str:
    """A positive whole number of leads, None when left empty, or what is wrong."""
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return None
    if not re.fullmatch(r"\d{1,9}", text) or int(text) < 1:
        return "Expected leads must be a whole number above zero, such as 40."
    if int(text) > EXPECTED_LEADS_MAX:
        return f"Expected leads can be {EXPECTED_LEADS_MAX:,} at most."
    return int(text)


def _launch_date(values: dict[str, Any], errors: dict[str, str], today: date) -> date | None:
    raw = inputs.selected_date(values, ids.CAMPAIGN_LAUNCH_BLOCK, ids.CAMPAIGN_LAUNCH_ACTION)
    try:
        launch = date.fromisoformat(raw) if raw is not None else None
    except ValueError:
        launch = None
    if launch is None:
        errors[ids.CAMPAIGN_LAUNCH_BLOCK] = "Pick the launch date."
    elif launch < today:
        errors[ids.CAMPAIGN_LAUNCH_BLOCK] = (
            f"{launch:%d %b %Y} is in the past: pick today or a later date."
        )
    return launch


def _name(values: dict[str, Any], errors: dict[str, str]) -> str:
    name = " ".join(_text(values, errors, _NAME).split())
    if name and ids.CAMPAIGN_NAME_BLOCK not in errors and not slugify(name):
        errors[ids.CAMPAIGN_NAME_BLOCK] = "Give the name at least one letter or digit."
    return name


def _channel(values: dict[str, Any], errors: dict[str, str]) -> str:
    channel = inputs.selected_conversation(
        values, ids.CAMPAIGN_CHANNEL_BLOCK, ids.CAMPAIGN_CHANNEL_ACTION
    )
    if channel is None or not is_channel_id(channel, direct_messages=False):
        errors[ids.CAMPAIGN_CHANNEL_BLOCK] = "Pick the channel where sales should see the preview."
        return ""
    return channel


def _links(values: dict[str, Any], errors: dict[str, str]) -> list[str]:
    text = _text(values, errors, _LINKS)
    links = parse_links(text) if ids.CAMPAIGN_LINKS_BLOCK not in errors else []
    if isinstance(links, str):
        errors[ids.CAMPAIGN_LINKS_BLOCK] = links
        return []
    return links


def _expected_leads(values: dict[str, Any], errors: dict[str, str]) -> int | None:
    raw = inputs.submitted(
        values, ids.CAMPAIGN_EXPECTED_BLOCK, ids.CAMPAIGN_EXPECTED_ACTION, "value"
    )
    expected = parse_expected_leads(raw if isinstance(raw, str) else "")
    if raw is not None and not isinstance(raw, str):
        expected = "Expected leads must be a whole number above zero, such as 40."
    if isinstance(expected, str):
        errors[ids.CAMPAIGN_EXPECTED_BLOCK] = expected
        return None
    return expected


def read_campaign(values: dict[str, Any], *, today: date) -> CampaignInput | dict[str, str]:
    """The modal's campaign, or errors keyed by input block id for `response_action`."""
    errors: dict[str, str] = {}
    name = _name(values, errors)
    launch = _launch_date(values, errors, today)
    channel = _channel(values, errors)
    audience = _text(values, errors, _AUDIENCE)
    key_message = _text(values, errors, _KEY_MESSAGE)
    cta = _text(values, errors, _CTA)
    links = _links(values, errors)
    expected = _expected_leads(values, errors)
    if errors:
        return errors
    assert launch is not None
    return CampaignInput(
        name=name,
        launch_date=launch,
        channel_id=channel,
        audience=audience,
        key_message=key_message,
        cta=cta,
        asset_urls=links,
        expected_leads=expected,
    )


def read_comment(values: dict[str, Any]) -> str | dict[str, str]:
    """The comment typed into the question/concern modal, or an inline error."""
    errors: dict[str, str] = {}
    comment = _text(values, errors, _COMMENT)
    return errors or comment
