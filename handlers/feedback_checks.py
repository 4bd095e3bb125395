"""The questions quick feedback may raise before it is recorded, and carrying on once answered.

`/leadfeedback` records at once when what was typed is clear. Two words that contradict each
other (`hot … no-budget`) or a new email that is a slip of a known lead's (`acme@exmaple.com`)
are asked about first (a slip of a word is asked about by the command itself). Each answer
button carries the feedback still pending (`Pending`); a click carries on from the next check.
"""

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from handlers.feedback_flow import (
    Ambiguous,
    FeedbackRefused,
    Found,
    find_lead,
    lead_choice,
    lead_or_new,
    not_found,
    record_and_confirm,
)
from handlers.feedback_parse import LeadRef, parse_lead
from handlers.views import feedback_blocks, feedback_questions
from handlers.views.blocks import Block, Message
from storage.campaigns import get_campaign
from storage.feedback import FeedbackInput
from storage.leads import find_lead_by_near_email, get_lead
from storage.models import NOTE_MAX, Campaign
from storage.vocabulary import LeadStatus, Rating, Reason, contradiction

LEAD_GONE = "That lead is not in this workspace any more."
CAMPAIGN_GONE = "That campaign is not in this workspace any more."


@dataclass(frozen=True)
class Pending:
    """Feedback waiting for its author's answer.

    The lead is either as typed (`ref`, still to be found or created) or chosen (`lead_id`);
    `create` makes a new lead of ref even though a known email is close to it, and
    `confirmed` records the verdict even though two of its words contradict each other.
    """

    given: FeedbackInput
    ref: LeadRef | None = None
    lead_id: int | None = None
    create: bool = False
    confirmed: bool = False


def verdict_data(given: FeedbackInput) -> dict[str, Any]:
    """The verdict as a button carries it, empty fields left out."""
    return {key: value for key, value in asdict(given).items() if value not in (None, "")}


def read_verdict(data: Any) -> FeedbackInput:
    """The verdict a button carried; raises ValueError, KeyError, TypeError or AttributeError
    when it is broken."""
    return FeedbackInput(
        rating=Rating(data["rating"]),
        status=LeadStatus(data["status"]) if data.get("status") else None,
        reason=Reason(data["reason"]) if data.get("reason") else None,
        note=str(data.get("note") or "")[:NOTE_MAX],
        campaign_id=int(data["campaign_id"]) if data.get("campaign_id") else None,
    )


def pending_value(pending: Pending) -> str:
    """The pending feedback as a button's value (JSON)."""
    data: dict[str, Any] = {"v": verdict_data(pending.given)}
    if pending.lead_id is not None:
        data["lead"] = pending.lead_id
    elif pending.ref is not None:
        data["ref"] = [pending.ref.kind, pending.ref.value]
    if pending.create:
        data["new"] = True
    if pending.confirmed:
        data["ok"] = True
    return json.dumps(data, separators=(",", ":"))


def _read_ref(data: Any) -> LeadRef | None:
    """The typed lead a button carried, checked as if typed again; None when broken."""
    if not isinstance(data, list) or len(data) != 2 or not all(isinstance(x, str) for x in data):
        return None
    ref = parse_lead(data[1], quoted=data[0] == "name")
    return ref if isinstance(ref, LeadRef) and ref.kind == data[0] else None


def read_pending(value: str) -> Pending | None:
    """The pending feedback an answer button carries; None when it is broken."""
    try:
        data = json.loads(value)
        given = read_verdict(data["v"])
        lead_id, ref = data.get("lead"), _read_ref(data.get("ref"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    valid_id = isinstance(lead_id, int) and not isinstance(lead_id, bool) and lead_id > 0
    if (ref is None) == (not valid_id):
        return None
    return Pending(
        given,
        ref=ref,
        lead_id=lead_id if valid_id else None,
        create=data.get("new") is True,
        confirmed=data.get("ok") is True,
    )


async def check_and_record(
    session: AsyncSession, deps: Deps, *, team_id: str, author: str, pending: Pending
) -> Message:
    """Ask the next question the pending feedback raises, or record it and confirm.

    The caller commits before it shows the answer.
    """
    given = pending.given
    campaign = await get_campaign(session=session, team_id=team_id, campaign_id=given.campaign_id)
    if given.campaign_id is not None and campaign is None:
        return feedback_blocks.notice(CAMPAIGN_GONE)
    clash = contradiction(
        Rating(given.rating),
        LeadStatus(given.status) if given.status else None,
        Reason(given.reason) if given.reason else None,
    )
    if clash is not None and not pending.confirmed:
        return feedback_questions.contradicts(
            clash,
            given,
            campaign,
            lead=_lead_words(pending),
            record=pending_value(replace(pending, confirmed=True)),
            edit=pending_value(pending),
        )
    found = await _lead(
        session, deps, team_id=team_id, author=author, pending=pending, campaign=campaign
    )
    if isinstance(found, Message):
        return found
    return await record_and_confirm(
        session, team_id=team_id, author=author, found=found, given=given, deps=deps
    )


def _lead_words(pending: Pending) -> str:
    """The lead as the author named it, for a question (unescaped)."""
    return pending.ref.describe() if pending.ref is not None else "the lead you picked"


async def _lead(
    session: AsyncSession,
    deps: Deps,
    *,
    team_id: str,
    author: str,
    pending: Pending,
    campaign: Campaign | None,
) -> Found | Message:
    """The lead to record for, or the question or answer that comes first."""
    if pending.ref is None:
        lead = await get_lead(session=session, team_id=team_id, lead_id=pending.lead_id)
        return Found(lead) if lead is not None else feedback_blocks.notice(LEAD_GONE)
    ref = pending.ref
    found = await find_lead(
        session, team_id=team_id, ref=ref, author=author, deps=deps, create=False
    )
    if isinstance(found, Ambiguous):
        verdict = verdict_data(pending.given)
        return feedback_blocks.candidates(
            ref.describe(), found.leads, then="record", verdict=verdict
        )
    if found is not None:
        return found
    if ref.kind == "name":
        raise FeedbackRefused(not_found(ref))
    if ref.kind == "email" and not pending.create:
        near = await find_lead_by_near_email(session=session, team_id=team_id, email=ref.value)
        if near is not None and near.email is not None:
            return feedback_questions.similar_lead(
                ref.value,
                near,
                pending.given,
                campaign,
                use=pending_value(replace(pending, ref=None, lead_id=near.id)),
                create=pending_value(replace(pending, create=True)),
            )
    return await lead_or_new(session, team_id=team_id, ref=ref, author=author, deps=deps)


async def pending_lead_option(
    session: AsyncSession, deps: Deps, *, team_id: str, author: str, pending: Pending
) -> Block | None:
    """The feedback modal's lead option for the pending feedback's lead, if it names one."""
    if pending.ref is None:
        lead = await get_lead(session=session, team_id=team_id, lead_id=pending.lead_id)
        return feedback_blocks.lead_option(lead) if lead is not None else None
    found = await find_lead(
        session, team_id=team_id, ref=pending.ref, author=author, deps=deps, create=False
    )
    return lead_choice(found, pending.ref)
