"""Reading /leadfeedback's text: every form, aliases, and what counts as the note."""

import pytest

from handlers.feedback_parse import (
    Help,
    LeadRef,
    Mine,
    OpenModal,
    ParseError,
    QuickFeedback,
    ShowLead,
    parse_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OpenModal()),
        ("   ", OpenModal()),
        ("help", Help()),
        ("HELP", Help()),
        ("mine", Mine()),
        ("show SF-1", ShowLead(LeadRef("external_id", "SF-1"))),
        ('show "Acme  Corp"', ShowLead(LeadRef("name", "Acme Corp"))),
        ("Jane@Acme.COM", OpenModal(LeadRef("email", "jane@acme.com"))),
        ("<mailto:j@a.co|j@a.co>", OpenModal(LeadRef("email", "j@a.co"))),
        ("“Smart Quotes Ltd”", OpenModal(LeadRef("name", "Smart Quotes Ltd"))),
    ],
)
def test_forms(text: str, expected: object) -> None:
    assert parse_command(text) == expected


def test_full_quick_form_keeps_the_note_as_typed() -> None:
    parsed = parse_command("a@b.co WARM qualified no-budget #Spring-Launch  said  <@U1> hi")
    assert parsed == QuickFeedback(
        LeadRef("email", "a@b.co"), "warm", "qualified", "budget", "spring-launch", "said  <@U1> hi"
    )


def test_words_after_the_note_starts_stay_in_the_note() -> None:
    parsed = parse_command("a@b.co cold they have no budget until timing improves")
    assert isinstance(parsed, QuickFeedback)
    assert (parsed.reason, parsed.note) == (None, "they have no budget until timing improves")


def test_options_in_any_order_each_once() -> None:
    parsed = parse_command("a@b.co dq junk bad-data hot leftover")
    assert isinstance(parsed, QuickFeedback)
    assert (parsed.rating, parsed.status, parsed.reason, parsed.note) == (
        "junk",
        "disqualified",
        "bad-data",
        "hot leftover",
    )


@pytest.mark.parametrize(
    ("word", "rating"),
    [("🔥", "hot"), (":fire:", "hot"), ("❄️", "cold"), ("SPAM", "junk"), ("w", "warm")],
)
def test_rating_aliases(word: str, rating: str) -> None:
    parsed = parse_command(f"a@b.co {word}")
    assert isinstance(parsed, QuickFeedback) and parsed.rating == rating


def test_slack_channel_link_names_a_campaign() -> None:
    parsed = parse_command("a@b.co hot <#C0123|q4-push>")
    assert isinstance(parsed, QuickFeedback) and parsed.campaign_slug == "q4-push"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 4001, "at most 4,000"),
        ("a@b.co hot \x1b[31m", "control characters"),
        ("hot", "is not a lead"),
        ("show", "Say which lead to show"),
        ("a@@b hot", "not a valid email"),
        ("a@b.co #launch", "Say how good the lead was"),
    ],
)
def test_errors_say_what_is_wrong(text: str, message: str) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, ParseError) and message in parsed.message


def test_mine_with_extra_words_is_a_crm_id_lead() -> None:
    parsed = parse_command("mine extra")
    assert isinstance(parsed, ParseError) and parsed.message.startswith("`mine` is not a lead")


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("a@b.co hto", {"rating": "hot"}),
        ("a@b.co HOTT", {"rating": "hot"}),
        ("a@b.co jnuk", {"rating": "junk"}),
        ("a@b.co warm wrong-persna", {"reason": "wrong-persona"}),
        ("a@b.co warm no-budgte", {"reason": "budget"}),
        ("a@b.co cold qualifed", {"status": "qualified"}),
        ("a@b.co cold exsiting-customer", {"reason": "existing-customer"}),
    ],
)
def test_an_unambiguous_slip_is_read_as_the_word_and_noted(
    text: str, meant: dict[str, str]
) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, QuickFeedback) and parsed.note == ""
    [correction] = parsed.corrections
    assert correction.typed == text.split()[-1] and correction.meant == next(iter(meant.values()))
    for field, value in meant.items():
        assert getattr(parsed, field) == value


@pytest.mark.parametrize(
    "text",
    [
        "a@b.co hot last week",  # one wrong letter in a short word makes another word
        "a@b.co hot told me to call back",
        "a@b.co hot spoke to procurement",  # far from every word
        "a@b.co hot cold call",  # a second rating is not a slip of a word still missing
        'a@b.co hot "wrong-persna"',  # quoted words are the note
    ],
)
def test_words_that_are_not_slips_stay_the_note(text: str) -> None:
    parsed = parse_command(text)
    assert isinstance(parsed, QuickFeedback) and parsed.corrections == ()
    assert parsed.note and text.endswith(parsed.note)


def test_without_near_misses_a_slip_starts_the_note() -> None:
    parsed = parse_command("a@b.co warm wrong-persna was a student", near_misses=False)
    assert parsed == QuickFeedback(
        LeadRef("email", "a@b.co"), "warm", note="wrong-persna was a student"
    )
