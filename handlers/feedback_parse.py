"""Reading the text of `/leadfeedback` into a command, without touching Slack or the database.

    /leadfeedback                                   open the feedback modal
    /leadfeedback <lead>                            open the modal for that lead
    /leadfeedback <lead> <rating> [status] [reason] [#campaign] [note …]
    /leadfeedback mine | show <lead> | help

After the lead, words that name a rating, status, reason or `#campaign` are taken (each kind
once, in any order); from the first word that is none of these, the rest is the note, kept
exactly as typed.
"""

import re
from dataclasses import dataclass
from typing import Literal

from storage.models import NOTE_MAX
from storage.slack_ids import is_channel_id
from storage.vocabulary import (
    LeadStatus,
    Rating,
    Reason,
    Word,
    near_word,
    parse_rating,
    parse_reason,
    parse_status,
)

TEXT_MAX = 4000
NAME_MAX = 200
EMAIL_MAX = 254

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TOKEN_RE = re.compile(r'\s*("([^"]*)"|“([^”]*)”|\S+)')
_EMAIL_RE = re.compile(r"^[^@\s<>\"|]+@[^@\s<>\"|.]+(\.[^@\s<>\"|.]+)+$")
_EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
# Slack may wrap what people type: <mailto:a@b.c|a@b.c>, <#C123|name>.
_MAILTO_RE = re.compile(r"^<mailto:([^|>]+)(\|[^>]*)?>$")
_CHANNEL_LINK_RE = re.compile(r"^<#([^|<>]+)\|([^>]*)>$")

USAGE = (
    "`/leadfeedback <lead> <rating> [status] [reason] [#campaign] [note…]`\n"
    '• `<lead>`: an email, a CRM id, or a name in quotes such as `"Acme Corp"`\n'
    "• `<rating>`: `hot`, `warm`, `cold` or `junk`\n"
    "• `[status]`: `contacted`, `meeting`, `qualified`, `won`, `lost`, `disqualified`\n"
    "• `[reason]`: `budget`, `timing`, `no-response`, `wrong-persona`, `not-a-fit`, "
    "`competitor`, `existing-customer`, `duplicate`, `bad-data`, `other`\n"
    "Also: `/leadfeedback` (form), `/leadfeedback mine`, `/leadfeedback show <lead>`, "
    "`/leadfeedback help`"
)


@dataclass(frozen=True)
class LeadRef:
    """How the user named a lead."""

    kind: Literal["email", "external_id", "name"]
    value: str

    def describe(self) -> str:
        """The reference as the user would recognise it (unescaped)."""
        return f'"{self.value}"' if self.kind == "name" else self.value


@dataclass(frozen=True)
class OpenModal:
    """Open the feedback modal, for a lead if one was named."""

    lead: LeadRef | None = None


@dataclass(frozen=True)
class Correction:
    """A word read as the vocabulary word it is a slip of."""

    typed: str
    meant: Word


@dataclass(frozen=True)
class QuickFeedback:
    """Record feedback straight from the command line."""

    lead: LeadRef
    rating: Rating
    status: LeadStatus | None = None
    reason: Reason | None = None
    campaign_slug: str | None = None
    note: str = ""
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class ShowLead:
    """Show a lead's history."""

    lead: LeadRef


@dataclass(frozen=True)
class Mine:
    """List my open leads."""


@dataclass(frozen=True)
class Help:
    """Explain the command."""


@dataclass(frozen=True)
class ParseError:
    """What was wrong with the text, in words for the user (unescaped)."""

    message: str


Command = OpenModal | QuickFeedback | ShowLead | Mine | Help


def _tokens(text: str) -> list[tuple[str, bool, int]]:
    """Each word with whether it was quoted and where it ends in text."""
    found = []
    for match in _TOKEN_RE.finditer(text):
        quoted = match.group(2) if match.group(2) is not None else match.group(3)
        word = quoted if quoted is not None else match.group(1)
        found.append((word, quoted is not None, match.end()))
    return found


def parse_lead(word: str, *, quoted: bool) -> LeadRef | ParseError:
    """A lead reference from one word of the command."""
    if quoted:
        name = " ".join(word.split())
        if not name:
            return ParseError("The quoted lead name is empty.")
        if len(name) > NAME_MAX:
            return ParseError(f"A lead name can be at most {NAME_MAX} characters.")
        return LeadRef("name", name)
    mailto = _MAILTO_RE.match(word)
    if mailto:
        word = mailto.group(1)
    if "@" in word:
        if len(word) > EMAIL_MAX or not _EMAIL_RE.match(word):
            return ParseError(f"`{word[:80]}` is not a valid email address.")
        return LeadRef("email", word.lower())
    if _EXTERNAL_ID_RE.match(word) and not _is_vocabulary(word):
        return LeadRef("external_id", word)
    return ParseError(
        f"`{word[:80]}` is not a lead: start with an email, a CRM id, "
        'or a name in quotes such as "Acme Corp".'
    )


