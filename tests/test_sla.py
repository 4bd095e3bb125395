"""The first-touch SLA pass: one reminder at the deadline, one reassignment at twice it, with
two replicas on one database; and first touch by each of its three paths."""

import asyncio
from datetime import timedelta

import pytest

from bot.cli import main
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.scheduler import ScheduledJobs, Scheduler
from bot.settings import SettingsError, load_settings
from jobs.sla import run_sla_pass
from storage.models import JobClaim, Lead, LeadEvent
from tests.factories import CHANNEL, block_action
from tests.helpers import all_rows, job_client, no_sleep, wait_for_responses
from tests.routing_helpers import REPS, new_leads, replica, routed_app, routed_deps


def _dm(standin: SlackStandIn, rep: str) -> list[str]:
    return [message["text"] for message in standin.messages("D" + rep[1:])]


async def test_reminder_then_reassignment_exactly_once_with_two_replicas(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps)
    other = replica(deps)
    try:
        async with routed_app(deps, standin) as app:
            await app.send_leads(new_leads(1))  # Tuesday 10:00 UTC, to REPS[0]
            clock = deps.clock
            clock.advance(timedelta(minutes=59))  # type: ignore[attr-defined]
            early = await run_sla_pass(deps, deps.slack, now=clock.now())
            assert early.reminded == [] and early.reassigned == []
            clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
            for _ in range(2):
                await asyncio.gather(
                    run_sla_pass(deps, deps.slack, now=clock.now()),
                    run_sla_pass(other, other.slack, now=clock.now()),
                )
            reminders = [t for t in _dm(standin, REPS[0]) if "waiting" in t]
            assert len(reminders) == 1
            clock.advance(timedelta(minutes=60))  # type: ignore[attr-defined]
            # This time as the two processes' schedulers run it, every minute.
            jobs = [
                ScheduledJobs(Scheduler(d.clock), d, job_client(d), sleep=no_sleep)
                for d in (deps, other)
            ]
            for _ in range(2):
                await asyncio.gather(*(job.sla_due() for job in jobs))
    finally:
        await other.engine.dispose()
    [lead] = await all_rows(deps, Lead)
    assert lead.owner == REPS[1] and lead.routing_round == 2
    kinds = sorted((e.kind, e.round) for e in await all_rows(deps, LeadEvent))
    assert kinds == [("assigned", 1), ("assigned", 2), ("reassigned", 1), ("reminded", 1)]
    notes = [m["text"] for m in standin.messages(CHANNEL)]
    assert notes == ["An untouched lead was reassigned"]
    assert len(_dm(standin, REPS[1])) == 1  # the new owner's DM, once
    assert len([c for c in await all_rows(deps, JobClaim) if c.job.startswith("sla-")]) == 2


async def test_sla_command_dry_run_shows_what_is_due(
    deps: Deps, standin: SlackStandIn, monkeypatch, capsys
) -> None:
    deps = routed_deps(deps)
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(2))
    monkeypatch.setenv("DATABASE_URL", deps.settings.database_url)
    monkeypatch.setenv("LEADLOOP_ROUTING", "round-robin")
    monkeypatch.setenv("LEADLOOP_ROUTING_POOL", ",".join(REPS))
    argv = ["sla", "--at", "2026-11-24T11:30:00Z", "--dry-run"]
    assert await asyncio.to_thread(main, argv, clock=deps.clock) == 0
    out = capsys.readouterr().out
    assert "2 reminders" in out and "0 reassignments" in out
    assert _dm(standin, REPS[0]) and not [t for t in _dm(standin, REPS[0]) if "waiting" in t]


