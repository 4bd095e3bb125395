"""Block Kit for routing: the rep's DM of new leads, the SLA reminder and reassignment notice,
claim cards and the queue card."""

from dataclasses import dataclass

from handlers.views import ids
from handlers.views.blocks import Block, Message, actions, button, context, header, mention, section
from handlers.views.feedback_blocks import RATING_EMOJI, lead_line
from storage.models import Lead
from storage.vocabulary import Rating

# Two blocks a lead, a header and a footnote: well under Slack's 50 a message.
LEADS_PER_DM = 20
# More leads than this waiting at once become one queue card instead of a card each.
QUEUE_AFTER = 5


@dataclass(frozen=True)
class Waiting:
    """A lead handed to a rep and the business minutes left on its SLA (negative: overdue)."""

    lead: Lead
    minutes_left: float


def time_left(minutes: float) -> str:
    """The SLA's time left as people say it: "42 min left", "1 h 5 min left", "overdue"."""
    if minutes <= 0:
        return "overdue"
    whole = max(1, round(minutes))
    hours, mins = divmod(whole, 60)
    spoken = f"{hours} h {mins} min" if hours else f"{mins} min"
    return f"{spoken.replace(' 0 min', '')} left"


def lead_buttons(lead: Lead) -> Block:
    """Contacted, Not mine and the rating buttons (the nudge's, so a rating records in place)."""
    value = str(lead.id)
    return actions(
        button("Contacted", action_id=ids.ROUTING_CONTACTED, value=value, style="primary"),
        button("Not mine", action_id=ids.ROUTING_NOT_MINE, value=value),
        *(
            button(
                f"{RATING_EMOJI[rating]} {rating.value.capitalize()}",
                action_id=ids.NUDGE_RATE_PREFIX + rating.value,
                value=value,
            )
            for rating in Rating
        ),
        block_id=f"{ids.NUDGE_ACTIONS_BLOCK_PREFIX}{lead.id}",
    )


def render_new_leads(waiting: list[Waiting], *, sla_minutes: int) -> Message:
    """A rep's DM of the leads just routed to them, each with its time left."""
    count = f"{len(waiting)} new lead{'s' * (len(waiting) != 1)}"
    blocks: list[Block] = [
        header(f"{count} for you"),
        section(
            f"First touch within *{sla_minutes} business minutes*: click *Contacted* once you "
            "have reached out, or *Not mine* to pass it on."
        ),
    ]
    for item in waiting[:LEADS_PER_DM]:
        blocks.append(
            section(
                f"{lead_line(item.lead)}\n:stopwatch: {time_left(item.minutes_left)}",
                block_id=f"{ids.NUDGE_LEAD_BLOCK_PREFIX}{item.lead.id}",
            )
        )
        blocks.append(lead_buttons(item.lead))
    if len(waiting) > LEADS_PER_DM:
        more = len(waiting) - LEADS_PER_DM
        blocks.append(
            context(f"…and {more} more: your App Home shows what waits, with the time left.")
        )
    return Message(f"{count} for you: first touch within {sla_minutes} minutes", blocks)


def render_reminder(lead: Lead, *, sla_minutes: int) -> Message:
    """The owner's one reminder at the SLA's deadline."""
    text = (
        f":alarm_clock: {lead_line(lead)} has waited {sla_minutes} business minutes for a first "
        "touch. Reach out now, or it goes to someone else."
    )
    return Message("A lead is waiting for your first touch", [section(text), lead_buttons(lead)])


def render_reassigned(lead: Lead, *, before: str | None, after: str | None) -> Message:
    """The routing channel's note that an untouched lead moved on."""
    was = mention(before) if before else "nobody"
    now = f"now with {mention(after)}" if after else "back in this channel to be claimed"
    text = f":arrows_counterclockwise: {lead_line(lead)} was not touched in time by {was}: {now}."
    return Message("An untouched lead was reassigned", [section(text)])


def claim_card(lead: Lead) -> Message:
    """One new lead in the routing channel, with Claim (the value carries the round seen)."""
    text = f":inbox_tray: *New lead:* {lead_line(lead)}"
    return Message(
        "New lead to claim",
        [
            section(text, block_id=f"{ids.ROUTING_CARD_BLOCK_PREFIX}{lead.id}"),
            actions(
                button(
                    "Claim",
                    action_id=ids.ROUTING_CLAIM,
                    value=f"{lead.id}:{lead.routing_round}",
                    style="primary",
                )
            ),
        ],
    )


def claimed_card(lead: Lead, user_id: str) -> Message:
    """A claim card once taken: who has it."""
    text = f":white_check_mark: {lead_line(lead)}: claimed by {mention(user_id)}"
    return Message("Lead claimed", [section(text)])


def queue_card(waiting: int) -> Message:
    """The one card for a burst: how many wait, and Claim next."""
    if waiting == 0:
        return Message(
            "No new leads waiting", [section(":white_check_mark: Every lead is claimed.")]
        )
    count = f"{waiting} new lead{'s' * (waiting != 1)} waiting"
    return Message(
        count,
        [
            section(f":inbox_tray: *{count}* to be claimed."),
            actions(button("Claim next", action_id=ids.ROUTING_CLAIM_NEXT, value="next")),
        ],
    )


def claimed_note(lead: Lead) -> Message:
    """The private answer to Claim next: which lead the clicker now has."""
    text = f":white_check_mark: You claimed {lead_line(lead)}. First touch it now."
    return Message("You claimed a lead", [section(text)])


def private_note(mrkdwn_text: str) -> Message:
    """A short private answer built from our own mrkdwn (mentions allowed, no user text)."""
    return Message(mrkdwn_text, [section(mrkdwn_text)])
