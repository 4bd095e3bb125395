"""The settings modal: building it from a team's settings, and reading a submission back.

Reading trusts nothing in the payload: a forged or hand-edited submission gets the same
inline errors as a slip of the mouse, and only a fully valid one becomes a SettingsChange.
"""

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from handlers.views import ids
from handlers.views.blocks import Block, option, plain, section
from storage.goal_targets import (
    FIRST_FEEDBACK_HOURS_RANGE,
    GOAL_LABELS,
    HIGHER_IS_BETTER,
    Goal,
    GoalTargets,
)
from storage.schedules import WEEKDAYS, canonical_zone, format_weekdays, parse_weekdays
from storage.slack_ids import is_channel_id, is_user_id
from storage.team_settings import (
    ADMIN_USERS_MAX,
    DIGEST_CHANNELS_MAX,
    STALE_AFTER_DAYS_RANGE,
    SettingsChange,
    TeamSettings,
)

_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

ONLY_ADMINS = (
    "Only Slack workspace admins and owners, and the people listed as leadloop admins, "
    "can change these settings."
)
NOT_ADMIN = ONLY_ADMINS + " Nothing was saved."


def _day_options() -> list[Block]:
    return [option(name, day) for name, day in zip(_DAY_NAMES, WEEKDAYS, strict=True)]


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


def _timepicker(action_id: str, initial: str) -> Block:
    return {
        "type": "timepicker",
        "action_id": action_id,
        "initial_time": initial,
        "placeholder": plain("Pick a time"),
    }


def _goal_ids(goal: Goal) -> tuple[str, str]:
    return ids.SETTINGS_GOAL_BLOCK_PREFIX + goal.value, ids.SETTINGS_GOAL_ACTION_PREFIX + goal.value


def _goal_range(goal: Goal) -> tuple[int, int]:
    return FIRST_FEEDBACK_HOURS_RANGE if goal is Goal.TIME_TO_FIRST_FEEDBACK else (0, 100)


def _goal_label(goal: Goal) -> str:
    unit = "hours" if goal is Goal.TIME_TO_FIRST_FEEDBACK else "%"
    bound = "at least" if HIGHER_IS_BETTER[goal] else "at most"
    return f"{GOAL_LABELS[goal]}: {bound} ({unit})"


def _goal_inputs(goals: GoalTargets) -> list[Block]:
    blocks: list[Block] = [
        section(
            "*:dart: Shared goals*: the targets sales and marketing agreed on, shown in the "
            "weekly digest and on everyone's Home. Leave a target empty to switch that goal off."
        )
    ]
    for goal in Goal:
        block_id, action_id = _goal_ids(goal)
        low, high = _goal_range(goal)
        element: Block = {
            "type": "number_input",
            "action_id": action_id,
            "is_decimal_allowed": True,
            "min_value": str(low),
            "max_value": str(high),
        }
        target = goals.target(goal)
        if target is not None:
            shown = target if goal is Goal.TIME_TO_FIRST_FEEDBACK else target * 100
            element["initial_value"] = f"{shown:g}"
        blocks.append(_input(block_id, _goal_label(goal), element, optional=True))
    return blocks


