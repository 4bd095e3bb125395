"""`/leadfeedback` quick form, mine, show and help, through signed requests to the real app."""

import json
from datetime import timedelta

import pytest

from bot.demo.slack_standin import block_kit_errors
from bot.deps import Deps
from handlers.views import ids
from storage.feedback import FeedbackInput, record_feedback
from storage.leads import get_or_create_lead
from storage.models import Campaign, Feedback, Lead
from storage.teams import ensure_team
from tests.factories import OTHER_REP, OTHER_TEAM, REP, TEAM, SlackDriver
from tests.helpers import all_rows, count_rows, texts_of, wait_for_responses


async def seed_lead(deps: Deps, *, team: str = TEAM, **fields: object) -> Lead:
    """A lead stored directly, as the CRM intake would."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=team, now=now)
        values = {"handed_off_at": now, "last_touch_at": now, "created_at": now, "updated_at": now}
        lead = Lead(team_id=team, **{**values, **fields})
        session.add(lead)
    return lead


async def seed_campaign(deps: Deps, slug: str, *, team: str = TEAM) -> Campaign:
    """A campaign stored directly."""
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=team, now=now)
        campaign = Campaign(
            team_id=team,
            name=slug.title(),
            slug=slug,
            launch_date=now.date(),
            owner="U0MKT",
            created_at=now,
        )
        session.add(campaign)
    return campaign


def answer(response) -> dict:
    """The ephemeral message in a slash command's HTTP response."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("response_type") == "ephemeral"
    assert block_kit_errors(body["blocks"], surface="message") == []
    return body


