"""Claim mode: a card per lead, the first click wins (20 at once → one owner), bursts become
one queue card with Claim next, and forged or late clicks change nothing."""

import asyncio
from datetime import timedelta

from prometheus_client import REGISTRY

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from jobs.sla import run_sla_pass
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
    claimed_before = REGISTRY.get_sample_value("leadloop_leads_claimed_total") or 0
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
    assert REGISTRY.get_sample_value("leadloop_leads_claimed_total") == claimed_before + 1


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
        *_, stranger = await wait_for_responses(standin, 2)
        assert "not installed in this workspace" in stranger.body["text"]
    [lead] = await all_rows(deps, Lead)
    assert lead.owner is None


async def test_an_untouched_claim_goes_back_to_the_channel_and_old_cards_say_so(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps, routing="claim")
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(1))
        [card] = standin.messages(CHANNEL)
        old = card["blocks"][1]["elements"][0]["value"]
        await app.slack.interact(_click("routing_claim", old, "U0SLOW", standin, card["ts"]))
        await standin.wait_for("chat.update")
        deps.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
        report = await run_sla_pass(deps, deps.slack, now=deps.clock.now())
        assert report.reassigned == [1]
        texts = [m["text"] for m in standin.messages(CHANNEL)]
        assert texts == ["Lead claimed", "An untouched lead was reassigned", "New lead to claim"]
        await app.slack.interact(_click("routing_claim", old, "U0LATE", standin, card["ts"]))
        [answer] = await wait_for_responses(standin, 1)
        assert "moved on since this card was posted" in answer.body["text"]
        fresh = standin.messages(CHANNEL)[-1]
        value = fresh["blocks"][1]["elements"][0]["value"]
        await app.slack.interact(_click("routing_claim", value, "U0LATE", standin, fresh["ts"]))
        await standin.wait_for("chat.update", 2)
    [lead] = await all_rows(deps, Lead)
    assert lead.owner == "U0LATE" and lead.routing_round == 4  # channel, claim, back, claim


async def test_a_later_burst_gets_a_new_queue_card_once_the_old_one_is_done(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps, routing="claim")
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(6))
        [card] = standin.messages(CHANNEL)
        for n in range(6):
            click = _click("routing_claim_next", "next", f"U0REP{n}", standin, card["ts"])
            await app.slack.interact(click)
            await standin.wait_for("chat.update", n + 1)
        assert standin.message(CHANNEL, card["ts"])["text"] == "No new leads waiting"
        await app.send_leads(new_leads(7, start=10))
        [_done, fresh] = standin.messages(CHANNEL)
        assert fresh["text"] == "7 new leads waiting"
        await app.send_leads(new_leads(1, start=30))
        assert standin.message(CHANNEL, fresh["ts"])["text"] == "8 new leads waiting"
    assert len(standin.messages(CHANNEL)) == 2
