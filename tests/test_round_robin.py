"""Round-robin routing through /api/leads: fair turns, away reps skipped, one DM per batch."""

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.installation import InstallationError
from bot.serving import prepare_served_app
from handlers.lead_routing import resolve_pool
from jobs.sla import run_sla_pass
from storage.models import Lead, LeadEvent
from storage.routing import set_away
from tests.factories import BOT_TOKEN, TEAM, block_action
from tests.helpers import all_rows, job_client, run_cli, seed_team, wait_for_responses
from tests.routing_helpers import REPS, new_leads, routed_app, routed_deps
from tests.test_lead_import import write_csv


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
    routed_before = REGISTRY.get_sample_value("leadloop_leads_routed_total") or 0
    async with routed_app(deps, standin) as app:
        for batch in range(6):
            await app.send_leads(new_leads(10, start=batch * 10))
            deps.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    leads = await all_rows(deps, Lead)
    assert Counter(lead.owner for lead in leads) == dict.fromkeys(REPS, 20)
    # /metrics counts each lead routed, once.
    assert REGISTRY.get_sample_value("leadloop_leads_routed_total") == routed_before + 60
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
        answer = await app.send_leads(new_leads(8))
    assert [r["routed_to"] for r in answer["results"]] == [*REPS, *REPS, "channel", "channel"]
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
        answer = await app.send_leads([owned, old])
    assert all("routed_to" not in result for result in answer["results"])
    leads = await all_rows(deps, Lead)
    assert [(lead.owner, lead.routing_round) for lead in leads] == [("U0OWNER", 0), (None, 0)]


async def test_start_up_names_pool_members_slack_does_not_know(
    deps: Deps, standin: SlackStandIn
) -> None:
    standin.add_user("U0KNOWN", email="known@example.com")
    standin.add_usergroup("S0SALES", ["U0GROUP1", "U0GROUP2"])
    pool = ("U0REPA", "known@example.com", "S0SALES", "ghost@example.com", "S0NOBODY")
    with pytest.raises(InstallationError) as refused:
        await prepare_served_app(
            routed_deps(deps, routing_pool=pool), job_client(deps), scheduler=False
        )
    assert str(refused.value).startswith(
        "LEADLOOP_ROUTING_POOL names people leadloop cannot find in Slack: "
        "ghost@example.com, S0NOBODY."
    )
    served = await prepare_served_app(
        routed_deps(deps, routing_pool=pool[:3]), job_client(deps), scheduler=False
    )
    assert served.team_id == TEAM
    resolved = await resolve_pool(routed_deps(deps, routing_pool=pool[:3]), TEAM)
    assert resolved.user_ids == ("U0REPA", "U0KNOWN", "U0GROUP1", "U0GROUP2")


async def test_not_mine_passes_the_lead_on_never_back_to_the_same_rep(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps)
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(1))
        [lead] = await all_rows(deps, Lead)
        for told, rep in enumerate(REPS, start=2):
            click = block_action(
                "routing_not_mine", str(lead.id), user=rep, response_url=standin.response_url(rep)
            )
            await app.slack.interact(click)
            await standin.wait_for("chat.postMessage", told)
        # The first rep, clicking again on the old DM, is told it is not theirs any more.
        late = block_action(
            "routing_contacted", str(lead.id), user=REPS[0], response_url=standin.response_url()
        )
        await app.slack.interact(late)
        [answer] = await wait_for_responses(standin, 1)
    [lead] = await all_rows(deps, Lead)
    assert lead.owner is None and lead.routing_round == 4 and lead.first_touch_at is None
    assert [len(_dm_lead_ids(standin, rep)) for rep in REPS] == [1, 1, 1]
    [card] = standin.messages("C0SALES")
    assert "Claim" in str(card["blocks"])
    assert "not yours" in answer.body["text"]


async def test_leads_arriving_within_a_minute_are_batched_in_one_dm(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps)
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(3))
        for n in range(6):
            deps.clock.advance(timedelta(seconds=5))  # type: ignore[attr-defined]
            await app.send_leads(new_leads(1, start=3 + n))
        assert [len(standin.messages("D" + rep[1:])) for rep in REPS] == [1, 1, 1]
        deps.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        await run_sla_pass(deps, deps.slack, now=deps.clock.now())
    for rep in REPS:
        first, batched = standin.messages("D" + rep[1:])
        assert batched["text"].startswith("2 new leads for you")
    assert sorted(int(i) for rep in REPS for i in _dm_lead_ids(standin, rep)) == list(range(1, 10))


async def test_leadloop_import_routes_new_leads_but_not_history(
    deps: Deps,
    standin: SlackStandIn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await seed_team(deps, TEAM)
    rows = [
        ["Record ID", "Email", "Create Date"],
        ["201", "new1@example.com", ""],
        ["202", "new2@example.com", ""],
        ["203", "old@example.com", "2026-01-05 09:00"],
    ]
    source = write_csv(tmp_path / "leads.csv", rows)
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": standin.base_url,
        "LEADLOOP_TEAM_ID": TEAM,
        "LEADLOOP_ROUTING": "round-robin",
        "LEADLOOP_ROUTING_POOL": ",".join(REPS),
    }.items():
        monkeypatch.setenv(name, value)
    status, out, _err = await run_cli(deps, monkeypatch, capsys, "import", str(source))
    assert status == 0 and "3 created" in out
    owners = {lead.external_id: lead.owner for lead in await all_rows(deps, Lead)}
    assert owners == {"201": REPS[0], "202": REPS[1], "203": None}
    assert [len(_dm_lead_ids(standin, rep)) for rep in REPS] == [1, 1, 0]
