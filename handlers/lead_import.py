"""`leadloop import`: leads from a CRM's CSV export, streamed in batches through the lead rules.

The file is read twice, row by row: first to check that it is UTF-8 CSV throughout (so a bad
byte on line 900,000 stops the import before anything is stored) and to count its rows,
then to store it a batch at a time, each batch in its own transaction so the app's other
writers never wait long. Memory stays flat whatever the file's size.
"""

import csv
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.deps import Deps
from handlers.lead_intake import intake_leads
from storage.lead_upsert import (
    UpsertResult,
    UpsertStatus,
    known_team_ids,
    refresh_lead_statistics,
    sole_team_id,
)

BATCH = 1000
# Each time the import has (about) quadrupled what it stored, so lookups keep using indexes.
REFRESH_STATISTICS_AFTER = {2, 8, 32, 128, 512, 2048}

# Header names as people and CRMs write them (HubSpot and Salesforce exports included),
# normalised to lower-case words; see _normalise.
COLUMN_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ["external id", "crm id", "record id", "contact id", "lead id", "id", "hubspot id"]
        + ["salesforce id", "hs object id"],
        "external_id",
    ),
    **dict.fromkeys(["email", "email address", "e mail", "work email", "primary email"], "email"),
    **dict.fromkeys(["name", "full name", "contact name", "lead name"], "name"),
    **dict.fromkeys(["first name", "firstname", "given name"], "first_name"),
    **dict.fromkeys(["last name", "lastname", "surname", "family name"], "last_name"),
    **dict.fromkeys(
        ["company", "company name", "account name", "account", "organization", "organisation"],
        "company",
    ),
    **dict.fromkeys(["campaign", "campaign slug"], "campaign"),
    **dict.fromkeys(
        ["owner", "owner slack id", "owner slack user id", "slack owner", "slack user id"],
        "owner",
    ),
    **dict.fromkeys(
        ["handed off at", "handed off", "handoff date", "hand off date", "handoff at"]
        + ["create date", "created date", "date created", "created at"],
        "handed_off_at",
    ),
    **dict.fromkeys(["status", "lead status"], "status"),
    **dict.fromkeys(["team id", "team", "slack team id", "workspace"], "team_id"),
}

Progress = Callable[[int, int], None]


class ImportRefused(Exception):
    """The file cannot be imported at all; nothing was stored. One line for the terminal."""


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in UpsertStatus})
    rejects_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _normalise(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header.lower()).split())


def map_columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds each lead field (the first one that names it), and the ignored ones."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        target = COLUMN_ALIASES.get(_normalise(name))
        if target is None or target in columns:
            ignored.append(name)
        else:
            columns[target] = index
    return columns, ignored


def row_to_lead(row: list[str], columns: dict[str, int]) -> dict[str, Any]:
    """A CSV row as a lead object, with a name made of first and last name if need be."""
    lead = {target: row[index] for target, index in columns.items()}
    first, last = lead.pop("first_name", "").strip(), lead.pop("last_name", "").strip()
    if not lead.get("name", "").strip() and (first or last):
        lead["name"] = f"{first} {last}".strip()
    return lead


def _open(path: Path) -> TextIO:
    return io.TextIOWrapper(open(path, "rb"), encoding="utf-8-sig", newline="")


def _count_rows(path: Path) -> int:
    """Check the whole file parses as UTF-8 CSV; how many data rows it has."""
    with _open(path) as text:
        reader = csv.reader(text)
        try:
            if next(reader, None) is None:
                raise ImportRefused(f"{path.name} is empty: it needs a header row and leads")
            return sum(1 for _row in reader)
        except UnicodeDecodeError:
            raise ImportRefused(
                f"{path.name} is not UTF-8 text (after line {reader.line_num}): "
                "export it again as CSV UTF-8"
            ) from None
        except csv.Error as exc:
            raise ImportRefused(f"{path.name} line {reader.line_num}: {exc}") from None


def _batches(path: Path) -> Iterator[list[tuple[int, list[str]]]]:
    """The data rows, with the line each ends on, a batch at a time."""
    with _open(path) as text:
        reader = csv.reader(text)
        next(reader)
        batch: list[tuple[int, list[str]]] = []
        for row in reader:
            batch.append((reader.line_num, row))
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


