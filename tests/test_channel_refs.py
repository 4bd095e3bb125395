"""Reading a channel as people type it: an id, Slack's encoding, a link, or a name."""

import pytest

from storage.channel_refs import ChannelRef, read_channel


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C0123456789", ChannelRef(id="C0123456789")),
        ("<#C0123456789|sales>", ChannelRef(id="C0123456789")),
        ("<#G0123456789>", ChannelRef(id="G0123456789")),
        ("https://acme.slack.com/archives/C0123456789", ChannelRef(id="C0123456789")),
        (
            "https://acme.slack.com/archives/C0123456789/p1700000000000100",
            ChannelRef(id="C0123456789"),
        ),
        ("https://app.slack.com/client/T0123456/C0123456789", ChannelRef(id="C0123456789")),
        ("https://acme.slack-gov.com/archives/C0123456789", ChannelRef(id="C0123456789")),
        ("#sales", ChannelRef(name="sales")),
        ("#General", ChannelRef(name="general")),
        ("deals_2027", ChannelRef(name="deals_2027")),
        ("https://example.com/archives/C0123456789", None),
        ("https://acme.slack.com/team/U0123456789", None),
        ("#", None),
        ("two words", None),
        ("<!channel>", None),
        ("", None),
    ],
)
def test_read_channel(text: str, expected: ChannelRef | None) -> None:
    assert read_channel(text) == expected


def test_describe() -> None:
    assert ChannelRef(id="C1").describe() == "C1"
    assert ChannelRef(name="sales").describe() == "#sales"
