"""Test constants, and Slack's requests (bot.demo.signed_requests) signed with the test secret."""

from typing import Any

import httpx

from bot.demo import signed_requests as slack_requests
from bot.demo.signed_requests import (
    CHANNEL,
    REP,
    TEAM,
    app_home_opened,
    block_action,
    block_suggestion,
    command_form,
    home_action,
    message_action,
    view_submission,
)
from bot.demo.slack_standin import SlackStandIn

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token-0123456789"
OTHER_TEAM = "T0OTHER"
OTHER_REP = "U0OTHER"

__all__ = [
    "BOT_TOKEN",
    "CHANNEL",
    "OTHER_REP",
    "OTHER_TEAM",
    "REP",
    "SIGNING_SECRET",
    "TEAM",
    "SlackDriver",
    "app_home_opened",
    "block_action",
    "block_suggestion",
    "command_form",
    "home_action",
    "message_action",
    "sign",
    "view_submission",
]


def sign(
    body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    """Slack's signature headers for a raw body, with the test signing secret by default."""
    return slack_requests.sign(body, secret=secret, timestamp=timestamp)


class SlackDriver(slack_requests.SlackDriver):
    """The request driver, signing with the test secret."""

    def __init__(self, http: httpx.AsyncClient, standin: SlackStandIn, **kwargs: Any) -> None:
        kwargs.setdefault("signing_secret", SIGNING_SECRET)
        super().__init__(http, standin, **kwargs)
