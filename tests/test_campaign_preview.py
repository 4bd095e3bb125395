"""`/campaign-preview` end to end: the modal, the preview post, reactions, counts and list."""

import asyncio
import json
import socket
import time
from datetime import date, timedelta
from typing import Any

import pytest

from bot.demo.slack_standin import SlackStandIn, block_kit_errors
from bot.deps import Deps
from bot.slack_client import build_client
from handlers.campaign_reactions import PreviewCounts
from handlers.views import ids
from storage.models import Campaign, CampaignReaction, CampaignReactionEvent, Lead
from storage.reactions import record_reaction
from storage.teams import ensure_team
from storage.vocabulary import ReactionKind
from tests.factories import (
    BOT_TOKEN,
    CHANNEL,
    OTHER_REP,
    OTHER_TEAM,
    REP,
    TEAM,
    SlackDriver,
    app_home_opened,
    view_submission,
)
from tests.helpers import all_rows, count_rows, seed_team, texts_of, wait_for_responses
from tests.test_home import published

MARKETER = "U0MKT"
COMMAND = "/campaign-preview"


def campaign_values(
    *,
    name: str = "Spring Webinar",
    launch: str | None = "2026-12-01",
    channel: str | None = CHANNEL,
    audience: str = "Heads of RevOps at mid-size SaaS",
    message: str = "Pipeline in 30 days, without a new tool",
    cta: str = "Book a demo",
    links: str = "https://example.com/webinar\nhttp://example.com/deck?a=1&b=2",
    expected: str | None = "40",
) -> dict[str, Any]:
    """view.state.values as Slack sends them for the campaign modal."""
    return {
        ids.CAMPAIGN_NAME_BLOCK: {ids.CAMPAIGN_NAME_ACTION: {"value": name}},
        ids.CAMPAIGN_LAUNCH_BLOCK: {ids.CAMPAIGN_LAUNCH_ACTION: {"selected_date": launch}},
        ids.CAMPAIGN_CHANNEL_BLOCK: {
            ids.CAMPAIGN_CHANNEL_ACTION: {"selected_conversation": channel}
        },
        ids.CAMPAIGN_AUDIENCE_BLOCK: {ids.CAMPAIGN_AUDIENCE_ACTION: {"value": audience}},
        ids.CAMPAIGN_MESSAGE_BLOCK: {ids.CAMPAIGN_MESSAGE_ACTION: {"value": message}},
        ids.CAMPAIGN_CTA_BLOCK: {ids.CAMPAIGN_CTA_ACTION: {"value": cta}},
        ids.CAMPAIGN_LINKS_BLOCK: {ids.CAMPAIGN_LINKS_ACTION: {"value": links}},
        ids.CAMPAIGN_EXPECTED_BLOCK: {ids.CAMPAIGN_EXPECTED_ACTION: {"value": expected}},
    }


async def opened_view(standin: SlackStandIn, count: int = 1) -> dict[str, Any]:
    """The view the app asked Slack to open (the stand-in checked its Block Kit)."""
    call = (await standin.wait_for("views.open", count))[count - 1]
    assert call.response["ok"], call.response
    return call.params["view"]


async def submit_campaign(slack: SlackDriver, **values: Any) -> Any:
    """Open the modal as the marketer and submit it with these values."""
    opened = len(slack.standin.calls_to("views.open"))
    await slack.command("", command=COMMAND, user=MARKETER)
    view = await opened_view(slack.standin, opened + 1)
    return await slack.interact(view_submission(view, campaign_values(**values), user=MARKETER))


async def post_preview(slack: SlackDriver, deps: Deps, **values: Any) -> tuple[Campaign, str]:
    """A campaign submitted through the modal, its preview posted and the marketer told."""
    before = len(slack.standin.calls_to("chat.postMessage"))
    response = await submit_campaign(slack, **values)
    assert response.status_code == 200 and response.text == "", response.text
    await slack.standin.wait_for("chat.postMessage", before + 2)
    await wait_until(lambda: _stored_ts(deps), "the preview's ts to be stored")
    campaigns = await all_rows(deps, Campaign)
    campaign = campaigns[-1]
    assert campaign.message_ts is not None
    return campaign, campaign.message_ts


