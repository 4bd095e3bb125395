"""Block Kit builders for /leadfeedback: escaping and Slack's limits, without Slack."""

from datetime import UTC, datetime, timedelta

from bot.demo.slack_standin import block_kit_errors, view_errors
from handlers.views import feedback_blocks
from handlers.views.blocks import escape
from storage.feedback import FeedbackInput
from storage.models import Campaign, Feedback, Lead

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
HOSTILE = "<!channel> <@U1> <http://x|y> & " + "long " * 600


def lead(n: int = 1, **fields: object) -> Lead:
    values = {
        "id": n,
        "team_id": "T1",
        "email": f"l{n}@x.com",
        "name": HOSTILE[:200],
        "company": HOSTILE[:200],
        "handed_off_at": NOW,
        "last_touch_at": NOW - timedelta(days=n),
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Lead(**{**values, **fields})


def record(n: int = 1) -> Feedback:
    return Feedback(
        id=n,
        team_id="T1",
        lead_id=1,
        author="U1",
        rating="junk",
        status="lost",
        reason="bad-data",
        note=HOSTILE[:2000],
        created_at=NOW,
    )


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"


def campaign_fixture() -> Campaign:
    return Campaign(
        id=1, team_id="T1", name="x", slug="q4", launch_date=NOW.date(), owner="U", created_at=NOW
    )


def test_confirmation_fits_and_pings_nobody() -> None:
    message = feedback_blocks.confirmation(lead(), record(), campaign_fixture(), created_lead=True)
    assert block_kit_errors(message.blocks, surface="message") == []
    body = str(message.blocks)
    assert "<!channel>" not in body and "<@U1>" not in body and "&lt;!channel&gt;" in body


def test_long_lists_stay_within_limits() -> None:
    leads = [lead(n) for n in range(1, 21)]
    mine = feedback_blocks.mine(leads, 500, now=NOW, stale_after_days=3)
    assert block_kit_errors(mine.blocks, surface="message") == []
    assert "…and 480 more" in str(mine.blocks)
    history = feedback_blocks.history(lead(), None, [record(n) for n in range(15)], 40)
    assert block_kit_errors(history.blocks, surface="message") == []
    assert "…and 25 earlier records" in str(history.blocks)
    picks = feedback_blocks.candidates(
        "x",
        [lead(n) for n in range(1, 15)],
        then="record",
        verdict={"rating": "hot", "note": "n" * 1990},
    )
    assert block_kit_errors(picks.blocks, surface="message") == []


def test_a_verdict_too_long_for_a_button_opens_the_modal_instead() -> None:
    picks = feedback_blocks.candidates("x", [lead()], then="record", verdict={"note": "n" * 1990})
    [button] = picks.blocks[1]["elements"]
    assert '"then": "modal"' in button["value"]


def test_modal_is_valid_with_many_campaigns_and_prefill() -> None:
    campaigns = [
        Campaign(
            id=n,
            team_id="T1",
            name=HOSTILE[:150],
            slug=f"c{n}",
            launch_date=NOW.date(),
            owner="U",
            created_at=NOW,
        )
        for n in range(150)
    ]
    view = feedback_blocks.feedback_modal(
        lead=feedback_blocks.lead_option(lead()),
        campaigns=campaigns,
        initial=FeedbackInput(
            rating="warm", status="meeting", reason="timing", note="n", campaign_id=3
        ),
        metadata={"response_url": "https://hooks.slack.com/x", "replaces": 9},
    )
    assert view_errors(view) == []
