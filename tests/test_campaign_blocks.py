"""The campaign builders and form reader, without Slack: limits, escaping, defaults."""

from datetime import UTC, date, datetime

import pytest

from bot.demo.slack_standin import block_kit_errors, view_errors
from handlers.campaign_form import (
    AUDIENCE_MAX,
    CTA_MAX,
    KEY_MESSAGE_MAX,
    LINK_MAX,
    LINKS_MAX,
    NAME_MAX,
    ListCampaigns,
    OpenModal,
    ParseError,
    parse_command,
    parse_links,
)
from handlers.views import campaign_blocks, ids
from handlers.views.preview_problems import why_not_posted
from storage.models import Campaign
from storage.reactions import ReactionCounts
from storage.vocabulary import ReactionKind


def biggest_campaign() -> Campaign:
    """A campaign with every field at its limit, full of characters that escaping grows."""
    return Campaign(
        id=7,
        team_id="T0TEAM",
        name="<&>" * (NAME_MAX // 3),
        slug="x" * 80,
        launch_date=date(2026, 12, 1),
        audience="&" * AUDIENCE_MAX,
        key_message="<" * KEY_MESSAGE_MAX,
        cta=">" * CTA_MAX,
        asset_urls=[f"https://example.com/{i}?" + "a=1&" * 120 for i in range(LINKS_MAX)],
        expected_leads=1_000_000,
        owner="U0MKT",
        channel_id="C0SALES",
        message_ts="1.2",
        created_at=datetime(2026, 11, 24, tzinfo=UTC),
    )


def test_the_shared_channel_is_the_default() -> None:
    view = campaign_blocks.campaign_modal(name="Launch", default_channel="C0SHARED")
    assert view_errors(view) == []
    channel = next(b for b in view["blocks"] if b["block_id"] == ids.CAMPAIGN_CHANNEL_BLOCK)
    assert channel["element"]["initial_conversation"] == "C0SHARED"
    assert view["blocks"][0]["element"]["initial_value"] == "Launch"


def test_the_biggest_preview_stays_within_slacks_limits() -> None:
    campaign = biggest_campaign()
    message = campaign_blocks.preview_message(campaign, ReactionCounts(ready=999, concern=3))
    assert block_kit_errors(message.blocks, surface="message") == []
    assert len(message.text) <= 3000
    for kind in (ReactionKind.QUESTION, ReactionKind.CONCERN):
        assert view_errors(campaign_blocks.comment_modal(campaign, kind)) == []
        reply = campaign_blocks.thread_reply(kind, "U0REP", "<" * 2000)
        assert block_kit_errors(reply.blocks, surface="message") == []
        dm = campaign_blocks.owner_dm(campaign, kind, "U0REP", "&" * 2000, "https://x/p1?a&b")
        assert block_kit_errors(dm.blocks, surface="message") == []
    assert (
        block_kit_errors(campaign_blocks.not_posted(campaign, "x" * 500).blocks, surface="message")
        == []
    )


def test_the_list_stays_within_slacks_limits() -> None:
    campaigns = [biggest_campaign() for _ in range(campaign_blocks.LIST_MAX)]
    message = campaign_blocks.campaign_list(campaigns, {}, 500, user_id="U0MKT")
    assert block_kit_errors(message.blocks, surface="message") == []
    assert "and 480 more" in message.blocks[-1]["elements"][0]["text"]


def test_only_slack_ids_become_mentions() -> None:
    assert campaign_blocks.mention("U0MKT") == "<@U0MKT>"
    assert campaign_blocks.mention("<!channel>") == "&lt;!channel&gt;"
    assert campaign_blocks.channel_link("C0SALES") == "<#C0SALES>"
    assert campaign_blocks.channel_link("<!here>") == "&lt;!here&gt;"


def test_command_text() -> None:
    assert parse_command("") == OpenModal("")
    assert parse_command(" List ") == ListCampaigns()
    assert parse_command("Spring\u00a0 webinar") == OpenModal("Spring webinar")
    assert parse_command("x" * 200) == OpenModal("x" * NAME_MAX)
    assert isinstance(parse_command("a\x00b"), ParseError)


def test_links() -> None:
    assert parse_links("") == []
    assert parse_links("https://a.com\n\nhttps://a.com  HTTP://b.com/x") == [
        "https://a.com",
        "HTTP://b.com/x",
    ]
    for bad in (
        "javascript:alert(1)",
        "file:///etc/passwd",
        "example.com",
        "https://",
        "https://a.com/<x>",
        "https://a.com|click",
        "https://[::1",
        "https://a.com/" + "x" * LINK_MAX,
        "mailto:a@b.com",
    ):
        assert isinstance(parse_links(bad), str), bad


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("not_in_channel", "`/invite @leadloop` in <#C0SALES>"),
        ("is_archived", "<#C0SALES> is archived"),
        ("restricted_action", "Ask whoever manages <#C0SALES>"),
        ("msg_too_long", "pressing *Post preview* again will not help"),
        ("missing_scope", "reinstall the app"),
        ("ratelimited", "Press *Post preview* to try again."),
        ("<weird>", "refused the post (`&lt;weird&gt;`)"),
    ],
)
def test_each_kind_of_refusal_says_what_to_do(error: str, words: str) -> None:
    assert words in why_not_posted(error, "<#C0SALES>")
