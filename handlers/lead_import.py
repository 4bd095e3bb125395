"""`leadloop import`: leads from a CRM's CSV export, streamed in batches through the lead rules.

HubSpot contact exports and Salesforce lead reports import as they come (handlers.crm_files:
their column names and statuses; handlers.crm_dates: their dates; handlers.csv_files: `,` `;`
or tab, with or without a byte-order mark). The file is read twice, row by row: first to
check that it reads as CSV throughout (so a bad byte on line 900,000 stops the import before
anything is stored) and to count its rows, then to store it a batch at a time, each batch in
its own transaction so the app's other writers never wait long. Memory stays flat whatever
the file's size.

Leads handed over before the import and already past the stale window come in as history:
counted in their weeks' figures, never nudged (unless nudge_backlog), so importing last
quarter does not flood every rep with leads they dealt with long ago in the CRM.
"""

import csv
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.deps import Deps
from handlers.crm_files import StatusMapProblem, StatusWords, map_columns, read_status_map
from handlers.csv_files import (
    CsvFormat,
    CsvProblem,
    batches,
    count_rows,
    detect_format,
    read_header,
)
from handlers.lead_intake import LeadAnswer, ReadRules, intake_leads, read_rules
from handlers.people import Owners
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
FIRST_REJECTS_SHOWN = 10
DROPPED_KINDS_SHOWN = 8

Progress = Callable[[int, int], None]


class ImportRefused(Exception):
    """The file cannot be imported at all; nothing was stored. One line for the terminal."""


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file: where it goes, how its statuses and dates read, what to store."""

    team: str | None = None
    dry_run: bool = False
    status_map: Path | None = None
    day_first: bool = False
    nudge_backlog: bool = False


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not stored: its line in the file, the field at fault, and why."""

    line: int
    field: str
    reason: str


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in UpsertStatus})
    history: int = 0
    rows_with_dropped_fields: int = 0
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter)
    unmatched_sources: Counter[str] = field(default_factory=Counter)
    first_rejects: list[RejectedRow] = field(default_factory=list)
    rejects_path: Path | None = None
    warnings_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    file_format: CsvFormat | None = None
    seconds: float = 0.0


def row_to_lead(row: list[str], columns: dict[str, int]) -> dict[str, Any]:
    """A CSV row as a lead object, with a name made of first and last name if need be."""
    lead = {target: row[index] for target, index in columns.items()}
    first, last = lead.pop("first_name", "").strip(), lead.pop("last_name", "").strip()
    if not lead.get("name", "").strip() and (first or last):
        lead["name"] = f"{first} {last}".strip()
    return lead


