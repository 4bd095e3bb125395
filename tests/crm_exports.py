"""Realistic CRM export files for tests and benchmarks: a HubSpot contacts export and a
Salesforce leads report, with the CRMs' column names, status values, date formats, owners
by name and email, and the flaws real files have (no identity, short rows, bad emails)."""

import csv
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

FIRST = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Hedy", "Tim", "Radia", "Ken", "Barbara"]
LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Lamarr", "Berners-Lee", "Perlman"]
COMPANIES = ["Acme GmbH", "Globex", "Initech", "Umbrella plc", "Hooli", "Stark Industries"]


@dataclass(frozen=True)
class Rep:
    """A sales rep as Slack knows them."""

    user_id: str
    name: str
    email: str


REPS = [
    Rep("U0REP01", "Jane Doe", "jane.doe@acme.com"),
    Rep("U0REP02", "Raj Patel", "raj.patel@acme.com"),
    Rep("U0REP03", "Sofia García", "sofia.garcia@acme.com"),
    Rep("U0REP04", "Mei Chen", "mei.chen@acme.com"),
    Rep("U0REP05", "Tom Müller", "tom.mueller@acme.com"),
    Rep("U0REP06", "Amara Okafor", "amara.okafor@acme.com"),
]
UNKNOWN_OWNER = "Pat Nobody"

HUBSPOT_HEADER = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Contact owner",
    "Lead Status",
    "Lifecycle Stage",
    "Create Date",
    "Company Name",
    "Original Source",
    "Last Activity Date",
]
HUBSPOT_STATUSES = ["New", "Open", "In Progress", "Attempted to Contact", "Connected"]
HUBSPOT_STATUSES += ["Open Deal", "Bad Timing", "Unqualified", ""]
HUBSPOT_SOURCES = ["Organic Search", "Paid Social", "Email Marketing", "Spring Webinar", ""]

SALESFORCE_HEADER = [
    "Lead ID",
    "First Name",
    "Last Name",
    "Title",
    "Company / Account",
    "Email",
    "Lead Source",
    "Lead Status",
    "Lead Owner",
    "Owner Email",
    "Create Date",
]
SALESFORCE_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted"]
SALESFORCE_STATUSES += ["Closed - Not Converted", "Recycled"]
SALESFORCE_SOURCES = ["Web", "Partner Referral", "Trade Show", "Spring Webinar"]


@dataclass
class ExportFile:
    """A generated export and what importing it must do."""

    path: Path
    rows: int
    columns: int
    importable: int = 0
    rejected_fields: dict[int, str] = field(default_factory=dict)
    owner_by_id: dict[str, str | None] = field(default_factory=dict)


def _person(rng: random.Random, n: int) -> tuple[str, str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return first, last, f"{first}.{last}.{n}@{rng.choice(['example.com', 'example.org'])}".lower()


def _created(rng: random.Random, now: datetime) -> datetime:
    return now - timedelta(days=rng.uniform(0, 120))


def _us(moment: datetime) -> str:
    return moment.strftime("%m/%d/%Y ") + moment.strftime("%I:%M %p").lstrip("0")


def _flaw(n: int) -> str | None:
    """Every 250th row has no identity, every 333rd is cut short, every 97th a bad email."""
    if n % 250 == 249:
        return "no identity"
    if n % 333 == 332:
        return "short"
    if n % 97 == 96:
        return "bad email"
    return None


def hubspot_contacts(path: Path, rows: int, *, now: datetime, seed: int = 1) -> ExportFile:
    """A HubSpot contacts export (comma-separated, US dates, owners by name)."""
    rng = random.Random(seed)
    export = ExportFile(path, rows, len(HUBSPOT_HEADER))
    body = []
    for n in range(rows):
        first, last, email = _person(rng, n)
        rep = rng.choice([*REPS, None])
        owner = rep.name if rep else rng.choice(["", UNKNOWN_OWNER])
        record_id, flaw = str(51_000_000 + n), _flaw(n)
        if flaw == "no identity":
            record_id, email = "", ""
        elif flaw == "bad email":
            email = "n/a"
        row = [record_id, first, last, email, f"+1 555 {n:07d}", owner]
        row += [rng.choice(HUBSPOT_STATUSES), "Lead", _us(_created(rng, now))]
        row += [rng.choice(COMPANIES), rng.choice(HUBSPOT_SOURCES), ""]
        body.append(_expect(export, n, row if flaw != "short" else row[:5], flaw, rep))
    _write(path, HUBSPOT_HEADER, body, delimiter=",", bom=False)
    return export


def salesforce_leads(path: Path, rows: int, *, now: datetime, seed: int = 2) -> ExportFile:
    """A Salesforce leads report as Excel saves it in Europe: `;`, a BOM, day-first dates."""
    rng = random.Random(seed)
    export = ExportFile(path, rows, len(SALESFORCE_HEADER))
    body = []
    for n in range(rows):
        first, last, email = _person(rng, n)
        rep = rng.choice([*REPS, None])
        owner_name = rep.name if rep else UNKNOWN_OWNER
        owner_email = rep.email if rep else ""
        lead_id, flaw = f"00Q5g00000{n:08d}", _flaw(n)
        if flaw == "no identity":
            lead_id, email = "", ""
        elif flaw == "bad email":
            email = f"{first} at example dot com"
        row = [lead_id, first, last, "Head of Ops; EMEA", rng.choice(COMPANIES), email]
        row += [rng.choice(SALESFORCE_SOURCES), rng.choice(SALESFORCE_STATUSES), owner_name]
        row += [owner_email, _created(rng, now).strftime("%d.%m.%Y %H:%M")]
        body.append(_expect(export, n, row if flaw != "short" else row[:4], flaw, rep))
    _write(path, SALESFORCE_HEADER, body, delimiter=";", bom=True)
    return export


def _expect(
    export: ExportFile, n: int, row: list[str], flaw: str | None, rep: Rep | None
) -> list[str]:
    """Note what importing the row must do: which field rejects it, or whose lead it is."""
    if flaw == "no identity":
        export.rejected_fields[n + 2] = "external_id"
    elif flaw == "short":
        export.rejected_fields[n + 2] = "row"
    else:
        export.importable += 1
        export.owner_by_id[row[0]] = rep.user_id if rep else None
    return row


def _write(
    path: Path, header: list[str], rows: list[list[str]], *, delimiter: str, bom: bool
) -> None:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
