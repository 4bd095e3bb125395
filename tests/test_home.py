"""The App Home: what a rep, a marketer, an admin and a newcomer see, within Slack's limits,
and the lead buttons on it."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.demo.slack_standin import SlackStandIn, view_errors
from bot.deps import Deps
from handlers.views import ids
from handlers.views.home_blocks import HOME_LEADS_MAX
from storage.campaigns import owned_campaigns_quality
from storage.models import Campaign, Feedback, Lead
from storage.reactions import record_reaction
from storage.team_settings import SettingsChange, save_team_settings
from storage.teams import ensure_team
from storage.vocabulary import ReactionKind
from tests.factories import OTHER_REP, OTHER_TEAM, REP, TEAM, SlackDriver, app_home_opened
from tests.factories import home_action as home_click
from tests.helpers import all_rows, texts_of
from tests.test_leadfeedback_command import seed_lead

MARKETER = "U0MKT"
ADMIN = "U0ADMIN"
NEWCOMER = "U0NEW"


async def published(standin: SlackStandIn, count: int = 1) -> dict[str, Any]:
    """The count-th Home the app published, checked by the stand-in and for Block Kit limits."""
    calls = await standin.wait_for("views.publish", count)
    call = calls[count - 1]
    assert call.response["ok"], call.response
    view = call.params["view"]
    assert view_errors(view) == []
    assert len(view["blocks"]) <= 100
    return view


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button on the view."""
    found = []
    for block in view["blocks"]:
        elements = block.get("elements", []) + [block.get("accessory") or {}]
        found += [e for e in elements if e.get("type") == "button"]
    return found


async def seed_feedback(
    deps: Deps,
    lead: Lead,
    rating: str,
    *,
    author: str = REP,
    reason: str | None = None,
    ago: timedelta = timedelta(hours=1),
) -> None:
    """A feedback record stored directly, ago before the clock's now."""
    async with deps.sessions.begin() as session:
        session.add(
            Feedback(
                team_id=lead.team_id,
                lead_id=lead.id,
                author=author,
                rating=rating,
                reason=reason,
                created_at=deps.clock.now() - ago,
            )
        )
        stored = await session.get(Lead, lead.id)
        at = deps.clock.now() - ago
        if stored is not None and (
            stored.first_feedback_at is None or at < stored.first_feedback_at
        ):
            stored.first_feedback_at = at


