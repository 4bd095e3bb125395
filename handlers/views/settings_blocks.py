"""The settings modal: building it from a team's settings, and reading a submission back.

The settings, their labels and the rules a value must meet come from
storage.team_settings.TEAM_SETTING_FIELDS; this module only knows which Block Kit element
asks for each one. Reading trusts nothing in the payload: a forged or hand-edited submission
gets the same inline errors as a slip of the mouse, and only a fully valid one becomes a
SettingsChange.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from handlers.views import ids, inputs
from handlers.views.blocks import Block, option, plain, section
from storage.goal_targets import (
    HIGHER_IS_BETTER,
    Goal,
    GoalTargets,
    is_time,
    unit_name,
    written_range,
)
from storage.routing_rules import MODE_LABELS, RoutingMode
from storage.schedules import WEEKDAYS, format_weekdays, parse_weekdays
from storage.team_settings import (
    ADMIN_USERS_MAX,
    COLUMN_FIELDS,
    DIGEST_CHANNELS_MAX,
    GOAL_FIELDS,
    STALE_AFTER_DAYS_RANGE,
    SettingField,
    SettingsChange,
    TeamSettings,
)

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ZONE_NAME_MAX = 64

ONLY_ADMINS = (
    "Only Slack workspace admins and owners, and the people listed as leadloop admins, "
    "can change these settings."
)
NOT_ADMIN = ONLY_ADMINS + " Nothing was saved."

# One element's submitted state: view.state.values[block_id][action_id].
State = dict[str, Any]


def _day_options() -> list[Block]:
    return [option(name, day) for name, day in zip(_DAY_NAMES, WEEKDAYS, strict=True)]


def _channels(action_id: str, chosen: tuple[str, ...]) -> Block:
    element: Block = {
        "type": "multi_conversations_select",
        "action_id": action_id,
        "placeholder": plain("Pick channels"),
        "max_selected_items": DIGEST_CHANNELS_MAX,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if chosen:
        element["initial_conversations"] = list(chosen)
    return element


def _people(action_id: str, chosen: tuple[str, ...]) -> Block:
    element: Block = {
        "type": "multi_users_select",
        "action_id": action_id,
        "placeholder": plain("Pick people"),
        "max_selected_items": ADMIN_USERS_MAX,
    }
    if chosen:
        element["initial_users"] = list(chosen)
    return element


def _day(action_id: str, day: str) -> Block:
    days = _day_options()
    initial = days[WEEKDAYS.index(day)]
    return {
        "type": "static_select",
        "action_id": action_id,
        "options": days,
        "initial_option": initial,
    }


def _days(action_id: str, spec: str) -> Block:
    days = _day_options()
    initial = [days[day] for day in parse_weekdays(spec)]
    return {
        "type": "checkboxes",
        "action_id": action_id,
        "options": days,
        "initial_options": initial,
    }


def _clock(action_id: str, at: str) -> Block:
    return {
        "type": "timepicker",
        "action_id": action_id,
        "initial_time": at,
        "placeholder": plain("Pick a time"),
    }


def _whole_number(action_id: str, value: int) -> Block:
    low, high = STALE_AFTER_DAYS_RANGE
    return {
        "type": "number_input",
        "action_id": action_id,
        "is_decimal_allowed": False,
        "min_value": str(low),
        "max_value": str(high),
        "initial_value": str(value),
    }


def _zone(action_id: str, name: str) -> Block:
    return {
        "type": "plain_text_input",
        "action_id": action_id,
        "initial_value": name,
        "max_length": _ZONE_NAME_MAX,
    }


def _mode(action_id: str, mode: str) -> Block:
    modes = [option(label, value) for value, label in MODE_LABELS.items()]
    return {
        "type": "static_select",
        "action_id": action_id,
        "options": modes,
        "initial_option": modes[list(MODE_LABELS).index(RoutingMode(mode))],
    }


def _listed(state: State, *, key: str) -> list[Any]:
    """The picked items of a multi-select; none picked is an empty list."""
    chosen = state.get(key)
    if chosen is None:
        return []
    if not isinstance(chosen, list):
        raise ValueError("not a list")
    return chosen


def _picked(state: State) -> Any:
    chosen = state.get("selected_option")
    return chosen.get("value") if isinstance(chosen, dict) else None


def _ticked(state: State) -> str:
    """The ticked weekdays, written as the nudge days setting writes them."""
    chosen = state.get("selected_options")
    if not isinstance(chosen, list) or not all(isinstance(o, dict) for o in chosen):
        raise ValueError("not a list of options")
    return format_weekdays(WEEKDAYS.index(o.get("value")) for o in chosen)


def _entered(state: State, *, key: str) -> Any:
    return state.get(key)


@dataclass(frozen=True)
class _Input:
    """How the modal asks for one setting, and reads the answer back for its parser."""

    block_id: str
    action_id: str
    # The element, showing the team's current value.
    element: Callable[[str, Any], Block]
    # The submitted value from the element's state; ValueError when its shape is wrong.
    read: Callable[[State], Any]
    hint: str = ""
    optional: bool = False
    # The inline error when the value is refused; "Use <the setting's hint>." by default.
    error: str = ""


_INPUTS: dict[str, _Input] = {
    "digest_channels": _Input(
        ids.SETTINGS_DIGEST_CHANNELS_BLOCK,
        ids.SETTINGS_DIGEST_CHANNELS_ACTION,
        _channels,
        partial(_listed, key="selected_conversations"),
        hint="The weekly digest is posted in each. Leave empty to stop it.",
        optional=True,
        error=f"Pick up to {DIGEST_CHANNELS_MAX} channels from the list (no direct messages).",
    ),
    "digest_day": _Input(
        ids.SETTINGS_DIGEST_DAY_BLOCK,
        ids.SETTINGS_DIGEST_DAY_ACTION,
        _day,
        _picked,
        error="Pick the day of the week for the digest.",
    ),
    "digest_time": _Input(
        ids.SETTINGS_DIGEST_TIME_BLOCK,
        ids.SETTINGS_DIGEST_TIME_ACTION,
        _clock,
        partial(_entered, key="selected_time"),
    ),
    "nudge_days": _Input(
        ids.SETTINGS_NUDGE_DAYS_BLOCK,
        ids.SETTINGS_NUDGE_DAYS_ACTION,
        _days,
        _ticked,
        error="Pick at least one day for the nudges.",
    ),
    "nudge_time": _Input(
        ids.SETTINGS_NUDGE_TIME_BLOCK,
        ids.SETTINGS_NUDGE_TIME_ACTION,
        _clock,
        partial(_entered, key="selected_time"),
    ),
    "stale_after_days": _Input(
        ids.SETTINGS_STALE_DAYS_BLOCK,
        ids.SETTINGS_STALE_DAYS_ACTION,
        _whole_number,
        partial(_entered, key="value"),
        hint="Days without feedback or a status change before a rep is nudged.",
    ),
    "timezone": _Input(
        ids.SETTINGS_TIMEZONE_BLOCK,
        ids.SETTINGS_TIMEZONE_ACTION,
        _zone,
        partial(_entered, key="value"),
        hint="An IANA name such as Europe/Berlin, America/New_York or UTC. "
        "Digest and nudge times are in this zone.",
    ),
    "admin_users": _Input(
        ids.SETTINGS_ADMINS_BLOCK,
        ids.SETTINGS_ADMINS_ACTION,
        _people,
        partial(_listed, key="selected_users"),
        hint="They may change these settings too. Slack workspace admins and owners always may.",
        optional=True,
        error=f"Pick up to {ADMIN_USERS_MAX} people from the list.",
    ),
    "routing": _Input(
        ids.SETTINGS_ROUTING_BLOCK,
        ids.SETTINGS_ROUTING_ACTION,
        _mode,
        _picked,
        hint="How new leads without an owner reach a rep the moment they arrive.",
        error="Pick how new leads are routed.",
    ),
}


def _input(
    block_id: str, label: str, element: Block, *, hint: str = "", optional: bool = False
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def _setting_input(field: SettingField, value: Any) -> Block:
    asked = _INPUTS[field.name]
    element = asked.element(asked.action_id, value)
    return _input(asked.block_id, field.label, element, hint=asked.hint, optional=asked.optional)


def _goal_ids(goal: Goal) -> tuple[str, str]:
    return ids.SETTINGS_GOAL_BLOCK_PREFIX + goal.value, ids.SETTINGS_GOAL_ACTION_PREFIX + goal.value


def _goal_input(field: SettingField, goals: GoalTargets) -> Block:
    goal = Goal(field.name)
    block_id, action_id = _goal_ids(goal)
    low, high = written_range(goal)
    element: Block = {
        "type": "number_input",
        "action_id": action_id,
        "is_decimal_allowed": True,
        "min_value": str(low),
        "max_value": str(high),
    }
    target = goals.target(goal)
    if target is not None:
        element["initial_value"] = f"{target if is_time(goal) else target * 100:g}"
    bound = "at least" if HIGHER_IS_BETTER[goal] else "at most"
    label = f"{field.label}: {bound} ({unit_name(goal)})"
    return _input(block_id, label, element, optional=True)


def settings_modal(team: TeamSettings) -> Block:
    """The settings modal, filled in with the team's current settings."""
    goals_intro = section(
        "*:dart: Shared goals*: the targets sales and marketing agreed on, shown in the "
        "weekly digest and on everyone's Home. Leave a target empty to switch that goal off."
    )
    return {
        "type": "modal",
        "callback_id": ids.SETTINGS_MODAL,
        "title": plain("leadloop settings"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": [
            *(_setting_input(field, getattr(team, field.name)) for field in COLUMN_FIELDS),
            goals_intro,
            *(_goal_input(field, team.goals) for field in GOAL_FIELDS),
        ],
    }


