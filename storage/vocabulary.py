"""The fixed words of the product: ratings, lead statuses and reasons, with their aliases.

Users type these in slash commands, so each word also answers to the aliases people actually
type (`🔥` for hot, `dq` for disqualified, `no-budget` for budget). Matching is
case-insensitive and ignores emoji variation selectors.
"""

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from storage.near_misses import nearest, slips_allowed


class Rating(StrEnum):
    """Sales' verdict on a lead's quality."""

    HOT = "hot"
    WARM = "warm"
    COLD = "cold"
    JUNK = "junk"


class LeadStatus(StrEnum):
    """Where a lead stands in the sales process."""

    NEW = "new"
    CONTACTED = "contacted"
    MEETING = "meeting"
    QUALIFIED = "qualified"
    WON = "won"
    LOST = "lost"
    DISQUALIFIED = "disqualified"


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.MEETING)


class Reason(StrEnum):
    """Why a lead is not hot."""

    BUDGET = "budget"
    TIMING = "timing"
    NO_RESPONSE = "no-response"
    WRONG_PERSONA = "wrong-persona"
    NOT_A_FIT = "not-a-fit"
    COMPETITOR = "competitor"
    EXISTING_CUSTOMER = "existing-customer"
    DUPLICATE = "duplicate"
    BAD_DATA = "bad-data"
    OTHER = "other"


# How each reason reads to people, in messages and in the modal's select.
REASON_LABELS: dict[Reason, str] = {
    Reason.BUDGET: "Budget",
    Reason.TIMING: "Timing",
    Reason.NO_RESPONSE: "No response",
    Reason.WRONG_PERSONA: "Wrong persona",
    Reason.NOT_A_FIT: "Not a fit",
    Reason.COMPETITOR: "Competitor",
    Reason.EXISTING_CUSTOMER: "Existing customer",
    Reason.DUPLICATE: "Duplicate",
    Reason.BAD_DATA: "Bad data",
    Reason.OTHER: "Other",
}


def reason_label(code: str) -> str:
    """A stored reason code as people read it ("wrong-persona" → "Wrong persona")."""
    try:
        return REASON_LABELS[Reason(code)]
    except ValueError:
        return code


RATING_ALIASES: dict[str, Rating] = {
    "🔥": Rating.HOT,
    ":fire:": Rating.HOT,
    "h": Rating.HOT,
    "sales-ready": Rating.HOT,
    "☀": Rating.WARM,
    ":sunny:": Rating.WARM,
    "w": Rating.WARM,
    "nurture": Rating.WARM,
    "❄": Rating.COLD,
    ":snowflake:": Rating.COLD,
    "c": Rating.COLD,
    "not-now": Rating.COLD,
    "🗑": Rating.JUNK,
    ":wastebasket:": Rating.JUNK,
    "💩": Rating.JUNK,
    "j": Rating.JUNK,
    "spam": Rating.JUNK,
    "trash": Rating.JUNK,
    "garbage": Rating.JUNK,
}

STATUS_ALIASES: dict[str, LeadStatus] = {
    "reached": LeadStatus.CONTACTED,
    "called": LeadStatus.CONTACTED,
    "emailed": LeadStatus.CONTACTED,
    "meet": LeadStatus.MEETING,
    "meeting-booked": LeadStatus.MEETING,
    "demo": LeadStatus.MEETING,
    "mtg": LeadStatus.MEETING,
    "sql": LeadStatus.QUALIFIED,
    "qual": LeadStatus.QUALIFIED,
    "closed-won": LeadStatus.WON,
    "closedwon": LeadStatus.WON,
    "closed-lost": LeadStatus.LOST,
    "closedlost": LeadStatus.LOST,
    "dq": LeadStatus.DISQUALIFIED,
    "dq'd": LeadStatus.DISQUALIFIED,
    "disqualify": LeadStatus.DISQUALIFIED,
}

REASON_ALIASES: dict[str, Reason] = {
    "no-budget": Reason.BUDGET,
    "nobudget": Reason.BUDGET,
    "price": Reason.BUDGET,
    "pricing": Reason.BUDGET,
    "too-expensive": Reason.BUDGET,
    "bad-timing": Reason.TIMING,
    "later": Reason.TIMING,
    "noresponse": Reason.NO_RESPONSE,
    "no-reply": Reason.NO_RESPONSE,
    "ghosted": Reason.NO_RESPONSE,
    "unresponsive": Reason.NO_RESPONSE,
    "wrong-person": Reason.WRONG_PERSONA,
    "wrong-contact": Reason.WRONG_PERSONA,
    "persona": Reason.WRONG_PERSONA,
    "no-fit": Reason.NOT_A_FIT,
    "bad-fit": Reason.NOT_A_FIT,
    "not-fit": Reason.NOT_A_FIT,
    "nofit": Reason.NOT_A_FIT,
    "competition": Reason.COMPETITOR,
    "lost-to-competitor": Reason.COMPETITOR,
    "customer": Reason.EXISTING_CUSTOMER,
    "existing": Reason.EXISTING_CUSTOMER,
    "already-customer": Reason.EXISTING_CUSTOMER,
    "dup": Reason.DUPLICATE,
    "dupe": Reason.DUPLICATE,
    "bad-email": Reason.BAD_DATA,
    "invalid": Reason.BAD_DATA,
    "fake": Reason.BAD_DATA,
    "misc": Reason.OTHER,
}


