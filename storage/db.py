"""The database engine and the session factory."""

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 5000

Sessions = async_sessionmaker[AsyncSession]


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and a busy timeout let the web app, the scheduler and the CLI share one file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    """An async engine for a SQLite (aiosqlite) or PostgreSQL (asyncpg) URL."""
    if url.startswith("sqlite"):
        # The default pool, not one connection: in WAL mode readers run beside the writer, so
        # a long read (the digest, the goals chart) never holds up Slack's acknowledgements.
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def create_sessions(engine: AsyncEngine) -> Sessions:
    """A session factory whose objects stay readable after commit without hidden I/O."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def is_reachable(engine: AsyncEngine) -> bool:
    """Whether a trivial query succeeds."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not reachable" to /readyz
        return False
    return True


async def insert_ignoring_conflicts(
    session: AsyncSession, table: Any, values: dict[str, Any], *, returning: Any = None
) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on either database; the returned value, or None."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**values).on_conflict_do_nothing()
    if returning is None:
        await session.exec(statement)
        return None
    return (await session.exec(statement.returning(returning))).scalar_one_or_none()
