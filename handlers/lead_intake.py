"""Leads from a CRM, as JSON objects or CSV rows: validate each one, then upsert them in bulk.

The lead API and `leadloop import` share these rules, so a lead that one accepts the other
accepts too. Empty values (null, "") mean "not given": they never wipe what is stored.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.payloads import is_encodable
from storage.lead_upsert import (
    LeadFields,
    UpsertResult,
    UpsertStatus,
    campaign_ids_by_slug,
    known_team_ids,
    upsert_leads,
)
from storage.slack_ids import is_team_id, is_user_id
from storage.vocabulary import LeadStatus, parse_status

EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_LENGTHS = {"external_id": 64, "email": 254, "name": 200, "company": 200, "campaign": 80}
# Hand-offs dated further ahead than this are typos (2062 for 2026) that would never go stale.
FUTURE_SLACK = timedelta(days=1)

# Lead statuses as HubSpot and Salesforce export them, for leads that come from a CRM.
CRM_STATUSES: dict[str, LeadStatus] = {
    "open": LeadStatus.NEW,
    "open-not-contacted": LeadStatus.NEW,
    "attempted-to-contact": LeadStatus.CONTACTED,
    "connected": LeadStatus.CONTACTED,
    "in-progress": LeadStatus.CONTACTED,
    "working-contacted": LeadStatus.CONTACTED,
    "open-deal": LeadStatus.MEETING,
    "closed-converted": LeadStatus.QUALIFIED,
    "unqualified": LeadStatus.DISQUALIFIED,
    "closed-not-converted": LeadStatus.DISQUALIFIED,
}


@dataclass(frozen=True)
class LeadDraft:
    """A valid lead whose campaign slug and workspace are still to be checked."""

    fields: LeadFields
    campaign: str | None
    team_id: str | None


@dataclass(frozen=True)
class Rejection:
    """Why an item cannot be stored: the field at fault and a sentence about it."""

    field: str
    reason: str


class _Invalid(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.rejection = Rejection(field, reason)


def _text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Invalid(name, "must be text")
    text = str(value).strip()
    if not text:
        return None
    if not is_encodable(text):
        # JSON's `\ud800` escapes carry halves of characters that no database can store.
        raise _Invalid(name, "is not valid Unicode text")
    if CONTROL_RE.search(text):
        raise _Invalid(name, "contains control characters")
    limit = MAX_LENGTHS.get(name)
    if limit is not None and len(text) > limit:
        raise _Invalid(name, f"is longer than {limit} characters")
    return text


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def parse_handed_off_at(text: str, now: datetime) -> datetime:
    """An ISO 8601 date or date-time as aware UTC; one without an offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Invalid(
            "handed_off_at", "is not an ISO 8601 date-time such as 2026-11-24T09:30:00+01:00"
        ) from None
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+14:00 is a moment before the first one Python can hold in UTC.
        raise _Invalid("handed_off_at", "is out of range") from None
    if moment > now + FUTURE_SLACK:
        raise _Invalid("handed_off_at", "is in the future")
    return moment


def _status(text: str) -> str:
    status = parse_status(text) or CRM_STATUSES.get(_slug(text))
    if status is None:
        raise _Invalid("status", f"must be one of {', '.join(s.value for s in LeadStatus)}")
    return status.value


def parse_lead(item: Any, *, now: datetime) -> LeadDraft | Rejection:
    """Check one lead as sent (a JSON object or a CSV row) and normalise its values."""
    if not isinstance(item, Mapping):
        return Rejection("lead", "must be a JSON object")
    try:
        external_id = _text(item, "external_id")
        email = _text(item, "email")
        if email is not None:
            email = email.lower()
            if not EMAIL_RE.match(email):
                raise _Invalid("email", "is not an email address")
        if external_id is None and email is None:
            raise _Invalid("external_id", "give an external_id or an email to identify the lead")
        owner = _text(item, "owner")
        if owner is not None and not is_user_id(owner):
            raise _Invalid("owner", "is not a Slack user id such as U0123456789")
        team_id = _text(item, "team_id")
        if team_id is not None and not is_team_id(team_id):
            raise _Invalid("team_id", "is not a Slack workspace id such as T0123456789")
        handed_off = _text(item, "handed_off_at")
        status = _text(item, "status")
        campaign = _text(item, "campaign")
        fields = LeadFields(
            external_id=external_id,
            email=email,
            name=_text(item, "name"),
            company=_text(item, "company"),
            owner=owner,
            handed_off_at=parse_handed_off_at(handed_off, now) if handed_off else None,
            status=_status(status) if status else None,
        )
    except _Invalid as invalid:
        return invalid.rejection
    return LeadDraft(fields, _slug(campaign) if campaign else None, team_id)


async def intake_leads(
    *, session: AsyncSession, items: Sequence[Any], default_team: str | None, now: datetime
) -> list[UpsertResult]:
    """Validate and store a batch of leads; one answer per item, in input order.

    Items name their workspace with `team_id`, else they go to default_team.
    """
    results: list[UpsertResult | None] = [None] * len(items)
    by_team: dict[str, list[tuple[int, LeadDraft]]] = {}
    for index, item in enumerate(items):
        parsed = parse_lead(item, now=now)
        if isinstance(parsed, Rejection):
            results[index] = _rejected(parsed)
            continue
        team_id = parsed.team_id or default_team
        if team_id is None:
            results[index] = _rejected(
                Rejection("team_id", "name the Slack workspace: leadloop serves several or none")
            )
            continue
        by_team.setdefault(team_id, []).append((index, parsed))
    known = await known_team_ids(session=session, team_ids=set(by_team))
    for team_id, drafts in by_team.items():
        if team_id not in known:
            unknown = _rejected(Rejection("team_id", "is not a workspace leadloop knows"))
            for index, _draft in drafts:
                results[index] = unknown
            continue
        await _store_team(session, team_id, drafts, now, results)
    return [result for result in results if result is not None]


async def _store_team(
    session: AsyncSession,
    team_id: str,
    drafts: list[tuple[int, LeadDraft]],
    now: datetime,
    results: list[UpsertResult | None],
) -> None:
    slugs = {draft.campaign for _index, draft in drafts if draft.campaign}
    campaigns = await campaign_ids_by_slug(session=session, team_id=team_id, slugs=slugs)
    ready: list[tuple[int, LeadFields]] = []
    for index, draft in drafts:
        if draft.campaign is None:
            ready.append((index, draft.fields))
        elif draft.campaign in campaigns:
            ready.append((index, replace(draft.fields, campaign_id=campaigns[draft.campaign])))
        else:
            results[index] = _rejected(
                Rejection("campaign", f"no campaign #{draft.campaign} in this workspace")
            )
    stored = await upsert_leads(
        session=session, team_id=team_id, leads=[fields for _index, fields in ready], now=now
    )
    for (index, _fields), result in zip(ready, stored, strict=True):
        results[index] = result


def _rejected(rejection: Rejection) -> UpsertResult:
    return UpsertResult(UpsertStatus.REJECTED, field=rejection.field, reason=rejection.reason)


def tally(results: Sequence[UpsertResult]) -> dict[str, int]:
    """How many items ended in each status."""
    counts = {status.value: 0 for status in UpsertStatus}
    for result in results:
        counts[result.status.value] += 1
    return counts
