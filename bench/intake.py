"""Intake speed: `/api/leads` in batches of 1,000 and `leadloop import` of a CSV file.

    python -m bench.intake [--api-leads 100000] [--csv-rows 10000 100000]
                           [--database-url postgresql://…]

Against one migrated database with one team: the real HTTP app (`leadloop serve`, uvicorn on
loopback, a separate process) receives --api-leads new leads as JSON batches of 1,000, one
batch at a time, as a CRM sync would send them; then `leadloop import` (a separate process)
imports a CSV file of each size in --csv-rows. Rows per second are new leads stored over wall
time; peak memory is each process's peak resident set (VmHWM / wait4's ru_maxrss).
Prints a table and writes bench/results/intake_<database>.json.
"""

import argparse
import asyncio
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.ack_latency import _free_port, _wait_until_up
from bench.seed import seed
from bot.demo.signed_requests import REP, TEAM
from tests.factories import BOT_TOKEN, SIGNING_SECRET

RESULTS = Path(__file__).parent / "results"
API_TOKEN = "bench-api-token-0123456789abcdef"
API_BATCH = 1000


def _lead(prefix: str, n: int) -> dict[str, str]:
    return {
        "external_id": f"{prefix}-{n}",
        "email": f"{prefix}{n}@intake.io",
        "name": f"Intake Lead {n}",
        "company": f"Company {n % 5000}",
        "owner": REP,
    }


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def _api(env: dict[str, str], total: int) -> dict[str, Any]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.leadloop_server", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    try:
        await _wait_until_up(base)
        created = 0
        async with httpx.AsyncClient(base_url=base, timeout=120, headers=headers) as client:
            started = time.perf_counter()
            for start in range(0, total, API_BATCH):
                batch = [_lead("API", n) for n in range(start, min(start + API_BATCH, total))]
                response = await client.post("/api/leads", json=batch)
                response.raise_for_status()
                created += response.json()["created"]
            seconds = time.perf_counter() - started
        rss = _peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    return {
        "leads": total,
        "created": created,
        "seconds": round(seconds, 2),
        "leads_per_s": round(created / seconds),
        "peak_rss_mib": rss,
    }


def _import(env: dict[str, str], rows: int, tmp: str) -> dict[str, Any]:
    path = Path(tmp) / f"leads-{rows}.csv"
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(_lead("x", 0)))
        writer.writeheader()
        writer.writerows(_lead(f"CSV{rows}", n) for n in range(rows))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "import", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if status != 0:
        raise RuntimeError(f"leadloop import failed: {output}")
    return {
        "rows": rows,
        "file_mib": round(path.stat().st_size / 2**20, 1),
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "summary": output.strip().splitlines()[0] if output else "",
    }


async def run(database_url: str, api_leads: int, csv_rows: list[int]) -> dict[str, Any]:
    """Migrate, then time the API and each CSV import."""
    await seed(database_url, leads=0, feedback=0)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": "http://127.0.0.1:9",
        "LEADLOOP_TEAM_ID": TEAM,  # no Slack to ask: the workspace is named
        "DATABASE_URL": database_url,
        "LEADLOOP_API_TOKEN": API_TOKEN,
        "LEADLOOP_LOG_LEVEL": "WARNING",
    }
    results: dict[str, Any] = {"database": database_url.split(":")[0].split("+")[0]}
    with tempfile.TemporaryDirectory() as tmp:
        results["import"] = [_import(env, rows, tmp) for rows in csv_rows]
    results["api"] = await _api(env, api_leads)
    return results


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    api = results["api"]
    lines = [
        f"{results['database']}",
        "",
        "| path | rows | seconds | rows/s | peak RSS MiB |",
        "|---|---|---|---|---|",
        f"| /api/leads, batches of {API_BATCH:,} | {api['leads']:,} | {api['seconds']} "
        f"| {api['leads_per_s']:,} | {api['peak_rss_mib']} (server) |",
    ]
    for row in results["import"]:
        lines.append(
            f"| leadloop import ({row['file_mib']} MiB CSV) | {row['rows']:,} | {row['seconds']} "
            f"| {row['rows_per_s']:,} | {row['peak_rss_mib']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api-leads", type=int, default=100_000)
    parser.add_argument("--csv-rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = options.database_url or f"sqlite:///{tmp}/bench.db"
        results = asyncio.run(run(url, options.api_leads, options.csv_rows))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"intake_{results['database']}.json").write_text(json.dumps(results, indent=2))
    sys.stdout.write(table(results))


if __name__ == "__main__":
    main()
