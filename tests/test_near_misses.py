"""Slips of the keyboard: which typed words and emails are taken for what was meant."""

import pytest

from storage.near_misses import near_email, nearest, slips
from storage.vocabulary import LeadStatus, Rating, Reason, contradiction, near_word


@pytest.mark.parametrize(
    ("typed", "meant", "expected"),
    [
        ("hto", "hot", 1),  # a swap of neighbours is one slip
        ("hott", "hot", 1),
        ("hit", "hot", 2),  # a wrong letter in a short word counts two
        ("meetnig", "meeting", 1),
        ("qualifed", "qualified", 1),
    ],
)
def test_slips(typed: str, meant: str, expected: int) -> None:
    assert slips(typed, meant) == expected


def test_nearest_needs_one_closest_meaning() -> None:
    choices = {"alpha": 1, "alpah": 1, "bravo": 2, "brave": 3}
    assert nearest("alhpa", choices, max_slips=1) == 1  # two spellings, one meaning
    assert nearest("bravx", choices, max_slips=1) is None  # as close to two meanings
    assert nearest("zulu", choices, max_slips=1) is None
    assert nearest("alpha", choices, max_slips=1) is None  # no slip at all
    assert nearest("al", {"a": 1}, max_slips=1) is None  # too short to judge


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hto", Rating.HOT),
        ("wrong-persna", Reason.WRONG_PERSONA),
        ("disqualifed", LeadStatus.DISQUALIFIED),
        ("not", None),
        ("how", None),
        ("#hto", None),
        ("hto@x.com", None),
    ],
)
def test_near_word(typed: str, expected: object) -> None:
    assert near_word(typed, [Rating, LeadStatus, Reason]) == expected


def test_near_word_only_among_the_kinds_asked() -> None:
    assert near_word("hto", [LeadStatus, Reason]) is None


@pytest.mark.parametrize(
    ("typed", "known", "expected"),
    [
        ("acme@exmaple.com", ["acme@example.com", "bob@example.com"], "acme@example.com"),
        ("jonathon@acme.com", ["jonathan@acme.com"], "jonathan@acme.com"),
        ("jake@acme.com", ["jane@acme.com"], None),  # a short name: likely a colleague
        ("acme@exmaple.com", ["acme@example.com", "acme@exmaple.co"], None),  # two candidates
        ("acme@example.com", ["acme@example.com"], None),  # the address itself
        ("x@foo.com", ["y@bar.com"], None),
    ],
)
def test_near_email(typed: str, known: list[str], expected: str | None) -> None:
    assert near_email(typed, known) == expected


def test_contradictions_are_found_in_any_order() -> None:
    assert contradiction(Rating.HOT, None, Reason.BUDGET) is not None
    assert contradiction(Rating.JUNK, LeadStatus.WON, None) is not None
    assert contradiction(None, LeadStatus.WON, Reason.BAD_DATA) is not None
    assert contradiction(Rating.WARM, LeadStatus.MEETING, Reason.BUDGET) is None
    assert contradiction(Rating.HOT, LeadStatus.LOST, Reason.COMPETITOR) is None
