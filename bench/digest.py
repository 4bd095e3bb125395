"""The weekly digest against its floor, statement by statement; and the nudge selection.

    python -m bench.digest [--database sqlite|postgresql] [--leads 200000]
                           [--feedback 1000000] [--runs 9] [--database-url URL]

Seeds --leads open leads and --feedback feedback rows for one team (bench.seed), or reuses
the database as it stands when it already holds exactly those counts: SQLite in a file kept
under bench/results/, PostgreSQL in the database `bench_digest` (create it first:
`createdb -h 127.0.0.1 -U postgres bench_digest`; an empty one is seeded, one holding other
counts is refused). Either way the schema is migrated to head first, so the indexes the code
expects are there. Then, in the same run and on the same data, each timed over --runs runs
(the best is kept, after one warm-up; the floor and the digest are taken in turns, so that
a busy moment on a shared machine falls on both alike):

- floor: one `SELECT rating, count(*) FROM feedback WHERE team_id = ? AND created_at >= ?
  AND created_at < ? GROUP BY rating` over the digest's week, the least any digest must do;
- digest: `compute_digest` for the week ending at the seeded "now", with the shared goals at
  their default targets (every figure the digest posts, the previous week's too), and its
  peak Python allocation (tracemalloc);
- each statement of the fastest digest run (timed around the driver's execute, rows fetched
  included; SQLAlchemy's cursor events), named after the storage function that runs it;
  "Python and the rest" is that run's time less its statements' (building statements and
  results, business minutes, dataclasses);
- full-table floor: the floor's GROUP BY without the week filter (a scan of every row);
- nudges: `plan_nudges` (who is nudged about which ten leads) over the open leads.

Prints the tables and writes bench/results/digest_<database>.json.
"""

import argparse
import asyncio
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import greenlet
from sqlalchemy import event, func, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bench.seed import NOW, seed
from bot.demo.signed_requests import TEAM
from bot.settings import Settings, normalise_database_url
from jobs.digest import compute_digest
from jobs.nudges import plan_nudges
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import Feedback
from storage.schedules import week_ending

RESULTS = Path(__file__).parent / "results"
STORAGE = Path(__file__).resolve().parent.parent / "storage"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/bench_digest"
ZONE = ZoneInfo("UTC")
STALE_AFTER_DAYS = 7
# The digest as the scheduler computes it: with the shared goals at their default targets.
SCHEDULE = replace(
    Settings(_env_file=None).team_defaults,  # type: ignore[call-arg]
    team_id=TEAM,
    nudge_time="09:30",
    stale_after_days=STALE_AFTER_DAYS,
)
GOALS = SCHEDULE.goals


async def _best_of(runs: int, job: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    """One warm-up, then the fastest of `runs` runs in ms, and the last result."""
    result = await job()
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        result = await job()
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1), result


def _caller() -> str:
    """The storage function whose statement is running (the innermost outside storage.db).

    Statements run in a greenlet whose parent is suspended inside the awaiting coroutines,
    so the parent's frames are the async call stack.
    """
    frame = greenlet.getcurrent().parent.gr_frame if greenlet.getcurrent().parent else None
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if path.parent == STORAGE and path.name != "db.py":
            return f"{path.stem}.{frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


