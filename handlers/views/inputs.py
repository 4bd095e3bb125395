"""Reading a submitted modal: what `view.state.values[block_id][action_id]` holds.

Nothing in a submission is trusted. `values` may be any JSON, so every reader copes with a
missing block, a missing element and a value of the wrong type; each returns None where the
element holds nothing of the shape asked for, and leaves the judging to its caller.
"""

from typing import Any


def element(values: Any, block_id: str, action_id: str) -> dict[str, Any]:
    """One element's submitted state ({} when it is missing or not an object)."""
    block = values.get(block_id) if isinstance(values, dict) else None
    state = block.get(action_id) if isinstance(block, dict) else None
    return state if isinstance(state, dict) else {}


def submitted(values: Any, block_id: str, action_id: str, key: str) -> Any:
    """The raw `key` of one element, whatever its type; None when the element is missing."""
    return element(values, block_id, action_id).get(key)


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def text(values: Any, block_id: str, action_id: str) -> str | None:
    """A text or number input's value, as typed."""
    return _string(submitted(values, block_id, action_id, "value"))


def selected_option(values: Any, block_id: str, action_id: str) -> str | None:
    """The value of a select's or radio group's chosen option."""
    chosen = submitted(values, block_id, action_id, "selected_option")
    return _string(chosen.get("value")) if isinstance(chosen, dict) else None


def selected_date(values: Any, block_id: str, action_id: str) -> str | None:
    """A datepicker's date, `YYYY-MM-DD` if Slack sent it."""
    return _string(submitted(values, block_id, action_id, "selected_date"))


def selected_time(values: Any, block_id: str, action_id: str) -> str | None:
    """A timepicker's time, `HH:MM` if Slack sent it."""
    return _string(submitted(values, block_id, action_id, "selected_time"))


def selected_conversation(values: Any, block_id: str, action_id: str) -> str | None:
    """The channel id a conversations select holds."""
    return _string(submitted(values, block_id, action_id, "selected_conversation"))


def selected_options(values: Any, block_id: str, action_id: str) -> list[str] | None:
    """The values of the ticked checkboxes or chosen options; None unless a list of options."""
    options = submitted(values, block_id, action_id, "selected_options")
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        return None
    return [value for o in options if isinstance(value := o.get("value"), str)]


def _ids(values: Any, block_id: str, action_id: str, key: str) -> list[str] | None:
    chosen = submitted(values, block_id, action_id, key)
    if chosen is None:
        return []
    if not isinstance(chosen, list) or not all(isinstance(item, str) for item in chosen):
        return None
    return list(dict.fromkeys(chosen))


def selected_users(values: Any, block_id: str, action_id: str) -> list[str] | None:
    """A users multi-select's ids, without repeats; [] when none is chosen, None if malformed."""
    return _ids(values, block_id, action_id, "selected_users")


def selected_conversations(values: Any, block_id: str, action_id: str) -> list[str] | None:
    """A conversations multi-select's ids, without repeats; [] when none, None if malformed."""
    return _ids(values, block_id, action_id, "selected_conversations")
