"""Block Kit for `/leadfeedback`: pure functions from plain data to messages and views."""

import json
from datetime import datetime
from typing import Any

from handlers.feedback_parse import USAGE
from handlers.views import ids
from handlers.views.blocks import (
    Block,
    Message,
    actions,
    button,
    clean,
    context,
    divider,
    escape,
    header,
    name_text,
    option,
    plain,
    quote,
    section,
    slack_date,
    truncate,
)
from storage.feedback import UNDO_WINDOW, FeedbackInput
from storage.models import NOTE_MAX, Campaign, Feedback, Lead
from storage.stale import is_stale
from storage.verdicts import closes, reopens
from storage.vocabulary import (
    OPEN_STATUSES,
    REASON_LABELS,
    LeadStatus,
    Rating,
    Reason,
    reason_label,
)

RATING_EMOJI = {
    Rating.HOT: ":fire:",
    Rating.WARM: ":sunny:",
    Rating.COLD: ":snowflake:",
    Rating.JUNK: ":wastebasket:",
}
RATING_HELP = {
    Rating.HOT: "Hot: sales-ready",
    Rating.WARM: "Warm: real, needs nurture",
    Rating.COLD: "Cold: real, not now",
    Rating.JUNK: "Junk: should never have been handed over",
}
MINE_MAX = 20
HISTORY_MAX = 15
CANDIDATES_MAX = 10
CAMPAIGN_OPTIONS_MAX = 100


def _label(word: str) -> str:
    return word.replace("-", " ").capitalize()


def rating_text(rating: str) -> str:
    """A rating as `:fire: *Hot*`."""
    return f"{RATING_EMOJI.get(Rating(rating), '')} *{_label(rating)}*".strip()


def lead_title(lead: Lead) -> str:
    """What to call a lead: its name, else its email, else its CRM id (unescaped)."""
    return lead.name or lead.email or lead.external_id or f"lead {lead.id}"


def lead_line(lead: Lead) -> str:
    """The lead's title in bold and what else identifies it, escaped for mrkdwn."""
    extras = [
        x for x in (lead.company, lead.email, lead.external_id) if x and x != lead_title(lead)
    ]
    tail = f" ({name_text(' · '.join(extras))})" if extras else ""
    return f"*{name_text(lead_title(lead))}*{tail}"


def verdict_parts(feedback: Feedback | FeedbackInput, campaign: Campaign | None) -> list[str]:
    """Rating, status, reason and campaign of a record (or one to come), as mrkdwn fragments."""
    parts = [rating_text(feedback.rating)]
    if feedback.status:
        parts.append(f"status *{_label(feedback.status)}*")
    if feedback.reason:
        parts.append(f"reason *{reason_label(feedback.reason)}*")
    if campaign is not None:
        parts.append(f"campaign *#{escape(campaign.slug)}*")
    return parts


def confirmation(
    lead: Lead, feedback: Feedback, campaign: Campaign | None, *, created_lead: bool
) -> Message:
    """What the author sees once feedback is stored: what was recorded, Edit and Undo."""
    verdict = " · ".join(verdict_parts(feedback, campaign))
    lines = [f":white_check_mark: Recorded for {lead_line(lead)}: {verdict}"]
    if feedback.note:
        lines.append(quote(feedback.note))
    blocks = [section("\n".join(lines))]
    notes = [f"Undo is possible for {int(UNDO_WINDOW.total_seconds() // 60)} minutes."]
    if closes(previous=feedback.previous_status, status=feedback.status):
        notes.insert(0, "The lead is closed: it leaves the open leads and gets no more nudges.")
    elif reopens(previous=feedback.previous_status, status=feedback.status):
        notes.insert(0, "The lead is open again.")
    if created_lead:
        notes.insert(0, "New lead, owned by you.")
    blocks.append(context(" ".join(notes)))
    blocks.append(
        actions(
            button("Edit", action_id=ids.FEEDBACK_EDIT, value=str(feedback.id)),
            button("Undo", action_id=ids.FEEDBACK_UNDO, value=str(feedback.id), style="danger"),
        )
    )
    plain_verdict = ", ".join(
        x for x in (feedback.rating, feedback.status, feedback.reason) if x is not None
    )
    return Message(f"Recorded for {name_text(lead_title(lead))}: {plain_verdict}", blocks)


def undone(lead: Lead, feedback: Feedback) -> Message:
    """What replaces the confirmation once the author undoes it."""
    text = (
        f":leftwards_arrow_with_hook: Undone: {rating_text(feedback.rating)} for {lead_line(lead)}."
    )
    return Message(f"Undone: {feedback.rating} for {name_text(lead_title(lead))}", [section(text)])


def notice(text: str) -> Message:
    """A short ephemeral answer; text is escaped here."""
    return Message(escape(text), [section(escape(text))])


