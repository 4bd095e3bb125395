"""The quick form's write, lean: a known lead's feedback in one trip to the database.

`/leadfeedback lead@acme.com hot` is the app's busiest request, and Slack waits for its
answer. Through the ORM it took six statements, each a trip through the async driver, and
hydrated objects it then threw away. Here the same change (storage.feedback.apply_feedback
moves the lead, as for every record) is written with plain SQL on the driver's connection:

- SQLite: SELECT the lead, UPDATE it, INSERT the record, INSERT its outbox event, inside
  BEGIN IMMEDIATE … COMMIT, all in one call to the database thread (storage.db.DirectWriter).
- PostgreSQL: SELECT the lead, then one statement that updates it, inserts the record and
  its event (data-modifying CTEs), committed on its own; its WHERE checks that the lead's
  status and owner are still those read, so a concurrent change is never overwritten.

Anything else (an unknown lead, one whose reopening needs its history, a concurrent change,
an in-memory database) returns None and the caller takes the ORM path, which covers all.
"""

import functools
import json
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from storage.db import Sessions
from storage.feedback import FeedbackInput, apply_feedback
from storage.outbox import FEEDBACK_CREATED, feedback_event
from storage.verdicts import REOPENABLE, implied_status

LeadKey = Literal["email", "external_id"]


@dataclass(slots=True)
class LeadRow:
    """The lead's columns the quick form reads and moves (a plain object: building a
    SQLModel instance costs more than the statements)."""

    id: int
    team_id: str
    external_id: str | None
    email: str | None
    name: str
    company: str
    campaign_id: int | None
    owner: str | None
    handed_off_at: datetime
    status: str
    last_touch_at: datetime
    first_feedback_at: datetime | None
    first_touch_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class FeedbackRow:
    """The stored record, as storage.models.Feedback has it."""

    team_id: str
    lead_id: int
    author: str
    rating: str
    status: str | None
    reason: str | None
    note: str
    created_at: datetime
    previous_status: str | None
    id: int = 0


@dataclass(frozen=True, slots=True)
class CampaignName:
    """The lead's campaign as its event names it."""

    slug: str
    name: str


_LEAD_COLUMNS = (
    "id",
    "team_id",
    "external_id",
    "email",
    "name",
    "company",
    "campaign_id",
    "owner",
    "handed_off_at",
    "status",
    "last_touch_at",
    "first_feedback_at",
    "first_touch_at",
    "created_at",
    "updated_at",
)
# Where each moment is in a row as _select reads it (SQLite hands back text).
_TIMES = tuple(
    _LEAD_COLUMNS.index(name)
    for name in (
        "handed_off_at",
        "last_touch_at",
        "first_feedback_at",
        "first_touch_at",
        "created_at",
        "updated_at",
    )
)


@functools.cache
def _select(key: LeadKey, team: str, value: str) -> str:
    """The lead with its campaign's slug and name, with the dialect's two placeholders."""
    columns = ", ".join(f"leads.{name}" for name in _LEAD_COLUMNS)
    return (
        f"SELECT {columns}, campaigns.slug, campaigns.name FROM leads "
        "LEFT JOIN campaigns ON campaigns.id = leads.campaign_id "
        f"WHERE leads.team_id = {team} AND leads.{key} = {value}"
    )


# Where the record's id goes in its event's body, once the database has given it one: a
# control character, which JSON always escapes, so no text typed by a user can hold it.
_ID_MARK = "\x01feedback-id\x01"


@dataclass(frozen=True)
class QuickRecorded:
    """The feedback as stored and the lead as it stands after it (neither in a session)."""

    lead: LeadRow
    feedback: FeedbackRow


async def record_quick_feedback(
    sessions: Sessions,
    engine: AsyncEngine,
    *,
    team_id: str,
    key: LeadKey,
    value: str,
    author: str,
    given: FeedbackInput,
    now: datetime,
) -> QuickRecorded | None:
    """Record feedback on the team's lead whose email or CRM id is value, committed; None
    (nothing stored) when the ORM path must do it."""
    value = value.lower() if key == "email" else value
    asked = _Asked(team_id, key, value, author, given, now)
    if engine.dialect.name == "postgresql":
        return await _on_postgres(engine, asked)
    if sessions.direct is None:
        return None
    return await sessions.write_directly(lambda connection: _on_sqlite(connection, asked))


@dataclass(frozen=True)
class _Asked:
    """The feedback to record and on which lead (email lower-cased)."""

    team_id: str
    key: LeadKey
    value: str
    author: str
    given: FeedbackInput
    now: datetime


@dataclass(frozen=True)
class _Planned:
    """What the write stores: the lead as it will stand, the record, its event's body."""

    lead: LeadRow
    feedback: FeedbackRow
    # The lead's status and owner as read: the write applies only while they still hold.
    status_read: str
    owner_read: str | None
    event_id: str
    body: str


