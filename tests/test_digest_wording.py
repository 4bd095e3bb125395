"""The digest reads like a person wrote it: numbers, plurals, durations, dates, reason labels,
each campaign once, and a chart that agrees with the text."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from handlers.views.digest_blocks import chart_data, render_digest
from handlers.views.goal_blocks import goal_figure
from handlers.views.goal_chart import alt_text
from jobs.digest import attach_chart, digest_figures, post_digest
from storage.digest import StaleFigures, UpcomingFigures
from storage.goal_targets import Goal
from storage.goals import GoalStatus, GoalTrend
from storage.schedules import week_ending
from tests.factories import TEAM
from tests.helpers import (
    add_campaign,
    add_feedback,
    add_lead,
    add_team,
    job_client,
    no_sleep,
    texts_of,
    with_settings,
)
from tests.test_digest import DIGEST_CHANNEL, E, S, figures_with

DAY = timedelta(days=1)


def campaign(name: str, *, leads: int, rated: int, hot: int = 0, junk: int = 0,
             reason: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A by_campaign row as compute_digest writes it."""
    return {"campaign": name, "slug": name.lower().replace(" ", "-"), "leads": leads,
            "with_feedback": rated, "hot": hot, "warm": 0, "cold": rated - hot - junk,
            "junk": junk, "top_reason": reason}  # fmt: skip


def shown(**overrides: Any) -> str:
    return texts_of(render_digest(figures_with(**overrides)).blocks)


def test_big_numbers_have_thousands_separators() -> None:
    figures = figures_with(
        leads_handed_over=12_345,
        leads_with_feedback=1_001,
        coverage=1_001 / 12_345,
        feedback_count=2_345,
        ratings={"hot": 1_200, "warm": 0, "cold": 5, "junk": 1_140},
        by_campaign=[campaign("Webinar", leads=1_500, rated=1_400, hot=1_200, reason="budget")],
        top_reasons=[{"reason": "budget", "count": 1_100}],
        stale=StaleFigures(4_321, [{"owner": "U0ONE", "count": 1_000}]),
        feedback_leaders=[{"author": "U0ONE", "count": 2_000}],
        changes={"leads_handed_over": 1_100, "feedback_count": -1_500},
    )
    message = render_digest(figures)
    text = texts_of(message.blocks)
    assert "*12,345* leads handed over to sales (▲ 1,100 on the week before)" in text
    assert "*1,001* of them have feedback" in text
    assert "*2,345* pieces of feedback given (▼ 1,500 on the week before)" in text
    assert "1,200 hot" in text and "1,140 junk" in text
    assert "1,500 leads, 1,400 rated" in text
    assert "Budget: 1,100" in text
    assert "4,321 stale leads" in text and "(1,000)" in text and "2,000" in text
    assert message.text.startswith("Weekly lead digest: 12,345 leads handed over")
    assert "4,321 stale leads" in message.text


def test_one_of_a_kind_is_singular_and_more_are_plural() -> None:
    one = shown(
        leads_handed_over=1,
        leads_with_feedback=1,
        coverage=1.0,
        feedback_count=1,
        ratings={"hot": 1, "warm": 0, "cold": 0, "junk": 0},
        by_campaign=[campaign("Webinar", leads=1, rated=1, hot=1)],
        upcoming=[
            UpcomingFigures(
                1, "Summit", "summit", "2026-11-30", {"ready": 1, "question": 1, "concern": 1}
            )
        ],  # fmt: skip
        stale=StaleFigures(1, [{"owner": "U0ONE", "count": 1}]),
        escalations=[
            {
                "lead_id": 1,
                "title": "Ada",
                "owner": "U0ONE",
                "nudge_count": 1,
                "escalated_at": E - DAY,
            }
        ],  # fmt: skip
        escalations_total=1,
    )
    assert "*1* lead handed over to sales" in one
    assert "*1* of them has feedback" in one
    assert "*1* piece of feedback given" in one
    assert "1 lead, 1 rated" in one
    assert "1 ready to sell · 1 question · 1 concern" in one
    assert "1 stale lead*" in one and "1 nudge unanswered" in one
    two = shown(
        leads_handed_over=2,
        leads_with_feedback=2,
        coverage=1.0,
        feedback_count=2,
        upcoming=[
            UpcomingFigures(1, "Summit", "summit", "2026-11-30", {"question": 2, "concern": 2})
        ],  # fmt: skip
    )
    assert "*2* leads handed over" in two and "*2* of them have feedback" in two
    assert "*2* pieces of feedback given" in two and "2 questions · 2 concerns" in two