def problem(message: str) -> Message:
    """Bad input: what was wrong, and how the command is used."""
    return Message(
        escape(message),
        [section(f":warning: {escape(message)}"), context(escape(USAGE))],
    )


def help_message() -> Message:
    """How to use /leadfeedback."""
    examples = (
        "*Examples*\n"
        "`/leadfeedback jane@acme.com hot meeting` (a sales-ready lead, meeting booked)\n"
        "`/leadfeedback SF-00123 junk bad-data #spring-webinar phone number was fake`\n"
        '`/leadfeedback "Acme Corp" cold timing back in Q3`'
    )
    return Message(
        "How to use /leadfeedback",
        [
            header("Lead feedback"),
            section(
                "Tell marketing how good a lead was and why. It takes a few seconds, "
                "and every week's digest shows which campaigns bring leads you can use."
            ),
            section(escape(USAGE)),
            section(escape(examples)),
        ],
    )


def open_lead_text(lead: Lead, *, now: datetime, stale_after_days: int) -> str:
    """An open lead in a list: who, its status, when it was last touched, and whether stale."""
    days = (now - lead.last_touch_at).days
    touched = "touched today" if days < 1 else f"last touched {days} day{'s' * (days != 1)} ago"
    stale = is_stale(lead, at=now, stale_after_days=stale_after_days)
    flag = " :hourglass: *stale*" if stale else ""
    return f"{lead_line(lead)}\n{_label(lead.status)} · {touched}{flag}"


def mine(leads: list[Lead], total: int, *, now: datetime, stale_after_days: int) -> Message:
    """An owner's open leads, oldest touch first, each with a feedback button."""
    if not leads:
        return notice(
            "You have no open leads. Leads are yours when marketing assigns them to you, "
            "or when you give feedback on a new email or CRM id."
        )
    blocks: list[Block] = [header(f"Your open leads ({total})")]
    for lead in leads:
        blocks.append(
            section(
                open_lead_text(lead, now=now, stale_after_days=stale_after_days),
                accessory=button(
                    "Give feedback", action_id=ids.FEEDBACK_OPEN_MODAL, value=str(lead.id)
                ),
            )
        )
    if total > len(leads):
        blocks.append(context(f"…and {total - len(leads)} more, oldest touch first."))
    return Message(f"Your open leads: {total}", blocks)


def history(lead: Lead, campaign: Campaign | None, records: list[Feedback], total: int) -> Message:
    """A lead's details and feedback, newest first."""
    facts = [
        f"*Status:* {_label(lead.status)}" + (" (open)" if lead.status in OPEN_STATUSES else ""),
        f"*Owner:* {f'<@{lead.owner}>' if lead.owner else 'nobody'}",
        f"*Handed over:* {slack_date(lead.handed_off_at, '{date_short_pretty}')}",
        f"*Campaign:* {f'#{escape(campaign.slug)}' if campaign else 'none'}",
    ]
    blocks: list[Block] = [
        header(truncate(lead_title(lead), 150)),
        section(lead_line(lead) + "\n" + "\n".join(facts)),
        divider(),
    ]
    if not records:
        blocks.append(section("No feedback yet."))
    for record in records:
        line = f"{slack_date(record.created_at)} · <@{record.author}> · " + " · ".join(
            verdict_parts(record, None)
        )
        if record.note:
            line += "\n" + quote(record.note, 1000)
        blocks.append(section(line))
    if total > len(records):
        blocks.append(context(f"…and {total - len(records)} earlier records."))
    blocks.append(
        actions(button("Give feedback", action_id=ids.FEEDBACK_OPEN_MODAL, value=str(lead.id)))
    )
    return Message(f"History of {name_text(lead_title(lead))}: {total} feedback records", blocks)


def candidates(
    described: str, leads: list[Lead], *, then: str, verdict: dict[str, Any] | None = None
) -> Message:
    """Several leads match a name: one button per lead.

    Each button says what happens on click (`then`: record the carried verdict, show the
    history, or open the modal). A verdict whose note would not fit in a button's 2,000
    characters opens the modal instead, so nothing typed is silently dropped.
    """
    shown = leads[:CANDIDATES_MAX]
    buttons = []
    for position, lead in enumerate(shown):
        value = json.dumps(
            {"lead": lead.id, "then": then, "verdict": verdict}, separators=(",", ":")
        )
        if len(value) > 2000:
            value = json.dumps({"lead": lead.id, "then": "modal", "verdict": None})
        buttons.append(
            button(
                truncate(f"{lead_title(lead)} · {lead.company or lead.email or ''}", 75),
                action_id=f"{ids.FEEDBACK_PICK_LEAD_PREFIX}{position}",
                value=value,
            )
        )
    lines = "\n".join(f"• {lead_line(lead)}" for lead in shown)
    more = len(leads) - len(shown)
    blocks: list[Block] = [
        section(f"Several leads match *{name_text(described)}*. Which one did you mean?\n{lines}"),
        actions(*buttons),
    ]
    if more > 0:
        blocks.append(context("…and more: use an email or CRM id to be exact."))
    return Message(f"Several leads match {name_text(described)}", blocks)


