"""The shared goals' weekly series: a three-week history counted by hand, one query per goal."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from bot.deps import Deps
from storage.goal_series import launch_days, one_goal_series
from storage.goal_targets import Goal
from storage.models import Campaign, CampaignReactionEvent
from storage.schedules import weeks_ending
from tests.factories import TEAM
from tests.helpers import add_feedback, add_lead, add_team

UTC_ZONE = ZoneInfo("UTC")
# Three digest weeks, Mondays 09:00 UTC: [W0, W1), [W1, W2), [W2, END).
W0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
W1, W2, END = W0 + timedelta(days=7), W0 + timedelta(days=14), W0 + timedelta(days=21)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
MARKETER = "U0MKT"


async def add_preview(
    deps: Deps, slug: str, launch: date, reactions: list[tuple[str, datetime]], *, posted: bool
) -> None:
    """A campaign launching on launch, its preview posted or not, with reaction history."""
    async with deps.sessions.begin() as session:
        campaign = Campaign(team_id=TEAM, name=slug, slug=slug, launch_date=launch,
                            owner=MARKETER, created_at=W0 - 30 * DAY,
                            channel_id="C0SHARED" if posted else None,
                            message_ts=f"17000.{slug}" if posted else None)  # fmt: skip
        session.add(campaign)
        await session.flush()
        session.add_all(
            CampaignReactionEvent(
                team_id=TEAM,
                campaign_id=campaign.id or 0,
                user_id=user,
                kind="ready",
                created_at=at,
            )
            for user, at in reactions
        )


async def goal_series(
    *, session: Any, team_id: str, weeks: list[tuple[datetime, datetime]], zone: ZoneInfo
) -> dict[Goal, list[float | None]]:
    """Every goal's weekly series, as the digest and the chart read them one goal at a time."""
    return {
        goal: await one_goal_series(goal, session=session, team_id=team_id, weeks=weeks, zone=zone)
        for goal in Goal
    }


async def seed_three_weeks(deps: Deps) -> None:
    """Each week's figures are worked out next to the leads that make them."""
    await add_team(deps)
    # Week 0: A, B, C, D handed over; A (12 h) and B (36 h) rated in the week, D next week.
    a = await add_lead(deps, "A", handed_off_at=W0 + DAY)
    await add_feedback(deps, a, "hot", at=W0 + DAY + 12 * HOUR)
    b = await add_lead(deps, "B", handed_off_at=W0 + DAY)
    await add_feedback(deps, b, "junk", at=W0 + DAY + 36 * HOUR)
    await add_lead(deps, "C", handed_off_at=W0 + 2 * DAY)
    d = await add_lead(deps, "D", handed_off_at=W0 + 2 * DAY)
    # Week 1: D first rated (144 h after hand-off), B re-rated hot, E (2 h) and F (10 h) new.
    await add_feedback(deps, d, "warm", at=W1 + DAY)
    await add_feedback(deps, b, "hot", at=W1 + 2 * DAY)
    e = await add_lead(deps, "E", handed_off_at=W1)
    await add_feedback(deps, e, "junk", at=W1 + 2 * HOUR)
    f = await add_lead(deps, "F", handed_off_at=W1 + 3 * DAY)
    await add_feedback(deps, f, "cold", at=W1 + 3 * DAY + 10 * HOUR)
    # Week 2: E re-rated cold; G never rated; H warm then junk (4 h); I junk (20 h).
    await add_feedback(deps, e, "cold", at=W2 + DAY)
    await add_lead(deps, "G", handed_off_at=W2 + DAY)
    h = await add_lead(deps, "H", handed_off_at=W2 + DAY)
    await add_feedback(deps, h, "warm", at=W2 + DAY + 4 * HOUR)
    await add_feedback(deps, h, "junk", at=W2 + DAY + 5 * HOUR)
    i = await add_lead(deps, "I", handed_off_at=W2 + 2 * DAY)
    await add_feedback(deps, i, "junk", at=W2 + 2 * DAY + 20 * HOUR)
    # After the last week: counts nowhere.
    late = await add_lead(deps, "Late", handed_off_at=END)
    await add_feedback(deps, late, "junk", at=END + HOUR)
    # Another team's lead never counts.
    await add_team(deps, "T0OTHER")
    other = await add_lead(deps, "Other", handed_off_at=W2 + DAY, team_id="T0OTHER")
    await add_feedback(deps, other, "junk", at=W2 + DAY + HOUR, team_id="T0OTHER")

    before = datetime(2026, 11, 1, tzinfo=UTC)
    # Week 0 (2 to 8 Nov): p1 three reactions before launch; p2 only two (the owner's and a
    # launch-day reaction do not count).
    three = [("U0R1", before), ("U0R2", before), ("U0R3", before)]
    await add_preview(deps, "p1", date(2026, 11, 5), three, posted=True)
    await add_preview(deps, "p2", date(2026, 11, 7),
                      [("U0R1", before), ("U0R2", before), (MARKETER, before),
                       ("U0R3", datetime(2026, 11, 7, 10, tzinfo=UTC))], posted=True)  # fmt: skip
    # Week 1: the only campaign's preview was never posted.
    await add_preview(deps, "p3", date(2026, 11, 12), three, posted=False)
    # Week 2 (16 to 22 Nov): p4 one person three times and one more; p5 and p7 three or more.
    await add_preview(deps, "p4", date(2026, 11, 16),
                      [("U0R1", before), ("U0R1", before), ("U0R1", before),
                       ("U0R2", before)], posted=True)  # fmt: skip
    await add_preview(deps, "p5", date(2026, 11, 22), [*three, ("U0R4", before)], posted=True)
    await add_preview(deps, "p7", date(2026, 11, 20), three, posted=True)
    # Launching on the last week's end date: the next week's.
    await add_preview(deps, "p6", date(2026, 11, 23), [], posted=True)


