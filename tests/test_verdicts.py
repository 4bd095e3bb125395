"""A verdict closes the lead: junk (or won, lost, disqualified) takes it out of the nudges and
`mine`; a later hot or warm rating reopens it; Undo puts it back."""

from datetime import timedelta

import pytest

from bot.cli.job_commands import nudge_now
from bot.deps import Deps
from storage.models import Lead
from storage.verdicts import implied_status
from tests.factories import REP, SlackDriver
from tests.helpers import add_lead, all_rows, job_client, texts_of, wait_for_responses


async def stale_lead(deps: Deps) -> int:
    """x@y.com, REP's, handed over ten days ago and never touched since."""
    handed_off = deps.clock.now() - timedelta(days=10)
    lead_id = await add_lead(deps, "X", handed_off_at=handed_off, owner=REP)
    async with deps.sessions.begin() as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        lead.email = "x@y.com"
    return lead_id


async def mine(slack: SlackDriver) -> str:
    return texts_of((await slack.command("mine")).json()["blocks"])


async def test_junk_closes_the_lead_so_neither_nudge_nor_mine_shows_it(
    slack: SlackDriver, deps: Deps
) -> None:
    await stale_lead(deps)
    assert "x@y.com" in await mine(slack)

    answer = (await slack.command("x@y.com junk bad-data")).json()

    assert "status *Disqualified*" in texts_of(answer["blocks"])
    assert "The lead is closed" in texts_of(answer["blocks"])
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "disqualified"
    output = await nudge_now(deps, job_client(deps), dry_run=False)
    assert "nudged 0 owners about 0 leads" in output.text
    assert slack.standin.calls_to("chat.postMessage") == []
    assert "x@y.com" not in await mine(slack)


async def test_hot_after_junk_reopens_the_lead_where_it_stood(
    slack: SlackDriver, deps: Deps
) -> None:
    lead_id = await stale_lead(deps)
    await slack.command("x@y.com hot meeting")
    deps.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    await slack.command("x@y.com junk")
    deps.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]

    answer = (await slack.command("x@y.com warm")).json()

    assert "The lead is open again." in texts_of(answer["blocks"])
    async with deps.sessions() as session:
        lead = await session.get(Lead, lead_id)
    assert lead is not None and lead.status == "meeting"
    assert "x@y.com" in await mine(slack)


async def test_undoing_junk_reopens_the_lead(slack: SlackDriver, deps: Deps) -> None:
    await stale_lead(deps)
    answer = (await slack.command("x@y.com junk")).json()
    undo = next(
        element
        for block in answer["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["text"]["text"] == "Undo"
    )
    await slack.click(undo["action_id"], undo["value"])
    await wait_for_responses(slack.standin)
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "new"


async def test_won_and_lost_close_too_and_cold_does_not_reopen(
    slack: SlackDriver, deps: Deps
) -> None:
    await stale_lead(deps)
    await slack.command("x@y.com cold lost")
    await slack.command("x@y.com cold")
    [lead] = await all_rows(deps, Lead)
    assert lead.status == "lost"
    assert "x@y.com" not in await mine(slack)


@pytest.mark.parametrize(
    ("rating", "current", "before", "expected"),
    [
        ("junk", "new", None, "disqualified"),
        ("junk", "qualified", None, "disqualified"),
        ("junk", "won", None, None),
        ("junk", "disqualified", None, None),
        ("hot", "disqualified", "meeting", "meeting"),
        ("warm", "lost", None, "contacted"),
        ("hot", "disqualified", "qualified", "contacted"),
        ("hot", "won", None, None),
        ("cold", "disqualified", "new", None),
        ("hot", "new", None, None),
    ],
)
def test_what_a_rating_without_a_status_does(
    rating: str, current: str, before: str | None, expected: str | None
) -> None:
    assert implied_status(rating=rating, current=current, before_closing=before) == expected