def test_a_quiet_week_counts_its_stale_leads_in_words() -> None:
    quiet = shown(leads_handed_over=0, coverage=None, stale=StaleFigures(1, []))
    assert "1 open lead is stale." in quiet
    many = shown(leads_handed_over=0, coverage=None, stale=StaleFigures(1_200, []))
    assert "1,200 open leads are stale." in many


def status(goal: Goal, value: float, target: float, previous: float | None) -> GoalStatus:
    return GoalStatus(goal.value, value, target, value <= target, previous)


def test_durations_past_48_hours_read_in_days() -> None:
    hours = Goal.TIME_TO_FIRST_FEEDBACK
    assert [goal_figure(hours, h) for h in (4.4, 12, 48, 72, 60, 100)] == [
        "4.4 h", "12 h", "48 h", "3 days", "2.5 days", "4.2 days"
    ]  # fmt: skip
    text = shown(goals=[status(hours, 72.0, 48.0, 30.0)])
    assert "Median time to first feedback: *3 days* · target ≤ 48 h" in text
    assert "▲ 42 h on last week" in text
    text = shown(goals=[status(hours, 24.0, 48.0, 120.0)])
    assert "▼ 4 days on last week" in text
    assert "72 h" not in shown(goals=[status(hours, 72.0, 48.0, None)])


def test_dates_read_like_mon_7_dec_in_the_teams_time_zone() -> None:
    text = shown(
        timezone="America/New_York",
        upcoming=[UpcomingFigures(1, "Winter Launch", "winter", "2026-12-07", {})],
        escalations=[
            {
                "lead_id": 1,
                "title": "Ada",
                "owner": None,
                "nudge_count": 3,
                # Sunday 03:00 UTC is still Saturday evening in New York.
                "escalated_at": datetime(2026, 11, 22, 3, 0, tzinfo=UTC),
            }
        ],  # fmt: skip
        escalations_total=1,
    )
    # 09:00 UTC is 04:00 in New York in November.
    assert "Mon 16 Nov 04:00 to Mon 23 Nov 04:00 (America/New_York)" in text
    assert "• Mon 7 Dec: *Winter Launch*" in text
    assert "unanswered since Sat 21 Nov" in text
    assert "<!date^" not in text and "2026-12-07" not in text


def test_reasons_show_their_labels_not_their_codes() -> None:
    text = shown(
        by_campaign=[campaign("Webinar", leads=3, rated=3, junk=2, reason="existing-customer")],
        top_reasons=[
            {"reason": "wrong-persona", "count": 2},
            {"reason": "no-response", "count": 1},
        ],
    )
    assert "• Wrong persona: 2" in text and "• No response: 1" in text
    assert "top reason: Existing customer" in text
    assert "wrong-persona" not in text and "existing-customer" not in text


def test_each_campaign_is_listed_once_where_it_did_most() -> None:
    text = shown(
        by_campaign=[
            campaign("Mostly Hot", leads=6, rated=5, hot=3, junk=1),
            campaign("Mostly Junk", leads=6, rated=5, hot=1, junk=4),
            campaign("Even", leads=4, rated=4, hot=2, junk=2),
            campaign("Only Junk", leads=2, rated=2, junk=2),
        ]
    )
    hot_part, junk_part = text.split("Campaigns that brought junk")
    for name in ("Mostly Hot", "Mostly Junk", "Even", "Only Junk"):
        assert text.count(f"*{name}*") == 1
    assert "*Mostly Hot*" in hot_part and "*Even*" in hot_part
    assert "*Mostly Junk*" in junk_part and "*Only Junk*" in junk_part


