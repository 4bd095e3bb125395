"""Digest compute time at growing feedback volumes, next to one plain GROUP BY; nudge selection.

    python -m bench.digest [--sizes 10000 100000 1000000] [--leads 100000] [--runs 3]
                           [--database-url postgresql://…]

Seeds --leads open leads for one team, then grows the feedback table to each size in turn.
At each size it times, over --runs runs (the best is kept, after one warm-up):

- digest: `compute_digest` for the week ending at the seeded "now" (every figure the digest
  posts, the previous week's too), with its peak Python allocation (tracemalloc);
- floor: one `SELECT rating, count(*) FROM feedback WHERE team_id = ? AND created_at in the
  week GROUP BY rating`, the least any digest must do over the same table;
- full-table floor: the same GROUP BY without the period filter (a scan of every row);
- nudges: `plan_nudges` (who is nudged about which ten leads) over all the open leads.

Prints a table and writes bench/results/digest.json (sqlite or postgresql in its name).
"""

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

from bench.seed import NOW, add_feedback, seed
from bot.demo.signed_requests import TEAM
from bot.settings import Settings, normalise_database_url
from jobs.digest import compute_digest
from jobs.nudges import plan_nudges
from storage.db import create_engine, create_sessions
from storage.models import Feedback
from storage.schedules import week_ending

RESULTS = Path(__file__).parent / "results"
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


async def measure(database_url: str, runs: int) -> dict[str, Any]:
    """Time the digest, its floors and the nudge plan on the database as it stands."""
    engine = create_engine(normalise_database_url(database_url))
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

        digest_ms, figures = await _best_of(runs, digest)
        tracemalloc.start()
        await digest()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        floor_ms, _ = await _best_of(runs, group_by(True))
        scan_ms, _ = await _best_of(runs, group_by(False))
        nudge_ms, plans = await _best_of(runs, nudges)
        return {
            "digest_ms": digest_ms,
            "floor_ms": floor_ms,
            "scan_ms": scan_ms,
            "ratio": round(digest_ms / floor_ms, 2) if floor_ms else None,
            "digest_peak_kib": round(peak / 1024),
            "feedback_in_week": figures.feedback_count,
            "nudge_ms": nudge_ms,
            "nudged_owners": len(plans),
            "stale_leads": sum(plan.total for plan in plans),
            "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    finally:
        await engine.dispose()


async def run(database_url: str, leads: int, sizes: list[int], runs: int) -> dict[str, Any]:
    """Seed the leads, then grow the feedback to each size and measure there."""
    started = time.perf_counter()
    await seed(database_url, leads=leads, feedback=0)
    results: dict[str, Any] = {
        "database": database_url.split(":")[0].split("+")[0],
        "leads": leads,
        "runs": runs,
        "sizes": {},
        "seed_s": {},
    }
    results["seed_s"]["leads"] = round(time.perf_counter() - started, 1)
    have = 0
    for salt, size in enumerate(sorted(sizes)):
        started = time.perf_counter()
        await add_feedback(database_url, feedback=size - have, leads=leads, salt=salt)
        results["seed_s"][str(size)] = round(time.perf_counter() - started, 1)
        have = size
        results["sizes"][str(size)] = await measure(database_url, runs)
    return results


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    lines = [
        f"{results['database']}, {results['leads']:,} open leads, best of {results['runs']} runs",
        "",
        "| feedback rows | in the week | digest ms | GROUP BY floor ms | ratio "
        "| full-scan GROUP BY ms | digest peak KiB | nudge plan ms (stale leads) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size, row in results["sizes"].items():
        lines.append(
            f"| {int(size):,} | {row['feedback_in_week']:,} | {row['digest_ms']} "
            f"| {row['floor_ms']} | {row['ratio']} | {row['scan_ms']} | {row['digest_peak_kib']:,} "
            f"| {row['nudge_ms']} ({row['stale_leads']:,}) |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = options.database_url or f"sqlite:///{tmp}/bench.db"
        results = asyncio.run(run(url, options.leads, options.sizes, options.runs))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"digest_{results['database']}.json").write_text(json.dumps(results, indent=2))
    sys.stdout.write(table(results))


if __name__ == "__main__":
    main()
