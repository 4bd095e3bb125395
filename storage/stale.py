"""The stale rule: when a lead is stale, for the nudges, the digest, the Home and `mine`.

A lead is stale at a moment `at` when it is open, was last touched at least the team's
stale_after_days before `at`, and is not snoozed at `at` (a snooze ends at snoozed_until).
Imported history (handed over and past the window before leadloop knew of it) is never stale.
The rule comes in two forms built from the same parts: a SQL condition, so counts and lists
are computed in the database, and a predicate for a lead already read. A test holds them
to the same answer for every combination of status, touch and snooze.
"""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from storage.models import Lead
from storage.vocabulary import OPEN_STATUSES


def touched_by(*, at: datetime, stale_after_days: int) -> datetime:
    """The latest last touch that still makes an open lead stale at `at`."""
    return at - timedelta(days=stale_after_days)


def stale_condition(*, team_id: str, at: datetime, stale_after_days: int) -> ColumnElement[bool]:
    """SQL: the team's leads that are stale at `at`."""
    return and_(
        col(Lead.team_id) == team_id,
        col(Lead.status).in_(OPEN_STATUSES),
        col(Lead.history).is_(False),
        col(Lead.last_touch_at) <= touched_by(at=at, stale_after_days=stale_after_days),
        or_(col(Lead.snoozed_until).is_(None), col(Lead.snoozed_until) <= at),
    )


def is_stale(lead: Lead, *, at: datetime, stale_after_days: int) -> bool:
    """Whether this lead, as read, is stale at `at`."""
    return (
        lead.status in OPEN_STATUSES
        and not lead.history
        and lead.last_touch_at <= touched_by(at=at, stale_after_days=stale_after_days)
        and (lead.snoozed_until is None or lead.snoozed_until <= at)
    )
