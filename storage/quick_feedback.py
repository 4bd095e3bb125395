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

import json
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import Sessions
from storage.feedback import FeedbackInput, apply_feedback
from storage.models import Campaign, Feedback, Lead
from storage.outbox import FEEDBACK_CREATED, feedback_event
from storage.verdicts import REOPENABLE, implied_status

LeadKey = Literal["email", "external_id"]

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
_TIMES = frozenset(
    {"handed_off_at", "last_touch_at", "first_feedback_at", "first_touch_at", "created_at"}
)
_SELECT = (
    "SELECT {lead}, campaigns.slug AS campaign_slug, campaigns.name AS campaign_name FROM leads "
    "LEFT JOIN campaigns ON campaigns.id = leads.campaign_id "
    "WHERE leads.team_id = {p1} AND leads.{key} = {p2}"
)
_ROW = [*_LEAD_COLUMNS, "campaign_slug", "campaign_name"]
# Where the record's id goes in its event's body, once the database has given it one: a
# control character, which JSON always escapes, so no text typed by a user can hold it.
_ID_MARK = "\x01feedback-id\x01"


@dataclass(frozen=True)
class QuickRecorded:
    """The feedback as stored and the lead as it stands after it (neither in a session)."""

    lead: Lead
    feedback: Feedback


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
    if engine.dialect.name == "postgresql":
        return await _on_postgres(engine, team_id, key, value, author, given, now)
    if sessions.direct is None:
        return None
    return await sessions.write_directly(
        lambda connection: _on_sqlite(connection, team_id, key, value, author, given, now)
    )


@dataclass(frozen=True)
class _Planned:
    """What the write stores: the lead as it will stand, the record, its event's body."""

    lead: Lead
    feedback: Feedback
    # The lead's status and owner as read: the write applies only while they still hold.
    status_read: str
    owner_read: str | None
    event_id: str
    body: str


def _plan(
    row: Mapping[str, Any], given: FeedbackInput, author: str, now: datetime
) -> _Planned | None:
    """The change for the lead read as row; None when its reopening needs its history."""
    lead = Lead(**{name: row[name] for name in _LEAD_COLUMNS})
    if not given.status and lead.status in REOPENABLE:
        return None
    status_read, owner_read = lead.status, lead.owner
    status = given.status or implied_status(
        rating=given.rating, current=lead.status, before_closing=None
    )
    feedback = apply_feedback(lead, given, author=author, status=status, now=now)
    slug = row["campaign_slug"]
    campaign = Campaign(slug=slug, name=row["campaign_name"]) if slug is not None else None
    feedback.id = 0
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
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_row(names: list[str], values: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip(names, values, strict=True))
    for name in _TIMES | {"updated_at"}:
        if row[name] is not None:
            row[name] = datetime.fromisoformat(row[name]).replace(tzinfo=UTC)
    return row


def _on_sqlite(
    connection: sqlite3.Connection,
    team_id: str,
    key: LeadKey,
    value: str,
    author: str,
    given: FeedbackInput,
    now: datetime,
) -> QuickRecorded | None:
    """The whole write, inside the DirectWriter's transaction."""
    lead_columns = ", ".join(f"leads.{name}" for name in _LEAD_COLUMNS)
    cursor = connection.execute(
        _SELECT.format(lead=lead_columns, p1="?", p2="?", key=key), (team_id, value)
    )
    found = cursor.fetchone()
    if found is None:
        return None
    plan = _plan(_sqlite_row(_ROW, found), given, author, now)
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
            _sqlite_time(now),
            _sqlite_time(now),
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

# The driver's signs of a connection the server or the network dropped.
_DROPPED = (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError)


async def _on_postgres(
    engine: AsyncEngine,
    team_id: str,
    key: LeadKey,
    value: str,
    author: str,
    given: FeedbackInput,
    now: datetime,
) -> QuickRecorded | None:
    """The write on one pooled connection, run once more on a new one if it was dropped."""
    for attempt in (1, 2):
        async with engine.connect() as connection:
            pooled = await connection.get_raw_connection()
            try:
                return await _pg_write(
                    pooled.driver_connection, team_id, key, value, author, given, now
                )
            except _DROPPED:
                pooled.invalidate()
                if attempt == 2:
                    raise
    raise AssertionError("unreachable")


async def _pg_write(
    pg: asyncpg.Connection,
    team_id: str,
    key: LeadKey,
    value: str,
    author: str,
    given: FeedbackInput,
    now: datetime,
) -> QuickRecorded | None:
    lead_columns = ", ".join(f"leads.{name}" for name in _LEAD_COLUMNS)
    found = await pg.fetchrow(
        _SELECT.format(lead=lead_columns, p1="$1", p2="$2", key=key), team_id, value
    )
    if found is None:
        return None
    row = dict(zip(_ROW, found.values(), strict=True))
    plan = _plan(row, given, author, now)
    if plan is None:
        return None
    lead, feedback = plan.lead, plan.feedback
    feedback.id = await pg.fetchval(
        _PG_WRITE,
        lead.id,
        lead.status,
        given.campaign_id,
        lead.last_touch_at,
        lead.first_feedback_at,
        lead.first_touch_at,
        now,
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