def _plan(found: Sequence[Any], asked: _Asked) -> _Planned | None:
    """The change for the lead read as found (its columns, then its campaign's slug and
    name); None when its reopening needs its history."""
    given, author, now = asked.given, asked.author, asked.now
    lead = LeadRow(*found[: len(_LEAD_COLUMNS)])
    if not given.status and lead.status in REOPENABLE:
        return None
    status_read, owner_read = lead.status, lead.owner
    status = given.status or implied_status(
        rating=given.rating, current=lead.status, before_closing=None
    )
    feedback = FeedbackRow(**apply_feedback(lead, given, author=author, status=status, now=now))
    slug, name = found[len(_LEAD_COLUMNS) :]
    campaign = CampaignName(slug, name) if slug is not None else None
    event_id = uuid.uuid4().hex
    document = feedback_event(FEEDBACK_CREATED, event_id, feedback, lead, campaign)
    document["feedback"]["id"] = _ID_MARK
    body = json.dumps(document, separators=(",", ":")).replace(json.dumps(_ID_MARK), _ID_MARK)
    return _Planned(lead, feedback, status_read, owner_read, event_id, body)


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_time(moment: datetime | None) -> str | None:
    """A moment as storage.types.UTCDateTime stores it on SQLite: naive UTC text."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _read_sqlite(found: tuple[Any, ...]) -> list[Any]:
    """The row with its moments as aware datetimes."""
    row = list(found)
    for index in _TIMES:
        if row[index] is not None:
            row[index] = datetime.fromisoformat(row[index]).replace(tzinfo=UTC)
    return row


def _on_sqlite(connection: sqlite3.Connection, asked: _Asked) -> QuickRecorded | None:
    """The whole write, inside the DirectWriter's transaction."""
    query = _select(asked.key, "?", "?")
    found = connection.execute(query, (asked.team_id, asked.value)).fetchone()
    if found is None:
        return None
    plan = _plan(_read_sqlite(found), asked)
    if plan is None:
        return None
    lead, feedback = plan.lead, plan.feedback
    connection.execute(
        "UPDATE leads SET status = ?, campaign_id = ?, last_touch_at = ?, first_feedback_at = ?,"
        " first_touch_at = ?, updated_at = ? WHERE id = ?",
        (
            lead.status,
            lead.campaign_id,
            _sqlite_time(lead.last_touch_at),
            _sqlite_time(lead.first_feedback_at),
            _sqlite_time(lead.first_touch_at),
            _sqlite_time(lead.updated_at),
            lead.id,
        ),
    )
    (feedback.id,) = connection.execute(
        "INSERT INTO feedback (team_id, lead_id, author, rating, status, reason, note,"
        " created_at, previous_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            feedback.team_id,
            feedback.lead_id,
            feedback.author,
            feedback.rating,
            feedback.status,
            feedback.reason,
            feedback.note,
            _sqlite_time(feedback.created_at),
            feedback.previous_status,
        ),
    ).fetchone()
    connection.execute(
        "INSERT INTO webhook_outbox (team_id, event_id, event_type, feedback_id, body, attempts,"
        " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        (
            feedback.team_id,
            plan.event_id,
            FEEDBACK_CREATED,
            feedback.id,
            plan.body.replace(_ID_MARK, str(feedback.id)),
            _sqlite_time(asked.now),
            _sqlite_time(asked.now),
        ),
    )
    return QuickRecorded(lead, feedback)


# --- PostgreSQL ----------------------------------------------------------------------------

_PG_WRITE = """
WITH moved AS (
    UPDATE leads SET status = $2, campaign_id = COALESCE($3, campaign_id),
        last_touch_at = GREATEST(last_touch_at, $4),
        first_feedback_at = LEAST(first_feedback_at, $5),
        first_touch_at = COALESCE(first_touch_at, $6), updated_at = $7
    WHERE id = $1 AND status = $8 AND owner IS NOT DISTINCT FROM $9
    RETURNING id, team_id
), stored AS (
    INSERT INTO feedback (team_id, lead_id, author, rating, status, reason, note, created_at,
                          previous_status)
    SELECT team_id, id, $10, $11, $12, $13, $14, $7, $15 FROM moved
    RETURNING id, team_id
), queued AS (
    INSERT INTO webhook_outbox (team_id, event_id, event_type, feedback_id, body, attempts,
                                next_attempt_at, created_at)
    SELECT team_id, $16, $17, id, replace($18, $19, id::text), 0, $7, $7 FROM stored
)
SELECT id FROM stored
"""

# The driver's signs of a connection the server or the network dropped (a connection whose
# server went away may also find its protocol in a state it cannot leave).
_DROPPED = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)


async def _on_postgres(engine: AsyncEngine, asked: _Asked) -> QuickRecorded | None:
    """The write on a pooled connection. A connection found dropped when the lead is read
    (the server restarted: every pooled one is gone) is thrown away and the next one tried,
    up to one more than the pool holds; a drop during the write itself is raised, since the
    write may have been committed."""
    for _ in range(engine.sync_engine.pool.size() + 1):
        # The pool's connection itself: cheaper than a Connection wrapped around it.
        pooled = await engine.raw_connection()
        try:
            pg = pooled.driver_connection
            try:
                query = _select(asked.key, "$1", "$2")
                found = await pg.fetchrow(query, asked.team_id, asked.value)
            except _DROPPED:
                pooled.invalidate()
                continue
            try:
                return await _pg_write(pg, found, asked)
            except _DROPPED:
                pooled.invalidate()
                raise
        finally:
            # Returning it may close it (pool overflow), which awaits the driver.
            await greenlet_spawn(pooled.close)
    raise ConnectionError("no live connection to PostgreSQL")


async def _pg_write(
    pg: asyncpg.Connection,
    found: asyncpg.Record | None,
    asked: _Asked,
) -> QuickRecorded | None:
    if found is None:
        return None
    plan = _plan(list(found.values()), asked)
    if plan is None:
        return None
    lead, feedback = plan.lead, plan.feedback
    feedback.id = await pg.fetchval(
        _PG_WRITE,
        lead.id,
        lead.status,
        asked.given.campaign_id,
        lead.last_touch_at,
        lead.first_feedback_at,
        lead.first_touch_at,
        asked.now,
        plan.status_read,
        plan.owner_read,
        feedback.author,
        feedback.rating,
        feedback.status,
        feedback.reason,
        feedback.note,
        feedback.previous_status,
        plan.event_id,
        FEEDBACK_CREATED,
        plan.body,
        _ID_MARK,
    )
    if feedback.id is None:
        return None  # the lead changed since it was read: the ORM path locks it
    return QuickRecorded(lead, feedback)