async def test_quick_form_stores_feedback_and_restates_it(slack: SlackDriver, deps: Deps) -> None:
    await seed_campaign(deps, "spring-webinar")
    response = await slack.command(
        "jane@Acme.com warm meeting budget #spring-webinar call back Tuesday"
    )
    body = answer(response)
    shown = texts_of(body["blocks"])
    assert "jane@acme.com" in shown
    assert "*Warm*" in shown and "*Meeting*" in shown and "*Budget*" in shown
    assert "#spring-webinar" in shown and "call back Tuesday" in shown
    buttons = [
        e["action_id"] for b in body["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == [ids.FEEDBACK_EDIT, ids.FEEDBACK_UNDO]

    [lead] = await all_rows(deps, Lead)
    assert (lead.email, lead.owner, lead.status, lead.team_id) == (
        "jane@acme.com",
        REP,
        "meeting",
        TEAM,
    )
    assert lead.campaign_id is not None
    [feedback] = await all_rows(deps, Feedback)
    assert (feedback.rating, feedback.status, feedback.reason, feedback.note) == (
        "warm",
        "meeting",
        "budget",
        "call back Tuesday",
    )
    assert (feedback.author, feedback.lead_id, feedback.created_at) == (
        REP,
        lead.id,
        deps.clock.now(),
    )
    assert lead.first_feedback_at == deps.clock.now()


async def test_aliases_and_case_are_understood(slack: SlackDriver, deps: Deps) -> None:
    await seed_lead(deps, external_id="SF-42", name="Jo Bloggs")
    answer(await slack.command("SF-42 ❄️ DQ No-Budget"))
    answer(await slack.command("SF-42 🔥 MTG Lost-To-Competitor"))
    first, second = await all_rows(deps, Feedback)
    assert (first.rating, first.status, first.reason) == ("cold", "disqualified", "budget")
    assert (second.rating, second.status, second.reason) == ("hot", "meeting", "competitor")


async def test_unknown_crm_id_creates_lead_owned_by_author(slack: SlackDriver, deps: Deps) -> None:
    body = answer(await slack.command("HS-777 warm"))
    assert "New lead, owned by you" in texts_of(body["blocks"])
    [lead] = await all_rows(deps, Lead)
    assert (lead.external_id, lead.owner, lead.handed_off_at) == ("HS-777", REP, deps.clock.now())


async def test_existing_lead_is_not_duplicated(slack: SlackDriver, deps: Deps) -> None:
    await seed_lead(deps, email="sam@corp.io", owner="U0OWNER")
    answer(await slack.command("SAM@corp.io cold timing"))
    [lead] = await all_rows(deps, Lead)
    assert lead.owner == "U0OWNER"
    assert await count_rows(deps, Feedback) == 1


async def test_ambiguous_name_offers_candidates_and_a_click_records(
    slack: SlackDriver, deps: Deps
) -> None:
    first = await seed_lead(deps, name="Acme Corp", email="a@acme.com")
    await seed_lead(deps, name="Acme Corp", email="b@acme.com")
    body = answer(await slack.command('"acme corp" junk bad-data fake phone'))
    assert await count_rows(deps, Feedback) == 0
    [picker] = [b for b in body["blocks"] if b["type"] == "actions"]
    assert len(picker["elements"]) == 2
    chosen = next(e for e in picker["elements"] if json.loads(e["value"])["lead"] == first.id)

    await slack.click(chosen["action_id"], chosen["value"])
    [response] = await wait_for_responses(slack.standin)
    assert "Recorded for" in texts_of(response.body["blocks"])
    [feedback] = await all_rows(deps, Feedback)
    assert (feedback.lead_id, feedback.rating, feedback.reason, feedback.note) == (
        first.id,
        "junk",
        "bad-data",
        "fake phone",
    )


async def test_unique_name_match_records_directly(slack: SlackDriver, deps: Deps) -> None:
    lead = await seed_lead(deps, name="Globex", email="x@globex.com")
    answer(await slack.command('"globex" warm'))
    [feedback] = await all_rows(deps, Feedback)
    assert feedback.lead_id == lead.id


async def test_percent_and_underscore_in_a_name_match_only_themselves(
    slack: SlackDriver, deps: Deps
) -> None:
    percent = await seed_lead(deps, name="100% Growth Ltd", email="p@growth.com")
    await seed_lead(deps, name="1000 Growth Ltd", email="t@growth.com")
    underscore = await seed_lead(deps, name="Data_Works", email="u@data.com")
    await seed_lead(deps, name="Data-Works", email="d@data.com")
    answer(await slack.command('"100% growth" warm'))
    answer(await slack.command('"a_w" cold'))
    ratings = {(f.lead_id, f.rating) for f in await all_rows(deps, Feedback)}
    assert ratings == {(percent.id, "warm"), (underscore.id, "cold")}


async def test_unknown_name_says_so_and_stores_nothing(slack: SlackDriver, deps: Deps) -> None:
    body = answer(await slack.command('"Nobody Inc" hot'))
    assert "No lead is named" in texts_of(body["blocks"])
    assert await count_rows(deps, Lead) == 0


async def test_unknown_campaign_stores_nothing(slack: SlackDriver, deps: Deps) -> None:
    body = answer(await slack.command("new@lead.com hot #nope"))
    assert "no campaign #nope" in texts_of(body["blocks"])
    assert await count_rows(deps, Lead) == 0
    assert await count_rows(deps, Feedback) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x" * 10_000, "10,000 characters"),
        ("a@b.com hot " + "n" * 2_001, "the limit is 2,000"),
        ("a@b.com hot bell\x07", "control characters"),
        ("a@b.com hot nul\x00", "control characters"),
        ("a@b.com superb", "Say how good the lead was"),
        ("😀 hot", "is not a lead"),
        ("hot", "is not a lead"),
        ("not-an-email@ hot", "not a valid email"),
        ('"" hot', "quoted lead name is empty"),
        ("show", "Say which lead to show"),
        ("a@b.com hot #Bad_Slug!", "not a campaign name"),
    ],
)
async def test_bad_input_gets_a_clear_answer_and_stores_nothing(
    slack: SlackDriver, deps: Deps, text: str, expected: str
) -> None:
    body = answer(await slack.command(text))
    shown = texts_of(body["blocks"])
    assert expected in shown
    assert "/leadfeedback &lt;lead&gt; &lt;rating&gt;" in shown  # the usage, escaped
    assert await count_rows(deps, Lead) == 0
    assert await count_rows(deps, Feedback) == 0


async def test_another_teams_lead_is_invisible(slack: SlackDriver, deps: Deps) -> None:
    theirs = await seed_lead(deps, team=OTHER_TEAM, external_id="SF-1", name="Their Lead")
    body = answer(await slack.command("show SF-1"))
    assert "No lead SF-1" in texts_of(body["blocks"])
    answer(await slack.command("SF-1 hot"))
    leads = await all_rows(deps, Lead)
    assert len(leads) == 2 and {lead.team_id for lead in leads} == {TEAM, OTHER_TEAM}
    [feedback] = await all_rows(deps, Feedback)
    assert feedback.lead_id != theirs.id and feedback.team_id == TEAM


