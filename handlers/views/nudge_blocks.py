"""Block Kit for stale-lead nudges: an owner's DM, the ownerless summary, an answered lead."""

import copy
from datetime import datetime

from handlers.views import ids
from handlers.views.blocks import (
    Block,
    Message,
    actions,
    button,
    context,
    header,
    section,
    slack_date,
)
from handlers.views.feedback_blocks import RATING_EMOJI, lead_line
from storage.models import Lead
from storage.nudges import SNOOZE_DAYS, Nudge
from storage.vocabulary import Rating


def _age(lead: Lead, now: datetime) -> str:
    days = (now - lead.last_touch_at).days
    return f"untouched for {days} day{'s' * (days != 1)}"


def _lead_text(lead: Lead, now: datetime) -> str:
    handed = slack_date(lead.handed_off_at, "{date_short_pretty}")
    return (
        f"{lead_line(lead)}\n{lead.status.capitalize()} · handed over {handed} · {_age(lead, now)}"
    )


def _lead_buttons(lead: Lead) -> Block:
    value = str(lead.id)
    return actions(
        *(
            button(
                f"{RATING_EMOJI[rating]} {rating.value.capitalize()}",
                action_id=ids.NUDGE_RATE_PREFIX + rating.value,
                value=value,
            )
            for rating in Rating
        ),
        button(f"Snooze {SNOOZE_DAYS} days", action_id=ids.NUDGE_SNOOZE, value=value),
        block_id=f"{ids.NUDGE_ACTIONS_BLOCK_PREFIX}{lead.id}",
    )


def render_nudge(nudge: Nudge, *, now: datetime, stale_after_days: int) -> Message:
    """An owner's DM: up to ten stale leads, oldest first, each with rating and snooze buttons."""
    count = f"{nudge.total} lead{'s' * (nudge.total != 1)}"
    blocks: list[Block] = [
        header("Leads waiting for your verdict"),
        section(
            f"You have *{count}* open and untouched for {stale_after_days}+ days. "
            "One click tells marketing how good each one was."
        ),
    ]
    for lead in nudge.leads:
        blocks.append(
            section(_lead_text(lead, now), block_id=f"{ids.NUDGE_LEAD_BLOCK_PREFIX}{lead.id}")
        )
        blocks.append(_lead_buttons(lead))
    if nudge.total > len(nudge.leads):
        blocks.append(
            context(
                f"…and {nudge.total - len(nudge.leads)} more. "
                "`/leadfeedback mine` lists all your open leads."
            )
        )
    return Message(f"{count} waiting for your feedback", blocks)


def render_ownerless(nudge: Nudge, *, now: datetime, stale_after_days: int) -> Message:
    """The shared channel's summary of stale leads that nobody owns."""
    count = f"{nudge.total} stale lead{'s' * (nudge.total != 1)}"
    lines = [f"• {lead_line(lead)}, {_age(lead, now)}" for lead in nudge.leads]
    if nudge.total > len(nudge.leads):
        lines.append(f"…and {nudge.total - len(nudge.leads)} more")
    text = (
        f":hourglass: *{count} without an owner*, open and untouched for "
        f"{stale_after_days}+ days. Assign them in the CRM so someone follows up.\n"
        + "\n".join(lines)
    )
    return Message(f"{count} without an owner", [section(text)])


def mark_answered(blocks: list[Block], lead_id: int, note: str) -> list[Block]:
    """The DM's blocks with one lead's buttons replaced by what became of it."""
    target = f"{ids.NUDGE_ACTIONS_BLOCK_PREFIX}{lead_id}"
    return [
        context(note) | {"block_id": target} if block.get("block_id") == target else block
        for block in copy.deepcopy(blocks)
    ]
