"""The database engine and the session factory."""

import asyncio
import contextlib
import fcntl
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 5000

# How much of a driver's error message a one-line "not reachable" keeps.
REASON_MAX = 120
# A direct write that finds another process writing looks again after this, then twice as
# long each time up to the most (a quick form's transaction takes well under a millisecond).
LOOK_AGAIN_FIRST_S = 0.0005
LOOK_AGAIN_MAX_S = 0.002

T = TypeVar("T")


class WriterLock:
    """An exclusive lock on a file beside the database, so that processes write in turn.

    `flock` is taken without blocking when it is free (the usual case, one system call);
    otherwise a thread waits for it, and the kernel wakes that thread the moment the holder
    lets go. The kernel also lets go for a process that dies, even by SIGKILL. One task of a
    process at a time asks (Sessions holds its asyncio lock first), so at most one thread
    per process waits here.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def try_acquire(self) -> bool:
        """Take the lock if it is free (without waiting); whether it was."""
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def wait_for(self) -> None:
        """Take the lock, waiting as long as another process holds it (in a thread)."""
        fcntl.flock(self._file(), fcntl.LOCK_EX)

    async def acquire(self) -> None:
        """Hold the lock; wait (off the event loop) while another process holds it."""
        if self.try_acquire():
            return
        try:
            await _uncancelled(asyncio.get_running_loop().run_in_executor(None, self.wait_for))
        except asyncio.CancelledError:
            self.release()  # the thread took it for a caller that gave up
            raise

    def release(self) -> None:
        """Let the next process write."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the lock file (which lets go of the lock too)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Sessions:
    """Opens sessions: `sessions()` for reading, `sessions.begin()` for one transaction.

    On SQLite, write transactions take turns. SQLite allows one writer at a time, and a
    writer that finds the file locked sleeps in SQLite's busy handler (1 to 100 ms steps),
    so a burst of writers spends its time asleep: 50 concurrent quick forms got 4 answers a
    second. Within a process they queue on an asyncio lock instead, each starting the moment
    the one before commits; across processes (`serve --workers`, the CLI beside the server)
    the one holding the asyncio lock then takes a `WriterLock` on a file beside the database.
    Readers are never queued (WAL lets them run beside the writer), and a transaction opened
    inside another in the same task does not wait for itself.
    """

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        *,
        serialize_writes: bool,
        writer_lock: WriterLock | None = None,
        direct: "DirectWriter | None" = None,
    ):
        self._maker = maker
        self._lock = asyncio.Lock() if serialize_writes else None
        self._writer_lock = writer_lock
        self._holding: ContextVar[bool] = ContextVar("holding_write_lock", default=False)
        # SQLite only: one connection in a thread of its own for a whole write at a time.
        self.direct = direct

    def __call__(self) -> AsyncSession:
        """A session for reading (or for a caller that manages its own commits)."""
        return self._maker()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction, committed on success and rolled back on error."""
        if self._lock is None or self._holding.get():
            async with self._maker.begin() as session:
                yield session
            return
        async with self._lock:
            token = self._holding.set(True)
            if self._writer_lock is not None:
                await self._writer_lock.acquire()
            try:
                async with self._maker.begin() as session:
                    yield session
            finally:
                if self._writer_lock is not None:
                    self._writer_lock.release()
                self._holding.reset(token)

    async def write_directly(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """work(connection) in one SQLite write transaction, in its turn among the app's
        writes (this process's, then every process's: DirectWriter); the whole transaction
        is one call, on the event loop."""
        assert self.direct is not None and self._lock is not None
        async with self._lock:
            return await self.direct.run(work)


async def _uncancelled(waiting: "asyncio.Future[T]") -> T:
    """The result of work running in a thread, which stops for nobody: a cancelled caller
    still waits for it (keeping its turn, so nothing else uses what the thread holds), then
    gets its CancelledError."""
    try:
        return await asyncio.shield(waiting)
    except asyncio.CancelledError:
        while not waiting.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(waiting)
        raise


class DirectWriter:
    """A plain sqlite3 connection for short write transactions, run on the event loop.

    Through aiosqlite each statement, fetch, cursor close and commit is a trip from the
    event loop to aiosqlite's thread and back (a quick form took about 25, and each trip
    costs more CPU than the statement). Here BEGIN IMMEDIATE … COMMIT runs in one call on
    the event loop: a few hundred microseconds in WAL mode, plus SQLite's automatic
    checkpoint once every thousand pages. It holds the writers' `WriterLock`, which other
    processes take too, and starts only once both that lock and the file's own write lock
    are free; while another process writes, it looks again after a short sleep on the loop.
    No thread ever holds a lock here: a thread needs the GIL back after each statement and
    waits for it while this process's loop serves other requests, holding up every other
    process's writes meanwhile (with `serve --workers 2`, that made two workers slower than
    one). Callers take this process's turn first (Sessions.write_directly), so one use at a
    time. Closed when the engine is disposed.
    """

    def __init__(self, path: str, lock: WriterLock | None = None):
        self._path = path
        self._lock = lock
        self._connection: sqlite3.Connection | None = None

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """work(connection) between BEGIN IMMEDIATE and COMMIT (ROLLBACK if it raises);
        sqlite3.OperationalError (database is locked) after the busy timeout."""
        connection = self._connect()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SQLITE_BUSY_TIMEOUT_MS / 1000
        pause = 0.0
        while True:
            if self._lock is None or self._lock.try_acquire():
                try:
                    if _began(connection):
                        return _finish(connection, work)
                finally:
                    if self._lock is not None:
                        self._lock.release()
            if loop.time() >= deadline:
                raise sqlite3.OperationalError("database is locked")
            await asyncio.sleep(pause)
            pause = min(max(pause * 2, LOOK_AGAIN_FIRST_S), LOOK_AGAIN_MAX_S)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            _set_sqlite_pragmas(connection, None)
            # SQLite's automatic checkpoint stays on: when quick forms are the only writes,
            # this connection is the one that keeps the WAL from growing without end (a few
            # milliseconds on the loop once every thousand pages).
            connection.execute("PRAGMA busy_timeout=0")
            self._connection = connection
        return self._connection

    def close(self) -> None:
        """Close the connection; a later write opens it again."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _began(connection: sqlite3.Connection) -> bool:
    """BEGIN IMMEDIATE; False when another connection holds the file's write lock."""
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
        return False
    return True


