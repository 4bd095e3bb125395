"""Builds benchmark data sets fast: migrated schema, then bulk inserts in large batches.

python -m bench.seed DATABASE_URL [--leads 200000] [--feedback 1000000]
"""

import argparse
import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.demo.signed_requests import REP, TEAM
from bot.settings import normalise_database_url
from storage.db import create_engine, create_sessions
from storage.leads import refresh_first_feedback
from storage.migrate import upgrade
from storage.models import Feedback, Lead
from storage.teams import ensure_team
from storage.vocabulary import OPEN_STATUSES, Rating, Reason

BATCH = 10_000
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
# The random stream the seed starts from: the same leads (then feedback) every time.
RANDOM_SEED = 7


def _lead_rows(start: int, stop: int, rng: random.Random) -> list[dict]:
    rows = []
    for n in range(start, stop):
        handed = NOW - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
        rows.append(
            {
                "team_id": TEAM,
                "external_id": f"CRM-{n}",
                "email": f"lead{n}@bench.io",
                "name": f"Lead {n}",
                "company": f"Company {n % 5000}",
                "owner": f"U{n % 200:07d}" if n % 10 else REP,
                "handed_off_at": handed,
                "status": rng.choice(OPEN_STATUSES),
                "last_touch_at": handed,
                "created_at": handed,
                "updated_at": handed,
            }
        )
    return rows


def lead_batches(leads: int, rng: random.Random) -> Iterator[list[dict]]:
    """The seed's leads in batches of BATCH; from Random(RANDOM_SEED), the same every time."""
    for start in range(0, leads, BATCH):
        yield _lead_rows(start, min(start + BATCH, leads), rng)


def _feedback_rows(start: int, stop: int, leads: int, rng: random.Random) -> list[dict]:
    rows = []
    for _ in range(start, stop):
        rating = rng.choice(list(Rating))
        rows.append(
            {
                "team_id": TEAM,
                "lead_id": rng.randint(1, leads),
                "author": f"U{rng.randint(0, 199):07d}",
                "rating": rating,
                "reason": None if rating == Rating.HOT else rng.choice(list(Reason)),
                "note": "",
                "created_at": NOW - timedelta(minutes=rng.randint(0, 120 * 1440)),
            }
        )
    return rows


async def seed(database_url: str, *, leads: int, feedback: int) -> None:
    """Migrate database_url and fill it with leads and feedback for one team."""
    engine = create_engine(normalise_database_url(database_url))
    rng = random.Random(RANDOM_SEED)
    try:
        await upgrade(engine)
        async with create_sessions(engine).begin() as session:
            await ensure_team(session=session, team_id=TEAM, now=NOW)
        for rows in lead_batches(leads, rng):
            async with engine.begin() as connection:
                await connection.execute(insert(Lead), rows)
        await _insert_feedback(engine, feedback, leads, rng)
    finally:
        await engine.dispose()


async def add_feedback(database_url: str, *, feedback: int, leads: int, salt: int = 0) -> None:
    """Add feedback rows on the first `leads` leads of a seeded database."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        await _insert_feedback(engine, feedback, leads, random.Random(RANDOM_SEED + salt))
    finally:
        await engine.dispose()


async def _insert_feedback(
    engine: AsyncEngine, feedback: int, leads: int, rng: random.Random
) -> None:
    for start in range(0, feedback, BATCH):
        rows = _feedback_rows(start, min(start + BATCH, feedback), leads, rng)
        async with engine.begin() as connection:
            await connection.execute(insert(Feedback), rows)
    async with create_sessions(engine).begin() as session:
        await refresh_first_feedback(session=session, team_id=TEAM)
    if engine.dialect.name == "postgresql":
        # What autovacuum would have done to a table this size by the time a digest runs:
        # fresh statistics, and a visibility map that lets index-only scans skip the heap.
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        async with autocommit.connect() as connection:
            await connection.execute(text("VACUUM ANALYZE"))


def main() -> None:
    """Seed the database named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--feedback", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(seed(args.database_url, leads=args.leads, feedback=args.feedback))


if __name__ == "__main__":
    main()
