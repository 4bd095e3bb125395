"""Posts Slack took although the call failed are found, not posted again: the digest, a nudge
DM and a campaign preview each reach Slack once after "posted, then 500", "posted, then the
connection dropped", and a claimant that died between the post and recording it."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.slack_client import SERVER_ERROR_RETRIES
from jobs import post_once
from jobs.digest import digest_claim_job, post_digest
from jobs.nudges import post_nudges
from jobs.post_once import DEFAULT_RETRY, Outcome, PostResult
from storage.claims import get_claim
from storage.models import Campaign, LeadNudge
from storage.schedules import week_ending
from tests.factories import CHANNEL, REP, TEAM, SlackDriver
from tests.helpers import add_lead, add_team, all_rows, job_client, no_sleep, with_settings
from tests.test_campaign_preview import MARKETER, submit_campaign, wait_until

DIGEST_CHANNEL = "C0DIGEST"
WEEK_END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SHARED = "C0SHARED"


def posted_then_fails(standin: SlackStandIn, how: str) -> None:
    """Make Slack's next chat.postMessage land, then answer 500 or hang up."""
    if how == "500":
        standin.fail_next("chat.postMessage", status=500, after_effect=True)
    else:
        standin.drop_next("chat.postMessage")


FAILURES = pytest.mark.parametrize("how", ["500", "drop"])


@pytest.fixture
def digest_deps(deps: Deps) -> Deps:
    return with_settings(deps, digest_channels=(DIGEST_CHANNEL,))


async def _digest(deps: Deps) -> PostResult:
    period = week_ending(WEEK_END, deps.settings.team_defaults.zone)
    return await post_digest(deps, job_client(deps), TEAM, period, sleep=no_sleep)


@FAILURES
async def test_a_digest_slack_took_before_failing_is_posted_once(
    digest_deps: Deps, standin: SlackStandIn, how: str
) -> None:
    await add_team(digest_deps)
    posted_then_fails(standin, how)

    result = await _digest(digest_deps)

    assert result.outcome is Outcome.POSTED
    [digest] = standin.messages(DIGEST_CHANNEL)
    assert result.ts == digest["ts"]
    assert digest["metadata"]["event_type"] == "leadloop_post"
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert (await _digest(digest_deps)).outcome is Outcome.NOT_OURS
    assert len(standin.messages(DIGEST_CHANNEL)) == 1


async def test_when_slack_cannot_say_at_once_the_retry_looks_before_posting(
    digest_deps: Deps, standin: SlackStandIn
) -> None:
    await add_team(digest_deps)
    posted_then_fails(standin, "500")
    # 503s beyond the client's own retries: the lookup after the failure cannot tell.
    standin.fail_next("conversations.history", status=503, times=SERVER_ERROR_RETRIES + 1)

    result = await _digest(digest_deps)

    assert result.outcome is Outcome.POSTED
    [digest] = standin.messages(DIGEST_CHANNEL)
    assert result.ts == digest["ts"]
    assert len(standin.calls_to("chat.postMessage")) == 1
    # Looked at once (Slack could not answer), then again before the retry would post.
    statuses = [c.status for c in standin.calls_to("conversations.history")]
    assert statuses == [503] * (SERVER_ERROR_RETRIES + 1) + [200]


@FAILURES
async def test_a_nudge_dm_slack_took_before_failing_is_sent_once(
    deps: Deps, standin: SlackStandIn, how: str
) -> None:
    nudging = with_settings(deps, shared_channel=SHARED)
    await add_team(nudging)
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    await add_lead(nudging, "Old lead", handed_off_at=now - timedelta(days=10), owner=REP)
    posted_then_fails(standin, how)

    report = await post_nudges(nudging, job_client(nudging), TEAM, now=now, sleep=no_sleep)

    assert report.owners_nudged == 1 and report.errors == []
    assert len(standin.messages(REP)) == 1
    [nudge] = await all_rows(nudging, LeadNudge)
    assert nudge.nudge_count == 1


@FAILURES
async def test_a_campaign_preview_slack_took_before_failing_is_posted_once(
    slack: SlackDriver, deps: Deps, how: str
) -> None:
    posted_then_fails(slack.standin, how)

    await submit_campaign(slack)

    await wait_until(lambda: slack.standin.messages(MARKETER), "the marketer's DM")
    [preview] = slack.standin.messages(CHANNEL)
    [campaign] = await all_rows(deps, Campaign)
    assert campaign.message_ts == preview["ts"]
    [dm] = slack.standin.messages(MARKETER)
    assert "is up in <#C0SALES>" in dm["text"]


async def test_a_lapsed_lease_whose_post_went_through_is_not_posted_again(
    digest_deps: Deps, standin: SlackStandIn, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_team(digest_deps)

    async def die(**_kwargs: object) -> None:
        raise SystemExit("the process died after Slack took the post")

    with monkeypatch.context() as patched:
        patched.setattr(post_once, "mark_posted", die)
        with pytest.raises(SystemExit):
            await _digest(digest_deps)
    [digest] = standin.messages(DIGEST_CHANNEL)

    clock.advance(DEFAULT_RETRY.lease + timedelta(seconds=1))
    result = await _digest(digest_deps)

    assert result.outcome is Outcome.POSTED and result.ts == digest["ts"]
    assert standin.messages(DIGEST_CHANNEL) == [digest]
    period = week_ending(WEEK_END, digest_deps.settings.team_defaults.zone)
    async with digest_deps.sessions() as session:
        claim = await get_claim(
            session=session, team_id=TEAM, job=digest_claim_job(DIGEST_CHANNEL), period=period.key
        )
    assert claim is not None and claim.message_ts == digest["ts"]
