"""GET /metrics: off unless switched on, behind a bearer token when one is set, and the
figures move with what the app does (requests, the outbox, Slack's errors, job runs)."""

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_bolt_app
from bot.clock import ManualClock
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.installation import install_workspace
from bot.scheduler import counted
from bot.settings import SettingsError, load_settings
from bot.slack_client import build_client
from bot.web import build_web_app
from jobs.nudges import NudgeReport
from jobs.post_once import Outcome, PostResult
from tests.factories import BOT_TOKEN, SlackDriver
from tests.helpers import with_settings

METRICS_TOKEN = "metrics-token-0123456789abcdef"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text page (0 when it is not there)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


@pytest.fixture
async def open_metrics(deps: Deps, standin: SlackStandIn) -> AsyncIterator[SlackDriver]:
    """The app with LEADLOOP_METRICS=1."""
    async with _served(with_settings(deps, metrics_enabled=True), standin) as driver:
        yield driver


@contextlib.asynccontextmanager
async def _served(deps: Deps, standin: SlackStandIn) -> AsyncIterator[SlackDriver]:
    """Signed requests through the real HTTP app built with these settings."""
    await install_workspace(deps)
    app = build_web_app(build_bolt_app(deps), deps)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://leadloop.test") as http:
        yield SlackDriver(http, standin)


async def scrape(driver: SlackDriver, **headers: str) -> str:
    """The /metrics page, asserting it was served."""
    response = await driver.http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_are_not_served_unless_switched_on(slack: SlackDriver) -> None:
    assert (await slack.http.get("/metrics")).status_code == 404


async def test_metrics_name_every_counter_the_operator_watches(open_metrics: SlackDriver) -> None:
    text = await scrape(open_metrics)
    for name in (
        "leadloop_http_requests_total",
        "leadloop_http_request_duration_seconds",
        "leadloop_job_runs_total",
        "leadloop_job_failures_total",
        "leadloop_webhook_outbox_depth",
        "leadloop_webhook_outbox_oldest_age_seconds",
        "leadloop_slack_api_errors_total",
        "leadloop_slack_rate_limited_total",
        "leadloop_leads_routed_total",
        "leadloop_leads_claimed_total",
        "leadloop_leads_breached_total",
    ):
        assert f"# TYPE {name} " in text, name
    exposed = {s.name for family in text_string_to_metric_families(text) for s in family.samples}
    # Routing's counters are there from the start, for dashboards (the routing tests move them).
    for name in ("routed", "claimed", "breached"):
        assert f"leadloop_leads_{name}_total" in exposed
    assert not any(name.endswith("_created") for name in exposed)


async def test_a_signed_slash_command_moves_the_request_counter_and_the_outbox(
    open_metrics: SlackDriver, clock: ManualClock
) -> None:
    slash = {"route": "/slack/events", "method": "POST", "status": "200"}
    before = await scrape(open_metrics)
    assert sample(before, "leadloop_webhook_outbox_depth") == 0
    response = await open_metrics.command("metrics@acme.com hot")
    assert response.status_code == 200
    clock.advance(timedelta(minutes=5))

    after = await scrape(open_metrics)
    counted_requests = "leadloop_http_requests_total"
    assert sample(after, counted_requests, **slash) == sample(before, counted_requests, **slash) + 1
    timed = "leadloop_http_request_duration_seconds_count"
    assert sample(after, timed, route="/slack/events") > sample(
        before, timed, route="/slack/events"
    )
    # The feedback's event waits in the outbox (no webhook URL is set) since 5 minutes.
    assert sample(after, "leadloop_webhook_outbox_depth") == 1
    assert sample(after, "leadloop_webhook_outbox_oldest_age_seconds") == 300


async def test_unknown_paths_share_one_label(open_metrics: SlackDriver) -> None:
    for path in ("/wp-login.php", "/.env", "/admin"):
        assert (await open_metrics.http.get(path)).status_code == 404
    text = await scrape(open_metrics)
    assert sample(text, "leadloop_http_requests_total", route="other", status="404") >= 3
    assert "/wp-login.php" not in text


async def test_a_token_guards_the_metrics(deps: Deps, standin: SlackStandIn) -> None:
    guarded = with_settings(
        deps, metrics_token=load_settings(metrics_token=METRICS_TOKEN).metrics_token
    )
    async with _served(guarded, standin) as driver:
        assert (await driver.http.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer not-the-metrics-token-at-all"}
        refused = await driver.http.get("/metrics", headers=wrong)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert "leadloop_" not in refused.text
        text = await scrape(driver, Authorization=f"Bearer {METRICS_TOKEN}")
        assert "leadloop_leads_routed_total" in text


def test_a_short_metrics_token_is_one_line() -> None:
    with pytest.raises(SettingsError, match="LEADLOOP_METRICS_TOKEN is malformed"):
        load_settings(metrics_token="short")


async def test_slack_rate_limits_and_errors_are_counted(
    open_metrics: SlackDriver, standin: SlackStandIn
) -> None:
    before = await scrape(open_metrics)
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url, backoff_factor=0.01)
    standin.fail_next("users.info", status=429, retry_after=0, times=2)
    assert (await client.users_info(user="U1"))["ok"]
    standin.fail_next("conversations.info", status=200, error="channel_not_found")
    with pytest.raises(Exception, match="channel_not_found"):
        await client.conversations_info(channel="C404")

    after = await scrape(open_metrics)
    limited = "leadloop_slack_rate_limited_total"
    assert (
        sample(after, limited, method="users.info")
        == sample(before, limited, method="users.info") + 2
    )
    errors = "leadloop_slack_api_errors_total"
    wrong = {"method": "conversations.info", "error": "channel_not_found"}
    assert sample(after, errors, **wrong) == sample(before, errors, **wrong) + 1


async def test_job_runs_and_failures_are_counted(open_metrics: SlackDriver) -> None:
    async def result(value: PostResult | NudgeReport | None) -> PostResult | NudgeReport | None:
        return value

    async def broken() -> None:
        raise RuntimeError("database gone")

    before = await scrape(open_metrics)
    await counted("digest", result(PostResult(Outcome.POSTED, ts="1.2")))
    await counted("digest", result(PostResult(Outcome.FAILED, error="not_in_channel")))
    await counted("digest", result(None))  # nothing was due: not a run
    await counted("nudges", result(NudgeReport(errors=["U1: cannot_dm_bot"])))
    with pytest.raises(RuntimeError):
        await counted("nudges", broken())

    after = await scrape(open_metrics)

    def moved(name: str, kind: str) -> float:
        return sample(after, name, kind=kind) - sample(before, name, kind=kind)

    assert moved("leadloop_job_runs_total", "digest") == 2
    assert moved("leadloop_job_failures_total", "digest") == 1
    assert moved("leadloop_job_runs_total", "nudges") == 2
    assert moved("leadloop_job_failures_total", "nudges") == 2
