"""How a shared goal reads in Slack: its figure, target, track and change; pure functions."""

from handlers.views.wording import duration
from storage.goal_targets import GOAL_LABELS, HIGHER_IS_BETTER, Goal

ON_TRACK = ":white_check_mark:"
OFF_TRACK = ":warning:"
NO_DATA = ":heavy_minus_sign:"


def goal_figure(goal: Goal, value: float) -> str:
    """A goal's figure in its unit: a duration for the time to first feedback (hours, days
    past 48 h), business minutes for the first touch, else a whole percentage. The digest, the
    Home and the chart all show this."""
    if goal is Goal.TIME_TO_FIRST_FEEDBACK:
        return duration(value)
    if goal is Goal.FIRST_TOUCH_MINUTES:
        return f"{value:.0f} min"
    return f"{value:.0%}"


def _target(goal: Goal, target: float) -> str:
    sign = "≥" if HIGHER_IS_BETTER[goal] else "≤"
    return f"target {sign} {goal_figure(goal, target)}"


def _change(goal: Goal, value: float, previous: float) -> str:
    if goal is Goal.TIME_TO_FIRST_FEEDBACK:
        delta = round(value - previous)
        size = duration(abs(delta))
    elif goal is Goal.FIRST_TOUCH_MINUTES:
        delta = round(value - previous)
        size = f"{abs(delta)} min"
    else:
        delta = round((value - previous) * 100)
        size = f"{abs(delta)} pts"
    if delta == 0:
        return "no change on last week"
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {size} on last week"


def goal_line(
    name: str,
    value: float | None,
    target: float | None,
    on_track: bool | None,
    previous: float | None,
) -> str:
    """One goal as a line of mrkdwn: mark, name, figure, target and the change on last week."""
    goal = Goal(name)
    label = GOAL_LABELS[goal]
    if value is None:
        figure, mark = "no data this week", NO_DATA
    else:
        figure, mark = f"*{goal_figure(goal, value)}*", ON_TRACK if on_track else OFF_TRACK
    parts = [f"{mark} {label}: {figure}"]
    if target is not None:
        parts.append(_target(goal, target))
    if value is not None:
        parts.append("on track" if on_track else "off track")
        if previous is not None:
            parts.append(_change(goal, value, previous))
    return " · ".join(parts)