def lead_option(lead: Lead) -> Block:
    """The lead as an option of the modal's lead select."""
    extra = lead.company or lead.email or lead.external_id or ""
    text = (
        f"{lead_title(lead)} · {extra}" if extra and extra != lead_title(lead) else lead_title(lead)
    )
    return option(text, f"lead:{lead.id}")


def new_lead_option(email: str) -> Block:
    """An option that creates a lead for an email nobody has yet."""
    return option(f"New lead: {email}", f"new:{email}")


def new_external_id_option(external_id: str) -> Block:
    """An option that creates a lead for a CRM id nobody has yet."""
    return option(f"New lead: {external_id}", f"new-id:{external_id}")


def _static_select(
    action_id: str, placeholder: str, options: list[Block], initial: str | None
) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder),
        "options": options,
    }
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }


def _lead_select(lead: Block | None) -> Block:
    element: Block = {
        "type": "external_select",
        "action_id": ids.FEEDBACK_LEAD_ACTION,
        "placeholder": plain("Search leads, or type a new email"),
        "min_query_length": 0,
    }
    if lead is not None:
        element["initial_option"] = lead
    return element


def _rating_buttons(initial: FeedbackInput | None) -> Block:
    ratings = [option(RATING_HELP[r], r.value) for r in Rating]
    element: Block = {
        "type": "radio_buttons",
        "action_id": ids.FEEDBACK_RATING_ACTION,
        "options": ratings,
    }
    chosen = [o for o in ratings if initial and o["value"] == initial.rating]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def _status_and_reason(initial: FeedbackInput | None) -> list[Block]:
    """The optional status and reason selects, set to the initial verdict's."""
    return [
        _input(
            ids.FEEDBACK_STATUS_BLOCK,
            "Status",
            _static_select(
                ids.FEEDBACK_STATUS_ACTION,
                "Unchanged",
                [option(_label(s), s.value) for s in LeadStatus],
                initial.status if initial else None,
            ),
            optional=True,
        ),
        _input(
            ids.FEEDBACK_REASON_BLOCK,
            "Why not hot?",
            _static_select(
                ids.FEEDBACK_REASON_ACTION,
                "Pick a reason",
                [option(REASON_LABELS[r], r.value) for r in Reason],
                initial.reason if initial else None,
            ),
            optional=True,
        ),
    ]


def _campaign_select(campaigns: list[Campaign], initial: FeedbackInput | None) -> list[Block]:
    """The optional campaign select; none when the workspace has no campaign yet."""
    if not campaigns:
        return []
    options = [
        option(f"#{c.slug} · {c.name}", f"campaign:{c.id}")
        for c in campaigns[:CAMPAIGN_OPTIONS_MAX]
    ]
    chosen = f"campaign:{initial.campaign_id}" if initial and initial.campaign_id else None
    select = _static_select(ids.FEEDBACK_CAMPAIGN_ACTION, "None", options, chosen)
    return [_input(ids.FEEDBACK_CAMPAIGN_BLOCK, "Campaign", select, optional=True)]


def _note_input(initial: FeedbackInput | None) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": ids.FEEDBACK_NOTE_ACTION,
        "multiline": True,
        "max_length": NOTE_MAX,
        "placeholder": plain("What happened? What would have made this lead better?"),
    }
    if initial and initial.note:
        element["initial_value"] = clean(initial.note)
    return element


def feedback_modal(
    *,
    lead: Block | None,
    campaigns: list[Campaign],
    initial: FeedbackInput | None,
    metadata: dict[str, Any],
) -> Block:
    """The feedback modal; `lead` is the initial option of the lead select, if any."""
    blocks = [
        _input(ids.FEEDBACK_LEAD_BLOCK, "Lead", _lead_select(lead)),
        _input(ids.FEEDBACK_RATING_BLOCK, "How good was it?", _rating_buttons(initial)),
        *_status_and_reason(initial),
        *_campaign_select(campaigns, initial),
        _input(ids.FEEDBACK_NOTE_BLOCK, "Note", _note_input(initial), optional=True),
    ]
    return {
        "type": "modal",
        "callback_id": ids.FEEDBACK_MODAL,
        "title": plain("Lead feedback"),
        "submit": plain("Record"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata, separators=(",", ":")),
        "blocks": blocks,
    }
