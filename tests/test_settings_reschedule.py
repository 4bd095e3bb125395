"""Settings saved in the App Home reach the scheduler and the digest without a restart."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.scheduler import ScheduledJobs, Scheduler
from jobs.digest import post_digest
from jobs.post_once import Outcome
from storage.reactions import record_reaction
from storage.schedules import week_ending
from storage.vocabulary import ReactionKind
from tests.factories import TEAM, app_home_opened
from tests.helpers import (
    add_campaign,
    add_lead,
    add_team,
    job_client,
    no_sleep,
    texts_of,
    with_settings,
)
from tests.test_settings_modal import ADMIN, app_with, published, submission


async def test_an_admin_moves_the_digest_and_the_scheduler_follows_at_once(
    deps: Deps, standin: SlackStandIn
) -> None:
    await add_team(deps)
    scheduler = Scheduler(deps.clock)
    jobs = ScheduledJobs(scheduler, deps, job_client(deps), sleep=no_sleep)
    await jobs.start()
    try:
        before = scheduler.next_run_time(f"digest:{TEAM}")
        assert before == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 09:00 UTC default
        standin.add_user(ADMIN, is_admin=True)
        wired = replace(deps, on_settings_saved=jobs.reschedule_team)
        async with app_with(wired, standin) as slack:
            await slack.interact(submission(day="fri", digest_time="16:30"))
            await published(standin)
        # Friday 16:30 in Berlin is 15:30 UTC: the very next run, with no restart.
        assert scheduler.next_run_time(f"digest:{TEAM}") == datetime(
            2026, 11, 27, 15, 30, tzinfo=UTC
        )
    finally:
        await jobs.stop()


async def test_settings_saved_by_another_process_reach_the_scheduler_within_a_minute(
    deps: Deps, standin: SlackStandIn
) -> None:
    """Under `serve --workers` only worker 0 schedules; an admin's save may reach worker 1."""
    await add_team(deps)
    scheduler = Scheduler(deps.clock)
    jobs = ScheduledJobs(scheduler, deps, job_client(deps), sleep=no_sleep)
    await jobs.start()
    try:
        standin.add_user(ADMIN, is_admin=True)
        async with app_with(deps, standin) as other_worker:  # no scheduler of its own
            await other_worker.interact(submission(day="fri", digest_time="16:30"))
            await published(standin)
        assert scheduler.next_run_time(f"digest:{TEAM}") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        assert scheduler.next_run_time("teams:follow") == deps.clock.now() + timedelta(minutes=1)
        await jobs.follow_schedules()
        assert scheduler.next_run_time(f"digest:{TEAM}") == datetime(
            2026, 11, 27, 15, 30, tzinfo=UTC
        )
    finally:
        await jobs.stop()


async def test_the_digest_goes_once_to_each_chosen_channel(
    deps: Deps, standin: SlackStandIn
) -> None:
    await add_team(deps)
    standin.add_user(ADMIN, is_admin=True)
    async with app_with(deps, standin) as slack:
        await slack.interact(submission(channels=("C0ONE", "C0TWO")))
        await published(standin)
    period = week_ending(deps.clock.now(), UTC)
    client = job_client(deps)
    for _ in range(2):
        await post_digest(deps, client, TEAM, period, sleep=no_sleep)
    assert (
        len(standin.messages("C0ONE", replies=False)) == 1
        and len(standin.messages("C0TWO", replies=False)) == 1
    )


async def test_the_digest_counts_sales_reactions_to_upcoming_campaigns(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = with_settings(deps, digest_channels=("C0DIGEST",))
    await add_team(deps)
    launch = deps.clock.now().date() + timedelta(days=5)
    campaign_id = await add_campaign(deps, "Spring Push", launch_date=launch)
    async with deps.sessions.begin() as session:
        for user, kind in (("U0A", "ready"), ("U0B", "ready"), ("U0C", "question")):
            await record_reaction(
                session=session,
                team_id=TEAM,
                campaign_id=campaign_id,
                user_id=user,
                kind=ReactionKind(kind),
                comment="when?",
                now=deps.clock.now(),
            )
    await add_lead(deps, "Busy Week", handed_off_at=deps.clock.now() - timedelta(days=2))
    period = week_ending(deps.clock.now(), UTC)
    await post_digest(deps, job_client(deps), TEAM, period, sleep=no_sleep)
    [message] = standin.messages("C0DIGEST", replies=False)
    text = str(message["blocks"])
    assert "Spring Push" in text and "2 ready" in text and "1 question" in text


async def test_a_failed_digest_shows_on_everyones_home(deps: Deps, standin: SlackStandIn) -> None:
    deps = with_settings(deps, digest_channels=("G0PRIVATE",))
    await add_team(deps)
    await add_lead(deps, "Someone", handed_off_at=deps.clock.now() - timedelta(days=1))
    standin.bot_not_in("G0PRIVATE")  # a private channel: the bot cannot join it by itself
    period = week_ending(deps.clock.now(), UTC)
    result = await post_digest(deps, job_client(deps), TEAM, period, sleep=no_sleep)
    assert result.outcome is Outcome.FAILED
    async with app_with(deps, standin) as slack:
        await slack.event(app_home_opened(user="U0ANYONE"))
        view = await published(standin)
    shown = texts_of(view["blocks"])
    assert ":warning: The last digest run failed" in shown and "not_in_channel" in shown
    assert "An admin can fix it in Settings." in shown


async def test_the_digest_joins_a_public_channel_it_is_not_in(
    deps: Deps, standin: SlackStandIn
) -> None:
    deps = with_settings(deps, digest_channels=("C0PUBLIC",))
    await add_team(deps)
    await add_lead(deps, "Someone", handed_off_at=deps.clock.now() - timedelta(days=1))
    standin.bot_not_in("C0PUBLIC")
    await post_digest(deps, job_client(deps), TEAM, week_ending(deps.clock.now(), UTC))
    assert [c.params["channel"] for c in standin.calls_to("conversations.join")] == ["C0PUBLIC"]
    assert len(standin.messages("C0PUBLIC", replies=False)) == 1
