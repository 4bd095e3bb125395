"""`leadloop export`: feedback or leads as CSV that is safe to open in a spreadsheet."""

import csv
import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TextIO

from bot.deps import Deps
from handlers.people import Owners
from storage.exports import FEEDBACK_COLUMNS, LEAD_COLUMNS, stream_feedback, stream_leads
from storage.lead_upsert import known_team_ids, sole_team_id

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

EXPORTS: dict[str, tuple[tuple[str, ...], Callable[..., AsyncIterator[Any]]]] = {
    "feedback": (FEEDBACK_COLUMNS, stream_feedback),
    "leads": (LEAD_COLUMNS, stream_leads),
}


class ExportRefused(Exception):
    """The export cannot run; nothing was written. One line for the terminal."""


def cell(value: Any) -> str:
    """A value as CSV text that a spreadsheet shows rather than runs."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def parse_moment(text: str) -> datetime:
    """A --since or --until value: an ISO date (midnight UTC) or date-time (naive = UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text.strip()), time())
        except ValueError:
            raise ExportRefused(f"{text!r} is not a date such as 2026-11-24") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def _team(deps: Deps, team: str | None) -> str:
    async with deps.sessions() as session:
        if team is not None:
            if not await known_team_ids(session=session, team_ids={team}):
                raise ExportRefused(f"leadloop knows no workspace {team}: check --team")
            return team
        sole = await sole_team_id(session=session)
    if sole is None:
        raise ExportRefused(
            "leadloop serves several workspaces (or none yet): name one with --team T0123456789"
        )
    return sole


def check_span(since: datetime | None, until: datetime | None) -> None:
    """Refuse a span that holds nothing: --since must come before --until."""
    if since is not None and until is not None and since >= until:
        raise ExportRefused(
            f"--since {since:%Y-%m-%d %H:%M} UTC is not before --until {until:%Y-%m-%d %H:%M} "
            "UTC: the export covers --since up to, not including, --until."
        )


async def write_export(
    deps: Deps,
    kind: str,
    out: TextIO,
    *,
    team: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    excel: bool = False,
) -> int:
    """Write the export as CSV to out, a row at a time; how many rows were written.

    People are named from Slack's member directory, read again first if it is a day old. For
    Excel the text starts with a byte order mark: without one, Excel reads a CSV in the
    machine's code page and garbles every accent.
    """
    check_span(since, until)
    columns, stream = EXPORTS[kind]
    team_id = await _team(deps, team)
    await Owners(deps).refresh_directory(team_id)
    if excel:
        out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(columns)
    written = 0
    async with deps.sessions() as session:
        async for row in stream(session=session, team_id=team_id, since=since, until=until):
            writer.writerow([cell(value) for value in row])
            written += 1
    return written


async def export_to_file(deps: Deps, kind: str, path: Path, **options: Any) -> int:
    """Write the export to path, which appears only once it is complete."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            written = await write_export(deps, kind, out, **options)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return written