def settings_modal(team: TeamSettings) -> Block:
    """The settings modal, filled in with the team's current settings."""
    days = _day_options()
    channels: Block = {
        "type": "multi_conversations_select",
        "action_id": ids.SETTINGS_DIGEST_CHANNELS_ACTION,
        "placeholder": plain("Pick channels"),
        "max_selected_items": DIGEST_CHANNELS_MAX,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if team.digest_channels:
        channels["initial_conversations"] = list(team.digest_channels)
    nudge_days = set(parse_weekdays(team.nudge_days))
    admins: Block = {
        "type": "multi_users_select",
        "action_id": ids.SETTINGS_ADMINS_ACTION,
        "placeholder": plain("Pick people"),
        "max_selected_items": ADMIN_USERS_MAX,
    }
    if team.admin_users:
        admins["initial_users"] = list(team.admin_users)
    low, high = STALE_AFTER_DAYS_RANGE
    blocks = [
        _input(
            ids.SETTINGS_DIGEST_CHANNELS_BLOCK,
            "Digest channels",
            channels,
            hint="The weekly digest is posted in each. Leave empty to stop it.",
            optional=True,
        ),
        _input(
            ids.SETTINGS_DIGEST_DAY_BLOCK,
            "Digest day",
            {
                "type": "static_select",
                "action_id": ids.SETTINGS_DIGEST_DAY_ACTION,
                "options": days,
                "initial_option": days[WEEKDAYS.index(team.digest_day)],
            },
        ),
        _input(
            ids.SETTINGS_DIGEST_TIME_BLOCK,
            "Digest time",
            _timepicker(ids.SETTINGS_DIGEST_TIME_ACTION, team.digest_time),
        ),
        _input(
            ids.SETTINGS_NUDGE_DAYS_BLOCK,
            "Stale-lead nudge days",
            {
                "type": "checkboxes",
                "action_id": ids.SETTINGS_NUDGE_DAYS_ACTION,
                "options": days,
                "initial_options": [days[day] for day in sorted(nudge_days)],
            },
        ),
        _input(
            ids.SETTINGS_NUDGE_TIME_BLOCK,
            "Nudge time",
            _timepicker(ids.SETTINGS_NUDGE_TIME_ACTION, team.nudge_time),
        ),
        _input(
            ids.SETTINGS_STALE_DAYS_BLOCK,
            "A lead is stale after (days)",
            {
                "type": "number_input",
                "action_id": ids.SETTINGS_STALE_DAYS_ACTION,
                "is_decimal_allowed": False,
                "min_value": str(low),
                "max_value": str(high),
                "initial_value": str(team.stale_after_days),
            },
            hint="Days without feedback or a status change before a rep is nudged.",
        ),
        _input(
            ids.SETTINGS_TIMEZONE_BLOCK,
            "Time zone",
            {
                "type": "plain_text_input",
                "action_id": ids.SETTINGS_TIMEZONE_ACTION,
                "initial_value": team.timezone,
                "max_length": 64,
            },
            hint="An IANA name such as Europe/Berlin, America/New_York or UTC. "
            "Digest and nudge times are in this zone.",
        ),
        _input(
            ids.SETTINGS_ADMINS_BLOCK,
            "leadloop admins",
            admins,
            hint="They may change these settings too. Slack workspace admins and owners "
            "always may.",
            optional=True,
        ),
        *_goal_inputs(team.goals),
    ]
    return {
        "type": "modal",
        "callback_id": ids.SETTINGS_MODAL,
        "title": plain("leadloop settings"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": blocks,
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


def _element(values: Any, block_id: str, action_id: str) -> dict[str, Any]:
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(action_id) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def _strings(value: Any) -> list[str] | None:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return list(dict.fromkeys(value))


def _ids(
    values: Any, block_id: str, action_id: str, key: str, valid: Callable[[str], bool], limit: int
) -> tuple[str, ...] | None:
    chosen = _strings(_element(values, block_id, action_id).get(key))
    if chosen is None or len(chosen) > limit or not all(valid(x) for x in chosen):
        return None
    return tuple(chosen)


def _time(values: Any, block_id: str, action_id: str) -> str | None:
    chosen = _element(values, block_id, action_id).get("selected_time")
    return chosen if isinstance(chosen, str) and _TIME_RE.match(chosen) else None


def _option_values(element: dict[str, Any]) -> list[str] | None:
    options = element.get("selected_options")
    if not isinstance(options, list):
        return None
    chosen = [o.get("value") for o in options if isinstance(o, dict)]
    return [v for v in chosen if isinstance(v, str)] if len(chosen) == len(options) else None


def _read_goals(values: Any, errors: dict[str, str]) -> GoalTargets | None:
    """The submitted targets; None when the modal had no goal inputs (opened before they were)."""
    if not isinstance(values, dict) or not any(_goal_ids(g)[0] in values for g in Goal):
        return None
    targets: dict[str, float | None] = {}
    for goal in Goal:
        block_id, action_id = _goal_ids(goal)
        text = _element(values, block_id, action_id).get("value")
        low, high = _goal_range(goal)
        if text is None or (isinstance(text, str) and not text.strip()):
            targets[goal.value] = None
            continue
        number = (
            float(text)
            if isinstance(text, str) and re.fullmatch(r"\s*\d{1,4}(\.\d{1,2})?\s*", text)
            else None
        )
        if number is None or not low <= number <= high:
            unit = "hours" if goal is Goal.TIME_TO_FIRST_FEEDBACK else "per cent"
            errors[block_id] = (
                f"Use a number from {low} to {high} ({unit}), or leave it empty to switch "
                "this goal off."
            )
            continue
        targets[goal.value] = number if goal is Goal.TIME_TO_FIRST_FEEDBACK else number / 100
    if len(targets) < len(Goal):
        return None
    return GoalTargets(**targets)


def read_settings(values: Any) -> SettingsChange | dict[str, str]:
    """The submitted settings, or errors keyed by input block id for `response_action`."""
    errors: dict[str, str] = {}
    channels = _ids(
        values,
        ids.SETTINGS_DIGEST_CHANNELS_BLOCK,
        ids.SETTINGS_DIGEST_CHANNELS_ACTION,
        "selected_conversations",
        partial(is_channel_id, direct_messages=False),
        DIGEST_CHANNELS_MAX,
    )
    if channels is None:
        errors[ids.SETTINGS_DIGEST_CHANNELS_BLOCK] = (
            f"Pick up to {DIGEST_CHANNELS_MAX} channels from the list (no direct messages)."
        )
    day_option = _element(
        values, ids.SETTINGS_DIGEST_DAY_BLOCK, ids.SETTINGS_DIGEST_DAY_ACTION
    ).get("selected_option")
    digest_day = day_option.get("value") if isinstance(day_option, dict) else None
    if digest_day not in WEEKDAYS:
        errors[ids.SETTINGS_DIGEST_DAY_BLOCK] = "Pick the day of the week for the digest."
    digest_time = _time(values, ids.SETTINGS_DIGEST_TIME_BLOCK, ids.SETTINGS_DIGEST_TIME_ACTION)
    if digest_time is None:
        errors[ids.SETTINGS_DIGEST_TIME_BLOCK] = "Use a 24-hour time such as 09:00."
    nudge_days = _option_values(
        _element(values, ids.SETTINGS_NUDGE_DAYS_BLOCK, ids.SETTINGS_NUDGE_DAYS_ACTION)
    )
    if not nudge_days or not set(nudge_days) <= set(WEEKDAYS):
        errors[ids.SETTINGS_NUDGE_DAYS_BLOCK] = "Pick at least one day for the nudges."
    nudge_time = _time(values, ids.SETTINGS_NUDGE_TIME_BLOCK, ids.SETTINGS_NUDGE_TIME_ACTION)
    if nudge_time is None:
        errors[ids.SETTINGS_NUDGE_TIME_BLOCK] = "Use a 24-hour time such as 10:00."
    stale_text = _element(
        values, ids.SETTINGS_STALE_DAYS_BLOCK, ids.SETTINGS_STALE_DAYS_ACTION
    ).get("value")
    low, high = STALE_AFTER_DAYS_RANGE
    stale = (
        int(stale_text)
        if isinstance(stale_text, str) and re.fullmatch(r"\s*\d{1,3}\s*", stale_text)
        else None
    )
    if stale is None or not low <= stale <= high:
        errors[ids.SETTINGS_STALE_DAYS_BLOCK] = f"Use a whole number of days from {low} to {high}."
    zone_text = _element(values, ids.SETTINGS_TIMEZONE_BLOCK, ids.SETTINGS_TIMEZONE_ACTION).get(
        "value"
    )
    try:
        zone = canonical_zone(zone_text) if isinstance(zone_text, str) else None
    except ValueError:
        zone = None
    if zone is None:
        errors[ids.SETTINGS_TIMEZONE_BLOCK] = (
            "Unknown time zone: use an IANA name such as Europe/Berlin, America/New_York or UTC."
        )
    admins = _ids(
        values,
        ids.SETTINGS_ADMINS_BLOCK,
        ids.SETTINGS_ADMINS_ACTION,
        "selected_users",
        is_user_id,
        ADMIN_USERS_MAX,
    )
    if admins is None:
        errors[ids.SETTINGS_ADMINS_BLOCK] = f"Pick up to {ADMIN_USERS_MAX} people from the list."
    goals = _read_goals(values, errors)
    if errors:
        return errors
    assert channels is not None and admins is not None and nudge_days is not None
    assert digest_time is not None and nudge_time is not None and stale is not None
    return SettingsChange(
        digest_channels=channels,
        digest_day=str(digest_day),
        digest_time=digest_time,
        nudge_days=format_weekdays(WEEKDAYS.index(day) for day in nudge_days),
        nudge_time=nudge_time,
        stale_after_days=stale,
        timezone=str(zone),
        admin_users=admins,
        goals=goals,
    )