async def test_hostile_note_pings_nobody_anywhere(slack: SlackDriver, deps: Deps) -> None:
    note = "<!channel> <!here> @here <@U12345> <http://evil.example|click> & more"
    body = answer(await slack.command(f"evil@x.com junk {note}"))
    shown = texts_of(body["blocks"])
    for raw in ("<!channel>", "<!here>", "<@U12345>", "<http://evil.example|click>"):
        assert raw not in shown
        assert raw not in body["text"]
    assert "&lt;!channel&gt;" in shown and "&lt;@U12345&gt;" in shown and "&amp; more" in shown

    refused = answer(await slack.command("<!channel> hot"))
    assert "<!channel>" not in refused["text"] + texts_of(refused["blocks"])

    history = answer(await slack.command("show evil@x.com"))
    history_text = texts_of(history["blocks"])
    assert "&lt;!channel&gt;" in history_text and "<!channel>" not in history_text
    [feedback] = await all_rows(deps, Feedback)
    assert feedback.note == note  # stored as typed; escaped only where shown


async def test_help_explains_the_command(slack: SlackDriver) -> None:
    body = answer(await slack.command("help"))
    shown = texts_of(body["blocks"])
    assert "/leadfeedback jane@acme.com hot meeting" in shown and "`hot`, `warm`, `cold`" in shown


async def test_mine_lists_open_leads_oldest_touch_first(slack: SlackDriver, deps: Deps) -> None:
    now = deps.clock.now()
    await seed_lead(deps, email="recent@x.com", owner=REP, last_touch_at=now - timedelta(days=1))
    await seed_lead(deps, email="old@x.com", owner=REP, last_touch_at=now - timedelta(days=9))
    await seed_lead(deps, email="won@x.com", owner=REP, status="won")
    await seed_lead(deps, email="theirs@x.com", owner=OTHER_REP)
    body = answer(await slack.command("mine"))
    shown = texts_of(body["blocks"])
    assert "Your open leads (2)" in shown
    assert shown.index("old@x.com") < shown.index("recent@x.com")
    assert "won@x.com" not in shown and "theirs@x.com" not in shown
    assert "last touched 9 days ago :hourglass: *stale*" in shown


async def test_mine_does_not_call_a_snoozed_lead_stale(slack: SlackDriver, deps: Deps) -> None:
    now = deps.clock.now()
    nine_days_ago = now - timedelta(days=9)
    await seed_lead(deps, email="asleep@x.com", owner=REP, last_touch_at=nine_days_ago,
                    snoozed_until=now + timedelta(days=1))  # fmt: skip
    await seed_lead(deps, email="woke@x.com", owner=REP, last_touch_at=nine_days_ago,
                    snoozed_until=now - timedelta(hours=1))  # fmt: skip
    body = answer(await slack.command("mine"))
    lines = {b["text"]["text"].split("\n")[0]: b["text"]["text"] for b in body["blocks"][1:]}
    [asleep] = [text for first, text in lines.items() if "asleep@x.com" in first]
    [woke] = [text for first, text in lines.items() if "woke@x.com" in first]
    assert asleep.endswith("last touched 9 days ago")
    assert woke.endswith("last touched 9 days ago :hourglass: *stale*")


async def test_mine_with_nothing_open_is_friendly(slack: SlackDriver) -> None:
    body = answer(await slack.command("mine"))
    assert "You have no open leads" in texts_of(body["blocks"])


async def test_mine_caps_a_long_list(slack: SlackDriver, deps: Deps) -> None:
    for n in range(30):
        await seed_lead(deps, email=f"l{n}@x.com", owner=REP)
    body = answer(await slack.command("mine"))
    assert "…and 10 more" in texts_of(body["blocks"])


async def test_show_lists_history_newest_first(slack: SlackDriver, deps: Deps) -> None:
    lead = await seed_lead(deps, email="h@x.com", name="Hana")
    for rating, note in (("cold", "first"), ("hot", "second")):
        async with deps.sessions.begin() as session:
            stored = await session.get(Lead, lead.id)
            await record_feedback(
                session=session,
                team_id=TEAM,
                lead=stored,
                author=REP,
                given=FeedbackInput(rating=rating, note=note),
                now=deps.clock.now(),
            )
        deps.clock.advance(timedelta(hours=1))
    shown = texts_of(answer(await slack.command("show h@x.com"))["blocks"])
    assert shown.index("second") < shown.index("first")
    assert f"<@{REP}>" in shown and "<!date^" in shown


async def test_concurrent_first_feedback_creates_one_lead(deps: Deps) -> None:
    import asyncio

    async def create() -> bool:
        async with deps.sessions.begin() as session:
            _, created = await get_or_create_lead(
                session=session, team_id=TEAM, now=deps.clock.now(), owner=REP, email="race@x.com"
            )
        return created

    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=TEAM, now=deps.clock.now())
    results = await asyncio.gather(*(create() for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    assert await count_rows(deps, Lead) == 1
