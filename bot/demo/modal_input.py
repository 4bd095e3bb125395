"""A modal's input blocks, read and filled in as Slack's form would: what each element stores in
`view.state.values`, how a filled-in value reads, and asking for each one at the terminal."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from bot.demo.mrkdwn_reader import NOBODY, Readers, emojize

# A question for the person at the terminal; None when input has ended.
Ask = Callable[[str], Awaitable[str | None]]
Say = Callable[[str], None]
# The options an external select offers for what was typed (a block_suggestion to the app).
Suggest = Callable[[dict[str, Any], str], Awaitable[list[dict[str, Any]]]]

# Element type → (its key in view.state.values, the key of its initial value).
STATE_KEYS: dict[str, tuple[str, str]] = {
    "plain_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "static_select": ("selected_option", "initial_option"),
    "external_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "multi_static_select": ("selected_options", "initial_options"),
    "checkboxes": ("selected_options", "initial_options"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
    "users_select": ("selected_user", "initial_user"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "multi_users_select": ("selected_users", "initial_users"),
}
CANCEL = "cancel"


class Cancelled(Exception):
    """The person closed the modal (typed cancel, or input ended)."""


class Unfit(ValueError):
    """An answer the field cannot take; the message says what it takes."""


@dataclass(frozen=True)
class Choice:
    """One thing a select offers: what it reads as, and what the state stores for it."""

    label: str
    stored: Any


def text_of(obj: Any) -> str:
    """The text of a text object (or a plain string)."""
    return str(obj.get("text", "")) if isinstance(obj, dict) else str(obj or "")


def input_blocks(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The view's input blocks whose element this module knows how to fill."""
    return [
        b
        for b in view.get("blocks", [])
        if b.get("type") == "input" and (b.get("element") or {}).get("type") in STATE_KEYS
    ]


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return list(element.get("options") or []) + [o for g in groups for o in g.get("options", [])]


def _id_label(slack_id: str, readers: Readers) -> str:
    name = readers.name(slack_id)
    return name if name.startswith("#") or name == slack_id else "@" + name


def known_choices(element: dict[str, Any], readers: Readers) -> list[Choice]:
    """What a select offers without asking the app: its options, or the channels or people
    the demo knows by name."""
    kind = element["type"]
    if "conversations" in kind or "channels" in kind:
        ids = [i for i in readers.names if i.startswith("C")]
    elif "users" in kind:
        ids = [i for i in readers.names if i.startswith("U")]
    else:
        return [Choice(emojize(text_of(o.get("text"))), o) for o in _options(element)]
    return [Choice(_id_label(i, readers), i) for i in ids]


def shown_value(element: dict[str, Any], value: Any, readers: Readers = NOBODY) -> str:
    """A stored value as the form shows it: an option's text, a channel's name, a date."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list):
        return ", ".join(shown_value(element, v, readers) for v in value)
    if isinstance(value, dict):
        return _option_text(element, value)
    if element["type"] == "datepicker":
        day = date.fromisoformat(str(value))
        return f"{day:%a} {day.day} {day:%b %Y}"
    if isinstance(value, str) and value[:1] in ("C", "U", "D") and value in readers.names:
        return _id_label(value, readers)
    return str(value)


def _option_text(element: dict[str, Any], option: dict[str, Any]) -> str:
    if option.get("text"):
        return emojize(text_of(option["text"]))
    known = [*_options(element), element.get("initial_option") or {}]
    match = [o for o in known if o.get("value") == option.get("value")]
    return emojize(text_of(match[0].get("text"))) if match else str(option.get("value", ""))


def filled_in(
    view: dict[str, Any], values: dict[str, Any], readers: Readers = NOBODY
) -> list[tuple[str, str]]:
    """Each answered input of a submitted view as (label, what it shows)."""
    rows = []
    for block in input_blocks(view):
        element = block["element"]
        state = values.get(block.get("block_id", ""), {}).get(element.get("action_id", ""), {})
        shown = shown_value(element, state.get(STATE_KEYS[element["type"]][0]), readers)
        if shown:
            rows.append((text_of(block.get("label")), shown))
    return rows


FREE_KINDS = frozenset(
    {"plain_text_input", "number_input", "email_text_input", "url_text_input", "datepicker",
     "timepicker"}
)  # fmt: skip


def _is_multi(kind: str) -> bool:
    return kind.startswith("multi_") or kind == "checkboxes"


def _parse_free(kind: str, answer: str) -> str:
    """A typed date, time or text, checked the way Slack's pickers would."""
    try:
        if kind == "datepicker":
            return date.fromisoformat(answer).isoformat()
        if kind == "timepicker":
            return time.fromisoformat(answer).strftime("%H:%M")
    except ValueError as exc:
        shape = "a date as YYYY-MM-DD" if kind == "datepicker" else "a time as HH:MM"
        raise Unfit(f"Type {shape}.") from exc
    return answer


