"""The week before a week that crosses a daylight-saving change is the local week before it,
not a span of the same number of hours."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.deps import Deps
from jobs.digest import digest_figures
from storage.schedules import week_ending
from tests.factories import TEAM
from tests.helpers import add_feedback, add_lead, add_team, with_settings

BERLIN = ZoneInfo("Europe/Berlin")
MINUTES = timedelta(minutes=1)


@dataclass(frozen=True)
class Weeks:
    """A digest's end, and the local weeks it and the one before cover, written out."""

    end: datetime
    this_start: datetime
    last_start: datetime


# Clocks in Berlin went from 02:00 to 03:00 on Sunday 28 March 2027.
WEEKS = {
    # The Monday digest after the change: its week has 167 hours, the one before 168.
    "monday-after": Weeks(
        end=datetime(2027, 3, 29, 9, 0, tzinfo=BERLIN),
        this_start=datetime(2027, 3, 22, 9, 0, tzinfo=BERLIN),
        last_start=datetime(2027, 3, 15, 9, 0, tzinfo=BERLIN),
    ),
    # A Sunday 03:00 digest: its week ends at the very moment of the change.
    "at-the-change": Weeks(
        end=datetime(2027, 3, 28, 3, 0, tzinfo=BERLIN),
        this_start=datetime(2027, 3, 21, 3, 0, tzinfo=BERLIN),
        last_start=datetime(2027, 3, 14, 3, 0, tzinfo=BERLIN),
    ),
}


@dataclass(frozen=True)
class Given:
    lead: int
    rating: str
    at: datetime


async def _seed(deps: Deps, weeks: Weeks) -> tuple[dict[int, datetime], list[Given]]:
    """Leads either side of each week's start, and feedback on some of them."""
    await add_team(deps)
    handed: dict[int, datetime] = {}
    for n, moment in enumerate(
        (
            weeks.last_start - 30 * MINUTES,
            weeks.last_start + 30 * MINUTES,
            weeks.last_start + timedelta(days=2),
            weeks.this_start - 30 * MINUTES,
            weeks.this_start + 30 * MINUTES,
            weeks.end - 30 * MINUTES,
        )
    ):
        handed[await add_lead(deps, f"Lead {n}", handed_off_at=moment)] = moment
    first, second, third, fourth, fifth, _sixth = handed
    given = [
        Given(first, "warm", weeks.last_start + 20 * MINUTES),
        Given(second, "junk", weeks.last_start + 45 * MINUTES),
        Given(third, "hot", weeks.last_start + timedelta(days=3)),
        Given(fourth, "junk", weeks.this_start - 10 * MINUTES),
        Given(fourth, "hot", weeks.this_start + 60 * MINUTES),
        Given(fifth, "cold", weeks.this_start + 90 * MINUTES),
    ]
    for feedback in given:
        await add_feedback(deps, feedback.lead, feedback.rating, at=feedback.at)
    return handed, given


def _count_by_hand(
    handed: dict[int, datetime], given: list[Given], start: datetime, end: datetime
) -> dict[str, float | int | None]:
    """The previous week's figures, counted over what the test inserted."""
    leads = [lead for lead, moment in handed.items() if start <= moment < end]
    with_feedback = [lead for lead in leads if any(g.lead == lead and g.at < end for g in given)]
    in_week = [g for g in given if start <= g.at < end]
    latest = {
        g.lead: max((h for h in given if h.lead == g.lead and h.at < end), key=lambda h: h.at)
        for g in in_week
    }
    junk = sum(1 for g in latest.values() if g.rating == "junk")
    return {
        "leads_handed_over": len(leads),
        "leads_with_feedback": len(with_feedback),
        "coverage": len(with_feedback) / len(leads) if leads else None,
        "feedback_count": len(in_week),
        "junk_share": junk / len(latest) if latest else None,
    }


@pytest.mark.parametrize("case", list(WEEKS))
async def test_the_week_before_a_daylight_saving_week_is_the_local_week_before(
    deps: Deps, case: str
) -> None:
    weeks = WEEKS[case]
    berlin = with_settings(deps, timezone="Europe/Berlin")
    handed, given = await _seed(berlin, weeks)
    period = week_ending(weeks.end, BERLIN)
    assert (period.start, period.end) == (weeks.this_start, weeks.end)

    figures = (await digest_figures(berlin, TEAM, period)).as_json()

    expected = _count_by_hand(handed, given, weeks.last_start, weeks.this_start)
    assert expected["leads_handed_over"] == 3  # the lead 30 minutes into the week counts
    assert figures["previous"] == {
        key: expected[key]
        for key in ("leads_handed_over", "leads_with_feedback", "coverage", "feedback_count")
    }
    assert figures["changes"]["leads_handed_over"] == (
        figures["leads_handed_over"] - expected["leads_handed_over"]
    )
    goals = {goal["name"]: goal for goal in figures["goals"]}
    assert goals["coverage"]["previous"] == expected["coverage"]
    assert goals["junk_share"]["previous"] == expected["junk_share"]