class _Rejects:
    """The rejected rows, written beside the file as they come, with their reasons."""

    def __init__(self, source: Path, header: list[str]) -> None:
        self.path = source.with_name(f"{source.stem}.rejected.csv")
        self._header = header
        self._file: TextIO | None = None
        self._writer: Any = None

    def add(self, line: int, row: list[str], field_name: str, reason: str) -> None:
        if self._writer is None:
            self._file = open(self.path, "w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(["line", "field", "reason", *self._header])
        self._writer.writerow([line, field_name, reason, *row])

    def close(self) -> Path | None:
        if self._file is None:
            return None
        self._file.close()
        return self.path


async def _default_team(deps: Deps, team: str | None, columns: dict[str, int]) -> str | None:
    async with deps.sessions() as session:
        if team is not None:
            if not await known_team_ids(session=session, team_ids={team}):
                raise ImportRefused(f"leadloop knows no workspace {team}: check --team")
            return team
        sole = await sole_team_id(session=session)
    if sole is None and "team_id" not in columns:
        raise ImportRefused(
            "leadloop serves several workspaces (or none yet): name one with --team T0123456789"
        )
    return sole


async def import_csv(
    deps: Deps,
    path: Path,
    *,
    team: str | None = None,
    dry_run: bool = False,
    on_progress: Progress | None = None,
) -> ImportSummary:
    """Create or update the leads in a CSV file; rejected rows go to FILE.rejected.csv.

    A dry run checks every row against the database and stores nothing; a lead repeated in
    a later batch of the file then counts as created each time.
    """
    started = time.monotonic()
    if not path.is_file():
        raise ImportRefused(f"{path} is not a file")
    total = _count_rows(path)
    summary = ImportSummary()
    with _open(path) as text:
        header = next(csv.reader(text))
    columns, summary.ignored_columns = map_columns(header)
    if "external_id" not in columns and "email" not in columns:
        raise ImportRefused(
            f"{path.name} has no column for the CRM id or the email: name one "
            "`external_id` or `email` (HubSpot's Record ID and Salesforce's Lead ID work too)"
        )
    default_team = await _default_team(deps, team, columns)
    rejects = _Rejects(path, header)
    try:
        for number, batch in enumerate(_batches(path), start=1):
            await _import_batch(
                deps, batch, header, columns, default_team, dry_run, rejects, summary
            )
            summary.rows += len(batch)
            if not dry_run and number in REFRESH_STATISTICS_AFTER:
                async with deps.sessions.begin() as session:
                    await refresh_lead_statistics(session=session)
            if on_progress is not None:
                on_progress(summary.rows, total)
    finally:
        summary.rejects_path = rejects.close()
    summary.seconds = time.monotonic() - started
    return summary


async def _import_batch(
    deps: Deps,
    batch: list[tuple[int, list[str]]],
    header: list[str],
    columns: dict[str, int],
    default_team: str | None,
    dry_run: bool,
    rejects: _Rejects,
    summary: ImportSummary,
) -> None:
    items: list[dict[str, Any]] = []
    misshapen: dict[int, str] = {}
    for position, (_line, row) in enumerate(batch):
        if len(row) == len(header):
            items.append(row_to_lead(row, columns))
        else:
            misshapen[position] = f"has {len(row)} cells where the header has {len(header)}"
    async with deps.sessions() as session:
        results = iter(
            await intake_leads(
                session=session, items=items, default_team=default_team, now=deps.clock.now()
            )
        )
        if dry_run:
            await session.rollback()
        else:
            await session.commit()
    for position, (line, row) in enumerate(batch):
        if position in misshapen:
            result = UpsertResult(UpsertStatus.REJECTED, field="row", reason=misshapen[position])
        else:
            result = next(results)
        summary.counts[result.status.value] += 1
        if result.status is UpsertStatus.REJECTED:
            rejects.add(line, row, result.field or "", result.reason or "")


def progress_line(done: int, total: int, width: int = 30) -> str:
    """A one-line progress bar such as `[#########.....]  60%  60,000 / 100,000 rows`."""
    share = done / total if total else 1.0
    filled = int(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {share:4.0%}  {done:,} / {total:,} rows"
