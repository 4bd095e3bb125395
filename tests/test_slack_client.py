"""The one Web API client: it retries 429 after Retry-After and 5xx with back-off."""

import pytest
from slack_sdk.errors import SlackApiError

from bot.demo.slack_standin import SlackStandIn
from bot.slack_client import build_client
from tests.factories import BOT_TOKEN


async def test_rate_limited_post_is_retried_and_lands_once(standin: SlackStandIn) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url)
    standin.fail_next("chat.postMessage", status=429, retry_after=0, times=2)
    response = await client.chat_postMessage(channel="C1", text="hello")
    assert response["ok"]
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [429, 429, 200]
    assert len(standin.messages("C1")) == 1


async def test_server_errors_are_retried(standin: SlackStandIn) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url)
    standin.fail_next("chat.postMessage", status=502)
    response = await client.chat_postMessage(channel="C1", text="after a 502")
    assert response["ok"]
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [502, 200]


async def test_persistent_server_errors_give_up(standin: SlackStandIn) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url, backoff_factor=0.01)
    standin.fail_next("chat.postMessage", status=500, times=10)
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C1", text="never")
    assert len(standin.calls_to("chat.postMessage")) == 4
    assert standin.messages("C1") == []


async def test_the_client_uses_the_configured_base_url(standin: SlackStandIn) -> None:
    client = build_client(token=BOT_TOKEN, base_url=standin.base_url)
    await client.auth_test()
    assert [c.method for c in standin.calls] == ["auth.test"]
