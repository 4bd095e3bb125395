"""Leads in bulk: set-based upserts by CRM id, else email, for the lead API and the CSV import.

Each batch costs one SELECT of the rows it could touch, one INSERT … ON CONFLICT DO NOTHING for
the new leads and one INSERT … ON CONFLICT (id) DO UPDATE for the changed ones, whatever its
size (executemany: SQLAlchemy sends them as multi-row VALUES without compiling each row).
Deciding created / updated / unchanged in Python from the SELECT gives every item its own
answer, which a blind upsert cannot.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.engine import Row
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import insert_on_conflict
from storage.models import Campaign, Lead, Team
from storage.vocabulary import LeadStatus

LEADS = Lead.__table__  # type: ignore[attr-defined]
CHANGEABLE = ("external_id", "email", "name", "company", "campaign_id", "owner", "status")


@dataclass(frozen=True)
class LeadFields:
    """One lead as the CRM describes it, already validated; None leaves a stored value alone."""

    external_id: str | None = None
    email: str | None = None
    name: str | None = None
    company: str | None = None
    campaign_id: int | None = None
    owner: str | None = None
    handed_off_at: datetime | None = None
    status: str | None = None
    # Only for a new lead: history is never stale or nudged (an update leaves it as it is).
    history: bool = False


class UpsertStatus(StrEnum):
    """What became of one lead of a batch."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class UpsertResult:
    """One lead's answer: its status, its id when stored, and what was wrong when rejected."""

    status: UpsertStatus
    lead_id: int | None = None
    field: str | None = None
    reason: str | None = None


def _keys(lead: LeadFields) -> list[tuple[str, str]]:
    keys = [("external_id", lead.external_id), ("email", lead.email)]
    return [(kind, value) for kind, value in keys if value is not None]


def _rounds(leads: Sequence[LeadFields]) -> list[list[int]]:
    """Split a batch so that no two leads of one round share a CRM id or an email.

    A later item that repeats a key then sees what the earlier one stored, as if the batch
    had been applied one item at a time.
    """
    last_round: dict[tuple[str, str], int] = {}
    rounds: list[list[int]] = []
    for index, lead in enumerate(leads):
        keys = _keys(lead)
        number = max((last_round[key] + 1 for key in keys if key in last_round), default=0)
        if number == len(rounds):
            rounds.append([])
        rounds[number].append(index)
        for key in keys:
            last_round[key] = number
    return rounds


async def upsert_leads(
    *, session: AsyncSession, team_id: str, leads: Sequence[LeadFields], now: datetime
) -> list[UpsertResult]:
    """Create or update the team's leads by CRM id, else email; one answer per lead, in order."""
    results: list[UpsertResult | None] = [None] * len(leads)
    retried: set[int] = set()
    queue = _rounds(leads)
    while queue:
        batch = queue.pop(0)
        deferred, raced = await _apply(session, team_id, leads, batch, now, results)
        again = [i for i in raced if i not in retried]
        retried.update(again)
        for index in raced:
            if index not in again:
                results[index] = UpsertResult(
                    UpsertStatus.REJECTED,
                    field="external_id" if leads[index].external_id else "email",
                    reason="changed by another request at the same moment; send it again",
                )
        if deferred or again:
            queue.insert(0, sorted(deferred + again))
    return [result for result in results if result is not None]


async def _existing(
    session: AsyncSession, team_id: str, leads: Sequence[LeadFields], batch: list[int]
) -> list[Row[Any]]:
    external_ids = {leads[i].external_id for i in batch} - {None}
    emails = {leads[i].email for i in batch} - {None}
    statement = select(LEADS).where(
        LEADS.c.team_id == team_id,
        or_(LEADS.c.external_id.in_(external_ids), LEADS.c.email.in_(emails)),
    )
    return list((await session.exec(statement)).all())  # type: ignore[call-overload]


async def _apply(
    session: AsyncSession,
    team_id: str,
    leads: Sequence[LeadFields],
    batch: list[int],
    now: datetime,
    results: list[UpsertResult | None],
) -> tuple[list[int], list[int]]:
    """Apply one round; return the items to try again: (same row twice, lost an insert race)."""
    rows = await _existing(session, team_id, leads, batch)
    by_external_id = {row.external_id: row for row in rows if row.external_id is not None}
    by_email = {row.email: row for row in rows if row.email is not None}
    touched: set[int] = set()
    deferred: list[int] = []
    inserts: dict[int, dict[str, Any]] = {}
    updates: dict[int, dict[str, Any]] = {}
    for index in batch:
        lead = leads[index]
        target = by_external_id.get(lead.external_id) if lead.external_id else None
        if target is None and lead.email:
            target = by_email.get(lead.email)
            if target is not None and lead.external_id and target.external_id:
                results[index] = UpsertResult(
                    UpsertStatus.REJECTED,
                    field="email",
                    reason=f"belongs to another lead (external_id {target.external_id})",
                )
                continue
        if target is not None and lead.email and lead.email != target.email:
            holder = by_email.get(lead.email)
            if holder is not None and holder.id != target.id:
                results[index] = UpsertResult(
                    UpsertStatus.REJECTED, field="email", reason="belongs to another lead"
                )
                continue
        if target is None:
            inserts[index] = _new_row(team_id, lead, now)
        elif target.id in touched:
            deferred.append(index)
        else:
            touched.add(target.id)
            changed = _merged_row(target, lead, now)
            if changed is None:
                results[index] = UpsertResult(UpsertStatus.UNCHANGED, lead_id=target.id)
            else:
                updates[index] = changed
                results[index] = UpsertResult(UpsertStatus.UPDATED, lead_id=target.id)
    raced = await _insert_new(session, inserts, results)
    await _update_changed(session, in_lock_order(list(updates.values())))
    return deferred, raced