class _Beside:
    """A CSV file written beside the imported one as rows come (created on the first)."""

    def __init__(self, source: Path, kind: str, header: list[str]) -> None:
        self.path = source.with_name(f"{source.stem}.{kind}.csv")
        self._header = header
        self._file: TextIO | None = None
        self._writer: Any = None

    def add(self, row: list[Any]) -> None:
        if self._writer is None:
            self._file = open(self.path, "w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(self._header)
        self._writer.writerow(row)

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


def _status_words(path: Path | None) -> StatusWords:
    if path is None:
        return StatusWords()
    try:
        return StatusWords(read_status_map(path.read_text(encoding="utf-8-sig")))
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRefused(f"cannot read the status map {path}: {exc}") from None
    except StatusMapProblem as problem:
        raise ImportRefused(f"the status map {path.name}: {problem}") from None


def _read_file(path: Path) -> tuple[CsvFormat, int, list[str]]:
    if not path.is_file():
        raise ImportRefused(f"{path} is not a file")
    fmt = detect_format(path)
    try:
        total = count_rows(path, fmt)
    except CsvProblem as problem:
        raise ImportRefused(str(problem)) from None
    return fmt, total, read_header(path, fmt)


async def import_csv(
    deps: Deps,
    path: Path,
    options: ImportOptions | None = None,
    *,
    on_progress: Progress | None = None,
) -> ImportSummary:
    """Create or update the leads in a CSV file; rejected rows go to FILE.rejected.csv, rows
    stored without a bad field to FILE.warnings.csv.

    A dry run checks every row against the database and stores nothing; a lead repeated in
    a later batch of the file then counts as created each time.
    """
    options = options or ImportOptions()
    started = time.monotonic()
    statuses = _status_words(options.status_map)
    fmt, total, header = _read_file(path)
    summary = ImportSummary(file_format=fmt)
    columns, summary.ignored_columns = map_columns(header)
    if "external_id" not in columns and "email" not in columns:
        raise ImportRefused(
            f"{path.name} has no column for the CRM id or the email: name one "
            "`external_id` or `email` (HubSpot's Record ID and Salesforce's Lead ID work too)"
        )
    default_team = await _default_team(deps, options.team, columns)
    history_before = None
    if not options.nudge_backlog and default_team is not None:
        stale_days = (await deps.team_settings(default_team)).stale_after_days
        history_before = deps.clock.now() - timedelta(days=stale_days)
    rules = await read_rules(
        deps,
        default_team,
        statuses=statuses,
        day_first=options.day_first,
        history_before=history_before,
    )
    batch_import = _BatchImport(deps, path, header, columns, summary)
    try:
        for number, batch in enumerate(batches(path, fmt, BATCH), start=1):
            await batch_import.run(batch, default_team, rules, options.dry_run)
            summary.rows += len(batch)
            if not options.dry_run and number in REFRESH_STATISTICS_AFTER:
                async with deps.sessions.begin() as session:
                    await refresh_lead_statistics(session=session)
            if on_progress is not None:
                on_progress(summary.rows, total)
    finally:
        summary.rejects_path, summary.warnings_path = batch_import.close()
    summary.seconds = time.monotonic() - started
    return summary


class _BatchImport:
    """Stores the file a batch at a time and keeps count of what happened to each row."""

    def __init__(
        self,
        deps: Deps,
        path: Path,
        header: list[str],
        columns: dict[str, int],
        summary: ImportSummary,
    ) -> None:
        self.deps = deps
        self.header = header
        self.columns = columns
        self.summary = summary
        self.owners = Owners(deps)
        self.rejects = _Beside(path, "rejected", ["line", "field", "reason", *header])
        self.warnings = _Beside(path, "warnings", ["line", "field", "warning", "value"])

    async def run(
        self, batch: list[tuple[int, list[str]]], team: str | None, rules: ReadRules, dry_run: bool
    ) -> None:
        items: list[dict[str, Any]] = []
        misshapen: dict[int, str] = {}
        for position, (_line, row) in enumerate(batch):
            if len(row) == len(self.header):
                items.append(row_to_lead(row, self.columns))
            else:
                misshapen[position] = (
                    f"has {len(row)} cells where the header has {len(self.header)}"
                )
        answers = iter(
            await intake_leads(
                self.deps,
                items,
                default_team=team,
                rules=rules,
                owners=self.owners,
                dry_run=dry_run,
            )
        )
        leads = iter(items)
        for position, (line, row) in enumerate(batch):
            if position in misshapen:
                result = UpsertResult(
                    UpsertStatus.REJECTED, field="row", reason=misshapen[position]
                )
                self._count(line, row, LeadAnswer(result), {})
            else:
                self._count(line, row, next(answers), next(leads))

    def _count(self, line: int, row: list[str], answer: LeadAnswer, lead: dict[str, Any]) -> None:
        summary, result = self.summary, answer.result
        summary.counts[result.status.value] += 1
        if result.status is UpsertStatus.REJECTED:
            self.rejects.add([line, result.field or "", result.reason or "", *row])
            if len(summary.first_rejects) < FIRST_REJECTS_SHOWN:
                rejected = RejectedRow(line, result.field or "", result.reason or "")
                summary.first_rejects.append(rejected)
            return
        if answer.history and result.status is UpsertStatus.CREATED:
            summary.history += 1
        if answer.unmatched_source:
            summary.unmatched_sources[answer.unmatched_source] += 1
        if answer.dropped:
            summary.rows_with_dropped_fields += 1
        for dropped in answer.dropped:
            summary.dropped[dropped.field, dropped.reason] += 1
            self.warnings.add([line, dropped.field, dropped.reason, lead.get(dropped.field, "")])

    def close(self) -> tuple[Path | None, Path | None]:
        return self.rejects.close(), self.warnings.close()


def summary_lines(summary: ImportSummary, file_name: str, *, dry_run: bool) -> list[str]:
    """What the import says when it is done, a line each."""
    counts = summary.counts
    verb = "Checked (dry run, nothing stored)" if dry_run else "Imported"
    fmt = summary.file_format
    shape = f" ({fmt.delimiter_name}-separated)" if fmt is not None else ""
    lines = [
        f"{verb} {summary.rows:,} rows of {file_name}{shape} in {summary.seconds:.1f} s: "
        f"{counts['created']:,} created, {counts['updated']:,} updated, "
        f"{counts['unchanged']:,} unchanged, {counts['rejected']:,} rejected."
    ]
    if summary.history:
        lines.append(
            f"{summary.history:,} older leads imported as history: counted in their weeks' "
            "digests, never nudged (--nudge-backlog imports them live)."
        )
    if summary.rows_with_dropped_fields:
        where = f" (each row in {summary.warnings_path})" if summary.warnings_path else ""
        lines.append(
            f"{summary.rows_with_dropped_fields:,} rows stored without a bad field{where}:"
        )
        for (field_name, reason), rows in summary.dropped.most_common(DROPPED_KINDS_SHOWN):
            lines.append(f"  {field_name}: {reason} ({rows:,} row{'s' * (rows != 1)})")
        if len(summary.dropped) > DROPPED_KINDS_SHOWN:
            lines.append(f"  …and {len(summary.dropped) - DROPPED_KINDS_SHOWN} more kinds")
    if summary.unmatched_sources:
        sources = ", ".join(
            f"{source} ({rows:,})"
            for source, rows in summary.unmatched_sources.most_common(DROPPED_KINDS_SHOWN)
        )
        more = len(summary.unmatched_sources) - DROPPED_KINDS_SHOWN
        lines.append(
            f"Lead sources that are no leadloop campaign, left out: {sources}"
            + (f" and {more} more" if more > 0 else "")
            + ". A campaign of that name (/campaign-preview) links them on the next import."
        )
    if summary.first_rejects:
        lines.append("First rejected rows:")
        lines.extend(f"  line {r.line}: {r.field} {r.reason}" for r in summary.first_rejects)
    if summary.rejects_path is not None:
        lines.append(f"Rejected rows and why: {summary.rejects_path}")
    if summary.ignored_columns:
        lines.append(f"Columns ignored: {', '.join(summary.ignored_columns)}")
    return lines


def progress_line(done: int, total: int, width: int = 30) -> str:
    """A one-line progress bar such as `[#########.....]  60%  60,000 / 100,000 rows`."""
    share = done / total if total else 1.0
    filled = int(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {share:4.0%}  {done:,} / {total:,} rows"