class StatementTimes:
    """Times each statement run on an engine while `recording`, in the order they run."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.recording = False
        self.times: list[tuple[str, float]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        if self.recording:
            elapsed = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
            self.times.append((_caller(), elapsed))


async def _interleaved(
    runs: int,
    times: StatementTimes,
    floor: Callable[[], Awaitable[Any]],
    digest: Callable[[], Awaitable[Any]],
) -> dict[str, Any]:
    """The floor and the digest taken in turns (one warm-up each, then `runs` of each), so a
    busy moment on a shared machine falls on both alike; the fastest of each is kept, with
    the statements of the fastest digest (named; a repeat gets "#2")."""
    floor_rows, figures = await floor(), await digest()
    floor_ms = digest_ms = float("inf")
    statements: list[tuple[str, float]] = []
    for _ in range(runs):
        started = time.perf_counter()
        floor_rows = await floor()
        floor_ms = min(floor_ms, (time.perf_counter() - started) * 1000)
        times.times, times.recording = [], True
        started = time.perf_counter()
        try:
            figures = await digest()
        finally:
            times.recording = False
        elapsed = (time.perf_counter() - started) * 1000
        if elapsed < digest_ms:
            digest_ms, statements = elapsed, list(times.times)
    seen: dict[str, int] = {}
    named = []
    for name, ms in statements:
        seen[name] = seen.get(name, 0) + 1
        label = name + (f" #{seen[name]}" if seen[name] > 1 else "")
        named.append({"statement": label, "ms": round(ms, 1)})
    return {
        "floor_ms": round(floor_ms, 1),
        "floor_rows": sum(int(n) for _, n in floor_rows),
        "digest_ms": round(digest_ms, 1),
        "statements": named,
        "figures": figures,
    }


async def measure(database_url: str, runs: int) -> dict[str, Any]:
    """Time the floor, the digest and its statements, and the nudge plan, on the data as is."""
    engine = create_engine(normalise_database_url(database_url))
    times = StatementTimes(engine)
    sessions = create_sessions(engine)
    period = week_ending(NOW, ZONE)
    try:

        async def digest() -> Any:
            async with sessions() as session:
                return await compute_digest(
                    session,
                    TEAM,
                    period,
                    stale_after_days=STALE_AFTER_DAYS,
                    zone=ZONE,
                    goals=GOALS,
                )

        def group_by(in_period: bool) -> Callable[[], Awaitable[Any]]:
            async def run() -> Any:
                statement = select(Feedback.rating, func.count()).where(Feedback.team_id == TEAM)
                if in_period:
                    statement = statement.where(
                        col(Feedback.created_at) >= period.start,
                        col(Feedback.created_at) < period.end,
                    )
                async with sessions() as session:
                    rows = await session.exec(statement.group_by(col(Feedback.rating)))
                    return rows.all()

            return run

        async def nudges() -> Any:
            async with sessions() as session:
                return await plan_nudges(session, TEAM, now=NOW, schedule=SCHEDULE)

        timed = await _interleaved(runs, times, group_by(True), digest)
        floor_ms, digest_ms, statements = timed["floor_ms"], timed["digest_ms"], timed["statements"]
        figures = timed["figures"]
        tracemalloc.start()
        await digest()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        scan_ms, _ = await _best_of(runs, group_by(False))
        nudge_ms, plans = await _best_of(runs, nudges)
        return {
            "floor_ms": floor_ms,
            "floor_rows": timed["floor_rows"],
            "digest_ms": digest_ms,
            "ratio": round(digest_ms / floor_ms, 2) if floor_ms else None,
            "statements": statements,
            "statements_ms": round(sum(row["ms"] for row in statements), 1),
            "scan_ms": scan_ms,
            "digest_peak_kib": round(peak / 1024),
            "feedback_in_week": figures.feedback_count,
            "nudge_ms": nudge_ms,
            "nudged_owners": len(plans),
            "stale_leads": sum(plan.total for plan in plans),
            "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    finally:
        await engine.dispose()


async def _counts(database_url: str) -> tuple[int, int] | None:
    """(leads, feedback) in a database, None when it has no leadloop tables yet."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        async with engine.connect() as connection:
            try:
                count = "SELECT (SELECT count(*) FROM leads), (SELECT count(*) FROM feedback)"
                leads, feedback = (await connection.execute(text(count))).one()
            except Exception:  # noqa: BLE001 - no tables: nothing seeded yet
                return None
        return int(leads or 0), int(feedback or 0)
    finally:
        await engine.dispose()


async def prepare(database_url: str, leads: int, feedback: int) -> float | None:
    """Seed the database, or reuse it as seeded before: seconds spent seeding (None: reused).

    Migrated to head either way, so a reused database gets the indexes of newer migrations.
    """
    counts = await _counts(database_url)
    if counts == (leads, feedback):
        engine = create_engine(normalise_database_url(database_url))
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        return None
    if counts not in (None, (0, 0)):
        raise SystemExit(
            f"{database_url} holds {counts[0]:,} leads and {counts[1]:,} feedback rows, not "
            f"{leads:,} and {feedback:,}: drop it and create it empty, or pick another one"
        )
    started = time.perf_counter()
    await seed(database_url, leads=leads, feedback=feedback)
    return round(time.perf_counter() - started, 1)


def _database_url(options: argparse.Namespace) -> str:
    if options.database_url:
        return str(options.database_url)
    if options.database == "postgresql":
        return POSTGRES_URL
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"digest_{options.leads}_{options.feedback}.db"
    if path.exists() and not options.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


async def run(database_url: str, leads: int, feedback: int, runs: int) -> dict[str, Any]:
    """Seed (or reuse), then measure."""
    seed_s = await prepare(database_url, leads, feedback)
    return {
        "database": database_url.split(":")[0].split("+")[0],
        "leads": leads,
        "feedback": feedback,
        "runs": runs,
        "seed_s": seed_s,
        **await measure(database_url, runs),
    }


def table(results: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    lines = [
        f"{results['database']}, {results['leads']:,} leads, {results['feedback']:,} feedback "
        f"rows ({results['feedback_in_week']:,} in the week), best of {results['runs']} runs",
        "",
        "| GROUP BY floor ms | digest ms | ratio | full-scan GROUP BY ms | digest peak KiB "
        "| nudge plan ms (stale leads) |",
        "|---|---|---|---|---|---|",
        f"| {results['floor_ms']} | {results['digest_ms']} | {results['ratio']} "
        f"| {results['scan_ms']} | {results['digest_peak_kib']:,} "
        f"| {results['nudge_ms']} ({results['stale_leads']:,}) |",
        "",
        "| statement | ms | of the floor |",
        "|---|---|---|",
    ]
    floor = results["floor_ms"] or 1
    for row in results["statements"]:
        lines.append(f"| {row['statement']} | {row['ms']} | {row['ms'] / floor:.2f}x |")
    rest = round(results["digest_ms"] - results["statements_ms"], 1)
    lines.append(f"| Python and the rest | {rest} | {rest / floor:.2f}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run, print the tables and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", default=None, help="instead of --database's default")
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--feedback", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--fresh",
        dest="reuse",
        action="store_false",
        help="SQLite: seed a new file even if one with these counts is there",
    )
    options = parser.parse_args()
    url = _database_url(options)
    results = asyncio.run(run(url, options.leads, options.feedback, options.runs))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"digest_{results['database']}.json").write_text(json.dumps(results, indent=2))
    sys.stdout.write(table(results))


if __name__ == "__main__":
    main()
