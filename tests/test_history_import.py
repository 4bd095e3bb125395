"""History without a flood: last quarter's leads import as history, counted in the digests of
their weeks and never nudged; the next nudge run DMs only what is due."""

import csv
from datetime import timedelta
from pathlib import Path

from bot.cli.job_commands import nudge_now
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from handlers.lead_import import ImportOptions, import_csv, summary_lines
from jobs.digest import digest_figures
from storage.models import Lead
from storage.schedules import week_ending
from tests.factories import OTHER_REP, REP, TEAM
from tests.helpers import add_lead, count_rows, job_client, seed_team

OWNERS = (REP, OTHER_REP, "U0REP3", "U0REP4")


def last_quarter(path: Path, deps: Deps, rows: int) -> Path:
    """rows leads handed over 30 to 90 days ago, spread evenly, owned by four reps."""
    now = deps.clock.now()
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Record ID", "Email", "Contact owner", "Lead Status", "Create Date"])
        for n in range(rows):
            handed_off = now - timedelta(days=30 + 60 * n / rows)
            writer.writerow(
                [f"HS-{n}", f"lead{n}@example.com", OWNERS[n % 4], "New", handed_off.isoformat()]
            )
    return path


async def test_ten_thousand_old_leads_import_as_history_and_nobody_is_nudged_about_them(
    deps: Deps, tmp_path: Path, standin: SlackStandIn
) -> None:
    await seed_team(deps, TEAM)
    now = deps.clock.now()
    await add_lead(deps, "Due Lead", handed_off_at=now - timedelta(days=5), owner=REP)

    summary = await import_csv(deps, last_quarter(tmp_path / "q3.csv", deps, 10_000))

    assert summary.counts["created"] == summary.history == 10_000
    assert "10,000 older leads imported as history" in "\n".join(
        summary_lines(summary, "q3.csv", dry_run=False)
    )
    output = await nudge_now(deps, job_client(deps), dry_run=False)
    assert "nudged 1 owners about 1 leads" in output.text
    [dm] = standin.calls_to("chat.postMessage")
    assert dm.params["channel"] == REP
    assert "Due Lead" in dm.params["text"] + str(dm.params["blocks"])
    assert "lead0@example.com" not in str(dm.params["blocks"])

    schedule = await deps.team_settings(TEAM)
    weeks_ago_six = week_ending(now - timedelta(weeks=6), schedule.zone)
    figures = await digest_figures(deps, TEAM, weeks_ago_six)
    in_that_week = sum(
        1
        for n in range(10_000)
        if weeks_ago_six.start <= now - timedelta(days=30 + 60 * n / 10_000) < weeks_ago_six.end
    )
    assert figures.leads_handed_over == in_that_week > 1000
    assert figures.stale.count == 0


async def test_nudge_backlog_imports_old_leads_live(
    deps: Deps, tmp_path: Path, standin: SlackStandIn
) -> None:
    await seed_team(deps, TEAM)

    summary = await import_csv(
        deps, last_quarter(tmp_path / "q3.csv", deps, 40), ImportOptions(nudge_backlog=True)
    )

    assert (summary.counts["created"], summary.history) == (40, 0)
    output = await nudge_now(deps, job_client(deps), dry_run=False)
    assert "nudged 4 owners about 40 leads" in output.text
    assert len(standin.calls_to("chat.postMessage")) == 4
    assert await count_rows(deps, Lead) == 40
