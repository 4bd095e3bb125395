"""Transactions the database may abort to break a deadlock or a serialization conflict.

PostgreSQL picks a victim when two transactions wait on each other's locks (deadlock
detected, SQLSTATE 40P01) and aborts a serializable one that cannot be ordered (40001).
The victim did nothing and will succeed on its own when run again, so a short, bounded
retry with random waits (to keep the two from colliding again) answers it instead of an
error. A transaction whose connection was dropped (the server restarted, a proxy closed it)
is run again once on a new connection: the pool checks none before use (storage.db).
"""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Sessions

logger = logging.getLogger(__name__)

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
ATTEMPTS = 5
FIRST_WAIT_SECONDS = 0.02

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


def is_retryable(exc: BaseException) -> bool:
    """Whether the database aborted the transaction only to break a deadlock or conflict."""
    if not isinstance(exc, DBAPIError):
        return False
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def is_dropped_connection(exc: BaseException) -> bool:
    """Whether the transaction failed because its connection was gone (SQLAlchemy has
    invalidated it, so the next checkout opens a new one)."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def in_retried_transaction(
    sessions: Sessions,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """work(session) in one transaction, run again in a new one if the database aborts it
    to break a deadlock or a serialization conflict: up to attempts times, waiting a random
    0–20 ms, 0–40 ms, … in between. Any other error, or the last one, is raised."""
    attempt = 1
    reconnected = False
    while True:
        try:
            async with sessions.begin() as session:
                return await work(session)
        except DBAPIError as exc:
            if is_dropped_connection(exc) and not reconnected:
                reconnected = True
                logger.info("the database connection was dropped; running the transaction again")
                continue
            if attempt >= attempts or not is_retryable(exc):
                raise
            code = getattr(exc.orig, "sqlstate", None)
            logger.info("transaction aborted (SQLSTATE %s), attempt %d; retrying", code, attempt)
        await sleep(random.uniform(0, FIRST_WAIT_SECONDS * 2 ** (attempt - 1)))
        attempt += 1
