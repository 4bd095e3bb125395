"""Telling a slip of the keyboard from another word: only unambiguous near-misses count.

Closeness is the optimal string alignment distance (rapidfuzz's OSA): a dropped, added or
wrong letter is one slip, and so is a swapped pair of neighbours (`hto` for `hot`). A word
of up to seven letters may be one slip away, a longer one two. In a word of four letters or
fewer a wrong letter usually makes another word (`not`, `hit`, `last`), so there it counts
as two. A near-miss is suggested only when exactly one meaning comes closest: a word as
close to two meanings, or far from all of them, is left as the user typed it.
"""

from collections.abc import Iterable, Mapping
from typing import TypeVar

from rapidfuzz.distance import OSA, Hamming

T = TypeVar("T")

SHORTEST = 3
_SHORT = 4
# A different name at the same domain is often a colleague, so only long names are questioned.
SHORTEST_LOCAL_PART = 5


def slips_allowed(word: str) -> int:
    """How many slips a typed word may be from what was meant."""
    return 1 if len(word) <= 7 else 2


def slips(typed: str, meant: str) -> int:
    """How many slips typed is from meant (a wrong letter in a short word counts two)."""
    distance = OSA.distance(typed, meant)
    short = len(typed) <= _SHORT and len(typed) == len(meant)
    return (
        distance + 1
        if short and distance == 1 and Hamming.distance(typed, meant) == 1
        else distance
    )


def nearest(word: str, choices: Mapping[str, T], *, max_slips: int) -> T | None:
    """The one meaning whose spellings in choices come closest to word, within max_slips.

    None when word is shorter than SHORTEST, matches a spelling exactly (it is no slip),
    is further than max_slips from all of them, or is as close to two meanings.
    """
    if len(word) < SHORTEST or word in choices:
        return None
    found = [(slips(word, spelling), meaning) for spelling, meaning in choices.items()]
    close = [(distance, meaning) for distance, meaning in found if distance <= max_slips]
    if not close:
        return None
    best = min(distance for distance, _ in close)
    meanings = {meaning for distance, meaning in close if distance == best}
    return meanings.pop() if len(meanings) == 1 else None


def near_email(email: str, known: Iterable[str]) -> str | None:
    """The one known address that email is a slip of, or None.

    Two slips: the same name at a slightly different domain (`acme@exmaple.com`), or one
    slip in a name of five or more letters at the same domain (`jonathon@acme.com`).
    """
    local, _, domain = email.partition("@")
    others = [k.partition("@") for k in known if k != email]
    by_domain = nearest(
        domain,
        {k_domain: f"{k_local}@{k_domain}" for k_local, _, k_domain in others if k_local == local},
        max_slips=slips_allowed(domain),
    )
    by_name = (
        nearest(
            local,
            {
                k_local: f"{k_local}@{k_domain}"
                for k_local, _, k_domain in others
                if k_domain == domain
            },
            max_slips=1,
        )
        if len(local) >= SHORTEST_LOCAL_PART
        else None
    )
    if by_domain is not None and by_name is not None:
        return None
    return by_domain or by_name
