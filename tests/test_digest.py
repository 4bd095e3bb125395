"""The weekly digest: figures worked out by hand, rendering within Slack's limits, posting once."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.demo.slack_standin import SlackStandIn, block_kit_errors
from bot.deps import Deps
from handlers.views.digest_blocks import render_digest
from jobs.digest import compute_digest, post_digest
from jobs.post_once import Outcome
from storage.digest import DigestFigures, StaleFigures, UpcomingFigures
from storage.models import Lead, LeadNudge
from storage.schedules import Period, week_ending
from tests.factories import TEAM
from tests.helpers import (
    add_campaign,
    add_feedback,
    add_lead,
    add_team,
    job_client,
    no_sleep,
    texts_of,
    with_settings,
)

UTC_ZONE = ZoneInfo("UTC")
# The period: Monday 16 to Monday 23 November 2026, 09:00 UTC.
S = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
E = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
U1, U2, U3 = "U0ONE", "U0TWO", "U0THREE"
DIGEST_CHANNEL = "C0DIGEST"


async def seed_week(deps: Deps) -> None:
    """A week small enough to count by hand; each figure is worked out in the test below."""
    await add_team(deps)
    webinar = await add_campaign(deps, "Spring Webinar", launch_date=date(2026, 10, 1))
    outreach = await add_campaign(deps, "Cold Outreach", launch_date=date(2026, 10, 1))
    await add_campaign(deps, "Summit", launch_date=date(2026, 11, 30))
    await add_campaign(deps, "Far Away", launch_date=date(2026, 12, 7))  # end + 14 days: out
    await add_campaign(deps, "Launch Day", launch_date=date(2026, 11, 23))  # end's day: in

    l1 = await add_lead(deps, "L1", handed_off_at=S + DAY, last_touch_at=S + 2 * DAY,
                        owner=U1, campaign_id=webinar)  # fmt: skip
    await add_feedback(deps, l1, "hot", at=S + 2 * DAY, author=U1)
    l2 = await add_lead(deps, "L2", handed_off_at=S + DAY, last_touch_at=S + 3 * DAY,
                        owner=U1, campaign_id=webinar)  # fmt: skip
    await add_feedback(deps, l2, "warm", at=S + 2 * DAY, author=U1, reason="timing")
    await add_feedback(deps, l2, "junk", at=S + 3 * DAY, author=U2, reason="bad-data")
    l3 = await add_lead(deps, "L3", handed_off_at=S + 2 * DAY, last_touch_at=S + 3 * DAY,
                        owner=U2, campaign_id=outreach)  # fmt: skip
    await add_feedback(deps, l3, "junk", at=S + 3 * DAY, author=U2, reason="wrong-persona")
    await add_lead(deps, "L4", handed_off_at=S + 2 * DAY, owner=U2, campaign_id=outreach)
    l5 = await add_lead(deps, "L5", handed_off_at=S + 3 * DAY, last_touch_at=E + timedelta(hours=1),
                        owner=None)  # fmt: skip
    await add_feedback(deps, l5, "hot", at=E + timedelta(hours=1), author=U1)  # after the end
    l6 = await add_lead(deps, "L6", handed_off_at=S - 3 * DAY, last_touch_at=S + 4 * DAY,
                        owner=U1, campaign_id=webinar)  # fmt: skip
    await add_feedback(deps, l6, "warm", at=S - DAY, author=U1)  # the week before
    await add_feedback(deps, l6, "cold", at=S + 4 * DAY, author=U2, reason="budget")
    l7 = await add_lead(deps, "L7", handed_off_at=S - 2 * DAY, owner=U3, campaign_id=outreach)
    await add_lead(deps, "L8", handed_off_at=E, owner=U3)  # at the end: the next week's
    await add_lead(deps, "L9", handed_off_at=S, owner=U3, campaign_id=webinar,
                   snoozed_until=E + DAY)  # fmt: skip
    await add_lead(deps, "L10", handed_off_at=S - 5 * DAY, owner=U1, status="won")
    async with deps.sessions.begin() as session:
        # L7 went three nudges unanswered; L1 was escalated but answered since.
        session.add(LeadNudge(lead_id=l7, team_id=TEAM, nudge_count=3,
                              last_nudged_at=E - DAY, escalated_at=E - DAY))  # fmt: skip
        session.add(LeadNudge(lead_id=l1, team_id=TEAM, nudge_count=3,
                              last_nudged_at=S + DAY, escalated_at=S + DAY))  # fmt: skip


async def figures_for(deps: Deps, start: datetime = S, end: datetime = E) -> DigestFigures:
    async with deps.sessions() as session:
        return await compute_digest(
            session, TEAM, Period(start, end, "test", UTC_ZONE), stale_after_days=3, zone=UTC_ZONE
        )


async def test_a_hand_counted_week(deps: Deps) -> None:
    await seed_week(deps)
    figures = (await figures_for(deps)).as_json()

    # Handed over in [S, E): L1, L2, L3, L4, L5, L9 (L8 is handed over at E, the next week).
    assert figures["leads_handed_over"] == 6
    # With feedback before E: L1, L2, L3 (L5's feedback came an hour after E).
    assert figures["leads_with_feedback"] == 3
    assert figures["coverage"] == pytest.approx(0.5)
    # Feedback created in [S, E): on L1, L2 (twice), L3, L6 = 5.
    assert figures["feedback_count"] == 5
    # Leads with feedback in the period, by their latest rating: L1 hot, L2 junk, L3 junk, L6 cold.
    assert figures["ratings"] == {"hot": 1, "warm": 0, "cold": 1, "junk": 2}
    assert figures["by_campaign"] == [
        # L1, L2, L9: L1 and L2 rated, L1 hot, L2 junk; timing and bad-data tie, by name.
        {"campaign": "Spring Webinar", "slug": "spring-webinar", "leads": 3,
         "with_feedback": 2, "hot": 1, "warm": 0, "cold": 0, "junk": 1, "top_reason": "bad-data"},
        {"campaign": "Cold Outreach", "slug": "cold-outreach", "leads": 2,
         "with_feedback": 1, "hot": 0, "warm": 0, "cold": 0, "junk": 1,
         "top_reason": "wrong-persona"},
        {"campaign": "no campaign", "slug": None, "leads": 1,
         "with_feedback": 0, "hot": 0, "warm": 0, "cold": 0, "junk": 0, "top_reason": None},
    ]  # fmt: skip
    assert figures["top_reasons"] == [
        {"reason": "bad-data", "count": 1},
        {"reason": "budget", "count": 1},
        {"reason": "timing", "count": 1},
        {"reason": "wrong-persona", "count": 1},
    ]
    assert [(c["name"], c["launch_date"], c["reactions"]) for c in figures["upcoming"]] == [
        ("Launch Day", "2026-11-23", {}),
        ("Summit", "2026-11-30", {}),
    ]
    # Open, touched on or before E - 3 days, not snoozed: L1, L2, L6 (U1), L3, L4 (U2), L7 (U3).
    assert figures["stale"] == {
        "count": 6,
        "owners": [{"owner": U1, "count": 3}, {"owner": U2, "count": 2}, {"owner": U3, "count": 1}],
    }
    assert [row["title"] for row in figures["escalations"]] == ["L7"]
    assert figures["escalations_total"] == 1
    assert figures["feedback_leaders"] == [{"author": U2, "count": 3}, {"author": U1, "count": 2}]
    # The week before: L6, L7, L10 handed over; L6 had feedback before S; one record.
    assert figures["previous"] == {
        "leads_handed_over": 3,
        "leads_with_feedback": 1,
        "coverage": pytest.approx(1 / 3),
        "feedback_count": 1,
    }
    assert figures["changes"] == {
        "leads_handed_over": 3,
        "leads_with_feedback": 2,
        "coverage": pytest.approx(0.5 - 1 / 3),
        "feedback_count": 4,
    }


async def test_other_teams_never_count(deps: Deps) -> None:
    await seed_week(deps)
    await add_team(deps, "T0OTHER")
    other = await add_lead(deps, "Other", handed_off_at=S + DAY, owner=U1, team_id="T0OTHER")
    await add_feedback(deps, other, "hot", at=S + DAY, team_id="T0OTHER")
    figures = await figures_for(deps)
    assert (figures.leads_handed_over, figures.feedback_count) == (6, 5)


async def test_the_hand_counted_week_reads_well(deps: Deps) -> None:
    await seed_week(deps)
    message = render_digest(await figures_for(deps))
    assert block_kit_errors(message.blocks, surface="message") == []
    shown = texts_of(message.blocks)
    assert "*6* leads handed over to sales (▲ 3 on the week before)" in shown
    assert "*3* of them have feedback: *50%* coverage (▲ 17 pts)" in shown
    # Spring Webinar brought as much hot as junk: it is listed once, with the hot ones.
    hot, junk = shown.split("Campaigns that brought junk")
    assert "Campaigns that brought hot leads" in hot and "*Spring Webinar*" in hot
    assert "*Cold Outreach*" in junk and "*Spring Webinar*" not in junk
    assert "• Bad data: 1" in shown and "• Mon 23 Nov: *Launch Day*" in shown
    assert "6 stale leads" in shown and f"<@{U1}> (3)" in shown
    assert "*L7*" in shown and f"<@{U2}> 3" in shown
    assert "Mon 16 Nov 09:00 to Mon 23 Nov 09:00 (UTC)" in shown  # the team's time zone
    assert message.text.startswith("Weekly lead digest: 6 leads handed over")


async def test_a_quiet_week_is_one_short_message(deps: Deps) -> None:
    await add_team(deps)
    message = render_digest(await figures_for(deps))
    assert len(message.blocks) == 1
    assert "Quiet week" in texts_of(message.blocks)


async def test_six_hundred_campaigns_and_five_thousand_stale_leads_fit(deps: Deps) -> None:
    await add_team(deps)
    async with deps.sessions.begin() as session:
        rows = [
            {"team_id": TEAM, "name": f"Campaign {i} " + "x" * 130, "slug": f"c-{i}",
             "launch_date": date(2026, 11, 23) + timedelta(days=i % 14), "audience": "",
             "key_message": "", "cta": "", "asset_urls": [], "owner": "U0MKT",
             "created_at": S}
            for i in range(600)
        ]  # fmt: skip
        from storage.models import Campaign

        await session.exec(insert(Campaign), params=rows)
    async with deps.sessions.begin() as session:
        leads = [
            {"team_id": TEAM, "name": f"Lead {i} <!channel>", "email": f"l{i}@example.com",
             "company": "", "owner": f"U0REP{i % 40}", "campaign_id": 1 + i % 600,
             "handed_off_at": S + timedelta(minutes=i), "status": "new",
             "last_touch_at": S - 5 * DAY, "created_at": S, "updated_at": S}
            for i in range(5000)
        ]  # fmt: skip
        await session.exec(insert(Lead), params=leads)
    lead_ids = range(1, 5001)
    for i in range(0, 5000, 7):
        await add_feedback(deps, lead_ids[i], ["hot", "junk", "cold"][i % 3], at=S + DAY,
                           reason="budget" if i % 2 else "timing")  # fmt: skip
    figures = await figures_for(deps)
    message = render_digest(figures)
    assert figures.leads_handed_over == 5000 and figures.stale.count == 5000
    assert len(figures.by_campaign) == 600 and len(figures.upcoming) == 600
    assert block_kit_errors(message.blocks, surface="message") == []
    assert len(message.blocks) <= 50
    shown = texts_of(message.blocks)
    assert "more" in shown and "<!channel>" not in shown


def figures_with(**overrides: object) -> DigestFigures:
    return DigestFigures(
        **{
            "team_id": TEAM,
            "period_start": S,
            "period_end": E,
            "timezone": "UTC",
            "stale_after_days": 3,
            "leads_handed_over": 1,
            "leads_with_feedback": 0,
            "coverage": 0.0,
            "feedback_count": 0,
            "ratings": {"hot": 0, "warm": 0, "cold": 0, "junk": 0},
            "by_campaign": [],
            "top_reasons": [],
            "upcoming": [],
            "stale": StaleFigures(0, []),
            "escalations": [],
            "escalations_total": 0,
            "feedback_leaders": [],
        }
        | overrides  # type: ignore[arg-type]
    )


def test_user_text_cannot_ping_anyone() -> None:
    hostile = "<!channel> & <@U0BOSS> <https://evil.example|click>"
    figures = figures_with(
        by_campaign=[{"campaign": hostile, "slug": "x", "leads": 1, "with_feedback": 1,
                      "hot": 1, "junk": 0, "top_reason": None}],
        upcoming=[UpcomingFigures(1, hostile, "x", "2026-11-30", {})],
        stale=StaleFigures(1, [{"owner": "<!here>", "count": 1}]),
    )  # fmt: skip
    shown = texts_of(render_digest(figures).blocks)
    assert "<!channel>" not in shown and "<@U0BOSS>" not in shown and "<!here>" not in shown
    assert "&lt;!channel&gt; &amp;" in shown


@pytest.fixture
def digest_deps(deps: Deps) -> Deps:
    return with_settings(deps, digest_channels=(DIGEST_CHANNEL,))


async def test_post_digest_posts_once_and_records_success(
    digest_deps: Deps, standin: SlackStandIn
) -> None:
    await seed_week(digest_deps)
    client = job_client(digest_deps)
    period = week_ending(E, UTC_ZONE)
    first = await post_digest(digest_deps, client, TEAM, period, sleep=no_sleep)
    again = await post_digest(digest_deps, client, TEAM, period, sleep=no_sleep)
    assert first.outcome is Outcome.POSTED and again.outcome is Outcome.NOT_OURS
    [posted] = standin.messages(DIGEST_CHANNEL, replies=False)
    assert posted["ts"] == first.ts and "Weekly lead digest" in texts_of(posted["blocks"])


async def test_a_429_and_a_500_still_deliver_the_digest_once(
    digest_deps: Deps, standin: SlackStandIn
) -> None:
    await add_team(digest_deps)
    standin.fail_next("chat.postMessage", status=429, retry_after=0)
    standin.fail_next("chat.postMessage", status=500)
    result = await post_digest(
        digest_deps, job_client(digest_deps), TEAM, week_ending(E, UTC_ZONE), sleep=no_sleep
    )
    assert result.outcome is Outcome.POSTED
    assert len(standin.messages(DIGEST_CHANNEL, replies=False)) == 1
    assert len(standin.calls_to("chat.postMessage")) == 3


async def test_a_failed_post_is_retried_with_back_off_and_posts_once(
    digest_deps: Deps, standin: SlackStandIn
) -> None:
    await add_team(digest_deps)
    waits: list[float] = []

    async def record_wait(seconds: float) -> None:
        waits.append(seconds)

    # Errors the client does not retry itself: the claim is released and taken again.
    standin.fail_next("chat.postMessage", status=200, error="fatal_error", times=2)
    result = await post_digest(
        digest_deps, job_client(digest_deps), TEAM, week_ending(E, UTC_ZONE), sleep=record_wait
    )
    assert result.outcome is Outcome.POSTED
    assert waits == [5.0, 10.0]
    assert len(standin.messages(DIGEST_CHANNEL, replies=False)) == 1
    again = await post_digest(
        digest_deps, job_client(digest_deps), TEAM, week_ending(E, UTC_ZONE), sleep=no_sleep
    )
    assert (
        again.outcome is Outcome.NOT_OURS
        and len(standin.messages(DIGEST_CHANNEL, replies=False)) == 1
    )


async def test_a_digest_that_cannot_be_posted_shows_in_readyz(
    digest_deps: Deps, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    import httpx

    from bot.app import build_bolt_app
    from bot.web import build_web_app

    await add_team(digest_deps)
    standin.fail_next("chat.postMessage", status=200, error="is_archived", times=10)
    result = await post_digest(
        digest_deps, job_client(digest_deps), TEAM, week_ending(E, UTC_ZONE), sleep=no_sleep
    )
    assert result.outcome is Outcome.FAILED and "is_archived" in (result.error or "")
    assert "was not posted" in caplog.text
    app = build_web_app(build_bolt_app(digest_deps), digest_deps)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        ready = (await c.get("/readyz")).json()
    status = ready["jobs"]["digest"][TEAM]
    assert status["ok"] is False and "is_archived" in status["error"]
    assert status["last_failure"] is not None and status["last_success"] is None