def _finish(connection: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """work(connection) in the transaction just begun, then COMMIT (or ROLLBACK)."""
    try:
        result = work(connection)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return result


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
    # No pre-ping (a round trip per checkout): a transaction that finds its connection
    # dropped is run once more on a new one (storage.transactions).
    return create_async_engine(url, pool_size=10, max_overflow=20)


def writer_lock_path(url: str) -> str | None:
    """The lock file beside a SQLite database file (None for PostgreSQL or in memory)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return f"{parsed.database}-writer.lock"


def create_sessions(engine: AsyncEngine) -> Sessions:
    """A session factory whose objects stay readable after commit without hidden I/O."""
    maker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    if engine.dialect.name != "sqlite":
        return Sessions(maker, serialize_writes=False)
    lock_path = writer_lock_path(engine.url.render_as_string(hide_password=False))
    writer_lock = WriterLock(lock_path) if lock_path is not None else None
    if writer_lock is not None:
        event.listen(engine.sync_engine, "engine_disposed", lambda _engine: writer_lock.close())
    path = engine.url.database
    direct = DirectWriter(path, writer_lock) if path and path != ":memory:" else None
    if direct is not None:
        event.listen(engine.sync_engine, "engine_disposed", lambda _engine: direct.close())
    return Sessions(maker, serialize_writes=True, writer_lock=writer_lock, direct=direct)


async def unreachable_because(engine: AsyncEngine) -> str | None:
    """Why a trivial query fails, in one short line; None when it succeeds."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        cause = getattr(exc, "orig", None) or exc
        lines = str(cause).strip().splitlines()
        return (lines[0] if lines else type(cause).__name__)[:REASON_MAX]
    return None


async def is_reachable(engine: AsyncEngine) -> bool:
    """Whether a trivial query succeeds."""
    return await unreachable_because(engine) is None


def insert_on_conflict(
    session: AsyncSession,
    table: Any,
    *,
    conflict: Sequence[Any] | None = None,
    update: Sequence[str] = (),
) -> Any:
    """An INSERT … ON CONFLICT for the session's database, SQLite or PostgreSQL.

    Without `update`, a row that would break a unique constraint is skipped (DO NOTHING);
    with it, the row already stored under the `conflict` columns takes these columns from the
    new one (DO UPDATE). Add `.values()`, `.returning()` or a list of parameters as to any
    insert.
    """
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=conflict)
    return statement.on_conflict_do_update(
        index_elements=conflict, set_={name: statement.excluded[name] for name in update}
    )


async def insert_ignoring_conflicts(
    session: AsyncSession, table: Any, values: dict[str, Any], *, returning: Any = None
) -> Any:
    """Insert one row unless it breaks a unique constraint; the returned value, or None."""
    statement = insert_on_conflict(session, table).values(**values)
    if returning is None:
        await session.exec(statement)
        return None
    return (await session.exec(statement.returning(returning))).scalar_one_or_none()
