"""Realistic exports of 5,000 rows from HubSpot and from Salesforce (`;`-separated, with a BOM,
day-first dates): every row with an email or a CRM id imports, owners are found in Slack by
name or email, and the rejected-rows file names each reason. (bench/crm_import.py times them.)
"""

import csv
from pathlib import Path

import pytest

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from handlers.lead_import import ImportOptions, ImportSummary, import_csv, summary_lines
from storage.models import Lead
from tests.crm_exports import REPS, ExportFile, hubspot_contacts, salesforce_leads
from tests.factories import TEAM
from tests.helpers import all_rows, seed_campaign, seed_team

ROWS = 5000


@pytest.fixture
def reps(standin: SlackStandIn) -> SlackStandIn:
    """The workspace's reps (and 300 other members) in the Slack stand-in."""
    for n in range(300):
        standin.add_user(f"U1{n:05d}", real_name=f"Member {n}", email=f"member{n}@acme.com")
    for rep in REPS:
        standin.add_user(
            rep.user_id, real_name=rep.name, name=rep.email.split("@")[0], email=rep.email
        )
    return standin


def rejected_fields(path: Path) -> dict[int, tuple[str, str]]:
    with open(path, encoding="utf-8", newline="") as source:
        return {int(row["line"]): (row["field"], row["reason"]) for row in csv.DictReader(source)}


async def imported(deps: Deps, export: ExportFile, summary: ImportSummary) -> dict[str, Lead]:
    """Check what every export must show; the stored leads by CRM id."""
    assert summary.rows == export.rows
    assert summary.counts["created"] == export.importable
    assert summary.counts["rejected"] == len(export.rejected_fields)
    leads = {lead.external_id or "": lead for lead in await all_rows(deps, Lead)}
    assert len(leads) == export.importable
    assert {crm_id: lead.owner for crm_id, lead in leads.items()} == export.owner_by_id
    assert summary.rejects_path is not None
    rejected = rejected_fields(summary.rejects_path)
    assert {line: field for line, (field, _reason) in rejected.items()} == export.rejected_fields
    reasons = dict(rejected.values())
    assert reasons["external_id"] == (
        "and email are both missing: a lead needs one of them to be identified"
    )
    assert reasons["row"].endswith(f"cells where the header has {export.columns}")
    return leads


async def test_a_hubspot_contacts_export_of_5000_rows_imports_as_it_comes(
    deps: Deps, tmp_path: Path, reps: SlackStandIn
) -> None:
    await seed_campaign(deps, TEAM, "spring-webinar")
    export = hubspot_contacts(tmp_path / "hubspot-contacts.csv", ROWS, now=deps.clock.now())

    summary = await import_csv(deps, export.path, ImportOptions(team=TEAM))

    leads = await imported(deps, export, summary)
    statuses = {lead.status for lead in leads.values()}
    assert statuses == {"new", "contacted", "meeting", "lost", "disqualified"}
    assert any(lead.campaign_id is not None for lead in leads.values())  # Original Source
    assert summary.history == sum(lead.history for lead in leads.values()) > 4000
    kinds = {field for field, _reason in summary.dropped}
    assert kinds == {"email", "owner"}  # sources that are no campaign are no warning
    assert set(summary.unmatched_sources) == {"organic-search", "paid-social", "email-marketing"}
    assert len(reps.calls_to("users.list")) == 2  # 306 members, 200 a page, once
    lines = "\n".join(summary_lines(summary, export.path.name, dry_run=False))
    assert "(comma-separated)" in lines and "older leads imported as history" in lines
    assert "owner: no one in Slack is called Pat Nobody" in lines


async def test_a_salesforce_report_saved_by_excel_in_europe_imports_as_it_comes(
    deps: Deps, tmp_path: Path, reps: SlackStandIn
) -> None:
    await seed_team(deps, TEAM)
    export = salesforce_leads(tmp_path / "salesforce-leads.csv", ROWS, now=deps.clock.now())
    status_map = tmp_path / "statuses.csv"
    status_map.write_text("Salesforce status,leadloop status\nRecycled,contacted\n")

    summary = await import_csv(
        deps, export.path, ImportOptions(team=TEAM, status_map=status_map, day_first=True)
    )

    assert export.path.read_bytes().startswith(b"\xef\xbb\xbf")
    leads = await imported(deps, export, summary)
    statuses = {lead.status for lead in leads.values()}
    assert statuses == {"new", "contacted", "qualified", "disqualified"}
    assert {field for field, _reason in summary.dropped} == {"email"}
    assert len(reps.calls_to("users.lookupByEmail")) == len(REPS)  # once per rep's email
    assert reps.calls_to("users.list") == []
    assert summary.file_format is not None and summary.file_format.delimiter == ";"


async def test_a_dry_run_says_what_would_happen_and_stores_nothing(
    deps: Deps, tmp_path: Path, reps: SlackStandIn
) -> None:
    await seed_team(deps, TEAM)
    export = salesforce_leads(tmp_path / "salesforce-leads.csv", 1000, now=deps.clock.now())

    summary = await import_csv(deps, export.path, ImportOptions(team=TEAM, dry_run=True))

    assert await all_rows(deps, Lead) == []
    assert summary.counts["created"] == export.importable
    lines = summary_lines(summary, export.path.name, dry_run=True)
    assert lines[0].startswith("Checked (dry run, nothing stored) 1,000 rows")
    start = lines.index("First rejected rows:")
    assert lines[start + 1 : start + 3] == [
        "  line 251: external_id and email are both missing: a lead needs one of them to be "
        "identified",
        "  line 334: row has 4 cells where the header has 11",
    ]
    assert "  status: 'Recycled' is not a status leadloop knows" in "\n".join(lines)