def in_lock_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows sorted by the key they conflict on: the id, else the CRM id, then the email.

    Concurrent batches then lock shared rows and index entries in one order, the same for
    all, instead of each in its own item order, which is what deadlocked them.
    """
    return sorted(
        rows,
        key=lambda row: (
            row.get("id") is None,
            row.get("id") or 0,
            row["external_id"] is None,
            row["external_id"] or "",
            row["email"] or "",
        ),
    )


def _new_row(team_id: str, lead: LeadFields, now: datetime) -> dict[str, Any]:
    handed_off_at = lead.handed_off_at or now
    return {
        "team_id": team_id,
        "external_id": lead.external_id,
        "email": lead.email,
        "name": lead.name or "",
        "company": lead.company or "",
        "campaign_id": lead.campaign_id,
        "owner": lead.owner,
        "handed_off_at": handed_off_at,
        "status": lead.status or LeadStatus.NEW.value,
        "last_touch_at": handed_off_at,
        "snoozed_until": None,
        "history": lead.history,
        "created_at": now,
        "updated_at": now,
    }


def _merged_row(existing: Row[Any], lead: LeadFields, now: datetime) -> dict[str, Any] | None:
    """The stored row with the given fields applied, or None when nothing would change."""
    row = dict(existing._mapping)
    for name in CHANGEABLE:
        value = getattr(lead, name)
        if value is not None:
            row[name] = value
    if lead.handed_off_at is not None:
        row["handed_off_at"] = lead.handed_off_at
        row["last_touch_at"] = max(existing.last_touch_at, lead.handed_off_at)
    if row == dict(existing._mapping):
        return None
    if existing.status == LeadStatus.NEW != row["status"] and row["first_touch_at"] is None:
        # A CRM moving the lead past `new` is its owner's first touch.
        row["first_touch_at"] = now
    row["updated_at"] = now
    return row


async def _insert_new(
    session: AsyncSession,
    inserts: dict[int, dict[str, Any]],
    results: list[UpsertResult | None],
) -> list[int]:
    """Insert the new leads; return the items another request inserted first."""
    if not inserts:
        return []
    statement = insert_on_conflict(session, LEADS).returning(
        LEADS.c.id, LEADS.c.external_id, LEADS.c.email
    )
    stored = (await _execute_many(session, statement, in_lock_order(list(inserts.values())))).all()
    ids = {("external_id", row.external_id): row.id for row in stored if row.external_id}
    ids.update({("email", row.email): row.id for row in stored if row.email})
    raced = []
    for index, row in inserts.items():
        key = ("external_id", row["external_id"]) if row["external_id"] else ("email", row["email"])
        if key in ids:
            results[index] = UpsertResult(UpsertStatus.CREATED, lead_id=ids[key])
        else:
            raced.append(index)
    return raced


async def _update_changed(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    changed = [name for name in rows[0] if name != "id"]
    statement = insert_on_conflict(session, LEADS, conflict=[LEADS.c.id], update=changed)
    await _execute_many(session, statement, rows)


async def _execute_many(session: AsyncSession, statement: Any, rows: list[dict[str, Any]]) -> Any:
    """Run one of the batch's statements for all its rows at once (executemany)."""
    return await session.exec(statement, params=rows)  # type: ignore[call-overload]


async def campaign_ids_by_slug(
    *, session: AsyncSession, team_id: str, slugs: set[str]
) -> dict[str, int]:
    """The ids of the team's campaigns with these slugs (lower-case), by slug."""
    if not slugs:
        return {}
    statement = select(Campaign.slug, Campaign.id).where(  # type: ignore[call-overload]
        Campaign.team_id == team_id, Campaign.slug.in_(slugs)
    )
    return dict((await session.exec(statement)).all())


async def known_team_ids(*, session: AsyncSession, team_ids: set[str]) -> set[str]:
    """Which of these workspaces leadloop serves (installed, not uninstalled since)."""
    if not team_ids:
        return set()
    statement = select(Team.team_id).where(
        Team.team_id.in_(team_ids),  # type: ignore[attr-defined]
        Team.uninstalled_at.is_(None),  # type: ignore[union-attr]
    )
    return set((await session.exec(statement)).scalars().all())  # type: ignore[call-overload]


async def sole_team_id(*, session: AsyncSession) -> str | None:
    """The workspace's id when leadloop serves exactly one, else None."""
    statement = (
        select(Team.team_id, func.count().over())
        .where(Team.uninstalled_at.is_(None))  # type: ignore[union-attr]
        .limit(1)
    )
    row = (await session.exec(statement)).first()  # type: ignore[call-overload]
    return row[0] if row is not None and row[1] == 1 else None


async def refresh_lead_statistics(*, session: AsyncSession) -> None:
    """Let PostgreSQL's planner see the rows a bulk import added (a no-op on SQLite).

    With statistics from when the table was small, the planner scans every lead of the team
    for each batch's lookup instead of using the unique indexes, and an import slows down as
    it grows.
    """
    if session.bind.dialect.name == "postgresql":
        await session.exec(text("ANALYZE leads"))  # type: ignore[call-overload]
