"""Shared goals in the digest: the section, `--json`'s goals, and the chart in the thread."""

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.job_commands import digest_now
from bot.demo.slack_standin import SlackStandIn, block_kit_errors
from bot.deps import Deps
from bot.settings import SettingsError, load_settings
from handlers.views.digest_blocks import chart_data, render_digest
from handlers.views.goal_chart import render_chart
from jobs.digest import compute_digest, digest_figures, goal_trend, post_digest
from jobs.post_once import Outcome
from storage.goal_targets import GoalTargets
from storage.schedules import week_ending
from tests.factories import TEAM
from tests.helpers import job_client, no_sleep, texts_of, with_settings
from tests.test_goal_chart import png_size
from tests.test_goal_series import END, UTC_ZONE, seed_three_weeks

DIGEST_CHANNEL = "C0DIGEST"
PERIOD = week_ending(END, UTC_ZONE)


async def test_goals_this_week_against_last_week(deps: Deps) -> None:
    await seed_three_weeks(deps)
    async with deps.sessions() as session:
        figures = await compute_digest(
            session, TEAM, PERIOD, stale_after_days=3, zone=UTC_ZONE, goals=GoalTargets()
        )
    goals = figures.as_json()["goals"]
    # The last two weeks of tests/test_goal_series.py's hand count.
    assert goals == [
        {"name": "coverage", "value": pytest.approx(2 / 3), "target": 0.8,
         "on_track": False, "previous": 1.0},
        {"name": "junk_share", "value": pytest.approx(2 / 3), "target": 0.1,
         "on_track": False, "previous": 0.25},
        {"name": "time_to_first_feedback_hours", "value": 12.0, "target": 48.0,
         "on_track": True, "previous": 10.0},
        {"name": "preview_reaction_rate", "value": pytest.approx(2 / 3), "target": 0.5,
         "on_track": True, "previous": None},
        # Feedback seeded straight into the table is nobody's first touch.
        {"name": "first_touch_minutes", "value": None, "target": 60.0,
         "on_track": None, "previous": None},
    ]  # fmt: skip
    trend = await goal_trend(deps, figures)
    assert len(trend.week_ending) == 12 and trend.week_ending[-1] == "2026-11-23"
    assert trend.series["coverage"][-3:] == pytest.approx([0.5, 1.0, 2 / 3])

    message = render_digest(figures)
    assert block_kit_errors(message.blocks, surface="message") == []
    shown = texts_of(message.blocks)
    assert "*:dart: Shared goals*" in shown
    assert (
        ":warning: Feedback coverage: *67%* · target ≥ 80% · off track · ▼ 33 pts on last week"
        in shown
    )
    assert ":white_check_mark: Median time to first feedback: *12 h* · target ≤ 48 h" in shown
    assert "on track · ▲ 2 h on last week" in shown
    assert "Previews with 3+ sales reactions: *67%* · target ≥ 50% · on track" in shown


async def test_switched_off_goals_are_left_out(deps: Deps) -> None:
    await seed_three_weeks(deps)
    off = with_settings(deps, goal_junk_share=None, goal_preview_reactions=None)
    figures = await digest_figures(off, TEAM, PERIOD)
    assert [g.name for g in figures.goals] == [
        "coverage",
        "time_to_first_feedback_hours",
        "first_touch_minutes",
    ]
    assert "Junk share" not in texts_of(render_digest(figures).blocks)
    assert chart_data(figures, await goal_trend(off, figures)).junk_target is None


def test_goal_targets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADLOOP_GOAL_COVERAGE", "75%")
    monkeypatch.setenv("LEADLOOP_GOAL_JUNK_SHARE", "off")
    monkeypatch.setenv("LEADLOOP_GOAL_FIRST_FEEDBACK_HOURS", "24h")
    settings = load_settings()
    assert (settings.goal_coverage, settings.goal_junk_share) == (0.75, None)
    assert (settings.goal_first_feedback_hours, settings.goal_preview_reactions) == (24.0, 0.5)
    monkeypatch.setenv("LEADLOOP_GOAL_COVERAGE", "180")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (
        "LEADLOOP_GOAL_COVERAGE is malformed: use a percentage such as 80 or 80%, a fraction "
        "below 1 such as 0.8, or off."
    )


@pytest.fixture
def digest_deps(deps: Deps) -> Deps:
    return with_settings(deps, digest_channels=(DIGEST_CHANNEL,))