def _pick(answer: str, choices: list[Choice]) -> Any:
    """The choice an answer names: its number, its label or its value (any case)."""
    if answer.isdigit() and 1 <= int(answer) <= len(choices):
        return choices[int(answer) - 1].stored
    key = answer.casefold()
    for choice in choices:
        stored = choice.stored
        value = stored.get("value", "") if isinstance(stored, dict) else stored
        if key in (choice.label.casefold(), str(value).casefold()):
            return stored
    raise Unfit("That is not one of the choices: type its number.")


def parse_answer(element: dict[str, Any], answer: str, choices: list[Choice]) -> Any:
    """What the state stores for a typed answer; Unfit when it does not fit."""
    kind = element["type"]
    if kind in FREE_KINDS:
        return _parse_free(kind, answer)
    if _is_multi(kind):
        return [_pick(part.strip(), choices) for part in answer.split(",") if part.strip()]
    return _pick(answer, choices)


def _question(element: dict[str, Any], current: Any, readers: Readers) -> str:
    kind = element["type"]
    shown = shown_value(element, current, readers)
    keeps = f" [{shown}]" if shown else ""
    if kind == "external_select":
        return f"  Type to search{keeps}: "
    if kind in FREE_KINDS:
        hint = {"datepicker": " (YYYY-MM-DD)", "timepicker": " (HH:MM)"}.get(kind, "")
        return f"  Your answer{hint}{keeps}: "
    what = "numbers, comma-separated" if _is_multi(kind) else "a number"
    return f"  Pick {what}{keeps}: "


async def _search(block: dict[str, Any], query: str, ask: Ask, say: Say, suggest: Suggest) -> Any:
    """Ask the app what an external select offers for query, and let the person pick one."""
    found = [Choice(emojize(text_of(o.get("text"))), o) for o in await suggest(block, query)]
    if not found:
        raise Unfit(f"Nothing matches “{query}”: try another word.")
    for number, choice in enumerate(found, 1):
        say(f"    {number}) {choice.label}")
    answer = await ask("  Pick a number: ")
    if answer is None or answer.strip().casefold() == CANCEL:
        raise Cancelled
    return _pick(answer.strip(), found)


async def ask_block(
    block: dict[str, Any], *, current: Any, ask: Ask, say: Say, suggest: Suggest, readers: Readers
) -> Any:
    """Ask for one input until the answer fits; Enter keeps current, - clears it."""
    element = block["element"]
    optional = bool(block.get("optional"))
    say(f"  {text_of(block.get('label'))}" + (" (optional)" if optional else ""))
    choices = [] if element["type"] in FREE_KINDS else known_choices(element, readers)
    for number, choice in enumerate(choices, 1):
        say(f"    {number}) {choice.label}")
    while True:
        answer = await ask(_question(element, current, readers))
        if answer is None or answer.strip().casefold() == CANCEL:
            raise Cancelled
        answer = answer.strip()
        try:
            if answer in ("", "-"):
                value = current if answer == "" else None
            elif element["type"] == "external_select":
                value = await _search(block, answer, ask, say, suggest)
            else:
                value = parse_answer(element, answer, choices)
        except Unfit as problem:
            say(f"  {problem}")
            continue
        if value in (None, "", []) and not optional:
            say("  Please answer: this field is required.")
            continue
        return value


async def fill_view(
    view: dict[str, Any],
    *,
    ask: Ask,
    say: Say,
    suggest: Suggest,
    readers: Readers = NOBODY,
    previous: dict[str, Any] | None = None,
    only: set[str] | None = None,
) -> dict[str, Any]:
    """The view's state values, each input asked in turn (only those in `only`, when given,
    the others kept from `previous`); raises Cancelled when the person closes it."""
    values = dict(previous or {})
    for block in input_blocks(view):
        block_id, element = block.get("block_id", ""), block["element"]
        if only is not None and block_id not in only:
            continue
        key, initial = STATE_KEYS[element["type"]]
        action_id = element.get("action_id", "")
        current = (
            values.get(block_id, {}).get(action_id, {}).get(key)
            if previous is not None
            else element.get(initial)
        )
        value = await ask_block(
            block, current=current, ask=ask, say=say, suggest=suggest, readers=readers
        )
        values[block_id] = {action_id: {"type": element["type"], key: value}}
    return values
