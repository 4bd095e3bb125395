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


@dataclass(frozen=True)
class _Contact:
    """One generated person, with the flaw their row has, if any."""

    n: int
    first: str
    last: str
    email: str
    crm_id: str
    rep: Rep | None
    flaw: str | None


def _contacts(rng: random.Random, rows: int, crm_id: str, bad_email: str) -> list[_Contact]:
    """rows people; every 250th has no identity, every 333rd row is cut short, every 97th
    has a bad email. crm_id and bad_email are formats of n and first."""
    contacts = []
    for n in range(rows):
        first, last, email = _person(rng, n)
        rep = rng.choice([*REPS, None])
        flaw = {249: "no identity"}.get(n % 250) or {332: "short"}.get(n % 333)
        flaw = flaw or {96: "bad email"}.get(n % 97)
        identity = ("", "") if flaw == "no identity" else (crm_id.format(n=n), email)
        if flaw == "bad email":
            identity = (identity[0], bad_email.format(first=first))
        contacts.append(_Contact(n, first, last, identity[1], identity[0], rep, flaw))
    return contacts


def hubspot_contacts(path: Path, rows: int, *, now: datetime, seed: int = 1) -> ExportFile:
    """A HubSpot contacts export (comma-separated, US dates, owners by name)."""
    rng = random.Random(seed)
    export = ExportFile(path, rows, len(HUBSPOT_HEADER))
    body = []
    for c in _contacts(rng, rows, "{n:010d}", "n/a"):
        owner = c.rep.name if c.rep else rng.choice(["", UNKNOWN_OWNER])
        row = [c.crm_id, c.first, c.last, c.email, f"+1 555 {c.n:07d}", owner]
        row += [rng.choice(HUBSPOT_STATUSES), "Lead", _us(_created(rng, now))]
        row += [rng.choice(COMPANIES), rng.choice(HUBSPOT_SOURCES), ""]
        body.append(_expect(export, c, row[:5] if c.flaw == "short" else row))
    _write(path, HUBSPOT_HEADER, body, delimiter=",", bom=False)
    return export


def salesforce_leads(path: Path, rows: int, *, now: datetime, seed: int = 2) -> ExportFile:
    """A Salesforce leads report as Excel saves it in Europe: `;`, a BOM, day-first dates."""
    rng = random.Random(seed)
    export = ExportFile(path, rows, len(SALESFORCE_HEADER))
    body = []
    for c in _contacts(rng, rows, "00Q5g00000{n:08d}", "{first} at example dot com"):
        owner_name, owner_email = (c.rep.name, c.rep.email) if c.rep else (UNKNOWN_OWNER, "")
        row = [c.crm_id, c.first, c.last, "Head of Ops; EMEA", rng.choice(COMPANIES), c.email]
        row += [rng.choice(SALESFORCE_SOURCES), rng.choice(SALESFORCE_STATUSES), owner_name]
        row += [owner_email, _created(rng, now).strftime("%d.%m.%Y %H:%M")]
        body.append(_expect(export, c, row[:4] if c.flaw == "short" else row))
    _write(path, SALESFORCE_HEADER, body, delimiter=";", bom=True)
    return export


def _expect(export: ExportFile, contact: _Contact, row: list[str]) -> list[str]:
    """Note what importing the row must do: which field rejects it, or whose lead it is."""
    if contact.flaw == "no identity":
        export.rejected_fields[contact.n + 2] = "external_id"
    elif contact.flaw == "short":
        export.rejected_fields[contact.n + 2] = "row"
    else:
        export.importable += 1
        export.owner_by_id[contact.crm_id] = contact.rep.user_id if contact.rep else None
    return row


def _write(
    path: Path, header: list[str], rows: list[list[str]], *, delimiter: str, bom: bool
) -> None:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