async def test_the_chart_is_uploaded_once_in_the_digest_thread(
    digest_deps: Deps, standin: SlackStandIn
) -> None:
    await seed_three_weeks(digest_deps)
    client = job_client(digest_deps)
    result = await post_digest(digest_deps, client, TEAM, PERIOD, sleep=no_sleep)
    again = await post_digest(digest_deps, client, TEAM, PERIOD, sleep=no_sleep)

    assert result.outcome is Outcome.POSTED and again.outcome is Outcome.NOT_OURS
    [digest] = standin.messages(DIGEST_CHANNEL, replies=False)
    [asked] = standin.calls_to("files.getUploadURLExternal")
    [completed] = standin.calls_to("files.completeUploadExternal")
    figures = await digest_figures(digest_deps, TEAM, PERIOD)
    png = render_chart(chart_data(figures, await goal_trend(digest_deps, figures)))
    file_id = completed.response["files"][0]["id"]
    assert standin.uploads == {file_id: len(png)}
    assert int(asked.params["length"]) == len(png) and asked.params["filename"].endswith(".png")
    assert "feedback coverage went from" in asked.params["alt_txt"]
    assert completed.params["channel_id"] == DIGEST_CHANNEL
    assert completed.params["thread_ts"] == digest["ts"] == result.ts
    assert completed.params["files"][0]["title"] == "Shared goals, week ending Mon 23 Nov 2026"
    methods = [c.method for c in standin.calls]
    assert methods.index("chat.postMessage") < methods.index("files.getUploadURLExternal")


@pytest.mark.parametrize("method", ["files.getUploadURLExternal", "files.completeUploadExternal"])
async def test_a_failed_upload_leaves_the_digest_posted_once(
    digest_deps: Deps, standin: SlackStandIn, caplog: pytest.LogCaptureFixture, method: str
) -> None:
    await seed_three_weeks(digest_deps)
    standin.fail_next(method, status=200, error="internal_error", times=5)
    client = job_client(digest_deps)
    result = await post_digest(digest_deps, client, TEAM, PERIOD, sleep=no_sleep)
    again = await post_digest(digest_deps, client, TEAM, PERIOD, sleep=no_sleep)

    assert result.outcome is Outcome.POSTED and again.outcome is Outcome.NOT_OURS
    assert len(standin.messages(DIGEST_CHANNEL, replies=False)) == 1
    assert len(standin.calls_to(method)) == 2  # two tries, then the digest stands alone
    assert "digest chart for team" in caplog.text and "was not uploaded" in caplog.text
    assert "internal_error" in caplog.text


async def test_an_upload_that_fails_once_is_retried_and_lands_once(
    digest_deps: Deps, standin: SlackStandIn
) -> None:
    await seed_three_weeks(digest_deps)
    standin.fail_next("files.completeUploadExternal", status=200, error="internal_error")
    await post_digest(digest_deps, job_client(digest_deps), TEAM, PERIOD, sleep=no_sleep)
    assert len(standin.messages(DIGEST_CHANNEL, replies=False)) == 1
    ok = [c for c in standin.calls_to("files.completeUploadExternal") if c.response["ok"]]
    assert len(ok) == 1


@pytest.mark.parametrize("how", ["500", "drop"])
async def test_a_chart_slack_shared_before_failing_is_shared_once(
    digest_deps: Deps, standin: SlackStandIn, how: str
) -> None:
    await seed_three_weeks(digest_deps)
    if how == "500":
        standin.fail_next("files.completeUploadExternal", status=500, after_effect=True)
    else:
        standin.drop_next("files.completeUploadExternal")
    result = await post_digest(digest_deps, job_client(digest_deps), TEAM, PERIOD, sleep=no_sleep)

    [digest, chart] = standin.messages(DIGEST_CHANNEL)
    assert result.outcome is Outcome.POSTED and chart["thread_ts"] == digest["ts"]
    assert len(standin.calls_to("files.completeUploadExternal")) == 1
    [looked] = standin.calls_to("conversations.replies")
    assert looked.params["ts"] == digest["ts"]


async def test_digest_dry_run_writes_the_chart_and_json_lists_the_goals(
    deps: Deps, tmp_path: Path
) -> None:
    await seed_three_weeks(deps)
    chart = tmp_path / "goals.png"
    output = await digest_now(deps, None, team=TEAM, dry_run=True, as_json=False, chart=chart)
    assert output.status == 0 and f"Chart written to {chart}" in output.text
    assert "Shared goals" in output.text
    assert png_size(chart.read_bytes()) == (1200, 900)
    as_json = await digest_now(deps, None, team=TEAM, dry_run=False, as_json=True)
    goals = json.loads(as_json.text)[TEAM]["goals"]
    assert [g["name"] for g in goals] == [
        "coverage",
        "junk_share",
        "time_to_first_feedback_hours",
        "preview_reaction_rate",
        "first_touch_minutes",
    ]
    assert set(goals[0]) == {"name", "value", "target", "on_track", "previous"}


def test_chart_needs_a_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["digest", "--now", "--chart", "goals.png"]) == 2
    assert "add --dry-run" in capsys.readouterr().err
