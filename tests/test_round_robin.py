"""Round-robin routing through /api/leads: fair turns, away reps skipped, one DM per batch."""

from collections import Counter
from datetime import timedelta

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from storage.models import Lead, LeadEvent
from storage.routing import set_away
from tests.factories import TEAM
from tests.helpers import all_rows
from tests.routing_helpers import REPS, new_leads, routed_app, routed_deps


def _dm_lead_ids(standin: SlackStandIn, rep: str) -> list[str]:
    ids = []
    for message in standin.messages("D" + rep[1:]):
        for block in message["blocks"]:
            if block["type"] == "actions":
                ids.append(block["elements"][0]["value"])
    return ids


async def test_sixty_leads_over_three_reps_is_twenty_each(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps, routing_cap=50)
    async with routed_app(deps, standin) as app:
        for batch in range(6):
            await app.send_leads(new_leads(10, start=batch * 10))
            deps.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    leads = await all_rows(deps, Lead)
    assert Counter(lead.owner for lead in leads) == dict.fromkeys(REPS, 20)
    assert all(lead.assigned_at is not None and lead.routing_round == 1 for lead in leads)
    # Every lead is in exactly one DM, to its owner, with Contacted first.
    for rep in REPS:
        dm = _dm_lead_ids(standin, rep)
        assert sorted(dm) == sorted(str(lead.id) for lead in leads if lead.owner == rep)
    assert len(await all_rows(deps, LeadEvent)) == 60


async def test_an_away_rep_is_skipped(deps: Deps, standin: SlackStandIn) -> None:
    deps = routed_deps(deps, routing_cap=50)
    async with routed_app(deps, standin) as app:
        async with deps.sessions.begin() as session:
            await set_away(session=session, team_id=TEAM, user_id=REPS[2], away=True)
        await app.send_leads(new_leads(60))
    counts = Counter(lead.owner for lead in await all_rows(deps, Lead))
    assert counts == {REPS[0]: 30, REPS[1]: 30}
    assert _dm_lead_ids(standin, REPS[2]) == []


async def test_reps_at_their_cap_are_skipped_and_then_the_channel_claims(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps, routing_cap=2)
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(8))
    leads = await all_rows(deps, Lead)
    counts = Counter(lead.owner for lead in leads)
    assert counts == {REPS[0]: 2, REPS[1]: 2, REPS[2]: 2, None: 2}
    cards = standin.messages("C0SALES")
    assert len(cards) == 2 and all("Claim" in str(card["blocks"]) for card in cards)


async def test_owned_and_history_leads_are_not_routed(deps: Deps, standin: SlackStandIn) -> None:
    deps = routed_deps(deps)
    async with routed_app(deps, standin) as app:
        owned = {**new_leads(1)[0], "owner": "U0OWNER"}
        old = {**new_leads(1, start=5)[0], "history": True}
        await app.send_leads([owned, old])
    leads = await all_rows(deps, Lead)
    assert [(lead.owner, lead.routing_round) for lead in leads] == [("U0OWNER", 0), (None, 0)]
