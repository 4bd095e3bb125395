"""Tests for the loopback Slack Web API stand-in, driven through the real slack-sdk clients."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.demo.slack_standin import DROPPED, SlackStandIn, block_kit_errors, view_errors

TOKEN = "xoxb-standin-test"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN) as server:
        yield server


@pytest.fixture
async def client(standin: SlackStandIn) -> AsyncIterator[AsyncWebClient]:
    yield AsyncWebClient(base_url=standin.base_url, token=TOKEN)


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, **extra}


def option(text: str = "One", value: str = "1") -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def modal(**extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Lead"}, "blocks": []}
    return view | extra


# --- Web API through AsyncWebClient ----------------------------------------------------------


@pytest.mark.asyncio
async def test_post_message_is_recorded_with_decoded_blocks(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    blocks = [section("*New lead*", block_id="lead")]
    resp = await client.chat_postMessage(channel="C1", text="New lead", blocks=blocks)

    assert resp["ok"] and resp["channel"] == "C1"
    assert resp["message"]["blocks"] == blocks and resp["message"]["user"] == "U0BOT"
    [call] = standin.calls_to("chat.postMessage")
    assert call.params["blocks"] == blocks
    assert call.params["text"] == "New lead"
    assert call.token == TOKEN and call.status == 200 and call.response["ts"] == resp["ts"]
    assert standin.messages("C1") == [
        {"ts": resp["ts"], "text": "New lead", "blocks": blocks, "thread_ts": None, "user": "U0BOT"}
    ]


@pytest.mark.asyncio
async def test_form_encoded_blocks_are_decoded(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    blocks = [section("hi")]
    await client.api_call("chat.postMessage", data={"channel": "C1", "blocks": json.dumps(blocks)})

    assert standin.calls_to("chat.postMessage")[0].params["blocks"] == blocks
    assert standin.messages("C1")[0]["blocks"] == blocks


@pytest.mark.asyncio
async def test_message_ts_are_unique_and_increasing(client: AsyncWebClient) -> None:
    stamps = [(await client.chat_postMessage(channel="C1", text=str(i)))["ts"] for i in range(3)]

    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 3
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


@pytest.mark.asyncio
async def test_thread_reply_keeps_thread_ts(standin: SlackStandIn, client: AsyncWebClient) -> None:
    parent = await client.chat_postMessage(channel="C1", text="parent")
    reply = await client.chat_postMessage(channel="C1", text="reply", thread_ts=parent["ts"])

    assert reply["message"]["thread_ts"] == parent["ts"]
    assert standin.message("C1", reply["ts"])["thread_ts"] == parent["ts"]


@pytest.mark.asyncio
async def test_update_and_delete_change_messages(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="C1", text="draft")
    second = await client.chat_postMessage(channel="C1", text="other")
    new_blocks = [section("final")]

    updated = await client.chat_update(
        channel="C1", ts=first["ts"], text="final", blocks=new_blocks
    )
    assert updated["ts"] == first["ts"] and updated["text"] == "final"
    assert standin.message("C1", first["ts"])["blocks"] == new_blocks
    assert [m["text"] for m in standin.messages("C1")] == ["final", "other"]

    await client.chat_delete(channel="C1", ts=second["ts"])
    assert [m["ts"] for m in standin.messages("C1")] == [first["ts"]]
    with pytest.raises(KeyError):
        standin.message("C1", second["ts"])


@pytest.mark.asyncio
async def test_update_of_unknown_message_fails(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.chat_update(channel="C1", ts="1.000001", text="x")

    assert caught.value.response["error"] == "message_not_found"


@pytest.mark.asyncio
async def test_51_blocks_are_invalid_blocks(standin: SlackStandIn, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="x", blocks=[section("b")] * 51)

    body = caught.value.response.data
    assert body["error"] == "invalid_blocks"
    assert any("50" in e for e in body["errors"])
    assert body["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert standin.messages("C1") == []
    assert standin.calls_to("chat.postMessage")[0].response["error"] == "invalid_blocks"


@pytest.mark.asyncio
async def test_3001_character_section_is_invalid_blocks(client: AsyncWebClient) -> None:
    await client.chat_postMessage(channel="C1", text="x", blocks=[section("x" * 3000)])

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="x", blocks=[section("x" * 3001)])

    assert caught.value.response["error"] == "invalid_blocks"
    assert caught.value.response["errors"] == [
        "section text must be at most 3000 characters, got 3001 [json-pointer:/blocks/0/text/text]"
    ]


@pytest.mark.asyncio
async def test_message_without_text_or_blocks_is_no_text(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught, pytest.warns(UserWarning, match="`text`"):
        await client.chat_postMessage(channel="C1")

    assert caught.value.response["error"] == "no_text"


@pytest.mark.asyncio
async def test_views_open_title_limit(standin: SlackStandIn, client: AsyncWebClient) -> None:
    title = {"type": "plain_text", "text": "t" * 24}
    opened = await client.views_open(trigger_id="1.2.abc", view=modal(title=title))
    assert opened["view"]["id"].startswith("V") and opened["view"]["state"] == {"values": {}}

    with pytest.raises(SlackApiError) as caught:
        await client.views_open(
            trigger_id="1.2.abc", view=modal(title={"type": "plain_text", "text": "t" * 25})
        )

    body = caught.value.response.data
    assert body["error"] == "invalid_arguments"
    assert "/view/title/text" in body["response_metadata"]["messages"][0]
    assert len(standin.calls_to("views.open")) == 2


@pytest.mark.asyncio
async def test_views_update_keeps_id_and_changes_hash(client: AsyncWebClient) -> None:
    opened = await client.views_open(trigger_id="1.2.abc", view=modal(callback_id="lead"))
    view_id = opened["view"]["id"]

    updated = await client.views_update(view_id=view_id, view=modal(private_metadata="42"))

    assert updated["view"]["id"] == view_id
    assert updated["view"]["private_metadata"] == "42"
    assert updated["view"]["hash"] != opened["view"]["hash"]


@pytest.mark.asyncio
async def test_rate_limit_is_retried_by_the_client(standin: SlackStandIn) -> None:
    client = AsyncWebClient(
        base_url=standin.base_url,
        token=TOKEN,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    standin.fail_next("chat.postMessage", status=429, retry_after=0)

    resp = await client.chat_postMessage(channel="C1", text="hi")

    assert resp["ok"]
    calls = standin.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}
    assert len(standin.messages("C1")) == 1


@pytest.mark.asyncio
async def test_server_error_without_retry_handler_raises(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.fail_next("chat.postMessage", status=500)

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="hi")

    assert caught.value.response.status_code == 500
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert (await client.chat_postMessage(channel="C1", text="again"))["ok"]


@pytest.mark.asyncio
async def test_a_post_that_lands_then_answers_500(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.fail_next("chat.postMessage", status=500, after_effect=True)

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="posted anyway")

    assert caught.value.response.status_code == 500
    assert [m["text"] for m in standin.messages("C1")] == ["posted anyway"]


@pytest.mark.asyncio
async def test_a_post_that_lands_then_drops_the_connection(standin: SlackStandIn) -> None:
    # slack-sdk's default handler would retry the dropped post, and post it twice.
    client = AsyncWebClient(base_url=standin.base_url, token=TOKEN, retry_handlers=[])
    standin.drop_next("chat.postMessage")

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.chat_postMessage(channel="C1", text="posted, no answer")

    assert [m["text"] for m in standin.messages("C1")] == ["posted, no answer"]
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [DROPPED]


@pytest.mark.asyncio
async def test_history_shows_metadata_only_when_asked(client: AsyncWebClient) -> None:
    metadata = {"event_type": "leadloop_post", "event_payload": {"key": "k1"}}
    first = await client.chat_postMessage(channel="C1", text="one", metadata=metadata)
    await client.chat_postMessage(channel="C1", text="reply", thread_ts=first["ts"])
    await client.chat_postMessage(channel="C1", text="two")

    plain = await client.conversations_history(channel="C1")
    full = await client.conversations_history(channel="C1", include_all_metadata=True)

    assert [m["text"] for m in plain["messages"]] == ["two", "one"]
    assert all("metadata" not in m for m in plain["messages"])
    assert full["messages"][1]["metadata"] == metadata
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_history(channel="U1")
    assert caught.value.response["error"] == "channel_not_found"


@pytest.mark.asyncio
async def test_history_pages_with_a_cursor(client: AsyncWebClient) -> None:
    for i in range(5):
        await client.chat_postMessage(channel="C1", text=f"m{i}")

    first = await client.conversations_history(channel="C1", limit=3)
    rest = await client.conversations_history(
        channel="C1", limit=3, cursor=first["response_metadata"]["next_cursor"]
    )

    assert [m["text"] for m in first["messages"]] == ["m4", "m3", "m2"] and first["has_more"]
    assert [m["text"] for m in rest["messages"]] == ["m1", "m0"] and not rest["has_more"]


@pytest.mark.asyncio
async def test_replies_list_the_thread_with_metadata(client: AsyncWebClient) -> None:
    parent = await client.chat_postMessage(channel="C1", text="parent")
    metadata = {"event_type": "leadloop_post", "event_payload": {"key": "k2"}}
    await client.chat_postMessage(
        channel="C1", text="reply", thread_ts=parent["ts"], metadata=metadata
    )
    await client.chat_postMessage(channel="C1", text="elsewhere")

    thread = await client.conversations_replies(
        channel="C1", ts=parent["ts"], include_all_metadata=True
    )

    assert [m["text"] for m in thread["messages"]] == ["parent", "reply"]
    assert thread["messages"][1]["metadata"] == metadata


@pytest.mark.asyncio
async def test_fail_next_with_error_and_times(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.fail_next("users.info", status=200, error="user_not_found", times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            await client.users_info(user="U1")
        assert caught.value.response["error"] == "user_not_found"
    assert (await client.users_info(user="U1"))["ok"]


@pytest.mark.asyncio
async def test_wrong_token_is_invalid_auth(standin: SlackStandIn) -> None:
    client = AsyncWebClient(base_url=standin.base_url, token="xoxb-wrong")

    with pytest.raises(SlackApiError) as caught:
        await client.auth_test()

    assert caught.value.response["error"] == "invalid_auth"
    [call] = standin.calls_to("auth.test")
    assert call.token == "xoxb-wrong" and call.response["ok"] is False


@pytest.mark.asyncio
async def test_auth_test_answers_bot_identity(client: AsyncWebClient) -> None:
    resp = await client.auth_test()

    assert (resp["user_id"], resp["bot_id"], resp["team_id"]) == ("U0BOT", "B0BOT", "T0001")


@pytest.mark.asyncio
async def test_not_in_channel_until_joined(standin: SlackStandIn, client: AsyncWebClient) -> None:
    standin.bot_not_in("C9")

    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C9", text="hi")
    assert caught.value.response["error"] == "not_in_channel"
    assert (await client.conversations_info(channel="C9"))["channel"]["is_member"] is False

    joined = await client.conversations_join(channel="C9")
    assert joined["channel"]["id"] == "C9"

    assert (await client.chat_postMessage(channel="C9", text="hi"))["ok"]
    assert [m["text"] for m in standin.messages("C9")] == ["hi"]


@pytest.mark.asyncio
async def test_channels_by_name_as_a_bot_sees_them(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.add_channel("C1", "sales", member=False)
    standin.add_channel("G1", "deals", private=True)
    standin.add_channel("G2", "board", private=True, member=False)
    standin.add_channel("C2", "old", archived=True)

    first = await client.conversations_list(types="public_channel,private_channel", limit=2)
    rest = await client.conversations_list(
        types="public_channel,private_channel", cursor=first["response_metadata"]["next_cursor"]
    )

    seen = [c["name"] for c in first["channels"] + rest["channels"]]
    assert seen == ["sales", "deals", "old"]  # not the private channel the bot is not in
    assert rest["response_metadata"]["next_cursor"] == ""
    info = (await client.conversations_info(channel="C2"))["channel"]
    assert (info["name"], info["is_archived"]) == ("old", True)
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_info(channel="G2")
    assert caught.value.response["error"] == "channel_not_found"


@pytest.mark.asyncio
async def test_a_forgotten_channel_is_not_found(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.forget_channel("C3")

    for call in (client.conversations_info, client.conversations_join):
        with pytest.raises(SlackApiError) as caught:
            await call(channel="C3")
        assert caught.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C3", text="hi")


@pytest.mark.asyncio
async def test_private_channel_cannot_be_joined(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.bot_not_in("G9")

    with pytest.raises(SlackApiError) as caught:
        await client.conversations_join(channel="G9")

    assert caught.value.response["error"] == "method_not_supported_for_channel_type"
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="G9", text="hi")


@pytest.mark.asyncio
async def test_conversations_open_and_posting_to_a_user(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    opened = await client.conversations_open(users="U123")
    assert opened["channel"]["id"] == "D123"

    posted = await client.chat_postMessage(channel="U123", text="hello")

    assert posted["channel"] == "D123"
    assert [m["text"] for m in standin.messages("D123")] == ["hello"]


@pytest.mark.asyncio
async def test_users_info_uses_added_user(standin: SlackStandIn, client: AsyncWebClient) -> None:
    standin.add_user("U7", real_name="Ada", tz="Europe/Paris", tz_offset=3600, is_admin=True)

    ada = (await client.users_info(user="U7"))["user"]
    stranger = (await client.users_info(user="U8"))["user"]

    assert (ada["real_name"], ada["tz"], ada["tz_offset"], ada["is_admin"]) == (
        "Ada",
        "Europe/Paris",
        3600,
        True,
    )
    assert ada["team_id"] == "T0001" and ada["is_bot"] is False
    assert stranger["id"] == "U8" and stranger["tz"] == "UTC" and stranger["is_admin"] is False


@pytest.mark.asyncio
async def test_permalink_shape(client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C1", text="hi")

    link = (await client.chat_getPermalink(channel="C1", message_ts=posted["ts"]))["permalink"]

    assert link == f"https://example.slack.com/archives/C1/p{posted['ts'].replace('.', '')}"


@pytest.mark.asyncio
async def test_file_upload_roundtrip(standin: SlackStandIn, client: AsyncWebClient) -> None:
    resp = await client.files_upload_v2(
        channel="C1", filename="leads.csv", content="a,b\n1,2\n", title="Leads"
    )

    assert resp["file"]["title"] == "Leads"
    assert standin.uploads == {resp["file"]["id"]: 8}


@pytest.mark.asyncio
async def test_unknown_method(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.api_call("nope.nothing")

    assert caught.value.response["error"] == "unknown_method"


@pytest.mark.asyncio
async def test_response_url_post_is_recorded(standin: SlackStandIn) -> None:
    webhook = AsyncWebhookClient(standin.response_url("r7"))

    resp = await webhook.send(text="Thanks!", replace_original=True)

    assert resp.status_code == 200 and resp.body == "ok"
    [post] = standin.responses
    assert post.name == "r7"
    assert post.body == {"text": "Thanks!", "replace_original": True}


@pytest.mark.asyncio
async def test_an_expired_response_url_answers_404_and_delivers_nothing(
    standin: SlackStandIn,
) -> None:
    standin.expire_response_url("r8")

    resp = await AsyncWebhookClient(standin.response_url("r8")).send(text="Thanks!")

    assert (resp.status_code, resp.body) == (404, "expired_url")
    assert standin.responses == []


@pytest.mark.asyncio
async def test_reset_forgets_everything(standin: SlackStandIn, client: AsyncWebClient) -> None:
    standin.bot_not_in("C2")
    standin.fail_next("auth.test", status=500)
    await client.chat_postMessage(channel="C1", text="hi")

    standin.reset()

    assert standin.calls == [] and standin.messages("C1") == []
    assert (await client.auth_test())["ok"]
    assert (await client.chat_postMessage(channel="C2", text="hi"))["ok"]


@pytest.mark.asyncio
async def test_wait_for_sees_a_call_made_concurrently(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    async def post_later() -> None:
        await asyncio.sleep(0.05)
        await client.chat_postMessage(channel="C1", text="late")

    task = asyncio.create_task(post_later())
    calls = await standin.wait_for("chat.postMessage", timeout=2)
    await task

    assert calls[0].params["text"] == "late"


@pytest.mark.asyncio
async def test_wait_for_times_out_with_a_clear_message(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    await client.chat_postMessage(channel="C1", text="one")

    with pytest.raises(AssertionError, match=r"2 call\(s\) to chat.postMessage.*saw 1"):
        await standin.wait_for("chat.postMessage", count=2, timeout=0.1)


def test_wait_for_sync_times_out(standin: SlackStandIn) -> None:
    started = time.monotonic()

    with pytest.raises(AssertionError, match="views.open"):
        standin.wait_for_sync("views.open", timeout=0.05)

    assert time.monotonic() - started < 1


def test_stop_releases_the_server() -> None:
    server = SlackStandIn().start()
    url = server.base_url
    server.stop()
    server.stop()

    assert url.startswith("http://127.0.0.1:") and url.endswith("/api/")
    with pytest.raises(RuntimeError):
        _ = server.base_url


# --- block_kit_errors / view_errors ----------------------------------------------------------


def test_valid_message_has_no_errors() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "New lead"}},
        section("*Acme*", block_id="lead", accessory=button("Open", url="https://x.test")),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "a"}] * 10},
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [
                button("Yes", action_id="yes", value="1"),
                {"type": "static_select", "action_id": "pick", "options": [option()] * 100},
                {"type": "overflow", "action_id": "more", "options": [option()] * 5},
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "via leadloop"}]},
    ]

    assert block_kit_errors(blocks, surface="message") == []
    assert block_kit_errors([section("b")] * 100, surface="modal") == []


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([section("b")] * 51, "no more than 50 blocks"),
        (["divider"], "block must be an object"),
        ([{"text": "x"}], "block has no type"),
        ([{"type": "carousel"}], "unknown block type 'carousel'"),
        ([section("x" * 3001)], "section text must be at most 3000"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "a"}] * 11}], "10 fields"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "a" * 2001}]}], "at most 2000"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "at most 150"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "must be plain_text"),
        ([{"type": "section", "text": {"type": "markdown", "text": "x"}}], "plain_text or mrkdwn"),
        ([section("")], "section text must not be empty"),
        ([section("a", block_id="b" * 256)], "block_id must be at most 255"),
        ([section("a", block_id="x"), section("b", block_id="x")], "duplicate block_id 'x'"),
        (
            [section("a", accessory=button(action_id="a" * 256))],
            "action_id must be at most 255",
        ),
        (
            [{"type": "actions", "elements": [button(action_id="a"), button(action_id="a")]}],
            "duplicate action_id 'a'",
        ),
        ([{"type": "actions", "elements": [button()] * 26}], "no more than 25 elements"),
        (
            [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
            "no more than 10 elements",
        ),
        ([section("a", accessory=button("b" * 76))], "button text must be at most 75"),
        ([section("a", accessory=button(value="v" * 2001))], "value must be at most 2000"),
        ([section("a", accessory=button(url="u" * 3001))], "url must be at most 3000"),
        (
            [section("a", accessory={"type": "static_select", "options": [option("o" * 76)]})],
            "option text must be at most 75",
        ),
        (
            [
                section(
                    "a", accessory={"type": "static_select", "options": [option(value="v" * 151)]}
                )
            ],
            "value must be at most 150",
        ),
        (
            [section("a", accessory={"type": "static_select", "options": [option()] * 101})],
            "no more than 100 options",
        ),
        (
            [section("a", accessory={"type": "radio_buttons", "options": [option()] * 11})],
            "no more than 10 options",
        ),
        (
            [section("a", accessory={"type": "checkboxes", "options": [option()] * 11})],
            "no more than 10 options",
        ),
        (
            [section("a", accessory={"type": "overflow", "options": [option()] * 6})],
            "no more than 5 options",
        ),
        (
            [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "Name"},
                    "element": {"type": "plain_text_input"},
                }
            ],
            "input blocks are not allowed in messages",
        ),
    ],
)
def test_message_block_limits(blocks: list[dict[str, Any]], expected: str) -> None:
    errors = block_kit_errors(blocks, surface="message")

    assert any(expected in e for e in errors), errors


def test_input_limits_in_a_modal() -> None:
    def text_input(label: str, max_length: int) -> dict[str, Any]:
        return {
            "type": "input",
            "label": {"type": "plain_text", "text": label},
            "element": {"type": "plain_text_input", "max_length": max_length},
        }

    assert block_kit_errors([text_input("Name", 3000)], surface="modal") == []
    [too_long_label] = block_kit_errors([text_input("l" * 2001, 10)], surface="modal")
    [too_long_input] = block_kit_errors([text_input("Name", 3001)], surface="modal")
    assert "input label must be at most 2000" in too_long_label
    assert "max_length must be at most 3000" in too_long_input
    assert "no more than 100 blocks" in block_kit_errors([section("b")] * 101, surface="home")[0]


def test_view_errors() -> None:
    name_input = {
        "type": "input",
        "label": {"type": "plain_text", "text": "Name"},
        "element": {"type": "plain_text_input", "action_id": "name"},
    }
    submit = {"type": "plain_text", "text": "Save"}

    assert view_errors(modal(blocks=[name_input], submit=submit, callback_id="lead")) == []
    assert view_errors({"type": "home", "blocks": [section("hi")]}) == []
    assert "needs submit" in view_errors(modal(blocks=[name_input]))[0]
    assert "view type must be modal or home" in view_errors(modal(type="dialog"))[0]
    assert "a modal needs a title" in view_errors({"type": "modal", "blocks": []})[0]
    assert (
        "/view/submit/text"
        in view_errors(modal(submit={"type": "plain_text", "text": "s" * 25}))[0]
    )
    assert "/view/close/type" in view_errors(modal(close={"type": "mrkdwn", "text": "x"}))[0]
    assert "private_metadata" in view_errors(modal(private_metadata="m" * 3001))[0]
    assert "callback_id" in view_errors(modal(callback_id="c" * 256))[0]
    assert "/view/blocks/0/text/text" in view_errors(modal(blocks=[section("x" * 3001)]))[0]


@pytest.mark.asyncio
async def test_users_list_pages_and_lookup_by_email(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    for n in range(5):
        standin.add_user(f"U{n}", real_name=f"Person {n}", email=f"p{n}@acme.com")

    first = await client.users_list(limit=2)
    second = await client.users_list(limit=2, cursor=first["response_metadata"]["next_cursor"])
    third = await client.users_list(limit=2, cursor=second["response_metadata"]["next_cursor"])
    found = await client.users_lookupByEmail(email="P3@Acme.com")

    pages = [[m["id"] for m in page["members"]] for page in (first, second, third)]
    assert pages == [["U0", "U1"], ["U2", "U3"], ["U4"]]
    assert third["response_metadata"]["next_cursor"] == ""
    assert (found["user"]["id"], found["user"]["profile"]["email"]) == ("U3", "p3@acme.com")
    with pytest.raises(SlackApiError, match="users_not_found"):
        await client.users_lookupByEmail(email="nobody@acme.com")


async def test_post_limit_per_channel_answers_429_with_retry_after(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.limit_posts(60.0)
    await client.chat_postMessage(channel="C0ONE", text="first")
    await client.chat_postMessage(channel="C0TWO", text="another channel is not limited")
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel="C0ONE", text="too soon")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] in ("60", ["60"])
    assert standin.rate_limited == 1
    assert len(standin.post_times("C0ONE")) == 1 and len(standin.messages("C0ONE")) == 1