def refused_modal() -> Block:
    """What someone who may not change settings sees instead of the settings modal."""
    return {
        "type": "modal",
        "callback_id": ids.SETTINGS_REFUSED_MODAL,
        "title": plain("leadloop settings"),
        "close": plain("Close"),
        "blocks": [section(f":lock: {ONLY_ADMINS}")],
    }


def _read_goals(values: Any, errors: dict[str, str]) -> GoalTargets | None:
    """The submitted targets; None when the modal had no goal inputs (opened before they were)."""
    if not isinstance(values, dict) or not any(_goal_ids(g)[0] in values for g in Goal):
        return None
    targets: dict[str, float | None] = {}
    for field in GOAL_FIELDS:
        goal = Goal(field.name)
        block_id, action_id = _goal_ids(goal)
        try:
            targets[field.name] = field.parse(
                inputs.submitted(values, block_id, action_id, "value")
            )
        except ValueError:
            low, high = written_range(goal)
            unit = unit_name(goal).replace("%", "per cent")
            errors[block_id] = (
                f"Use a number from {low} to {high} ({unit}), or leave it empty to switch "
                "this goal off."
            )
    return GoalTargets(**targets) if len(targets) == len(GOAL_FIELDS) else None


def read_settings(values: Any) -> SettingsChange | dict[str, str]:
    """The submitted settings, or errors keyed by input block id for `response_action`."""
    errors: dict[str, str] = {}
    chosen: dict[str, Any] = {}
    for field in COLUMN_FIELDS:
        asked = _INPUTS[field.name]
        try:
            chosen[field.name] = field.parse(
                asked.read(inputs.element(values, asked.block_id, asked.action_id))
            )
        except ValueError:
            errors[asked.block_id] = asked.error or f"Use {field.hint}."
    goals = _read_goals(values, errors)
    return errors or SettingsChange(goals=goals, **chosen)