def twelve_weeks(junk: list[float | None]) -> GoalTrend:
    ends = [date(2026, 11, 23) - timedelta(weeks=back) for back in reversed(range(12))]
    return GoalTrend(
        week_ending=[d.isoformat() for d in ends],
        series={"coverage": [0.5] * 12, "junk_share": junk},
        targets={"coverage": 0.8, "junk_share": 0.1},
    )


def test_the_chart_shows_the_digest_junk_share_of_the_same_week() -> None:
    # 2 junk of 3 rated leads: 66.7%, which the digest rounds to 67%.
    figures = figures_with(
        ratings={"hot": 1, "warm": 0, "cold": 0, "junk": 2},
        feedback_count=3,
        goals=[GoalStatus("junk_share", 2 / 3, 0.1, False, 0.3)],
    )
    line = "Junk share of rated leads: *67%*"
    assert line in texts_of(render_digest(figures).blocks)
    # A trend whose latest week was counted apart, or not at all: the chart follows the digest.
    for latest in (0.5, None):
        data = chart_data(figures, twelve_weeks([0.3] * 11 + [latest]))
        assert data.junk_share[-1] == pytest.approx(2 / 3)
        assert data.week_labels[-1] == "23 Nov"
        assert "junk share of rated leads went from 30% to 67% this week" in alt_text(data)


def test_alt_text_says_when_this_week_has_no_figure() -> None:
    figures = figures_with(leads_handed_over=0, coverage=None, feedback_count=1)
    data = chart_data(figures, twelve_weeks([0.3] * 11 + [0.2]))
    assert data.coverage[-1] is None and data.junk_share[-1] is None
    described = alt_text(data)
    assert "junk share of rated leads: no data this week" in described
    assert "to 20%" not in described and "to 30%" not in described


async def test_an_empty_chart_is_not_posted(deps: Deps, standin: SlackStandIn) -> None:
    await add_team(deps)
    figures = figures_with(leads_handed_over=0, coverage=None, feedback_count=1)
    await attach_chart(
        deps, job_client(deps), figures, week_ending(E, ZoneInfo("UTC")), [("C0X", "1.0")],
        sleep=no_sleep,
    )  # fmt: skip
    assert standin.calls_to("files.getUploadURLExternal") == []


async def test_a_small_week_posted_to_slack_reads_like_a_person_wrote_it(
    deps: Deps, standin: SlackStandIn
) -> None:
    team_deps = with_settings(deps, digest_channels=(DIGEST_CHANNEL,), timezone="Europe/Berlin")
    await add_team(team_deps)
    webinar = await add_campaign(team_deps, "Spring Webinar", launch_date=date(2026, 10, 1))
    await add_campaign(team_deps, "Summit", launch_date=date(2026, 12, 3))
    ada = await add_lead(team_deps, "Ada", handed_off_at=S + DAY, campaign_id=webinar)
    await add_feedback(team_deps, ada, "hot", at=S + 2 * DAY)
    bob = await add_lead(team_deps, "Bob", handed_off_at=S + DAY, campaign_id=webinar)
    await add_feedback(team_deps, bob, "junk", at=S + 2 * DAY, reason="wrong-persona")
    period = week_ending(E, ZoneInfo("Europe/Berlin"))
    await post_digest(team_deps, job_client(team_deps), TEAM, period, sleep=no_sleep)

    [posted] = standin.messages(DIGEST_CHANNEL, replies=False)
    text = texts_of(posted["blocks"])
    assert "*2* leads handed over to sales" in text
    assert "*2* of them have feedback" in text
    assert "*2* pieces of feedback given" in text
    assert "Mon 16 Nov 10:00 to Mon 23 Nov 10:00 (Europe/Berlin)" in text
    assert "• Thu 3 Dec: *Summit*" in text
    assert "• Wrong persona: 1" in text
    assert text.count("*Spring Webinar*") == 1
    figures = await digest_figures(team_deps, TEAM, period)
    [asked] = standin.calls_to("files.getUploadURLExternal")
    assert figures.junk_share == pytest.approx(0.5)
    assert "Junk share of rated leads: *50%*" in text
    assert "junk share of rated leads: 50% this week" in asked.params["alt_txt"]