async def test_three_weeks_counted_by_hand(deps: Deps) -> None:
    await seed_three_weeks(deps)
    weeks = [(p.start, p.end) for p in weeks_ending(END, UTC_ZONE, count=3)]
    assert weeks == [(W0, W1), (W1, W2), (W2, END)]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(deps.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with deps.sessions() as session:
            series = await goal_series(session=session, team_id=TEAM, weeks=weeks, zone=UTC_ZONE)
    finally:
        event.remove(deps.engine.sync_engine, "before_cursor_execute", count)

    assert len(statements) == 5, "one query per goal, whatever the number of weeks"
    # Week 0: A, B of A-D rated by its end; week 1: E, F both; week 2: H, I of G-I.
    assert series[Goal.COVERAGE] == pytest.approx([2 / 4, 2 / 2, 2 / 3])
    # Latest ratings of the leads rated in each week: A hot, B junk | D warm, E junk, F cold,
    # B hot | E cold, H junk, I junk.
    assert series[Goal.JUNK_SHARE] == pytest.approx([1 / 2, 1 / 4, 2 / 3])
    # First feedback in the week: 12 h, 36 h | 2 h, 10 h, 144 h | 4 h, 20 h.
    assert series[Goal.TIME_TO_FIRST_FEEDBACK] == pytest.approx([24.0, 10.0, 12.0])
    # p1 of p1, p2 | no posted preview | p5, p7 of p4, p5, p7.
    assert series[Goal.PREVIEW_REACTION_RATE] == [pytest.approx(1 / 2), None, pytest.approx(2 / 3)]
    # Feedback seeded straight into the table is nobody's first touch.
    assert series[Goal.FIRST_TOUCH_MINUTES] == [None, None, None]


async def test_twelve_empty_weeks_read_as_none(deps: Deps) -> None:
    await add_team(deps)
    weeks = [(p.start, p.end) for p in weeks_ending(END, UTC_ZONE, count=12)]
    async with deps.sessions() as session:
        series = await goal_series(session=session, team_id=TEAM, weeks=weeks, zone=UTC_ZONE)
    assert all(values == [None] * 12 for values in series.values())


def test_local_weeks_and_launch_days_follow_the_clock_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Mondays 09:00 in Berlin: 08:00 UTC in winter, 07:00 UTC in summer (clocks change 25 Oct).
    end = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    weeks = weeks_ending(end, berlin, count=2)
    assert [(p.start, p.end) for p in weeks] == [
        (datetime(2026, 10, 19, 7, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
        (datetime(2026, 10, 26, 8, 0, tzinfo=UTC), end),
    ]
    days = launch_days([(p.start, p.end) for p in weeks], berlin)
    assert [d for d, _, _ in days][0] == date(2026, 10, 19) and len(days) == 14
    assert days[6] == (date(2026, 10, 25), 0, datetime(2026, 10, 24, 22, 0, tzinfo=UTC))
    assert days[7] == (date(2026, 10, 26), 1, datetime(2026, 10, 25, 23, 0, tzinfo=UTC))