def _names_a_word(word: str) -> bool:
    """Whether word is a rating, status or reason as typed (or one of their aliases)."""
    return any(parse(word) for parse in (parse_rating, parse_status, parse_reason))


def _is_vocabulary(word: str) -> bool:
    return _names_a_word(word) or word in {"mine", "show", "help"}


def _campaign_slug(word: str) -> str | None:
    link = _CHANNEL_LINK_RE.match(word)
    if link and is_channel_id(link.group(1)):
        word = "#" + link.group(2)
    if word.startswith("#") and len(word) > 1:
        return word[1:].lower()
    return None


def parse_command(text: str, *, near_misses: bool = True) -> Command | ParseError:
    """Read the command text into what the user asked for, or say what is wrong.

    Without near_misses, a slip of a vocabulary word starts the note, as any unknown word.
    """
    if len(text) > TEXT_MAX:
        return ParseError(
            f"That is {len(text):,} characters; the command takes at most {TEXT_MAX:,}."
        )
    if _CONTROL_RE.search(text):
        return ParseError("The text contains control characters; please type it again.")
    text = text.strip()
    tokens = _tokens(text)
    if not tokens:
        return OpenModal()
    first, first_quoted, _ = tokens[0]
    keyword = first.lower() if not first_quoted else ""
    if keyword == "help" and len(tokens) == 1:
        return Help()
    if keyword == "mine" and len(tokens) == 1:
        return Mine()
    if keyword == "show":
        if len(tokens) != 2:
            return ParseError("Say which lead to show: `/leadfeedback show <lead>`.")
        lead = parse_lead(tokens[1][0], quoted=tokens[1][1])
        return lead if isinstance(lead, ParseError) else ShowLead(lead)
    lead = parse_lead(first, quoted=first_quoted)
    if isinstance(lead, ParseError):
        return lead
    if len(tokens) == 1:
        return OpenModal(lead)
    return _parse_verdict(
        text, lead, tokens[1:], previous_end=tokens[0][2], near_misses=near_misses
    )


def _open_kinds(
    rating: Rating | None, status: LeadStatus | None, reason: Reason | None
) -> list[type[Word]]:
    """The kinds of word the verdict still lacks."""
    taken = (rating, status, reason)
    return [
        kind for kind, word in zip((Rating, LeadStatus, Reason), taken, strict=True) if not word
    ]


def _parse_verdict(
    text: str,
    lead: LeadRef,
    tokens: list[tuple[str, bool, int]],
    *,
    previous_end: int,
    near_misses: bool,
) -> QuickFeedback | ParseError:
    rating: Rating | None = None
    status: LeadStatus | None = None
    reason: Reason | None = None
    slug: str | None = None
    corrections: list[Correction] = []
    note_start = len(text)
    for word, quoted, end in tokens:
        near = (
            near_word(word, _open_kinds(rating, status, reason))
            if near_misses and not quoted and not _names_a_word(word)
            else None
        )
        if near is not None:
            corrections.append(Correction(word, near))
            word = near.value
        if not quoted and rating is None and (found := parse_rating(word)):
            rating = found
        elif not quoted and status is None and (found_status := parse_status(word)):
            status = found_status
        elif not quoted and reason is None and (found_reason := parse_reason(word)):
            reason = found_reason
        elif not quoted and slug is None and (found_slug := _campaign_slug(word)) is not None:
            if not _SLUG_RE.match(found_slug):
                return ParseError(f"`#{found_slug[:80]}` is not a campaign name.")
            slug = found_slug
        else:
            note_start = previous_end
            break
        previous_end = end
    if rating is None:
        return ParseError(
            "Say how good the lead was: `hot`, `warm`, `cold` or `junk`, right after the lead."
        )
    note = text[note_start:].strip()
    if len(note) > NOTE_MAX:
        return ParseError(f"The note is {len(note):,} characters; the limit is {NOTE_MAX:,}.")
    return QuickFeedback(lead, rating, status, reason, slug, note, tuple(corrections))
