"""User text on its way to Slack: bidi controls and zero-width characters dropped everywhere,
and names shown so that their `*`, `_`, `~` and backticks style nothing around them."""

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.demo.mrkdwn_reader import parse_line
from bot.deps import Deps
from handlers.views import campaign_blocks, feedback_blocks, nudge_blocks
from handlers.views.blocks import Message, clean, escape, name_text, plain
from storage.models import Campaign, Feedback, Lead
from storage.nudges import Nudge
from storage.reactions import ReactionCounts
from storage.vocabulary import ReactionKind
from tests.factories import CHANNEL, REP, TEAM, SlackDriver
from tests.helpers import add_lead, seed_team, texts_of
from tests.test_campaign_preview import MARKETER, mrkdwn_texts, post_preview

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
HIDDEN = re.compile(
    "[\u061c\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# A name with every trick: styles, a broadcast, a right-to-left override, zero-width spaces.
HOSTILE = "*b* _i_ ~s~ `c` <!channel> \u202eexe.txt\u202c Ac\u200bme\u2066"


def test_clean_drops_what_reorders_or_hides_text() -> None:
    assert clean("invoice\u202egnp.exe") == "invoicegnp.exe"
    assert clean("a\u200bb\u200cc\u200dd\u2060e\ufefff\u2066g\u2069h\u200ei\u200fj") == "abcdefghij"
    assert clean("half \ud800 a character") == "half  a character"
    # Joiners that draw one emoji of two stay.
    assert clean("👩\u200d💻 and 🏳️\u200d🌈") == "👩\u200d💻 and 🏳️\u200d🌈"
    assert clean("Zoë Ørsted, 東京, مرحبا") == "Zoë Ørsted, 東京, مرحبا"


def test_escape_still_escapes_exactly_the_three_characters() -> None:
    assert escape("<!channel> & <@U0BOSS> *b*") == "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt; *b*"


def test_a_name_styles_nothing_around_it() -> None:
    shown = name_text("*b* _i_ ~s~ `c` & <x>")
    assert not set(shown) & set("*_~`<>")
    runs = parse_line(f"*{shown}* launches Monday")
    assert [(run.text, run.bold) for run in runs] == [
        ("∗b∗ ˍiˍ ∼s∼ ˋcˋ & <x>", True),
        (" launches Monday", False),
    ]


def test_plain_text_is_cleaned_too() -> None:
    assert plain("Ac\u200bme \u202eCorp")["text"] == "Acme Corp"


def _campaign(name: str = HOSTILE) -> Campaign:
    return Campaign(
        id=7,
        team_id=TEAM,
        name=name,
        slug="b-i-s-c",
        launch_date=date(2026, 12, 1),
        audience="Ops\u200b leads",
        key_message="Win \u202eback",
        owner=MARKETER,
        channel_id=CHANNEL,
        message_ts="1700000000.000100",
        created_at=NOW,
    )


def _lead(name: str = HOSTILE) -> Lead:
    return Lead(
        id=3,
        team_id=TEAM,
        name=name,
        company="*Acme*\u200b",
        email="ada@example.com",
        owner=REP,
        handed_off_at=NOW,
        last_touch_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def _feedback() -> Feedback:
    return Feedback(id=9, team_id=TEAM, lead_id=3, author=REP, rating="hot", created_at=NOW)


def _messages() -> dict[str, Message]:
    campaign, lead = _campaign(), _lead()
    counts = ReactionCounts()
    stale = {"now": NOW, "stale_after_days": 3}
    return {
        "preview": campaign_blocks.preview_message(campaign, counts),
        "posted": campaign_blocks.posted(campaign, None),
        "not posted": campaign_blocks.not_posted(campaign, "is_archived"),
        "being posted": campaign_blocks.being_posted(campaign),
        "ready": campaign_blocks.ready_noted(campaign),
        "owner dm": campaign_blocks.owner_dm(campaign, ReactionKind.CONCERN, REP, "Hm", None),
        "list": campaign_blocks.campaign_list([campaign], {7: counts}, 1, user_id=REP),
        "confirmation": feedback_blocks.confirmation(lead, _feedback(), None, created_lead=False),
        "undone": feedback_blocks.undone(lead, _feedback()),
        "history": feedback_blocks.history(lead, campaign, [_feedback()], 1),
        "candidates": feedback_blocks.candidates(HOSTILE, [lead, _lead("B")], then="show"),
        "mine": feedback_blocks.mine([lead], 1, **stale),
        "nudge": nudge_blocks.render_nudge(Nudge(REP, [lead], 1), **stale),
        "ownerless": nudge_blocks.render_ownerless(Nudge(None, [lead], 1), **stale),
    }


@pytest.mark.parametrize("which", list(_messages()))
def test_every_builder_shows_names_cleaned_and_inert(which: str) -> None:
    message = _messages()[which]
    everything = message.text + "\n" + texts_of(message.blocks)
    assert not HIDDEN.search(everything), which
    for text in mrkdwn_texts({"text": message.text, "blocks": message.blocks}):
        assert "*b*" not in text and "_i_" not in text and "~s~" not in text, which
        assert "`c`" not in text and "<!channel>" not in text, which
        for line in text.splitlines():
            styled = [run for run in parse_line(line) if run.italic or run.strike or run.code]
            assert not [run for run in styled if "i" == run.text or "s" == run.text], which


async def test_a_campaign_called_b_in_stars_restyles_nothing_in_slack(
    slack: SlackDriver, deps: Deps
) -> None:
    _, ts = await post_preview(slack, deps, name="*b* \u202eweiverp")
    preview = slack.standin.message(CHANNEL, ts)
    [dm] = slack.standin.messages(MARKETER)
    for message in (preview, dm):
        assert not HIDDEN.search(message["text"] + texts_of(message["blocks"]))
        assert not [text for text in mrkdwn_texts(message) if "*b*" in text]
    assert "∗b∗ weiverp" in preview["text"]


async def test_leads_listed_by_mine_show_their_names_cleaned(
    slack: SlackDriver, deps: Deps
) -> None:
    await seed_team(deps, TEAM)
    await add_lead(deps, "_Evil_ \u202eCorp\u200b", handed_off_at=NOW)
    response = await slack.command("mine")
    answer: dict[str, Any] = response.json()
    everything = answer["text"] + texts_of(answer["blocks"])
    assert not HIDDEN.search(everything)
    assert "ˍEvilˍ Corp" in everything and "_Evil_" not in everything