async def _stored_ts(deps: Deps) -> bool:
    return any(c.message_ts for c in await all_rows(deps, Campaign))


async def wait_until(check: Any, what: str, timeout: float = 10.0) -> None:
    """Poll an async or plain check until it holds (the app works after it acks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def counts_on(standin: SlackStandIn, ts: str, channel: str = CHANNEL) -> str:
    """The counts line the preview shows now."""
    message = standin.message(channel, ts)
    [block] = [b for b in message["blocks"] if b.get("block_id") == ids.CAMPAIGN_COUNTS_BLOCK]
    return block["elements"][0]["text"]


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """The fallback text and every mrkdwn text of a message: where Slack parses mentions."""
    found = [message["text"]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return found


async def click(slack: SlackDriver, action_id: str, campaign: Campaign, ts: str, user: str) -> Any:
    """A click on one of the preview's buttons."""
    response = await slack.click(action_id, str(campaign.id), user=user, message_ts=ts)
    assert response.status_code == 200
    return response


async def comment(
    slack: SlackDriver, action_id: str, campaign: Campaign, ts: str, user: str, text: str
) -> Any:
    """Press Question or Concern, then submit the comment modal."""
    opened = len(slack.standin.calls_to("views.open"))
    await click(slack, action_id, campaign, ts, user)
    view = await opened_view(slack.standin, opened + 1)
    assert view["callback_id"] == ids.CAMPAIGN_COMMENT_MODAL
    values = {ids.CAMPAIGN_COMMENT_BLOCK: {ids.CAMPAIGN_COMMENT_ACTION: {"value": text}}}
    return await slack.interact(view_submission(view, values, user=user))


# --- The modal ----------------------------------------------------------------------------


async def test_a_refused_trigger_on_the_command_is_explained(slack: SlackDriver) -> None:
    slack.standin.fail_next("views.open", status=200, error="expired_trigger_id")
    await slack.command("", command=COMMAND)
    [response] = await wait_for_responses(slack.standin)
    assert response.body["response_type"] == "ephemeral"
    assert (
        "did not open the campaign form in time. Please run the command again."
        in (response.body["text"])
    )


async def test_command_opens_the_modal_and_a_name_prefills_it(slack: SlackDriver) -> None:
    response = await slack.command("", command=COMMAND)
    assert response.status_code == 200 and response.text == ""
    view = await opened_view(slack.standin)
    assert view["callback_id"] == ids.CAMPAIGN_MODAL
    assert [b["block_id"] for b in view["blocks"]] == [
        ids.CAMPAIGN_NAME_BLOCK,
        ids.CAMPAIGN_LAUNCH_BLOCK,
        ids.CAMPAIGN_CHANNEL_BLOCK,
        ids.CAMPAIGN_AUDIENCE_BLOCK,
        ids.CAMPAIGN_MESSAGE_BLOCK,
        ids.CAMPAIGN_CTA_BLOCK,
        ids.CAMPAIGN_LINKS_BLOCK,
        ids.CAMPAIGN_EXPECTED_BLOCK,
    ]
    channel = view["blocks"][2]
    # No shared channel is configured, so the marketer must pick one.
    assert channel["optional"] is False and "initial_conversation" not in channel["element"]

    await slack.command("  Spring   Webinar ", command=COMMAND)
    view = await opened_view(slack.standin, 2)
    assert view["blocks"][0]["element"]["initial_value"] == "Spring Webinar"


