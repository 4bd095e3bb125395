"""Stale-lead nudges: one DM per owner, buttons that record in place, once a day, escalation."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.clock import ManualClock
from bot.demo.slack_standin import SlackStandIn, block_kit_errors
from bot.deps import Deps
from handlers.views import ids
from jobs.nudges import post_nudges
from storage.models import Feedback, Lead, LeadNudge
from tests.factories import OTHER_REP, REP, TEAM, SlackDriver, message_action
from tests.helpers import (
    add_lead,
    add_team,
    all_rows,
    job_client,
    no_sleep,
    texts_of,
    with_settings,
)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday
SHARED = "C0SHARED"


@pytest.fixture
def nudging(deps: Deps) -> Deps:
    return with_settings(deps, shared_channel=SHARED)


async def seed(deps: Deps, count: int, owner: str | None = REP) -> list[int]:
    """count stale leads for owner, the oldest first."""
    return [
        await add_lead(
            deps,
            f"{owner or 'Nobody'} lead {i}",
            handed_off_at=NOW - timedelta(days=30 - i),
            owner=owner,
        )
        for i in range(count)
    ]


def dm_to(standin: SlackStandIn, user: str) -> list[dict]:
    return standin.messages("D" + user[1:])


async def test_one_dm_per_owner_with_the_ten_oldest_and_a_pointer(
    nudging: Deps, standin: SlackStandIn
) -> None:
    await add_team(nudging)
    mine = await seed(nudging, 25)
    await seed(nudging, 2, OTHER_REP)
    await seed(nudging, 3, None)
    await add_lead(nudging, "Fresh", handed_off_at=NOW - timedelta(days=1))
    await add_lead(nudging, "Snoozed", handed_off_at=NOW - timedelta(days=9),
                   snoozed_until=NOW + timedelta(days=1))  # fmt: skip
    report = await post_nudges(nudging, job_client(nudging), TEAM, now=NOW, sleep=no_sleep)
    assert (report.owners_nudged, report.leads_nudged, report.ownerless_leads) == (2, 12, 3)
    [dm] = dm_to(standin, REP)
    assert block_kit_errors(dm["blocks"], surface="message") == []
    lead_blocks = [b["block_id"] for b in dm["blocks"] if b.get("block_id", "").startswith(
        ids.NUDGE_LEAD_BLOCK_PREFIX)]  # fmt: skip
    assert lead_blocks == [f"{ids.NUDGE_LEAD_BLOCK_PREFIX}{i}" for i in mine[:10]]
    shown = texts_of(dm["blocks"])
    assert "…and 15 more" in shown and "/leadfeedback mine" in shown
    assert "Fresh" not in shown and "Snoozed" not in shown
    assert len(dm_to(standin, OTHER_REP)) == 1
    [summary] = standin.messages(SHARED)
    assert "3 stale leads without an owner" in texts_of(summary["blocks"])


async def test_a_lead_is_nudged_at_most_once_a_day(nudging: Deps, standin: SlackStandIn) -> None:
    await add_team(nudging)
    await seed(nudging, 2)
    client = job_client(nudging)
    await post_nudges(nudging, client, TEAM, now=NOW, sleep=no_sleep)
    again = await post_nudges(nudging, client, TEAM, now=NOW + timedelta(hours=3), sleep=no_sleep)
    assert again.owners_nudged == 0 and len(dm_to(standin, REP)) == 1
    tomorrow = await post_nudges(nudging, client, TEAM, now=NOW + timedelta(days=1), sleep=no_sleep)
    assert tomorrow.owners_nudged == 1 and len(dm_to(standin, REP)) == 2


async def test_three_unanswered_nudges_escalate_and_the_digest_lists_it(
    nudging: Deps, standin: SlackStandIn
) -> None:
    from jobs.digest import digest_figures
    from storage.schedules import week_ending

    await add_team(nudging)
    [lead_id] = await seed(nudging, 1)
    client = job_client(nudging)
    escalated = []
    for day in range(3):
        report = await post_nudges(
            nudging, client, TEAM, now=NOW + timedelta(days=day), sleep=no_sleep
        )
        escalated.append(report.escalated)
    assert escalated == [0, 0, 1]
    [nudge] = await all_rows(nudging, LeadNudge)
    assert (nudge.lead_id, nudge.nudge_count) == (lead_id, 3)
    assert nudge.escalated_at == NOW + timedelta(days=2)
    figures = await digest_figures(
        nudging, TEAM, week_ending(NOW + timedelta(days=6), ZoneInfo("UTC"))
    )
    assert [row["lead_id"] for row in figures.escalations] == [lead_id]


async def test_a_rating_button_records_feedback_updates_the_dm_and_the_lead_is_no_longer_stale(
    nudging: Deps, standin: SlackStandIn, slack: SlackDriver
) -> None:
    await add_team(nudging)
    first, second = await seed(nudging, 2)
    await post_nudges(nudging, job_client(nudging), TEAM, now=NOW, sleep=no_sleep)
    [dm] = dm_to(standin, REP)
    response = await slack.interact(
        message_action(
            ids.NUDGE_RATE_PREFIX + "junk", str(first), message=dm, channel="D" + REP[1:]
        )  # fmt: skip
    )
    assert response.status_code == 200
    await standin.wait_for("chat.update")
    [feedback] = await all_rows(nudging, Feedback)
    assert (feedback.lead_id, feedback.rating, feedback.author) == (first, "junk", REP)
    [updated] = dm_to(standin, REP)
    block_ids = [b.get("block_id") for b in updated["blocks"]]
    answered = updated["blocks"][block_ids.index(f"{ids.NUDGE_ACTIONS_BLOCK_PREFIX}{first}")]
    assert answered["type"] == "context" and "*Junk*" in texts_of([answered])
    still = updated["blocks"][block_ids.index(f"{ids.NUDGE_ACTIONS_BLOCK_PREFIX}{second}")]
    assert still["type"] == "actions"
    report = await post_nudges(
        nudging, job_client(nudging), TEAM, now=NOW + timedelta(days=1), sleep=no_sleep
    )
    assert report.leads_nudged == 1  # only the unanswered one is stale


async def test_snooze_keeps_a_lead_quiet_for_three_days(
    nudging: Deps, standin: SlackStandIn, slack: SlackDriver
) -> None:
    await add_team(nudging)
    [lead_id] = await seed(nudging, 1)
    await post_nudges(nudging, job_client(nudging), TEAM, now=NOW, sleep=no_sleep)
    [dm] = dm_to(standin, REP)
    await slack.interact(
        message_action(ids.NUDGE_SNOOZE, str(lead_id), message=dm, channel="D" + REP[1:])
    )
    await standin.wait_for("chat.update")
    [lead] = await all_rows(nudging, Lead)
    assert lead.snoozed_until == nudging.clock.now() + timedelta(days=3)
    assert "Snoozed until" in texts_of(dm_to(standin, REP)[0]["blocks"])


async def test_a_broken_button_changes_nothing(
    nudging: Deps, standin: SlackStandIn, slack: SlackDriver
) -> None:
    await add_team(nudging)
    await slack.click(ids.NUDGE_RATE_PREFIX + "hot", "not-a-number")
    await slack.click(ids.NUDGE_SNOOZE, "99999")
    assert await all_rows(nudging, Feedback) == []


def test_nudge_dry_run_prints_and_sends_nothing(
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: ManualClock,
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert main(["migrate"]) == 0
    assert main(["nudge", "--now", "--dry-run"], clock=clock) == 0
    assert "No teams yet." in capsys.readouterr().out
    assert main(["digest", "--now", "--json", "--team", "T0NOPE"], clock=clock) == 2
    assert "no team 'T0NOPE'" in capsys.readouterr().err