async def seed_owned_campaign(
    deps: Deps, slug: str, *, owner: str = MARKETER, name: str | None = None, launch: int = 7
) -> Campaign:
    """A campaign owned by owner, launching launch days from now."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=TEAM, now=now)
        campaign = Campaign(
            team_id=TEAM,
            name=name or slug.title(),
            slug=slug,
            launch_date=now.date() + timedelta(days=launch),
            owner=owner,
            created_at=now,
        )
        session.add(campaign)
    return campaign


async def save_digest_settings(deps: Deps, **fields: Any) -> None:
    """Overrides for TEAM: digest Fridays 16:30 in Berlin to C0DIGEST, unless fields say else."""
    change = SettingsChange(
        digest_channels=("C0DIGEST",),
        digest_day="fri",
        digest_time="16:30",
        nudge_days="mon-fri",
        nudge_time="10:00",
        stale_after_days=3,
        timezone="Europe/Berlin",
        admin_users=(),
    )
    async with deps.sessions.begin() as session:
        await save_team_settings(
            session=session,
            team_id=TEAM,
            change=replace(change, **fields),
            by=ADMIN,
            now=deps.clock.now(),
        )


async def test_a_newcomer_gets_a_friendly_first_run_home(slack: SlackDriver, deps: Deps) -> None:
    await save_digest_settings(deps)
    response = await slack.event(app_home_opened(user=NEWCOMER))
    assert response.status_code == 200
    view = await published(slack.standin)
    call = slack.standin.calls_to("views.publish")[0]
    assert call.params["user_id"] == NEWCOMER
    text = texts_of(view["blocks"])
    assert "Welcome to leadloop" in text and ":wave: *Welcome!*" in text
    assert "`/leadfeedback`" in text and "`/campaign-preview`" in text
    # Friday 27 November 16:30 in Berlin is 15:30 UTC; Slack shows it in the reader's zone.
    friday = 1_795_793_400
    assert f"<!date^{friday}^{{date_long_pretty}} at {{time}}|2026-11-27 15:30 UTC>" in text
    assert "<#C0DIGEST>" in text
    assert "Your open leads" not in text and "Your campaigns" not in text
    assert buttons(view) == []


async def test_without_a_digest_channel_the_home_says_so(slack: SlackDriver) -> None:
    await slack.event(app_home_opened(user=NEWCOMER))
    text = texts_of((await published(slack.standin))["blocks"])
    assert "No digest channel is set" in text and "An admin can pick one in Settings." in text


async def test_the_messages_tab_publishes_nothing(slack: SlackDriver) -> None:
    response = await slack.event(app_home_opened(tab="messages"))
    assert response.status_code == 200
    await slack.event(app_home_opened(user=NEWCOMER))
    await published(slack.standin)
    assert [c.params["user_id"] for c in slack.standin.calls_to("views.publish")] == [NEWCOMER]


async def test_a_rep_sees_open_leads_oldest_first_with_stale_ones_flagged(
    slack: SlackDriver, deps: Deps
) -> None:
    now = deps.clock.now()
    for age in range(12):
        await seed_lead(
            deps,
            email=f"lead{age}@acme.com",
            name=f"Lead {age}",
            owner=REP,
            last_touch_at=now - timedelta(days=age),
        )
    snoozed = await seed_lead(
        deps,
        email="snoozed@acme.com",
        name="Snoozed",
        owner=REP,
        last_touch_at=now - timedelta(days=40),
        snoozed_until=now + timedelta(days=1),
    )
    await seed_lead(deps, email="theirs@acme.com", name="Not Mine", owner=OTHER_REP)
    await seed_lead(deps, email="won@acme.com", name="Won Deal", owner=REP, status="won")
    await seed_feedback(deps, snoozed, "warm")
    await seed_feedback(deps, snoozed, "cold", ago=timedelta(days=1))
    await seed_feedback(deps, snoozed, "hot", ago=timedelta(days=9))  # last week
    other = await seed_lead(deps, email="o@acme.com", owner=OTHER_REP)
    for _ in range(3):
        await seed_feedback(deps, other, "junk", author=OTHER_REP)

    await slack.event(app_home_opened(user=REP))
    view = await published(slack.standin)
    text = texts_of(view["blocks"])
    assert "Your open leads (13)" in text
    shown = [line for line in text.splitlines() if line.startswith("*Lead") or "Snoozed" in line]
    # Oldest touch first: the snoozed lead (40 days), then Lead 11, 10, …
    assert shown[0].startswith("*Snoozed*") and shown[1].startswith("*Lead 11*")
    assert len(shown) == HOME_LEADS_MAX
    assert "…and 5 more" in text and "`/leadfeedback mine`" in text
    assert "Not Mine" not in text and "Won Deal" not in text
    lead_sections = [b["text"]["text"] for b in view["blocks"] if "touched" in str(b)]
    assert ":hourglass: *stale*" in lead_sections[1]  # Lead 11: 11 days
    assert "stale" not in lead_sections[0]  # snoozed
    rating_ids = {b["action_id"] for b in buttons(view)}
    assert {f"{ids.HOME_RATE_PREFIX}{r}" for r in ("hot", "warm", "cold", "junk")} <= rating_ids
    assert ids.HOME_FEEDBACK_DETAILS in rating_ids
    assert "You gave feedback *2* times this week." in text
    assert "Who closed the loop this week" in text
    assert f":first_place_medal: <@{OTHER_REP}>: 3 feedback" in text
    assert f":second_place_medal: <@{REP}> (you): 2 feedback" in text
    assert ids.HOME_OPEN_SETTINGS not in rating_ids


async def test_a_marketer_sees_campaigns_with_lead_quality(slack: SlackDriver, deps: Deps) -> None:
    spring = await seed_owned_campaign(deps, "spring", name="Spring <!channel> Webinar", launch=60)
    for i in range(9):
        await seed_owned_campaign(deps, f"later-{i}", launch=20 + i)
    await seed_owned_campaign(deps, "someone-elses", owner=OTHER_REP)
    leads = [await seed_lead(deps, email=f"s{i}@acme.com", campaign_id=spring.id) for i in range(4)]
    await seed_feedback(deps, leads[0], "junk", reason="timing", ago=timedelta(days=2))
    await seed_feedback(deps, leads[0], "hot")  # the latest verdict counts
    await seed_feedback(deps, leads[1], "junk", reason="bad-data")
    await seed_feedback(deps, leads[2], "cold", reason="bad-data")
    async with deps.sessions.begin() as session:
        for user, kind in (("U0A", "ready"), ("U0B", "ready"), ("U0C", "concern")):
            await record_reaction(
                session=session,
                team_id=TEAM,
                campaign_id=spring.id,
                user_id=user,
                kind=ReactionKind(kind),
                comment="",
                now=deps.clock.now(),
            )

    await slack.event(app_home_opened(user=MARKETER))
    view = await published(slack.standin)
    text = texts_of(view["blocks"])
    assert "Your campaigns (10)" in text and "…and 2 more" in text
    assert "Someone-Elses" not in text
    spring_text = next(b["text"]["text"] for b in view["blocks"] if "`#spring`" in str(b))
    assert "*Spring &lt;!channel&gt; Webinar*" in spring_text
    assert "4 leads" in spring_text and ":fire: 33% hot" in spring_text
    assert ":wastebasket: 33% junk of 3 rated" in spring_text
    assert "top reason: Bad data" in spring_text
    assert "2 ready · :grey_question: 0 questions · :warning: 1 concerns" in spring_text
    assert "Your open leads" not in text and "Welcome!" not in text


async def test_campaign_quality_is_computed_per_campaign_and_team(deps: Deps) -> None:
    first = await seed_owned_campaign(deps, "first")
    await seed_owned_campaign(deps, "empty", launch=1)
    lead = await seed_lead(deps, email="a@acme.com", campaign_id=first.id)
    await seed_feedback(deps, lead, "junk", reason="duplicate")
    tie = await seed_lead(deps, email="b@acme.com", campaign_id=first.id)
    await seed_feedback(deps, tie, "junk", reason="bad-data")
    async with deps.sessions() as session:
        qualities, total = await owned_campaigns_quality(
            session=session, team_id=TEAM, owner=MARKETER, limit=10
        )
        other_team, none = await owned_campaigns_quality(
            session=session, team_id=OTHER_TEAM, owner=MARKETER, limit=10
        )
    assert total == 2 and (other_team, none) == ([], 0)
    by_slug = {q.campaign.slug: q for q in qualities}
    assert [q.campaign.slug for q in qualities] == ["first", "empty"]  # latest launch first
    first_q = by_slug["first"]
    assert (first_q.leads, first_q.rated, first_q.hot, first_q.junk) == (2, 2, 0, 2)
    assert first_q.junk_share == 1.0 and first_q.top_reason == "bad-data"  # ties by name
    empty_q = by_slug["empty"]
    assert (empty_q.leads, empty_q.rated, empty_q.hot_share, empty_q.top_reason) == (
        0,
        0,
        None,
        None,
    )


async def test_an_admin_sees_settings_and_slack_is_asked_once_per_ten_minutes(
    slack: SlackDriver, deps: Deps
) -> None:
    slack.standin.add_user(ADMIN, is_admin=True)
    await slack.event(app_home_opened(user=ADMIN))
    view = await published(slack.standin)
    settings_buttons = [b for b in buttons(view) if b["action_id"] == ids.HOME_OPEN_SETTINGS]
    assert len(settings_buttons) == 1
    text = texts_of(view["blocks"])
    assert "Digest Mon 09:00 · nudges Mon–Fri 10:00 · stale after 3 days · UTC" in text
    assert "No digest channel is set" in text and "An admin can pick one" not in text

    await slack.event(app_home_opened(user=ADMIN))
    await published(slack.standin, 2)
    assert len(slack.standin.calls_to("users.info")) == 1
    deps.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    await slack.event(app_home_opened(user=ADMIN))
    await published(slack.standin, 3)
    assert len(slack.standin.calls_to("users.info")) == 2


async def test_owners_and_listed_admins_see_settings_but_others_do_not(
    slack: SlackDriver, deps: Deps
) -> None:
    slack.standin.add_user("U0OWNER", is_owner=True)
    await save_digest_settings(deps, admin_users=("U0LISTED",))
    for count, user in enumerate(("U0OWNER", "U0LISTED", REP, NEWCOMER), 1):
        await slack.event(app_home_opened(user=user))
        view = await published(slack.standin, count)
        has_settings = any(b["action_id"] == ids.HOME_OPEN_SETTINGS for b in buttons(view))
        assert has_settings == (user in ("U0OWNER", "U0LISTED")), user


async def test_a_busy_home_stays_within_slacks_limits(slack: SlackDriver, deps: Deps) -> None:
    slack.standin.add_user(REP, is_admin=True)
    long = "Ω" * 150  # the longest name a campaign may have
    for i in range(30):
        campaign = await seed_owned_campaign(deps, f"c{i}", owner=REP, name=long)
        lead = await seed_lead(
            deps,
            email=f"l{i}@acme.com",
            name=long,
            company=long,
            owner=REP,
            campaign_id=campaign.id,
        )
        await seed_feedback(deps, lead, "junk", author=f"U0AUTHOR{i}", reason="bad-data")
    await save_digest_settings(deps, digest_channels=("C01", "C02", "C03", "C04", "C05"))
    await slack.event(app_home_opened(user=REP))
    view = await published(slack.standin)
    text = texts_of(view["blocks"])
    assert "…and 22 more" in text  # leads and campaigns are both cut at 8
    assert text.count(":first_place_medal:") == 1 and "5. <@" in text and "6. <@" not in text
    assert len(view["blocks"]) < 60


async def test_rating_from_the_home_records_it_and_refreshes(
    slack: SlackDriver, deps: Deps
) -> None:
    lead = await seed_lead(deps, email="jane@acme.com", name="Jane", owner=REP)
    await slack.interact(home_click(f"{ids.HOME_RATE_PREFIX}hot", str(lead.id)))
    view = await published(slack.standin)
    [record] = await all_rows(deps, Feedback)
    assert (record.lead_id, record.author, record.rating, record.reason) == (
        lead.id,
        REP,
        "hot",
        None,
    )
    text = texts_of(view["blocks"])
    assert ":white_check_mark: Recorded :fire: *Hot* for *Jane* (jane@acme.com)" in text
    assert "`/leadfeedback show jane@acme.com`" in text
    assert "You gave feedback *1* time this week." in text


@pytest.mark.parametrize("value", ["999999", "not-a-number", ""])
async def test_rating_a_lead_that_is_gone_records_nothing(
    slack: SlackDriver, deps: Deps, value: str
) -> None:
    await slack.interact(home_click(f"{ids.HOME_RATE_PREFIX}junk", value))
    view = await published(slack.standin)
    assert "not in this workspace any more" in texts_of(view["blocks"])
    assert await all_rows(deps, Feedback) == []


async def test_rating_another_teams_lead_records_nothing(slack: SlackDriver, deps: Deps) -> None:
    theirs = await seed_lead(deps, team=OTHER_TEAM, email="x@other.com")
    await slack.interact(home_click(f"{ids.HOME_RATE_PREFIX}hot", str(theirs.id)))
    await published(slack.standin)
    assert await all_rows(deps, Feedback) == []


async def test_details_opens_the_feedback_modal_for_the_lead(
    slack: SlackDriver, deps: Deps
) -> None:
    lead = await seed_lead(deps, email="jane@acme.com", name="Jane", owner=REP)
    await slack.interact(home_click(ids.HOME_FEEDBACK_DETAILS, str(lead.id)))
    [call] = await slack.standin.wait_for("views.open")
    assert call.response["ok"], call.response
    view = call.params["view"]
    assert view["callback_id"] == ids.FEEDBACK_MODAL
    assert view["blocks"][0]["element"]["initial_option"]["value"] == f"lead:{lead.id}"


async def test_a_refused_trigger_on_details_is_explained_on_the_home(
    slack: SlackDriver, deps: Deps
) -> None:
    lead = await seed_lead(deps, email="jane@acme.com", name="Jane", owner=REP)
    slack.standin.fail_next("views.open", status=200, error="expired_trigger_id")
    await slack.interact(home_click(ids.HOME_FEEDBACK_DETAILS, str(lead.id)))
    view = await published(slack.standin)
    assert "Slack did not open the feedback form in time. Please press it again." in texts_of(
        view["blocks"]
    )
    assert await all_rows(deps, Feedback) == []
