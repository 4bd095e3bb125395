"""CRM files as they come: a HubSpot contacts export and a Salesforce leads report (Excel in
Europe: `;`, a BOM, day-first dates) through `leadloop import`.

    python -m bench.crm_import [--rows 5000] [--database-url postgresql://…]

Each file is generated with the CRMs' column names, status values, date formats and owners by
name (HubSpot) or email (Salesforce), then imported by the real command (a separate process)
into a migrated database with one workspace and no leads; Slack is the loopback stand-in with
the reps and 300 other members. The time is the command's wall time: start-up, reading the
file twice, finding owners in Slack, storing. Prints a table and writes
bench/results/crm_import_<database>.json.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.seed import seed
from bot.demo.signed_requests import TEAM
from bot.demo.slack_standin import SlackStandIn
from bot.settings import normalise_database_url
from storage.db import create_engine
from tests.crm_exports import REPS, ExportFile, hubspot_contacts, salesforce_leads
from tests.factories import BOT_TOKEN

RESULTS = Path(__file__).parent / "results"


async def _empty(database_url: str) -> None:
    """No leads and no cached directory, as on the day of the first import."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM lead_nudges"))
            await connection.execute(text("DELETE FROM feedback"))
            await connection.execute(text("DELETE FROM leads"))
            await connection.execute(text("DELETE FROM slack_people"))
            await connection.execute(text("UPDATE teams SET people_synced_at = NULL"))
    finally:
        await engine.dispose()


def _import(env: dict[str, str], export: ExportFile, *extra: str) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "import", str(export.path), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"leadloop import failed: {done.stderr.strip()}")
    return {
        "file": export.path.name,
        "rows": export.rows,
        "file_kib": round(export.path.stat().st_size / 1024),
        "importable": export.importable,
        "seconds": round(seconds, 2),
        "rows_per_s": round(export.rows / seconds),
        "summary": done.stdout.strip().splitlines(),
    }


async def run(database_url: str, rows: int) -> dict[str, Any]:
    """Generate both files and time importing each into an empty workspace."""
    await seed(database_url, leads=0, feedback=0)
    results: dict[str, Any] = {"database": database_url.split(":")[0].split("+")[0], "files": []}
    now = datetime.now(UTC)
    with (
        SlackStandIn(token=BOT_TOKEN, team_id=TEAM) as standin,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for n in range(300):
            standin.add_user(f"U1{n:05d}", real_name=f"Member {n}", email=f"member{n}@acme.com")
        for rep in REPS:
            standin.add_user(rep.user_id, real_name=rep.name, email=rep.email)
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": standin.base_url,
            "DATABASE_URL": database_url,
            "LEADLOOP_LOG_LEVEL": "WARNING",
        }
        status_map = Path(tmp) / "statuses.csv"
        status_map.write_text("crm_status,status\nRecycled,contacted\n")
        files = [
            (hubspot_contacts(Path(tmp) / "hubspot-contacts.csv", rows, now=now), ()),
            (
                salesforce_leads(Path(tmp) / "salesforce-leads.csv", rows, now=now),
                ("--day-first", "--status-map", str(status_map)),
            ),
        ]
        for export, extra in files:
            await _empty(database_url)
            calls_before = len(standin.calls)
            row = await asyncio.to_thread(_import, env, export, *extra)
            row["slack_calls"] = len(standin.calls) - calls_before
            results["files"].append(row)
    return results


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table, with each import's summary below it."""
    lines = [
        results["database"],
        "",
        "| file | rows | KiB | importable | seconds | rows/s | Slack calls |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["files"]:
        lines.append(
            f"| {row['file']} | {row['rows']:,} | {row['file_kib']:,} | {row['importable']:,} "
            f"| {row['seconds']} | {row['rows_per_s']:,} | {row['slack_calls']} |"
        )
    for row in results["files"]:
        lines += ["", f"{row['file']}:", *(f"    {line}" for line in row["summary"])]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = options.database_url or f"sqlite:///{tmp}/bench.db"
        results = asyncio.run(run(url, options.rows))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"crm_import_{results['database']}.json").write_text(json.dumps(results, indent=2))
    sys.stdout.write(table(results))


if __name__ == "__main__":
    main()
