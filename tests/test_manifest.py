"""app.yaml creates a Slack app with what the code uses: its commands all answer, its URLs
point at /slack/events, and it respects the manifest schema's limits."""

from pathlib import Path

import yaml

from bot.oauth import BOT_SCOPES, REDIRECT_PATH
from tests.factories import SlackDriver

MANIFEST = yaml.safe_load((Path(__file__).parent.parent / "app.yaml").read_text())


def test_manifest_respects_schema_limits() -> None:
    assert len(MANIFEST["display_information"]["name"]) <= 35
    for command in MANIFEST["features"]["slash_commands"]:
        assert command["command"].startswith("/") and len(command["command"]) <= 32
        assert 0 < len(command["description"]) <= 2000
        assert len(command.get("usage_hint", "")) <= 1000
        assert command["should_escape"] is False  # the parser reads emails and #slugs as typed
        assert command["url"].endswith("/slack/events")


def test_interactivity_and_option_loading_reach_the_app() -> None:
    interactivity = MANIFEST["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"].endswith("/slack/events")
    # The feedback modal's lead picker is an external select: Slack asks this URL for options.
    assert interactivity["message_menu_options_url"].endswith("/slack/events")


def test_bot_scopes_are_the_ones_the_code_needs() -> None:
    # commands: slash commands; chat:write: previews, thread replies, DMs, in-place updates;
    # channels:join: the bot joins a public channel to post a campaign preview there;
    # channels:read, groups:read: which channel a setting names (conversations.info, .list);
    # users:read: users.info tells who is a workspace admin (the Home's Settings button);
    # users:read also lets the lead intake find owners by name in users.list;
    # users:read.email: owners given as emails (users.lookupByEmail) and emails in exports;
    # files:write: the digest's goals chart goes up with files_upload_v2;
    # channels:history, groups:history, im:history: a post Slack may have taken without
    # saying so (a 5xx, a dropped connection) is looked up by its metadata before a retry,
    # in public and private channels and DMs; im:write: conversations.open finds a DM's id;
    # usergroups:read: a routing pool given as a user group (usergroups.users.list).
    # BOT_SCOPES is also what Add to Slack asks for.
    assert tuple(MANIFEST["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_subscribed_events_are_the_handled_ones() -> None:
    events = MANIFEST["settings"]["event_subscriptions"]
    assert events["request_url"].endswith("/slack/events")
    # app_uninstalled, tokens_revoked: an uninstalled workspace's tokens are forgotten and
    # its jobs stop (handlers.workspace); neither needs a scope.
    assert events["bot_events"] == ["app_home_opened", "app_uninstalled", "tokens_revoked"]


def test_the_redirect_url_is_the_oauth_flows() -> None:
    [url] = MANIFEST["oauth_config"]["redirect_urls"]
    assert url.endswith(REDIRECT_PATH)


async def test_every_manifest_command_is_handled(slack: SlackDriver) -> None:
    for command in MANIFEST["features"]["slash_commands"]:
        response = await slack.command("help", command=command["command"])
        assert response.status_code == 200, command["command"]
        assert response.json()["text"], command["command"]
