"""The digest's `first_touch` figures against an independent, minute-by-minute recount."""

import json
import random
import statistics
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.cli.job_commands import digest_now
from bot.deps import Deps
from handlers.views.digest_blocks import chart_data, render_digest
from handlers.views.goal_chart import alt_text, render_chart
from jobs.digest import digest_figures, goal_trend
from storage.models import Lead
from storage.schedules import week_ending
from tests.factories import TEAM
from tests.helpers import add_lead, add_team, texts_of

SLA = 60


def business_minutes_by_hand(start: datetime, end: datetime) -> int:
    """Mon–Fri 09:00–17:00 UTC minutes in [start, end), counted one minute at a time."""
    minutes, moment = 0, start
    while moment < end:
        if moment.weekday() < 5 and 9 <= moment.hour < 17:
            minutes += 1
        moment += timedelta(minutes=1)
    return minutes


def nearest_rank(values: list[int], share: float) -> int:
    ordered = sorted(values)
    rank = -(-share * len(ordered) // 1)  # ceil
    return ordered[int(rank) - 1]


async def _seed(deps: Deps, start: datetime, count: int, rng: random.Random) -> list[tuple]:
    """count leads handed over from start on, most touched, some not; (owner, hand-off, touch)."""
    seeded = []
    for n in range(count):
        handed = start + timedelta(minutes=rng.randrange(0, 6 * 24 * 60))
        owner = rng.choice(["U0ANN", "U0BOB", "U0CAT"])
        lead_id = await add_lead(deps, f"{start:%d}-{n}", handed_off_at=handed, owner=owner)
        touched = None
        if rng.random() < 0.8:
            touched = handed + timedelta(minutes=rng.choice([5, 30, 59, 61, 200, 900, 3000]))
            async with deps.sessions.begin() as session:
                statement = update(Lead).where(Lead.id == lead_id).values(first_touch_at=touched)
                await session.exec(statement)  # type: ignore[call-overload]
        seeded.append((owner, handed, touched))
    return seeded


def _expected(seeded: list[tuple], end: datetime) -> dict:
    touched = [
        business_minutes_by_hand(handed, touch)
        for _owner, handed, touch in seeded
        if touch is not None and touch < end
    ]
    return {
        "median_business_minutes": round(statistics.median(touched), 1),
        "p90_business_minutes": float(nearest_rank(touched, 0.9)),
        "within_sla_share": sum(1 for m in touched if m <= SLA) / len(seeded),
        "untouched": len(seeded) - len(touched),
    }


async def test_first_touch_figures_match_a_minute_by_minute_recount(deps: Deps) -> None:
    await add_team(deps)
    rng = random.Random(18)
    period = week_ending(deps.clock.now(), UTC)
    before = period.before()
    this_week = await _seed(deps, period.start, 40, rng)
    last_week = await _seed(deps, before.start, 25, rng)
    figures = await digest_figures(deps, TEAM, period)
    speed = figures.first_touch
    expected, previous = _expected(this_week, period.end), _expected(last_week, before.end)
    for key, value in expected.items():
        assert speed[key] == value, key
        assert speed["changes"][key] == value - previous[key], key
    assert speed["sla_minutes"] == SLA
    fastest = speed["fastest_reps"]
    assert [row["median_business_minutes"] for row in fastest] == sorted(
        row["median_business_minutes"] for row in fastest
    )
    shown = texts_of(render_digest(figures).blocks)
    assert "Speed to lead" in shown and "Fastest" in shown


async def test_digest_json_has_first_touch(deps: Deps) -> None:
    await add_team(deps)
    await add_lead(deps, "Quick", handed_off_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    output = await digest_now(deps, None, team=None, dry_run=False, as_json=True)
    speed = json.loads(output.text)[TEAM]["first_touch"]
    assert speed["untouched"] == 1 and speed["median_business_minutes"] is None
    assert set(speed) >= {
        "median_business_minutes",
        "p90_business_minutes",
        "within_sla_share",
        "untouched",
        "changes",
    }


async def test_first_touch_is_a_shared_goal_on_the_chart(deps: Deps) -> None:
    await add_team(deps)
    rng = random.Random(7)
    period = week_ending(deps.clock.now(), UTC)
    await _seed(deps, period.before().start, 10, rng)
    seeded = await _seed(deps, period.start, 12, rng)
    figures = await digest_figures(deps, TEAM, period)
    [goal] = [g for g in figures.goals if g.name == "first_touch_minutes"]
    median = _expected(seeded, period.end)["median_business_minutes"]
    assert goal.value == median and goal.target == 60.0
    assert goal.on_track is (median <= 60)
    data = chart_data(figures, await goal_trend(deps, figures))
    assert data.first_touch[-1] == median and data.first_touch_target == 60.0
    assert (
        data.first_touch[-2]
        == figures.first_touch["median_business_minutes"]
        - (figures.first_touch["changes"]["median_business_minutes"])
    )
    assert "Median first touch in business minutes" in alt_text(data)
    assert render_chart(data).startswith(b"\x89PNG")
    assert "Median first touch: *" in texts_of(render_digest(figures).blocks)
