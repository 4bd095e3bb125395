"""Leads from a CRM, as JSON objects or CSV rows: read each one, find its owner, store in bulk.

The lead API and `leadloop import` share these rules, so a lead that one accepts the other
accepts too. Empty values (null, "") mean "not given": they never wipe what is stored.

Only a lead without a usable identity (an email or a CRM id) or naming a workspace leadloop
does not serve is rejected. Any other bad field (a status nobody knows, a date in the
future, a name too long, a campaign that does not exist, an owner nobody in Slack matches)
is dropped with a warning and the lead is stored without it.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.crm_dates import DateProblem, parse_crm_moment
from handlers.crm_files import StatusWords
from handlers.lead_routing import notify_soon, route_leads, routing_plan
from handlers.payloads import is_encodable
from handlers.people import Owner, Owners
from storage.lead_upsert import (
    LeadFields,
    UpsertResult,
    UpsertStatus,
    campaign_ids_by_slug,
    known_team_ids,
    upsert_leads,
)
from storage.slack_ids import is_team_id
from storage.transactions import in_retried_transaction
from storage.vocabulary import LeadStatus

EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_LENGTHS = {
    "external_id": 64,
    "email": 254,
    "name": 200,
    "company": 200,
    "campaign": 80,
    "source": 80,
    "owner": 254,
}
# Hand-offs dated further ahead than this are typos (2062 for 2026) that would never go stale.
FUTURE_SLACK = timedelta(days=1)
STATUS_WORDS = ", ".join(status.value for status in LeadStatus)


@dataclass(frozen=True)
class ReadRules:
    """How to read one batch: the workspace's time zone for dates without an offset, the
    status words, the order of ambiguous dates, and before when a new lead is history."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    statuses: StatusWords = field(default_factory=StatusWords)
    day_first: bool = False
    history_before: datetime | None = None


@dataclass(frozen=True)
class Dropped:
    """A field left out of a stored lead, and why."""

    field: str
    reason: str


@dataclass(frozen=True)
class Rejection:
    """Why an item cannot be stored: the field at fault and a sentence about it."""

    field: str
    reason: str