def _key(word: str) -> str:
    return word.strip().lower().replace("\ufe0f", "").replace("_", "-")


E = TypeVar("E", bound=StrEnum)


def _lookup(word: str, enum: type[E], aliases: dict[str, E]) -> E | None:
    key = _key(word)
    try:
        return enum(key)
    except ValueError:
        return aliases.get(key)


def parse_rating(word: str) -> Rating | None:
    """The rating a word names, or None."""
    return _lookup(word, Rating, RATING_ALIASES)


def parse_status(word: str) -> LeadStatus | None:
    """The lead status a word names, or None."""
    return _lookup(word, LeadStatus, STATUS_ALIASES)


def parse_reason(word: str) -> Reason | None:
    """The reason a word names, or None."""
    return _lookup(word, Reason, REASON_ALIASES)


Word = Rating | LeadStatus | Reason

# Aliases shorter than this (`h`, `dq`, `mtg`) are too close to too many words to be aimed at.
_SUGGESTED_ALIAS_MIN = 4
_SPELLINGS: dict[type[StrEnum], dict[str, StrEnum]] = {
    enum: {member.value: member for member in enum}
    | {alias: member for alias, member in aliases.items() if len(alias) >= _SUGGESTED_ALIAS_MIN}
    for enum, aliases in (
        (Rating, RATING_ALIASES),
        (LeadStatus, STATUS_ALIASES),
        (Reason, REASON_ALIASES),
    )
}


def near_word(word: str, kinds: Iterable[type[Word]]) -> Word | None:
    """The rating, status or reason (of kinds) that word is an unambiguous slip of, or None."""
    key = _key(word)
    if key.startswith("#") or "@" in key:
        return None
    choices: dict[str, StrEnum] = {}
    for kind in kinds:
        choices |= _SPELLINGS[kind]
    found = nearest(key, choices, max_slips=slips_allowed(key))
    return found if isinstance(found, Rating | LeadStatus | Reason) else None


def _against(word: Word, others: Iterable[Word], why: str) -> dict[frozenset[Word], str]:
    return {frozenset({word, other}): why for other in others}


# Pairs of words that cannot both be true of one lead; each with why, for the question asked.
_NOT_FOR_A_RIGHT_LEAD = (
    Reason.NO_RESPONSE,
    Reason.WRONG_PERSONA,
    Reason.NOT_A_FIT,
    Reason.DUPLICATE,
    Reason.BAD_DATA,
)
CONTRADICTIONS: dict[frozenset[Word], str] = {
    **_against(
        Rating.HOT,
        (Reason.BUDGET, Reason.TIMING, *_NOT_FOR_A_RIGHT_LEAD),
        "a reason says why a lead is not hot",
    ),
    **_against(Rating.HOT, (LeadStatus.DISQUALIFIED,), "a disqualified lead is not sales-ready"),
    **_against(
        Rating.JUNK,
        (LeadStatus.WON, LeadStatus.QUALIFIED),
        "junk should never have been handed over",
    ),
    **_against(Rating.COLD, (LeadStatus.WON,), "cold means real, but not now"),
    **_against(LeadStatus.WON, _NOT_FOR_A_RIGHT_LEAD, "a won lead was the right lead"),
}


def contradiction(
    rating: Rating | None, status: LeadStatus | None, reason: Reason | None
) -> tuple[Word, Word, str] | None:
    """The first pair of the verdict's words that contradict each other, and why; or None."""
    words = [w for w in (rating, status, reason) if w is not None]
    for position, first in enumerate(words):
        for second in words[position + 1 :]:
            why = CONTRADICTIONS.get(frozenset({first, second}))
            if why is not None:
                return first, second, why
    return None


class ReactionKind(StrEnum):
    """What sales says about a campaign preview."""

    READY = "ready"
    QUESTION = "question"
    CONCERN = "concern"


# Question and concern need a comment; ready stands on its own.
COMMENTED_REACTIONS = frozenset({ReactionKind.QUESTION, ReactionKind.CONCERN})
