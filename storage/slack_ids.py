"""Slack's ids by kind: workspaces (T…), people (U… or W…) and conversations (C…, G…, D…).

An id is its kind's capital letter followed by capitals and digits. Slack's are 9 or 11
characters long today and may grow, so up to 21 after the letter are accepted; the demo and
the tests use short made-up ids, so two is the fewest.
"""

import re

_TAIL = "[A-Z0-9]{2,21}"
_TEAM = re.compile(f"T{_TAIL}")
_USER = re.compile(f"[UW]{_TAIL}")
_CHANNEL = re.compile(f"[CG]{_TAIL}")
_DIRECT_MESSAGE = re.compile(f"D{_TAIL}")


def is_team_id(value: object) -> bool:
    """Whether value is a workspace id (T…)."""
    return isinstance(value, str) and _TEAM.fullmatch(value) is not None


def is_user_id(value: object) -> bool:
    """Whether value is a person's id (U…, or W… in an Enterprise Grid organisation)."""
    return isinstance(value, str) and _USER.fullmatch(value) is not None


def is_channel_id(value: object, *, direct_messages: bool = True) -> bool:
    """Whether value is a conversation id: a channel (C…, G…) or, unless refused, a DM (D…)."""
    if not isinstance(value, str):
        return False
    if _CHANNEL.fullmatch(value) is not None:
        return True
    return direct_messages and _DIRECT_MESSAGE.fullmatch(value) is not None
