"""`leadloop digest --at` and `leadloop nudge --at`: the jobs as of a given moment, through the
command line, whatever the clock says."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.demo.render_text import render_message
from bot.deps import Deps
from handlers.views.digest_blocks import render_digest
from jobs.digest import digest_figures
from storage.schedules import week_ending
from tests.factories import REP, TEAM
from tests.helpers import add_lead, add_team, run_cli
from tests.test_digest import E, S, seed_week

# The hand-counted week of tests/test_digest.py ends at E; the test clock stands a day later.
AT_E = "2026-11-23T09:00:00Z"


async def test_digest_at_a_moment_covers_the_seven_days_ending_then(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_week(deps)
    assert deps.clock.now() > E

    status, out, _err = await run_cli(
        deps, monkeypatch, capsys, "digest", "--at", AT_E, "--json", "--team", TEAM
    )

    assert status == 0
    figures = json.loads(out)[TEAM]
    assert (figures["period_start"], figures["period_end"]) == (S.isoformat(), E.isoformat())
    assert (figures["leads_handed_over"], figures["feedback_count"]) == (6, 5)


async def test_digest_at_a_moment_as_a_dry_run_prints_that_week(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_week(deps)
    status, out, _err = await run_cli(
        deps, monkeypatch, capsys, "digest", "--at", "2026-11-23T10:00+01:00", "--dry-run"
    )
    week = await digest_figures(deps, TEAM, week_ending(E, ZoneInfo("UTC")))
    shown = render_message(render_digest(week).as_kwargs(), color=False)
    assert (status, out) == (0, f"# Digest for {TEAM}\n{shown}\n")


async def test_nudge_at_a_moment_lists_the_nudges_due_then(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await add_team(deps)
    touched = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    await add_lead(deps, "Quiet Since Friday", handed_off_at=touched, owner=REP)
    deps.clock.set(touched + timedelta(days=30))

    status, out, _err = await run_cli(
        deps, monkeypatch, capsys, "nudge", "--at", "2026-11-22T10:00Z", "--json"
    )
    assert (status, json.loads(out)) == (0, {TEAM: []})  # two days untouched: not stale yet

    status, out, _err = await run_cli(
        deps, monkeypatch, capsys, "nudge", "--at", "2026-11-23T10:00Z", "--json"
    )
    [nudge] = json.loads(out)[TEAM]
    assert (nudge["owner"], nudge["total"]) == (REP, 1)
    assert nudge["leads"][0]["name"] == "Quiet Since Friday"
    assert nudge["leads"][0]["last_touch_at"].startswith("2026-11-20T09:00:00")

    status, out, _err = await run_cli(
        deps, monkeypatch, capsys, "nudge", "--at", "2026-11-23T10:00Z", "--dry-run"
    )
    assert status == 0 and f"# {TEAM}: DM to {REP}" in out and "Quiet Since Friday" in out


@pytest.mark.parametrize("command", ["digest", "nudge"])
async def test_a_moment_that_is_not_iso_8601_is_one_line(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    status, out, err = await run_cli(
        deps, monkeypatch, capsys, command, "--at", "next monday", "--dry-run"
    )
    assert (status, out) == (2, "")
    assert err == (
        "leadloop: --at needs an ISO 8601 time such as 2026-11-30T09:00Z, not 'next monday'.\n"
    )