async def test_first_touch_by_contacted_click(deps: Deps, standin: SlackStandIn) -> None:
    deps = routed_deps(deps)
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(1))
        [lead] = await all_rows(deps, Lead)
        dm = standin.messages("D" + REPS[0][1:])[0]
        deps.clock.advance(timedelta(minutes=7))  # type: ignore[attr-defined]
        click = block_action(
            "routing_contacted",
            str(lead.id),
            user=REPS[0],
            channel="D" + REPS[0][1:],
            message_ts=dm["ts"],
            response_url=standin.response_url(),
        )
        click["message"] = dm
        await app.slack.interact(click)
        await standin.wait_for("chat.update")
        [lead] = await all_rows(deps, Lead)
        assert lead.first_touch_at == deps.clock.now() and lead.status == "contacted"
        # Another rep's click changes nothing and is told so.
        await app.slack.interact(
            block_action(
                "routing_contacted", str(lead.id), user=REPS[1], response_url=standin.response_url()
            )
        )
        [answer] = await wait_for_responses(standin)
        assert "not yours" in answer.body["text"]
    [still] = await all_rows(deps, Lead)
    assert still.owner == REPS[0] and still.first_touch_at == lead.first_touch_at


async def test_first_touch_by_the_owners_feedback(deps: Deps, standin: SlackStandIn) -> None:
    deps = routed_deps(deps)
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(1))
        deps.clock.advance(timedelta(minutes=3))  # type: ignore[attr-defined]
        await app.slack.command("lead0@example.com warm", user=REPS[0])
    [lead] = await all_rows(deps, Lead)
    assert lead.first_touch_at == deps.clock.now()


async def test_feedback_by_someone_else_is_not_a_first_touch(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps)
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(1))
        await app.slack.command("lead0@example.com warm", user="U0SOMEONE")
    [lead] = await all_rows(deps, Lead)
    assert lead.first_touch_at is None


async def test_first_touch_by_a_status_from_the_crm(deps: Deps, standin: SlackStandIn) -> None:
    deps = routed_deps(deps)
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(1))
        deps.clock.advance(timedelta(minutes=9))  # type: ignore[attr-defined]
        await app.send_leads([{**new_leads(1)[0], "status": "contacted"}])
    [lead] = await all_rows(deps, Lead)
    assert lead.first_touch_at == deps.clock.now()


async def test_the_reps_manager_is_told_instead_of_the_channel(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = routed_deps(deps, routing_managers=((REPS[0], "U0BOSS"),))
    async with routed_app(deps, standin) as app:
        await app.send_leads(new_leads(1))
        deps.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
        await run_sla_pass(deps, deps.slack, now=deps.clock.now())
    assert _dm(standin, "U0BOSS") == ["An untouched lead was reassigned"]
    assert standin.messages(CHANNEL) == []


def test_routing_settings_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("LEADLOOP_ROUTING", "Round Robin")
    monkeypatch.setenv("LEADLOOP_ROUTING_POOL", "U0A, ann@example.com ,S0SALES")
    monkeypatch.setenv("LEADLOOP_FIRST_TOUCH_SLA", "1h30m")
    monkeypatch.setenv("LEADLOOP_BUSINESS_HOURS", "Mon-Thu 08:00-16:00")
    monkeypatch.setenv("LEADLOOP_HOLIDAYS", "de")
    monkeypatch.setenv("LEADLOOP_ROUTING_MANAGERS", "U0A:U0BOSS,U0HEAD")
    settings = load_settings()
    rules = settings.routing_rules
    assert settings.team_defaults.routing == "round-robin"
    assert rules.pool == ("U0A", "ann@example.com", "S0SALES")
    assert (rules.sla_minutes, rules.hours.describe(), rules.holidays) == (
        90,
        "mon-thu 08:00-16:00",
        "DE",
    )
    assert (rules.manager_of("U0A"), rules.manager_of("U0B")) == ("U0BOSS", "U0HEAD")
    for name, bad in [
        ("LEADLOOP_ROUTING", "sometimes"),
        ("LEADLOOP_ROUTING_POOL", "not a rep"),
        ("LEADLOOP_FIRST_TOUCH_SLA", "soon"),
        ("LEADLOOP_BUSINESS_HOURS", "9 to 5"),
        ("LEADLOOP_HOLIDAYS", "XX"),
        ("LEADLOOP_ROUTING_MANAGERS", "boss"),
        ("LEADLOOP_ROUTING_CAP", "0"),
    ]:
        monkeypatch.setenv(name, bad)
        with pytest.raises(SettingsError, match=f"^{name} is malformed: use "):
            load_settings()
        monkeypatch.delenv(name)
