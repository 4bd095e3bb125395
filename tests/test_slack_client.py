"""The one Web API client: it retries 429 after Retry-After, and 5xx with back-off except
where a repeat could post twice."""

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.state import RetryState

from bot.demo.slack_standin import SlackStandIn
from bot.slack_client import ConnectionErrorRetryHandler, build_client
from tests.factories import BOT_TOKEN


async def test_rate_limited_post_is_retried_and_lands_once(standin: SlackStandIn) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url)
    standin.fail_next("chat.postMessage", status=429, retry_after=0, times=2)
    response = await client.chat_postMessage(channel="C1", text="hello")
    assert response["ok"]
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [429, 429, 200]
    assert len(standin.messages("C1")) == 1


async def test_server_errors_on_a_read_are_retried(standin: SlackStandIn) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url)
    standin.fail_next("users.info", status=502)
    response = await client.users_info(user="U1")
    assert response["ok"]
    assert [c.status for c in standin.calls_to("users.info")] == [502, 200]


async def test_persistent_server_errors_give_up(standin: SlackStandIn) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url, backoff_factor=0.01)
    standin.fail_next("users.info", status=500, times=10)
    with pytest.raises(SlackApiError):
        await client.users_info(user="U1")
    assert len(standin.calls_to("users.info")) == 4


async def test_a_post_that_answers_500_is_never_repeated_by_the_client(
    standin: SlackStandIn,
) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url, backoff_factor=0.01)
    standin.fail_next("chat.postMessage", status=500, after_effect=True)
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="once")
    assert caught.value.response.status_code == 500
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert len(standin.messages("C1")) == 1


async def test_a_post_whose_connection_drops_is_never_repeated_by_the_client(
    standin: SlackStandIn,
) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url, backoff_factor=0.01)
    standin.drop_next("chat.postMessage")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.chat_postMessage(channel="C1", text="once")
    assert len(standin.messages("C1")) == 1


async def test_a_read_whose_connection_drops_is_retried(standin: SlackStandIn) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url, backoff_factor=0.01)
    standin.drop_next("users.info", after_effect=False)
    assert (await client.users_info(user="U1"))["ok"]
    assert len(standin.calls_to("users.info")) == 2


@pytest.mark.parametrize(
    ("method", "error", "retried"),
    [
        ("chat.postMessage", aiohttp.ServerDisconnectedError(), False),
        ("chat.postMessage", aiohttp.ClientOSError(104, "Connection reset by peer"), False),
        # The connection never opened: nothing reached Slack, so trying again is safe.
        ("chat.postMessage", aiohttp.ClientConnectorError(None, OSError(111, "refused")), True),
        ("conversations.history", aiohttp.ServerDisconnectedError(), True),
    ],
)
async def test_lost_connections_are_retried_only_where_a_repeat_is_safe(
    method: str, error: Exception, retried: bool
) -> None:
    handler = ConnectionErrorRetryHandler(max_retry_count=2)
    request = HttpRequest(method="POST", url=f"https://slack.com/api/{method}", headers={})
    assert (
        await handler.can_retry_async(state=RetryState(), request=request, error=error) is retried
    )


async def test_the_client_uses_the_configured_base_url(standin: SlackStandIn) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url)
    await client.auth_test()
    assert [c.method for c in standin.calls] == ["auth.test"]
