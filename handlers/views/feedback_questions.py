"""Block Kit for what `/leadfeedback` asks before it records: a slip of a word, a new email
close to a known lead's, two words that contradict each other.

Each question restates what would be recorded, and its buttons carry the pending feedback
(values made by handlers/feedback_checks.py); the first is the likely answer.
"""

from dataclasses import dataclass

from handlers.views import ids
from handlers.views.blocks import (
    BUTTON_VALUE_MAX,
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    quote,
    section,
)
from handlers.views.feedback_blocks import lead_line, verdict_parts
from storage.feedback import FeedbackInput
from storage.models import Campaign, Lead
from storage.vocabulary import Word

TOO_LONG = (
    "The note is too long to carry on a button: send the command again with the change, "
    "or use `/leadfeedback` alone for the form."
)


@dataclass(frozen=True)
class Choice:
    """One answer button: its label and the pending feedback it carries."""

    label: str
    value: str


def _word(word: Word) -> str:
    return f"*{word.value.replace('-', ' ')}*"


def _question(
    text: str,
    given: FeedbackInput,
    campaign: Campaign | None,
    choices: list[Choice],
    *,
    edit: str | None,
) -> Message:
    """The question, what would be recorded, and one button per choice (plus Edit)."""
    lines = [text, "Would record: " + " · ".join(verdict_parts(given, campaign))]
    if given.note:
        lines.append(quote(given.note))
    blocks: list[Block] = [section("\n".join(lines))]
    values = [choice.value for choice in choices] + ([edit] if edit is not None else [])
    if any(len(value) > BUTTON_VALUE_MAX for value in values):
        blocks.append(context(TOO_LONG))
        return Message(text, blocks)
    buttons = [
        button(
            choice.label,
            action_id=f"{ids.FEEDBACK_ANSWER_PREFIX}{position}",
            value=choice.value,
            style="primary" if position == 0 else None,
        )
        for position, choice in enumerate(choices)
    ]
    if edit is not None:
        buttons.append(button("Edit", action_id=ids.FEEDBACK_ANSWER_EDIT, value=edit))
    blocks.append(actions(*buttons))
    return Message(text, blocks)


def did_you_mean(
    corrections: list[tuple[str, Word]],
    given: FeedbackInput,
    campaign: Campaign | None,
    *,
    lead: str,
    record: str,
    keep: str | None,
) -> Message:
    """Words read as the vocabulary words they are slips of: record that, keep the words as
    the note (when the rest still makes feedback), or edit it in the form."""
    read = " and ".join(f"`{escape(typed)}` as {_word(meant)}" for typed, meant in corrections)
    text = f":mag: I read {read}, for *{escape(lead)}*. Did you mean that?"
    choices = [Choice("Yes, record it", record)]
    if keep is not None:
        choices.append(Choice("No, keep my words as the note", keep))
    return _question(text, given, campaign, choices, edit=record)


def similar_lead(
    typed: str,
    known: Lead,
    given: FeedbackInput,
    campaign: Campaign | None,
    *,
    use: str,
    create: str,
) -> Message:
    """A new email that is a slip of a known lead's: use that lead, or create the new one."""
    text = (
        f":mag: No lead has *{escape(typed)}* yet, but {lead_line(known)} is close. "
        "Which did you mean?"
    )
    choices = [Choice(f"Use {known.email}", use), Choice(f"Create {typed}", create)]
    return _question(text, given, campaign, choices, edit=None)


def contradicts(
    clash: tuple[Word, Word, str],
    given: FeedbackInput,
    campaign: Campaign | None,
    *,
    lead: str,
    record: str,
    edit: str,
) -> Message:
    """Two words of the verdict that contradict each other: record anyway, or edit."""
    first, second, why = clash
    text = (
        f":warning: {_word(first)} and {_word(second)} do not go together ({why}). "
        f"Record it for *{escape(lead)}* anyway?"
    )
    return _question(text, given, campaign, [Choice("Record anyway", record)], edit=edit)
