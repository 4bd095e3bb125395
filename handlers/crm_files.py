"""What CRM exports call things: HubSpot's and Salesforce's column names and lead statuses,
read as leadloop's fields and statuses. docs/crm-files.md lists every entry; keep it in step.
"""

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from storage.vocabulary import LeadStatus, parse_status

# Each field's column names, best first: when a file has several, the earliest listed wins
# (an owner's email over their name). Names are compared as lower-case words (header_key).
# A `source` names the lead's campaign when a leadloop campaign is called that, and is
# otherwise left out quietly (HubSpot's "Organic Search" is a channel, not a campaign).
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "external id",
        "crm id",
        "record id",
        "lead id",
        "contact id",
        "hubspot id",
        "salesforce id",
        "hs object id",
        "id",
    ),
    "email": ("email", "email address", "e mail", "work email", "primary email"),
    "name": ("name", "full name", "contact name", "lead name"),
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "company": (
        "company",
        "company name",
        "company account",
        "account name",
        "account",
        "associated company",
        "organization",
        "organisation",
    ),
    "campaign": ("campaign", "campaign slug", "campaign name"),
    "source": ("original source", "lead source", "source"),
    "owner": (
        "owner",
        "owner slack id",
        "owner slack user id",
        "slack owner",
        "slack user id",
        "owner email",
        "contact owner email",
        "lead owner email",
        "contact owner",
        "lead owner",
        "owner name",
    ),
    "handed_off_at": (
        "handed off at",
        "handed off",
        "handoff date",
        "hand off date",
        "handoff at",
        "create date",
        "created date",
        "date created",
        "created at",
        "createdate",
    ),
    "status": ("status", "lead status"),
    "team_id": ("team id", "team", "slack team id", "workspace"),
}

COLUMN_ALIASES: dict[str, tuple[str, int]] = {
    name: (target, rank)
    for target, names in FIELD_COLUMNS.items()
    for rank, name in enumerate(names)
}

# HubSpot's default "Lead Status" values (Contacts → Lead Status).
HUBSPOT_STATUSES: dict[str, LeadStatus] = {
    "New": LeadStatus.NEW,
    "Open": LeadStatus.NEW,
    "In Progress": LeadStatus.CONTACTED,
    "Attempted to Contact": LeadStatus.CONTACTED,
    "Connected": LeadStatus.CONTACTED,
    "Open Deal": LeadStatus.MEETING,
    "Bad Timing": LeadStatus.LOST,
    "Unqualified": LeadStatus.DISQUALIFIED,
}

# Salesforce's Lead Status picklist: the classic defaults and the newer ones.
SALESFORCE_STATUSES: dict[str, LeadStatus] = {
    "Open - Not Contacted": LeadStatus.NEW,
    "Working - Contacted": LeadStatus.CONTACTED,
    "Closed - Converted": LeadStatus.QUALIFIED,
    "Closed - Not Converted": LeadStatus.DISQUALIFIED,
    "New": LeadStatus.NEW,
    "Working": LeadStatus.CONTACTED,
    "Nurturing": LeadStatus.LOST,
    "Qualified": LeadStatus.QUALIFIED,
    "Unqualified": LeadStatus.DISQUALIFIED,
    "Converted": LeadStatus.QUALIFIED,
}


def header_key(header: str) -> str:
    """A column name as lower-case words: "Company / Account" → "company account"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header.lower()).split())


def status_key(word: str) -> str:
    """A status compared as a slug: "Working - Contacted" → "working-contacted"."""
    return re.sub(r"[^a-z0-9]+", "-", word.strip().lower()).strip("-")


def _keyed(statuses: Mapping[str, LeadStatus]) -> dict[str, LeadStatus]:
    return {status_key(word): status for word, status in statuses.items()}


CRM_STATUSES: dict[str, LeadStatus] = {**_keyed(HUBSPOT_STATUSES), **_keyed(SALESFORCE_STATUSES)}


@dataclass(frozen=True)
class StatusWords:
    """How a file's statuses read: its own map (--status-map) first, then leadloop's words and
    aliases, then the CRMs' standard values."""

    overrides: Mapping[str, LeadStatus] = field(default_factory=dict)

    def read(self, word: str) -> LeadStatus | None:
        """The status word names, or None."""
        key = status_key(word)
        return self.overrides.get(key) or parse_status(word) or CRM_STATUSES.get(key)


def map_columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds each lead field (the best-ranked name), and the columns ignored."""
    best: dict[str, tuple[int, int]] = {}
    for index, name in enumerate(header):
        alias = COLUMN_ALIASES.get(header_key(name))
        if alias is None:
            continue
        target, rank = alias
        if target not in best or rank < best[target][0]:
            best[target] = (rank, index)
    columns = {target: index for target, (_rank, index) in best.items()}
    used = set(columns.values())
    return columns, [name for index, name in enumerate(header) if index not in used]


class StatusMapProblem(ValueError):
    """A --status-map file that cannot be read; the message names the line."""


def read_status_map(text: str) -> dict[str, LeadStatus]:
    """A status map file: one `CRM status,leadloop status` pair a line (`;` or tab also work).

    Blank lines and lines starting with # are skipped, and so is a first line whose second
    cell is not a leadloop status (a header such as `crm_status,status`).
    """
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    delimiter = max((",", ";", "\t"), key=lambda d: sum(line.count(d) for line in lines[:5]))
    mapping: dict[str, LeadStatus] = {}
    for number, row in enumerate(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)):
        if len(row) != 2 or not row[0].strip():
            raise StatusMapProblem(
                f"line {number + 1} is not `CRM status{delimiter}leadloop status`"
            )
        status = parse_status(row[1])
        if status is None:
            if number == 0:
                continue
            raise StatusMapProblem(
                f"line {number + 1}: {row[1].strip()!r} is not a leadloop status "
                f"({', '.join(s.value for s in LeadStatus)})"
            )
        mapping[status_key(row[0])] = status
    return mapping
