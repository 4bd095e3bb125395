"""Envelopes Bolt can dispatch pass; broken shapes are named, for a 400 instead of a crash."""

from typing import Any

import pytest

from bot.slack_envelope import envelope_problem
from tests.factories import (
    app_home_opened,
    block_action,
    block_suggestion,
    command_form,
    view_submission,
)


@pytest.mark.parametrize(
    "body",
    [
        command_form("a@b.com hot"),
        block_action("feedback_undo", "1", message_ts="1.2"),
        view_submission({"id": "V1", "callback_id": "feedback_modal"}, {}),
        block_suggestion("lead_select", "lead_block", "acm"),
        app_home_opened(),
    ],
    ids=["command", "block_actions", "view_submission", "block_suggestion", "event"],
)
def test_what_slack_sends_passes(body: dict[str, Any]) -> None:
    assert envelope_problem(body) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([1], "the body is not an object"),
        ({"type": "view_submission", "view": 5}, "view is not an object"),
        ({"type": "block_actions", "actions": "x"}, "actions is not a list of objects"),
        ({"type": "block_actions", "actions": [1]}, "actions is not a list of objects"),
        ({"type": "block_actions", "user": 7}, "user is neither an object nor an id"),
        ({"type": 5}, "type is not text"),
        ({"type": "view_submission", "view": {"callback_id": ["x"]}}, "callback_id is not text"),
        ({"type": "event_callback", "event": {"type": None, "user": "U1"}}, None),
        ({"type": "event_callback", "event": {"type": {}}}, "type is not text"),
    ],
)
def test_broken_shapes_are_named(body: Any, problem: str | None) -> None:
    assert envelope_problem(body) == problem
