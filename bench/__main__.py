"""Every figure of issue 19 on SQLite and PostgreSQL in one command, into BENCHMARKS.md.

    python -m bench [--quick] [--only ack,cpu,workers,digest] [--seconds N]
                    [--database sqlite|postgresql|both] [--postgres-url URL]
                    [--from-results FILE] [--no-write]

Seeds 200,000 leads and 1,000,000 feedback rows once per database (reused while the counts
hold; bench.dataset), then measures each figure next to its floor in the same run
(bench.figures), writes the results to bench/results/bench-<time>.json and the tables between
BENCHMARKS.md's `<!-- bench:start -->` and `<!-- bench:end -->` (bench.report).
`--quick` is a smoke test: 2,000 leads, 10,000 feedback, 2 s runs, in its own SQLite file
and PostgreSQL database (`bench_quick`), so it never throws the full data set away.
`--from-results FILE` renders the tables of a saved run without measuring.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import dataset, load, report
from bench.figures import measure_database
from bot.demo.signed_requests import TEAM
from bot.demo.slack_standin import SlackStandIn
from bot.settings import normalise_database_url
from storage.db import create_engine
from tests.factories import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
BENCHMARKS = ROOT / "BENCHMARKS.md"
FIGURES = ("ack", "cpu", "workers", "digest")
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/bench"
PACKAGES = ("slack-bolt", "uvicorn", "uvloop", "httptools", "sqlalchemy", "asyncpg", "aiosqlite")


def _only(value: str) -> list[str]:
    chosen = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(FIGURES))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {','.join(FIGURES)}")
    return chosen


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small data, short runs")
    parser.add_argument("--only", type=_only, default=list(FIGURES), help=",".join(FIGURES))
    parser.add_argument("--seconds", type=int, help="seconds per measured run (10; quick 2)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres-url", help=f"{POSTGRES_URL} (quick: …/bench_quick); created when missing"
    )
    parser.add_argument("--leads", type=int, help="200000 (quick 2000)")
    parser.add_argument("--feedback", type=int, help="1000000 (quick 10000)")
    parser.add_argument("--digest-runs", type=int, help="best of (5; quick 1)")
    parser.add_argument(
        "--generator", choices=("wrk", "httpx"), default="wrk" if shutil.which("wrk") else "httpx"
    )
    parser.add_argument("--from-results", type=Path, help="render a saved run, measure nothing")
    parser.add_argument("--no-write", action="store_true", help="leave BENCHMARKS.md alone")
    return parser


def _options(argv: list[str] | None) -> argparse.Namespace:
    options = _parser().parse_args(argv)
    quick = options.quick
    defaults = {
        "seconds": 2 if quick else 10,
        "leads": 2_000 if quick else 200_000,
        "feedback": 10_000 if quick else 1_000_000,
        "digest_runs": 1 if quick else 5,
        "postgres_url": POSTGRES_URL + ("_quick" if quick else ""),
    }
    for name, value in defaults.items():
        if getattr(options, name) is None:
            setattr(options, name, value)
    options.concurrency = [1, 10, 50]
    options.bot_token = BOT_TOKEN
    options.signing_secret = SIGNING_SECRET
    return options


def _commit() -> tuple[str, bool]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    return git("rev-parse", "--short", "HEAD") or "?", bool(git("status", "--porcelain"))


async def _postgres_version(url: str) -> str | None:
    engine = create_engine(normalise_database_url(url))
    try:
        async with engine.connect() as connection:
            return str(await connection.scalar(text("SHOW server_version"))).split()[0]
    finally:
        await engine.dispose()


def _versions() -> dict[str, str]:
    found = {"Python": platform.python_version(), "SQLite": sqlite3.sqlite_version}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    wrk = load.wrk_version()
    if wrk:
        found["wrk"] = wrk
    return found


def _databases(options: argparse.Namespace) -> dict[str, str]:
    urls = {
        "sqlite": dataset.sqlite_url(options.leads, options.feedback),
        "postgresql": options.postgres_url,
    }
    if options.database == "both":
        return urls
    return {options.database: urls[options.database]}


async def run(options: argparse.Namespace, command: str, save: Path) -> dict[str, Any]:
    """Measure every figure asked for on each database; the results, saved as they come."""
    commit, dirty = _commit()
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "commit": commit,
        "dirty": dirty,
        "quick": options.quick,
        "only": options.only,
        "leads": options.leads,
        "feedback": options.feedback,
        "seconds": options.seconds,
        "generator": options.generator,
        "cpus": os.cpu_count(),
        "versions": _versions(),
        "databases": {},
    }
    databases = _databases(options)
    with (
        tempfile.TemporaryDirectory() as tmp,
        SlackStandIn(token=BOT_TOKEN, team_id=TEAM) as standin,
    ):
        for name, url in databases.items():
            sys.stderr.write(f"bench: {name} ({make_url(url).render_as_string()})\n")
            measured = await measure_database(options, url, standin, Path(tmp))
            if name == "postgresql":
                results["versions"]["PostgreSQL"] = await _postgres_version(url)
            results["databases"][name] = measured
            save.write_text(json.dumps(results, indent=2))
    return results


def main(argv: list[str] | None = None) -> int:
    """Measure (or read a saved run), print the tables and write them into BENCHMARKS.md."""
    options = _options(argv)
    if options.from_results:
        results = json.loads(options.from_results.read_text())
    else:
        RESULTS.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        save = RESULTS / f"bench-{stamp}.json"
        command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
        results = asyncio.run(run(options, command, save))
        sys.stderr.write(f"bench: results in {save.relative_to(ROOT)}\n")
    block = report.render(results)
    sys.stdout.write(block)
    if not options.no_write:
        BENCHMARKS.write_text(report.splice(BENCHMARKS.read_text(), block))
        sys.stderr.write(f"bench: tables written to {BENCHMARKS.name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
