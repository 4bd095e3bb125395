"""The shared goals: their names, which way is better, and a team's targets (None: switched off).

Shares are fractions from 0 to 1; the time to first feedback is in hours, the first touch
in business minutes.
"""

import re
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Goal(StrEnum):
    """The goals both teams agree on, named as `digest --json` names them."""

    COVERAGE = "coverage"
    JUNK_SHARE = "junk_share"
    TIME_TO_FIRST_FEEDBACK = "time_to_first_feedback_hours"
    PREVIEW_REACTION_RATE = "preview_reaction_rate"
    FIRST_TOUCH_MINUTES = "first_touch_minutes"


# True: the figure should reach the target; False: it should stay at or below it.
HIGHER_IS_BETTER: dict[Goal, bool] = {
    Goal.COVERAGE: True,
    Goal.JUNK_SHARE: False,
    Goal.TIME_TO_FIRST_FEEDBACK: False,
    Goal.PREVIEW_REACTION_RATE: True,
    Goal.FIRST_TOUCH_MINUTES: False,
}

GOAL_LABELS: dict[Goal, str] = {
    Goal.COVERAGE: "Feedback coverage",
    Goal.JUNK_SHARE: "Junk share of rated leads",
    Goal.TIME_TO_FIRST_FEEDBACK: "Median time to first feedback",
    Goal.PREVIEW_REACTION_RATE: "Previews with 3+ sales reactions",
    Goal.FIRST_TOUCH_MINUTES: "Median first touch",
}

FIRST_FEEDBACK_HOURS_RANGE = (1, 720)
FIRST_TOUCH_MINUTES_RANGE = (1, 2400)
PERCENT_RANGE = (0, 100)
# The goals measured in time, their unit as people write it after a number, and its name.
TIME_UNITS: dict[Goal, tuple[str, str]] = {
    Goal.TIME_TO_FIRST_FEEDBACK: ("h", "hours"),
    Goal.FIRST_TOUCH_MINUTES: ("m", "minutes"),
}
_TIME_RANGES = {
    Goal.TIME_TO_FIRST_FEEDBACK: FIRST_FEEDBACK_HOURS_RANGE,
    Goal.FIRST_TOUCH_MINUTES: FIRST_TOUCH_MINUTES_RANGE,
}
# What switches a goal off where people write targets (the environment, the settings modal).
_OFF = {"", "off", "none", "no", "false"}
_NUMBER = r"\d{1,4}(\.\d+)?"


def is_time(goal: Goal) -> bool:
    """Whether the goal's target is a time (hours, minutes; else a share, written in percent)."""
    return goal in TIME_UNITS


def unit_name(goal: Goal) -> str:
    """The unit a target is written in: "hours", "minutes" or "%"."""
    return TIME_UNITS[goal][1] if is_time(goal) else "%"


def written_range(goal: Goal) -> tuple[int, int]:
    """The range of a target as people write it: hours, minutes, or percent."""
    return _TIME_RANGES.get(goal, PERCENT_RANGE)


def parse_target(goal: Goal, value: Any) -> float | None:
    """A target as people write it ("80", "80%", "48h", or off), as GoalTargets holds it.

    Shares are written in percent ("80", "80%") or as a fraction below 1 ("0.8"), and held as
    fractions; hours and minutes stay as they are. None, an empty text or "off" switches the
    goal off; ValueError for anything else out of range.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("not a number")
    written = (float(value), False) if not isinstance(value, str) else _written(goal, value)
    if written is None:
        return None
    number, with_unit = written
    if not is_time(goal) and number < 1 and not with_unit:
        # A share below 1 without a % sign is already a fraction: 0.8 is 80 %; 1 is 1 %.
        number *= 100
    low, high = written_range(goal)
    if not low <= number <= high:
        raise ValueError("out of range")
    return float(number) if is_time(goal) else number / 100


def _written(goal: Goal, text: str) -> tuple[float, bool] | None:
    """The number written, and whether its unit (h, m or %) was written after it; None: off."""
    text = text.strip().lower()
    if text in _OFF:
        return None
    unit = TIME_UNITS[goal][0] if is_time(goal) else "%"
    text = text.removesuffix("in") if unit == "m" else text
    match = re.fullmatch(rf"(?P<number>{_NUMBER}|\.\d+)\s*(?P<unit>{re.escape(unit)})?", text)
    if match is None:
        raise ValueError("not a number")
    return float(match["number"]), match["unit"] is not None


@dataclass(frozen=True)
class GoalTargets:
    """A team's targets, one per goal; None switches that goal off."""

    coverage: float | None = 0.8
    junk_share: float | None = 0.1
    time_to_first_feedback_hours: float | None = 48.0
    preview_reaction_rate: float | None = 0.5
    first_touch_minutes: float | None = 60.0

    def __post_init__(self) -> None:
        # Storage refuses what the modal should have caught, so no bad target is ever written.
        for goal in Goal:
            value = self.target(goal)
            if value is None:
                continue
            low, high = written_range(goal) if is_time(goal) else (0, 1)
            if not low <= value <= high:
                raise ValueError(f"{goal.value} target out of range")

    def target(self, goal: Goal) -> float | None:
        """The target for one goal, or None when it is switched off."""
        value: float | None = getattr(self, goal.value)
        return value

    @property
    def enabled(self) -> tuple[Goal, ...]:
        """The goals that are switched on, in their fixed order."""
        return tuple(goal for goal in Goal if self.target(goal) is not None)

    def as_json(self) -> dict[str, Any]:
        """The targets by goal name, None for the ones switched off."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any, *, defaults: "GoalTargets") -> "GoalTargets":
        """Targets stored as JSON: a key present (even as null) overrides the default."""
        if not isinstance(data, dict):
            return defaults
        chosen = defaults.as_json()
        for goal in Goal:
            value = data.get(goal.value, chosen[goal.value])
            chosen[goal.value] = float(value) if isinstance(value, int | float) else None
        return cls(**chosen)


def on_track(goal: Goal, value: float | None, target: float | None) -> bool | None:
    """Whether the figure meets its target; None when either is unknown."""
    if value is None or target is None:
        return None
    return value >= target if HIGHER_IS_BETTER[goal] else value <= target
