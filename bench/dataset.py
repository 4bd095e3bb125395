"""The data set every figure of `python -m bench` runs on: seeded once, reused while it holds.

A database is reused when it holds exactly the seed's leads and feedback (bench.seed); a run's
own writes are removed before and after it (`reset`), so the next run finds the seed as it
was: quick forms stored during the run are feedback created after the seed's NOW (the server
stamps them with the real clock), and the leads they moved are put back to their seeded
columns. Anything else (an empty database, other counts) is dropped and seeded afresh:
SQLite is a file under bench/results/, PostgreSQL a database created (and dropped before a
reseed) through the server's `postgres` database.
"""

import random
import time
from pathlib import Path

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bench.seed import NOW, RANDOM_SEED, lead_batches, seed
from bot.settings import normalise_database_url
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import Feedback, Lead, LeadEvent, WebhookOutbox

RESULTS = Path(__file__).parent / "results"
# Lead columns a quick form moves, put back to the seed's values by `reset`.
RESTORED = ("status", "last_touch_at", "updated_at")


def sqlite_url(leads: int, feedback: int) -> str:
    """The SQLite file for a data set of this size, kept under bench/results/."""
    RESULTS.mkdir(exist_ok=True)
    return f"sqlite:///{RESULTS / f'bench-{leads}-{feedback}.db'}"


def _engine(url: str) -> AsyncEngine:
    return create_engine(normalise_database_url(url))


async def _counts(url: str) -> tuple[int, int] | None:
    """(leads, seeded feedback) in the database; None when it has no leadloop tables."""
    engine = _engine(url)
    try:
        async with engine.connect() as connection:
            try:
                leads = await connection.scalar(select(func.count()).select_from(Lead))
                feedback = await connection.scalar(
                    select(func.count()).select_from(Feedback).where(Feedback.created_at <= NOW)
                )
            except Exception:  # noqa: BLE001 - no tables yet: nothing seeded
                return None
        return int(leads or 0), int(feedback or 0)
    finally:
        await engine.dispose()


async def _postgres_admin(url: str, *statements: str) -> None:
    """Run statements on the server's `postgres` database, outside a transaction."""
    admin = make_url(normalise_database_url(url)).set(database="postgres")
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _postgres_exists(url: str) -> bool:
    name = make_url(normalise_database_url(url)).database
    admin = make_url(normalise_database_url(url)).set(database="postgres")
    engine = create_async_engine(admin)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
        return found is not None
    finally:
        await engine.dispose()


async def _empty(url: str) -> None:
    """Drop the database (PostgreSQL: and create it again; SQLite: remove its files)."""
    parsed = make_url(normalise_database_url(url))
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        for file in path.parent.glob(f"{path.name}*"):  # the -wal, -shm and lock files too
            file.unlink()
        return
    name = parsed.database
    await _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')


async def prepare(url: str, *, leads: int, feedback: int) -> float | None:
    """Make the database hold the seed's data set: seconds spent seeding, None if reused."""
    postgres = make_url(normalise_database_url(url)).get_backend_name() == "postgresql"
    if postgres and not await _postgres_exists(url):
        name = make_url(normalise_database_url(url)).database
        await _postgres_admin(url, f'CREATE DATABASE "{name}"')
    counts = await _counts(url)
    if counts == (leads, feedback):
        engine = _engine(url)
        try:
            # Newer migrations (indexes) apply to a reused data set as to a deployment.
            await upgrade(engine)
        finally:
            await engine.dispose()
        await reset(url, leads=leads)
        return None
    if counts is not None:
        await _empty(url)
    started = time.perf_counter()
    await seed(url, leads=leads, feedback=feedback)
    return round(time.perf_counter() - started, 1)


async def reset(url: str, *, leads: int) -> int:
    """Remove what a run wrote (feedback after NOW, their outbox rows and lead events) and
    put the leads it moved back as seeded; how many feedback rows were removed."""
    engine = _engine(url)
    try:
        async with engine.begin() as connection:
            removed = (
                await connection.execute(delete(Feedback).where(Feedback.created_at > NOW))
            ).rowcount
            # The seed writes neither; every row in them is a run's.
            await connection.execute(delete(WebhookOutbox))
            await connection.execute(delete(LeadEvent))
            moved = {
                external_id: lead_id
                for lead_id, external_id in await connection.execute(
                    select(Lead.id, Lead.external_id).where(Lead.updated_at > NOW)
                )
            }
            if moved:
                await _restore(connection, moved, leads)
        if (removed or moved) and engine.dialect.name == "postgresql":
            # As the seed leaves it: statistics fresh and the visibility map set again.
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            async with autocommit.connect() as connection:
                await connection.execute(text("VACUUM ANALYZE"))
        return int(removed or 0)
    finally:
        await engine.dispose()


async def _restore(connection: AsyncConnection, moved: dict[str, int], leads: int) -> None:
    """Seeded columns back on the moved leads, their first feedback from what is left."""
    rows = []
    for batch in lead_batches(leads, random.Random(RANDOM_SEED)):
        for row in batch:
            lead_id = moved.get(row["external_id"])
            if lead_id is not None:
                rows.append({"b_id": lead_id, **{f"b_{name}": row[name] for name in RESTORED}})
    table = Lead.__table__  # type: ignore[attr-defined]
    restore = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            {
                **{name: bindparam(f"b_{name}") for name in RESTORED},
                "campaign_id": None,
                "first_touch_at": None,
            }
        )
    )
    await connection.execute(restore, rows)
    ids = sorted(moved.values())
    first = (
        select(func.min(Feedback.created_at)).where(Feedback.lead_id == Lead.id).scalar_subquery()
    )
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        await connection.execute(
            update(Lead).where(Lead.id.in_(chunk)).values(first_feedback_at=first)  # type: ignore[union-attr]
        )


async def added_feedback(url: str) -> int:
    """Feedback rows stored since the seed (by this run's quick forms)."""
    engine = _engine(url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                select(func.count()).select_from(Feedback).where(Feedback.created_at > NOW)
            )
        return int(count or 0)
    finally:
        await engine.dispose()


def database_name(url: str) -> str:
    """sqlite or postgresql."""
    return make_url(normalise_database_url(url)).get_backend_name()