async def test_valid_submission_stores_the_campaign_and_posts_the_preview(
    slack: SlackDriver, deps: Deps
) -> None:
    campaign, ts = await post_preview(slack, deps)
    assert (campaign.name, campaign.slug, campaign.owner, campaign.team_id) == (
        "Spring Webinar",
        "spring-webinar",
        MARKETER,
        TEAM,
    )
    assert campaign.launch_date == date(2026, 12, 1)
    assert campaign.asset_urls == [
        "https://example.com/webinar",
        "http://example.com/deck?a=1&b=2",
    ]
    assert (campaign.expected_leads, campaign.channel_id) == (40, CHANNEL)

    preview = slack.standin.message(CHANNEL, ts)
    assert block_kit_errors(preview["blocks"], surface="message") == []
    shown = texts_of(preview["blocks"])
    assert "Spring Webinar" in preview["text"]
    for expected in (
        "Tuesday 1 December 2026",
        "Heads of RevOps",
        "Pipeline in 30 days",
        "Book a demo",
        "about *40* leads",
        "`#spring-webinar`",
        "<http://example.com/deck?a=1&amp;b=2|",
        f"<@{MARKETER}>",
    ):
        assert expected in shown, expected
    buttons = [
        e["action_id"] for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == [ids.CAMPAIGN_READY, ids.CAMPAIGN_QUESTION, ids.CAMPAIGN_CONCERN]
    assert "Ready to sell: *0*" in counts_on(slack.standin, ts)

    [dm] = slack.standin.messages(MARKETER)
    assert "is up in <#C0SALES>" in dm["text"]
    assert "https://example.slack.com/archives/C0SALES/" in dm["text"]


@pytest.mark.parametrize(
    ("values", "block_id", "words"),
    [
        ({"launch": "2026-11-23"}, ids.CAMPAIGN_LAUNCH_BLOCK, "in the past"),
        ({"launch": None}, ids.CAMPAIGN_LAUNCH_BLOCK, "Pick the launch date"),
        ({"launch": "2026-13-40"}, ids.CAMPAIGN_LAUNCH_BLOCK, "Pick the launch date"),
        ({"links": "javascript:alert(1)"}, ids.CAMPAIGN_LINKS_BLOCK, "javascript:alert(1)"),
        ({"links": "file:///etc/passwd"}, ids.CAMPAIGN_LINKS_BLOCK, "http"),
        ({"links": "example.com/webinar"}, ids.CAMPAIGN_LINKS_BLOCK, "example.com/webinar"),
        ({"links": "https://ok.com https://<!here>.com"}, ids.CAMPAIGN_LINKS_BLOCK, "http"),
        ({"links": "\n".join(["https://a.com"] * 11)}, ids.CAMPAIGN_LINKS_BLOCK, "at most 10"),
        ({"expected": "0"}, ids.CAMPAIGN_EXPECTED_BLOCK, "above zero"),
        ({"expected": "-3"}, ids.CAMPAIGN_EXPECTED_BLOCK, "above zero"),
        ({"expected": "2.5"}, ids.CAMPAIGN_EXPECTED_BLOCK, "whole number"),
        ({"expected": "lots"}, ids.CAMPAIGN_EXPECTED_BLOCK, "whole number"),
        ({"expected": "5000000"}, ids.CAMPAIGN_EXPECTED_BLOCK, "1,000,000"),
        ({"name": "x" * 151}, ids.CAMPAIGN_NAME_BLOCK, "150"),
        ({"name": "   "}, ids.CAMPAIGN_NAME_BLOCK, "Fill in"),
        ({"name": "🚀🚀"}, ids.CAMPAIGN_NAME_BLOCK, "letter or digit"),
        ({"audience": "a" * 501}, ids.CAMPAIGN_AUDIENCE_BLOCK, "500"),
        ({"message": "m" * 1501}, ids.CAMPAIGN_MESSAGE_BLOCK, "1,500"),
        ({"message": "bad\x00byte"}, ids.CAMPAIGN_MESSAGE_BLOCK, "control characters"),
        ({"cta": "c" * 301}, ids.CAMPAIGN_CTA_BLOCK, "300"),
        ({"channel": None}, ids.CAMPAIGN_CHANNEL_BLOCK, "Pick the channel"),
        ({"channel": "D0DM"}, ids.CAMPAIGN_CHANNEL_BLOCK, "Pick the channel"),
    ],
)
async def test_invalid_fields_are_answered_inline_and_nothing_is_stored(
    slack: SlackDriver, deps: Deps, values: dict[str, Any], block_id: str, words: str
) -> None:
    response = await submit_campaign(slack, **values)
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [block_id]
    assert words in body["errors"][block_id]
    assert await count_rows(deps, Campaign) == 0
    assert slack.standin.calls_to("chat.postMessage") == []


async def test_a_duplicate_name_is_refused_inline(slack: SlackDriver, deps: Deps) -> None:
    await post_preview(slack, deps)
    response = await submit_campaign(slack, name="spring   WEBINAR!")
    body = response.json()
    assert body["response_action"] == "errors"
    assert "already has a campaign" in body["errors"][ids.CAMPAIGN_NAME_BLOCK]
    assert "#spring-webinar" in body["errors"][ids.CAMPAIGN_NAME_BLOCK]
    assert await count_rows(deps, Campaign) == 1


async def test_a_launch_today_in_the_workspace_time_zone_is_not_past(
    slack: SlackDriver, deps: Deps
) -> None:
    response = await submit_campaign(slack, launch=deps.clock.now().date().isoformat())
    assert response.text == ""
    await slack.standin.wait_for("chat.postMessage", 2)


async def test_a_hostile_name_pings_nobody(slack: SlackDriver, deps: Deps) -> None:
    _, ts = await post_preview(
        slack,
        deps,
        name="<!channel> launch",
        audience="<!here> and <@U0BOSS>",
        message="<https://evil.example|click> & win",
        cta="<!everyone>",
    )
    campaign = (await all_rows(deps, Campaign))[0]
    assert campaign.slug == "channel-launch"
    preview = slack.standin.message(CHANNEL, ts)
    for text in mrkdwn_texts(preview) + mrkdwn_texts(slack.standin.messages(MARKETER)[0]):
        assert "<!" not in text and "<@U0BOSS>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; launch" in preview["text"]


# --- Not in the channel -------------------------------------------------------------------


async def test_the_bot_joins_a_public_channel_it_is_not_in(slack: SlackDriver, deps: Deps) -> None:
    slack.standin.bot_not_in(CHANNEL)
    _, ts = await post_preview(slack, deps)
    [join] = slack.standin.calls_to("conversations.join")
    assert join.params["channel"] == CHANNEL and join.response["ok"]
    assert slack.standin.message(CHANNEL, ts)["blocks"]


async def test_a_private_channel_gets_instructions_and_the_campaign_is_kept(
    slack: SlackDriver, deps: Deps
) -> None:
    slack.standin.bot_not_in("G0PRIVATE")
    response = await submit_campaign(slack, channel="G0PRIVATE")
    assert response.text == ""
    await wait_until(lambda: slack.standin.messages(MARKETER), "the marketer's DM")
    [dm] = slack.standin.messages(MARKETER)
    assert "/invite @leadloop" in dm["text"] and "<#G0PRIVATE>" in dm["text"]
    [campaign] = await all_rows(deps, Campaign)
    assert (campaign.channel_id, campaign.message_ts) == ("G0PRIVATE", None)
    assert [e["action_id"] for e in dm["blocks"][-1]["elements"]] == [ids.CAMPAIGN_POST]


async def unposted_campaign(slack: SlackDriver, deps: Deps) -> Campaign:
    """A campaign whose preview Slack refused (the bot could not join), the marketer told so."""
    slack.standin.bot_not_in(CHANNEL)
    slack.standin.fail_next("conversations.join", status=200, error="missing_scope")
    await submit_campaign(slack)
    await wait_until(lambda: slack.standin.messages(MARKETER), "the marketer's DM")
    [dm] = slack.standin.messages(MARKETER)
    assert "not posted yet" in dm["text"]
    assert slack.standin.messages(CHANNEL) == []
    [campaign] = await all_rows(deps, Campaign)
    return campaign


async def test_post_preview_button_posts_it_once_the_bot_can(
    slack: SlackDriver, deps: Deps
) -> None:
    campaign = await unposted_campaign(slack, deps)

    await slack.click(ids.CAMPAIGN_POST, str(campaign.id), user=OTHER_REP)
    [refused] = await wait_for_responses(slack.standin)
    assert "can post this preview" in refused.body["text"]

    await slack.click(ids.CAMPAIGN_POST, str(campaign.id), user=MARKETER)
    answers = await wait_for_responses(slack.standin, 2)
    assert answers[-1].body["replace_original"] is True
    assert "is up in <#C0SALES>" in answers[-1].body["text"]
    [campaign] = await all_rows(deps, Campaign)
    [preview] = slack.standin.messages(CHANNEL)
    assert campaign.message_ts == preview["ts"]


async def test_a_second_post_preview_click_while_the_first_is_posting_posts_nothing(
    slack: SlackDriver, deps: Deps
) -> None:
    campaign = await unposted_campaign(slack, deps)
    # The first click's post meets a 429 and waits a second before Slack's retry.
    slack.standin.fail_next("chat.postMessage", status=429, retry_after=1)
    posts = len(slack.standin.calls_to("chat.postMessage"))

    await slack.click(ids.CAMPAIGN_POST, str(campaign.id), user=MARKETER)
    await slack.standin.wait_for("chat.postMessage", posts + 1)
    await slack.click(ids.CAMPAIGN_POST, str(campaign.id), user=MARKETER)
    [second] = await wait_for_responses(slack.standin)
    assert "is being posted to <#C0SALES> right now" in second.body["text"]

    [_, first] = await wait_for_responses(slack.standin, 2)
    assert "is up in <#C0SALES>" in first.body["text"]
    [preview] = slack.standin.messages(CHANNEL)
    [campaign] = await all_rows(deps, Campaign)
    assert campaign.message_ts == preview["ts"]

    # Pressed again later, the button shows where the preview is and posts nothing.
    await slack.click(ids.CAMPAIGN_POST, str(campaign.id), user=MARKETER)
    [*_, third] = await wait_for_responses(slack.standin, 3)
    assert "is up in <#C0SALES>" in third.body["text"]
    assert len(slack.standin.messages(CHANNEL)) == 1


async def test_a_preview_slack_refuses_for_good_is_explained_everywhere_the_marketer_looks(
    slack: SlackDriver, deps: Deps
) -> None:
    slack.standin.fail_next("chat.postMessage", status=200, error="invalid_blocks")
    await submit_campaign(slack)
    await wait_until(lambda: slack.standin.messages(MARKETER), "the marketer's DM")
    [dm] = slack.standin.messages(MARKETER)
    assert "Slack refused the preview itself (`invalid_blocks`)" in dm["text"]
    assert "pressing *Post preview* again will not help" in dm["text"]
    assert slack.standin.messages(CHANNEL) == []

    response = await slack.command("list", command=COMMAND, user=MARKETER)
    listed = texts_of(response.json()["blocks"])
    assert ":warning: preview not posted: Slack refused the preview itself" in listed

    await slack.event(app_home_opened(user=MARKETER))
    view = await published(slack.standin)
    [campaign_block] = [b for b in view["blocks"] if "Spring Webinar" in texts_of([b])]
    assert "Slack refused the preview itself (`invalid_blocks`)" in texts_of([campaign_block])
    assert campaign_block["accessory"]["action_id"] == ids.CAMPAIGN_POST


async def test_once_posted_the_refusal_is_no_longer_shown(slack: SlackDriver, deps: Deps) -> None:
    campaign = await unposted_campaign(slack, deps)
    await slack.click(ids.CAMPAIGN_POST, str(campaign.id), user=MARKETER)
    await wait_for_responses(slack.standin)
    response = await slack.command("list", command=COMMAND, user=MARKETER)
    listed = texts_of(response.json()["blocks"])
    assert "previewed in <#C0SALES>" in listed and "not posted" not in listed


async def test_a_marketer_no_dm_reaches_is_told_on_the_home(slack: SlackDriver, deps: Deps) -> None:
    # Slack refuses the preview, then the DM that would say so.
    slack.standin.fail_next("chat.postMessage", status=200, error="restricted_action", times=2)
    await submit_campaign(slack)
    view = await published(slack.standin)
    shown = texts_of(view["blocks"])
    assert "Spring Webinar" in shown and "is saved, but its preview is not posted yet" in shown
    assert "does not let me post there (`restricted_action`)" in shown
    [campaign] = await all_rows(deps, Campaign)
    assert campaign.message_ts is None


# --- Reactions ----------------------------------------------------------------------------


async def test_ready_records_the_reaction_and_updates_the_count(
    slack: SlackDriver, deps: Deps
) -> None:
    campaign, ts = await post_preview(slack, deps)
    await click(slack, ids.CAMPAIGN_READY, campaign, ts, REP)
    await wait_until(lambda: "Ready to sell: *1*" in counts_on(slack.standin, ts), "count 1")
    [reaction] = await all_rows(deps, CampaignReaction)
    assert (reaction.user_id, reaction.kind, reaction.campaign_id) == (REP, "ready", campaign.id)
    [noted] = await wait_for_responses(slack.standin)
    assert noted.body["response_type"] == "ephemeral" and noted.body["replace_original"] is False
    assert "ready to sell" in noted.body["text"]
    update = slack.standin.calls_to("chat.update")[-1]
    assert update.params["ts"] == ts and update.response["ok"]


def unreachable_url() -> str:
    """A response_url on a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/response/gone"


@pytest.mark.parametrize("failure", ["expired", "unreachable"])
async def test_ready_counts_and_redraws_even_when_the_private_reply_cannot_be_sent(
    slack: SlackDriver, deps: Deps, failure: str
) -> None:
    campaign, ts = await post_preview(slack, deps)
    slack.standin.expire_response_url("click")
    response_url = unreachable_url() if failure == "unreachable" else None
    extra = {"response_url": response_url} if response_url else {}
    response = await slack.click(
        ids.CAMPAIGN_READY, str(campaign.id), user=REP, message_ts=ts, **extra
    )
    assert response.status_code == 200
    await wait_until(lambda: "Ready to sell: *1*" in counts_on(slack.standin, ts), "count 1")
    [reaction] = await all_rows(deps, CampaignReaction)
    assert (reaction.user_id, reaction.kind) == (REP, "ready")
    # The thanks reaches the clicker another way: an ephemeral in the preview's channel.
    [ephemeral] = await slack.standin.wait_for("chat.postEphemeral")
    assert (ephemeral.params["channel"], ephemeral.params["user"]) == (CHANNEL, REP)
    assert "ready to sell" in ephemeral.params["text"]


async def test_twenty_people_clicking_ready_at_once_are_all_counted(
    slack: SlackDriver, deps: Deps
) -> None:
    campaign, ts = await post_preview(slack, deps)
    users = [f"U0R{i:02d}" for i in range(20)]
    await asyncio.gather(*(click(slack, ids.CAMPAIGN_READY, campaign, ts, u) for u in users))
    await wait_until(
        lambda: "Ready to sell: *20*" in counts_on(slack.standin, ts), "the count to reach 20"
    )
    assert await count_rows(deps, CampaignReaction) == 20
    assert await count_rows(deps, CampaignReactionEvent) == 20
    # Each click's refresh ran after its commit: nothing later can show a smaller count.
    await asyncio.sleep(0.2)
    assert "Ready to sell: *20*" in counts_on(slack.standin, ts)
    # Refreshes queued behind a running one collapse: never more updates than clicks.
    assert 1 <= len(slack.standin.calls_to("chat.update")) <= 20


async def test_ready_then_concern_counts_once_as_a_concern(slack: SlackDriver, deps: Deps) -> None:
    campaign, ts = await post_preview(slack, deps)
    await click(slack, ids.CAMPAIGN_READY, campaign, ts, REP)
    await wait_until(lambda: "Ready to sell: *1*" in counts_on(slack.standin, ts), "ready 1")

    response = await comment(
        slack, ids.CAMPAIGN_CONCERN, campaign, ts, REP, "Pricing <!channel> is off for SMB"
    )
    assert response.status_code == 200 and response.text == ""
    await wait_until(lambda: "Concerns: *1*" in counts_on(slack.standin, ts), "concern 1")
    shown = counts_on(slack.standin, ts)
    assert "Ready to sell: *0*" in shown and "Questions: *0*" in shown

    [current] = await all_rows(deps, CampaignReaction)
    assert (current.kind, current.comment) == ("concern", "Pricing <!channel> is off for SMB")
    history = await all_rows(deps, CampaignReactionEvent)
    assert [(e.kind, e.user_id) for e in history] == [("ready", REP), ("concern", REP)]

    [preview, reply] = slack.standin.messages(CHANNEL)
    assert reply["thread_ts"] == ts
    assert "Concern" in reply["text"] and f"<@{REP}>" in reply["text"]
    assert "&lt;!channel&gt;" in texts_of(reply["blocks"])
    await wait_until(lambda: len(slack.standin.messages(MARKETER)) == 2, "the owner's DM")
    owner_dm = slack.standin.messages(MARKETER)[-1]
    dm_text = texts_of(owner_dm["blocks"])
    assert "raised a concern about *Spring Webinar*" in dm_text
    assert "Pricing &lt;!channel&gt; is off for SMB" in dm_text
    assert f"archives/C0SALES/p{reply['ts'].replace('.', '')}" in dm_text


async def test_a_question_goes_to_the_thread_and_the_owner(slack: SlackDriver, deps: Deps) -> None:
    campaign, ts = await post_preview(slack, deps)
    response = await comment(
        slack, ids.CAMPAIGN_QUESTION, campaign, ts, OTHER_REP, "Does it cover EMEA?"
    )
    assert response.text == ""
    await wait_until(lambda: "Questions: *1*" in counts_on(slack.standin, ts), "question 1")
    reply = slack.standin.messages(CHANNEL)[-1]
    assert reply["thread_ts"] == ts and "Question" in reply["text"]
    assert "Does it cover EMEA?" in texts_of(reply["blocks"])
    await wait_until(lambda: len(slack.standin.messages(MARKETER)) == 2, "the owner's DM")
    assert "asked a question" in slack.standin.messages(MARKETER)[-1]["text"]


@pytest.mark.parametrize(
    ("text", "words"), [("   ", "Fill in"), ("x" * 2001, "2,000"), ("a\x07b", "control")]
)
async def test_a_comment_is_required_and_checked(
    slack: SlackDriver, deps: Deps, text: str, words: str
) -> None:
    campaign, ts = await post_preview(slack, deps)
    response = await comment(slack, ids.CAMPAIGN_QUESTION, campaign, ts, REP, text)
    body = response.json()
    assert body["response_action"] == "errors"
    assert words in body["errors"][ids.CAMPAIGN_COMMENT_BLOCK]
    assert await count_rows(deps, CampaignReactionEvent) == 0


async def test_buttons_for_another_teams_campaign_record_nothing(
    slack: SlackDriver, deps: Deps
) -> None:
    campaign, ts = await post_preview(slack, deps)
    await seed_team(deps, OTHER_TEAM)  # installed too: still no reach into TEAM's campaigns
    await slack.click(
        ids.CAMPAIGN_READY, str(campaign.id), user=REP, team=OTHER_TEAM, message_ts=ts
    )
    [answer] = await wait_for_responses(slack.standin)
    assert "not in this workspace" in answer.body["text"]
    await slack.click(ids.CAMPAIGN_READY, "not-a-number", user=REP, message_ts=ts)
    await wait_for_responses(slack.standin, 2)
    assert await count_rows(deps, CampaignReactionEvent) == 0


async def test_forged_comment_metadata_is_refused(slack: SlackDriver, deps: Deps) -> None:
    campaign, _ = await post_preview(slack, deps)
    view = {
        "type": "modal",
        "callback_id": ids.CAMPAIGN_COMMENT_MODAL,
        "private_metadata": json.dumps({"campaign": campaign.id, "kind": "ready"}),
    }
    values = {ids.CAMPAIGN_COMMENT_BLOCK: {ids.CAMPAIGN_COMMENT_ACTION: {"value": "hi"}}}
    response = await slack.interact(view_submission(view, values))
    assert response.json()["response_action"] == "errors"
    assert await count_rows(deps, CampaignReactionEvent) == 0


# --- list, help, and #slug in /leadfeedback ----------------------------------------------


async def _seed_campaign(deps: Deps, name: str, launch: date, *, posted: bool = True) -> Campaign:
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        await ensure_team(session=session, team_id=TEAM, now=now)
        campaign = Campaign(
            team_id=TEAM,
            name=name,
            slug=name.lower().replace(" ", "-"),
            launch_date=launch,
            owner=MARKETER,
            channel_id=CHANNEL,
            message_ts="1700000000.000100" if posted else None,
            created_at=now,
        )
        session.add(campaign)
    return campaign


async def test_list_shows_upcoming_campaigns_with_their_counts(
    slack: SlackDriver, deps: Deps
) -> None:
    today = deps.clock.now().date()
    await _seed_campaign(deps, "Old News", today - timedelta(days=1))
    later = await _seed_campaign(deps, "Later", today + timedelta(days=30))
    soon = await _seed_campaign(deps, "Soon", today, posted=False)
    async with deps.sessions.begin() as session:
        for user, kind in [("U1", "ready"), ("U2", "ready"), ("U3", "concern")]:
            await record_reaction(
                session=session,
                team_id=TEAM,
                campaign_id=later.id,
                user_id=user,
                kind=ReactionKind(kind),
                comment="",
                now=deps.clock.now(),
            )
    response = await slack.command("LIST", command=COMMAND, user=MARKETER)
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert block_kit_errors(body["blocks"], surface="message") == []
    sections = [b for b in body["blocks"] if b["type"] == "section"]
    assert [s["text"]["text"].split("*")[1] for s in sections] == ["Soon", "Later"]
    assert "Ready to sell: *2*" in sections[1]["text"]["text"]
    assert "Concerns: *1*" in sections[1]["text"]["text"]
    assert "not posted yet" in sections[0]["text"]["text"]
    assert sections[0]["accessory"]["action_id"] == ids.CAMPAIGN_POST
    assert sections[0]["accessory"]["value"] == str(soon.id)
    assert "accessory" not in sections[1]


async def test_a_long_list_ends_with_and_n_more(slack: SlackDriver, deps: Deps) -> None:
    for i in range(23):
        await _seed_campaign(deps, f"Wave {i:02d}", deps.clock.now().date() + timedelta(days=i))
    body = (await slack.command("list", command=COMMAND)).json()
    assert block_kit_errors(body["blocks"], surface="message") == []
    assert "and 3 more" in texts_of(body["blocks"])
    await seed_team(deps, OTHER_TEAM)
    empty_team = (await slack.command("list", command=COMMAND, team=OTHER_TEAM)).json()
    assert "No campaign launches" in empty_team["text"]


async def test_help_and_oversized_text_answer_with_usage(slack: SlackDriver) -> None:
    body = (await slack.command("help", command=COMMAND)).json()
    assert "/campaign-preview list" in body["text"]
    body = (await slack.command("x" * 5000, command=COMMAND)).json()
    assert "5,000 characters" in body["text"] and "/campaign-preview list" in body["text"]
    assert slack.standin.calls_to("views.open") == []


async def test_leadfeedback_links_leads_by_the_slug_the_modal_made(
    slack: SlackDriver, deps: Deps
) -> None:
    campaign, _ = await post_preview(slack, deps, name="Café Launch: Q1 2027!")
    assert campaign.slug == "cafe-launch-q1-2027"
    response = await slack.command("jane@acme.com hot #Cafe-Launch-Q1-2027 great fit")
    assert response.json()["response_type"] == "ephemeral"
    [lead] = await all_rows(deps, Lead)
    assert lead.campaign_id == campaign.id


async def test_counts_are_redrawn_when_another_process_commits_during_an_update(
    slack: SlackDriver, deps: Deps
) -> None:
    """A reaction committed elsewhere while our chat.update is in flight is still shown."""
    campaign, ts = await post_preview(slack, deps)
    client = build_client(token=BOT_TOKEN, base_url=slack.standin.base_url)
    real_update = client.chat_update
    elsewhere = iter(["U0ELSEWHERE"])

    async def update_while_someone_else_clicks(**kwargs: Any) -> Any:
        answer = await real_update(**kwargs)
        for user in elsewhere:
            async with deps.sessions.begin() as session:
                await record_reaction(
                    session=session,
                    team_id=TEAM,
                    campaign_id=campaign.id,
                    user_id=user,
                    kind=ReactionKind.READY,
                    comment="",
                    now=deps.clock.now(),
                )
        return answer

    client.chat_update = update_while_someone_else_clicks  # type: ignore[method-assign]
    async with deps.sessions.begin() as session:
        await record_reaction(
            session=session,
            team_id=TEAM,
            campaign_id=campaign.id,
            user_id=REP,
            kind=ReactionKind.READY,
            comment="",
            now=deps.clock.now(),
        )
    await PreviewCounts(deps).refresh(client, team_id=TEAM, campaign_id=campaign.id)
    assert "Ready to sell: *2*" in counts_on(slack.standin, ts)
    assert len(slack.standin.calls_to("chat.update")) == 2