@dataclass(frozen=True)
class LeadDraft:
    """A readable lead whose owner, campaign and workspace are still to be checked."""

    fields: LeadFields
    campaign: str | None
    team_id: str | None
    owner: str | None
    dropped: tuple[Dropped, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class LeadAnswer:
    """What became of one lead, the fields dropped on the way, whether it is history, its
    source when no campaign has that name, and where routing sent it."""

    result: UpsertResult
    dropped: tuple[Dropped, ...] = ()
    history: bool = False
    unmatched_source: str | None = None
    # Routing handed the new lead to this rep (routed_to None: to the channel to be claimed).
    routed: bool = False
    routed_to: str | None = None


class _Invalid(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


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


def slug(text: str) -> str:
    """A campaign name or #slug as the slug campaigns are stored under."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _email(text: str) -> str:
    email = text.lower()
    if not EMAIL_RE.match(email):
        raise _Invalid("email", "is not an email address")
    return email


def _status(rules: ReadRules) -> Callable[[str], str]:
    def read(text: str) -> str:
        status = rules.statuses.read(text)
        if status is None:
            raise _Invalid(
                "status", f"{text!r} is not a status leadloop knows ({STATUS_WORDS}, or a CRM's)"
            )
        return status.value

    return read


def _handed_off(rules: ReadRules, now: datetime) -> Callable[[str], datetime]:
    def read(text: str) -> datetime:
        try:
            moment = parse_crm_moment(text, rules.zone, day_first=rules.day_first)
        except DateProblem as problem:
            raise _Invalid("handed_off_at", str(problem)) from None
        if moment > now + FUTURE_SLACK:
            raise _Invalid("handed_off_at", "is in the future")
        return moment

    return read


class _Reader:
    """Reads an item's fields, setting aside the optional ones that are bad."""

    def __init__(self, item: Mapping[str, Any]) -> None:
        self.item = item
        self.dropped: list[Dropped] = []

    def optional(self, name: str, parse: Callable[[str], Any] | None = None) -> Any:
        try:
            text = _text(self.item, name)
            return parse(text) if parse is not None and text is not None else text
        except _Invalid as bad:
            self.dropped.append(Dropped(bad.field, bad.reason))
            return None

    def history(self) -> bool:
        value = self.item.get("history")
        if value is None or isinstance(value, bool):
            return bool(value)
        self.dropped.append(Dropped("history", "must be true or false"))
        return False


def parse_lead(item: Any, *, now: datetime, rules: ReadRules) -> LeadDraft | Rejection:
    """Read one lead as sent (a JSON object or a CSV row) and normalise its values."""
    if not isinstance(item, Mapping):
        return Rejection("lead", "must be a JSON object")
    reader = _Reader(item)
    external_id = reader.optional("external_id")
    email = reader.optional("email", _email)
    if external_id is None and email is None:
        return _no_identity(reader.dropped)
    try:
        team_id = _text(item, "team_id")
    except _Invalid as bad:
        return Rejection(bad.field, bad.reason)
    if team_id is not None and not is_team_id(team_id):
        return Rejection("team_id", "is not a Slack workspace id such as T0123456789")
    handed_off = reader.optional("handed_off_at", _handed_off(rules, now))
    history = reader.history() or (
        rules.history_before is not None
        and handed_off is not None
        and handed_off <= rules.history_before
    )
    fields = LeadFields(
        external_id=external_id,
        email=email,
        name=reader.optional("name"),
        company=reader.optional("company"),
        handed_off_at=handed_off,
        status=reader.optional("status", _status(rules)),
        history=history,
    )
    campaign = reader.optional("campaign", slug)
    source = reader.optional("source", slug)
    owner = reader.optional("owner")
    dropped = tuple(reader.dropped)
    return LeadDraft(fields, campaign or None, team_id, owner, dropped, source or None)


def _no_identity(dropped: list[Dropped]) -> Rejection:
    for bad in dropped:
        if bad.field in ("email", "external_id"):
            other = "external_id" if bad.field == "email" else "email"
            return Rejection(bad.field, f"{bad.reason}, and no {other} identifies the lead")
    return Rejection(
        "external_id", "and email are both missing: a lead needs one of them to be identified"
    )


async def intake_leads(
    deps: Deps,
    items: Sequence[Any],
    *,
    default_team: str | None,
    rules: ReadRules,
    owners: Owners | None = None,
    dry_run: bool = False,
) -> list[LeadAnswer]:
    """Read, resolve and store a batch of leads in one transaction; one answer per item.

    Items name their workspace with `team_id`, else they go to default_team. Owners are
    found in Slack before the transaction opens. A dry run stores nothing.
    """
    now = deps.clock.now()
    answers: list[LeadAnswer | None] = [None] * len(items)
    by_team: dict[str, list[tuple[int, LeadDraft]]] = {}
    for index, item in enumerate(items):
        parsed = parse_lead(item, now=now, rules=rules)
        if isinstance(parsed, Rejection):
            answers[index] = _rejected(parsed)
        elif (team_id := parsed.team_id or default_team) is None:
            answers[index] = _rejected(
                Rejection("team_id", "is missing and leadloop serves no workspace yet")
            )
        else:
            by_team.setdefault(team_id, []).append((index, parsed))
    async with deps.sessions() as session:
        known = await known_team_ids(session=session, team_ids=set(by_team))
    for team_id in set(by_team) - known:
        for index, _draft in by_team.pop(team_id):
            answers[index] = _rejected(Rejection("team_id", "is not a workspace leadloop serves"))
    owners = owners or Owners(deps)
    found = {
        team_id: await owners.resolve(team_id, {d.owner for _i, d in drafts if d.owner})
        for team_id, drafts in by_team.items()
    }
    plans = {
        team_id: await routing_plan(deps, await deps.team_settings(team_id)) for team_id in by_team
    }
    # Each routed lead's team and rep (None: the channel), by lead id.
    routed: dict[int, tuple[str, str | None]] = {}

    async def store(session: AsyncSession) -> None:
        routed.clear()
        for team_id, drafts in by_team.items():
            ready = await _store_team(session, team_id, drafts, found[team_id], now, answers)
            moves = await route_leads(
                session, plans[team_id], team_id=team_id, leads=ready, now=now
            )
            routed.update({move.lead_id: (team_id, move.to) for move in moves})

    if dry_run:
        async with deps.sessions() as session:
            await store(session)
            await session.rollback()
    else:
        # Concurrent batches may deadlock on PostgreSQL; the victim's batch is run again.
        await in_retried_transaction(deps.sessions, store)
        notify_soon(deps, sorted({team_id for team_id, _to in routed.values()}))
    return [_with_route(answer, routed) for answer in answers if answer is not None]


def _with_route(answer: LeadAnswer, routed: dict[int, tuple[str, str | None]]) -> LeadAnswer:
    lead_id = answer.result.lead_id
    if lead_id is None or lead_id not in routed:
        return answer
    return replace(answer, routed=True, routed_to=routed[lead_id][1])


def _resolved(
    draft: LeadDraft, owners: dict[str, Owner], campaigns: dict[str, int]
) -> tuple[LeadFields, LeadAnswer]:
    """The lead to store, its owner and campaign found, and its answer but for the result."""
    dropped = list(draft.dropped)
    owner = owners[draft.owner] if draft.owner is not None else Owner(None)
    if draft.owner is not None and owner.user_id is None:
        dropped.append(Dropped("owner", owner.problem or "is nobody in Slack"))
    named = draft.campaign or draft.source
    if draft.campaign is not None and named not in campaigns:
        dropped.append(Dropped("campaign", f"no campaign #{draft.campaign} in this workspace"))
    unmatched = draft.source if draft.campaign is None and draft.source not in campaigns else None
    fields = draft.fields
    if owner.user_id is not None or named in campaigns:
        fields = replace(fields, owner=owner.user_id, campaign_id=campaigns.get(named or ""))
    placeholder = UpsertResult(UpsertStatus.UNCHANGED)
    return fields, LeadAnswer(placeholder, tuple(dropped), fields.history, unmatched)


async def _store_team(
    session: AsyncSession,
    team_id: str,
    drafts: list[tuple[int, LeadDraft]],
    owners: dict[str, Owner],
    now: datetime,
    answers: list[LeadAnswer | None],
) -> list[tuple[int, int]]:
    """Store the team's leads; the new ones that routing should hand over, at round 0."""
    slugs = {slug for _index, d in drafts for slug in (d.campaign, d.source) if slug}
    campaigns = await campaign_ids_by_slug(session=session, team_id=team_id, slugs=slugs)
    ready = [(index, *_resolved(draft, owners, campaigns)) for index, draft in drafts]
    stored = await upsert_leads(
        session=session, team_id=team_id, leads=[fields for _i, fields, _a in ready], now=now
    )
    to_route = []
    for (index, fields, answer), result in zip(ready, stored, strict=True):
        answers[index] = replace(answer, result=result)
        if result.status is UpsertStatus.CREATED and _routable(fields) and result.lead_id:
            to_route.append((result.lead_id, 0))
    return to_route


def _routable(fields: LeadFields) -> bool:
    """A new lead routing hands over: no owner, still new, not history."""
    new = fields.status in (None, LeadStatus.NEW)
    return fields.owner is None and new and not fields.history


def _rejected(rejection: Rejection) -> LeadAnswer:
    return LeadAnswer(
        UpsertResult(UpsertStatus.REJECTED, field=rejection.field, reason=rejection.reason)
    )


def tally(answers: Sequence[LeadAnswer]) -> dict[str, int]:
    """How many items ended in each status."""
    counts = {status.value: 0 for status in UpsertStatus}
    for answer in answers:
        counts[answer.result.status.value] += 1
    return counts


async def read_rules(deps: Deps, team_id: str | None, **options: Any) -> ReadRules:
    """The rules for reading leads into a workspace: its time zone, and the options given."""
    zone = (await deps.team_settings(team_id)).zone if team_id else ZoneInfo("UTC")
    return ReadRules(zone=zone, **options)
