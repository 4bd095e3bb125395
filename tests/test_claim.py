"""Claim mode: a card per lead, the first click wins (20 at once → one owner), bursts become
one queue card with Claim next, and forged or late clicks change nothing."""

import asyncio

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from storage.models import Lead
from tests.factories import CHANNEL, OTHER_TEAM, block_action
from tests.helpers import all_rows, wait_for_responses
from tests.routing_helpers import new_leads, routed_app, routed_deps


def _click(action: str, value: str, user: str, standin: SlackStandIn, ts: str, **kw: str) -> dict:
    return block_action(
        action,
        value,
        user=user,
        channel=CHANNEL,
        message_ts=ts,
        response_url=standin.response_url(user),
        **kw,
    )


async def test_twenty_clicks_at_once_make_one_owner(deps: Deps, standin: SlackStandIn) -> None:
    deps = routed_deps(deps, routing="claim")
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(1))
        [card] = standin.messages(CHANNEL)
        value = card["blocks"][1]["elements"][0]["value"]
        users = [f"U0CLICK{n:02d}" for n in range(20)]
        await asyncio.gather(
            *(
                app.slack.interact(_click("routing_claim", value, u, standin, card["ts"]))
                for u in users
            )
        )
        answers = await wait_for_responses(standin, 19)
    [lead] = await all_rows(deps, Lead)
    assert lead.owner in users and lead.assigned_at is not None
    assert len(answers) == 19
    assert all(f"Already claimed by <@{lead.owner}>" in a.body["text"] for a in answers)
    assert f"claimed by <@{lead.owner}>" in standin.message(CHANNEL, card["ts"])["text"] + str(
        standin.message(CHANNEL, card["ts"])["blocks"]
    )


async def test_a_burst_becomes_one_queue_card(deps: Deps, standin: SlackStandIn) -> None:
    deps = routed_deps(deps, routing="claim")
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(12))
        [card] = standin.messages(CHANNEL)
        assert card["text"] == "12 new leads waiting"
        await app.slack.interact(
            _click("routing_claim_next", "next", "U0FAST", standin, card["ts"])
        )
        await standin.wait_for("chat.update")
        assert standin.message(CHANNEL, card["ts"])["text"] == "11 new leads waiting"
    owners = [lead.owner for lead in await all_rows(deps, Lead)]
    assert owners.count("U0FAST") == 1 and owners[0] == "U0FAST"


async def test_forged_and_foreign_clicks_change_nothing(deps: Deps, standin: SlackStandIn) -> None:
    deps = routed_deps(deps, routing="claim")
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(1))
        [card] = standin.messages(CHANNEL)
        await app.slack.interact(_click("routing_claim", "999:0", "U0FORGER", standin, card["ts"]))
        [answer] = await wait_for_responses(standin, 1)
        assert "not in this workspace" in answer.body["text"]
        value = card["blocks"][1]["elements"][0]["value"]
        foreign = await app.slack.interact(
            _click("routing_claim", value, "U0ELSE", standin, card["ts"], team=OTHER_TEAM)
        )
        assert foreign.status_code == 200
    [lead] = await all_rows(deps, Lead)
    assert lead.owner is None
