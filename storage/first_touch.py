"""Speed to lead in a period: business minutes from hand-off to first touch.

The leads counted are those handed over in [start, end), not imported history, that either
got a first touch or are still new (a lead that arrived already worked, or that someone
else closed before its owner acted, says nothing about speed). Business minutes need the
team's hours, holidays and zone, so the minutes are counted here in Python over one small
SELECT of the period's leads.
"""

import math
import statistics
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import false, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.business_hours import BusinessHours
from storage.models import Lead
from storage.vocabulary import LeadStatus

FASTEST_REPS = 3


class Handed(NamedTuple):
    """One counted lead: its owner, hand-off and first touch (None: not yet).

    A named tuple, not a frozen dataclass: a digest makes one per lead handed over in two
    weeks, and a tuple is built in a fifth of the time.
    """

    owner: str | None
    handed_off_at: datetime
    first_touch_at: datetime | None


async def handed_over(
    *, session: AsyncSession, team_id: str, start: datetime, end: datetime
) -> list[Handed]:
    """The counted leads handed over in [start, end), their first touch as it is now."""
    statement = select(Lead.owner, Lead.handed_off_at, Lead.first_touch_at).where(
        Lead.team_id == team_id,
        Lead.handed_off_at >= start,
        Lead.handed_off_at < end,
        Lead.history == false(),
        or_(col(Lead.first_touch_at).is_not(None), Lead.status == LeadStatus.NEW.value),
    )
    return [Handed._make(row) for row in (await session.exec(statement)).all()]


def as_of(leads: Sequence[Handed], start: datetime, end: datetime) -> list[Handed]:
    """The leads handed over in [start, end) as they stood at end: later touches not yet."""
    return [
        lead
        if lead.first_touch_at is None or lead.first_touch_at < end
        else lead._replace(first_touch_at=None)
        for lead in leads
        if start <= lead.handed_off_at < end
    ]


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (share 0.9: the value 90% of the values are at or under)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def first_touch_figures(
    leads: Sequence[Handed], *, hours: BusinessHours, sla_minutes: int
) -> dict[str, float | int | None]:
    """Median and p90 business minutes to first touch, the share touched within the SLA
    (of all counted leads), and how many were not touched."""
    minutes = [
        hours.minutes_between(lead.handed_off_at, lead.first_touch_at)
        for lead in leads
        if lead.first_touch_at is not None
    ]
    within = sum(1 for m in minutes if m <= sla_minutes)
    return {
        "median_business_minutes": _rounded(statistics.median(minutes) if minutes else None),
        "p90_business_minutes": _rounded(percentile(minutes, 0.9)),
        "within_sla_share": within / len(leads) if leads else None,
        "untouched": len(leads) - len(minutes),
    }


def fastest_reps(leads: Sequence[Handed], *, hours: BusinessHours) -> list[dict[str, object]]:
    """The reps with the lowest median business minutes to first touch (ties by user id)."""
    by_owner: dict[str, list[float]] = {}
    for lead in leads:
        if lead.owner and lead.first_touch_at is not None:
            minutes = hours.minutes_between(lead.handed_off_at, lead.first_touch_at)
            by_owner.setdefault(lead.owner, []).append(minutes)
    ranked = sorted(by_owner.items(), key=lambda item: (statistics.median(item[1]), item[0]))
    return [
        {
            "owner": owner,
            "median_business_minutes": _rounded(statistics.median(minutes)),
            "leads": len(minutes),
        }
        for owner, minutes in ranked[:FASTEST_REPS]
    ]
