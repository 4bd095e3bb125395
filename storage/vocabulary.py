"""The fixed words of the product: ratings, lead statuses and reasons, with their aliases.

Users type these in slash commands, so each word also answers to the aliases people actually
type (`🔥` for hot, `dq` for disqualified, `no-budget` for budget). Matching is
case-insensitive and ignores emoji variation selectors.
"""

from enum import StrEnum
from typing import TypeVar


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


class ReactionKind(StrEnum):
    """What sales says about a campaign preview."""

    READY = "ready"
    QUESTION = "question"
    CONCERN = "concern"


# Question and concern need a comment; ready stands on its own.
COMMENTED_REACTIONS = frozenset({ReactionKind.QUESTION, ReactionKind.CONCERN})
