"""Reading `/campaign-preview` text and the campaign modal, without Slack or the database."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from handlers.views import ids
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


def _value(values: dict[str, Any], block_id: str, action_id: str, key: str = "value") -> Any:
    element = values.get(block_id, {})
    element = element.get(action_id) if isinstance(element, dict) else None
    return element.get(key) if isinstance(element, dict) else None


def _text(
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    block_id: str,
    action_id: str,
    label: str,
    limit: int,
    required: bool,
) -> str:
    raw = _value(values, block_id, action_id)
    text = raw.replace("\r\n", "\n").strip() if isinstance(raw, str) else ""
    if required and not text:
        errors[block_id] = f"Fill in the {label}."
    elif len(text) > limit:
        errors[block_id] = f"Keep the {label} to {limit:,} characters (it is {len(text):,})."
    elif _CONTROL_RE.search(text):
        errors[block_id] = f"The {label} contains control characters; retype it."
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
    raw = _value(values, ids.CAMPAIGN_LAUNCH_BLOCK, ids.CAMPAIGN_LAUNCH_ACTION, "selected_date")
    try:
        launch = date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        launch = None
    if launch is None:
        errors[ids.CAMPAIGN_LAUNCH_BLOCK] = "Pick the launch date."
    elif launch < today:
        errors[ids.CAMPAIGN_LAUNCH_BLOCK] = (
            f"{launch:%d %b %Y} is in the past: pick today or a later date."
        )
    return launch


def read_campaign(values: dict[str, Any], *, today: date) -> CampaignInput | dict[str, str]:
    """The modal's campaign, or errors keyed by input block id for `response_action`."""
    errors: dict[str, str] = {}

    def text(block_id: str, action_id: str, label: str, limit: int, required: bool) -> str:
        return _text(
            values,
            errors,
            block_id=block_id,
            action_id=action_id,
            label=label,
            limit=limit,
            required=required,
        )

    name = text(ids.CAMPAIGN_NAME_BLOCK, ids.CAMPAIGN_NAME_ACTION, "name", NAME_MAX, True)
    name = " ".join(name.split())
    if name and ids.CAMPAIGN_NAME_BLOCK not in errors and not slugify(name):
        errors[ids.CAMPAIGN_NAME_BLOCK] = "Give the name at least one letter or digit."
    launch = _launch_date(values, errors, today)
    channel = _value(
        values, ids.CAMPAIGN_CHANNEL_BLOCK, ids.CAMPAIGN_CHANNEL_ACTION, "selected_conversation"
    )
    if not is_channel_id(channel, direct_messages=False):
        errors[ids.CAMPAIGN_CHANNEL_BLOCK] = "Pick the channel where sales should see the preview."
    audience = text(
        ids.CAMPAIGN_AUDIENCE_BLOCK, ids.CAMPAIGN_AUDIENCE_ACTION, "audience", AUDIENCE_MAX, True
    )
    key_message = text(
        ids.CAMPAIGN_MESSAGE_BLOCK,
        ids.CAMPAIGN_MESSAGE_ACTION,
        "key message",
        KEY_MESSAGE_MAX,
        True,
    )
    cta = text(ids.CAMPAIGN_CTA_BLOCK, ids.CAMPAIGN_CTA_ACTION, "call to action", CTA_MAX, False)
    links_text = text(
        ids.CAMPAIGN_LINKS_BLOCK, ids.CAMPAIGN_LINKS_ACTION, "links", LINKS_TEXT_MAX, False
    )
    links = parse_links(links_text) if ids.CAMPAIGN_LINKS_BLOCK not in errors else []
    if isinstance(links, str):
        errors[ids.CAMPAIGN_LINKS_BLOCK] = links
    expected_raw = _value(values, ids.CAMPAIGN_EXPECTED_BLOCK, ids.CAMPAIGN_EXPECTED_ACTION)
    expected = parse_expected_leads(expected_raw if isinstance(expected_raw, str) else "")
    if expected_raw is not None and not isinstance(expected_raw, str):
        expected = "Expected leads must be a whole number above zero, such as 40."
    if isinstance(expected, str):
        errors[ids.CAMPAIGN_EXPECTED_BLOCK] = expected
    if errors:
        return errors
    assert launch is not None and isinstance(channel, str) and isinstance(links, list)
    assert not isinstance(expected, str)
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
    comment = _text(
        values,
        errors,
        block_id=ids.CAMPAIGN_COMMENT_BLOCK,
        action_id=ids.CAMPAIGN_COMMENT_ACTION,
        label="comment",
        limit=COMMENT_MAX,
        required=True,
    )
    return errors or comment
