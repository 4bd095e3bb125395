"""The shape of a signed Slack request's envelope, checked before Bolt dispatches it.

Bolt takes Slack's shapes for granted (`view` an object with a text `callback_id`,
`actions` a list of objects, `team` an id or an object …) and, when a body breaks them,
fails deep in its dispatch with a TypeError that it logs with a traceback and answers 500.
A body that breaks them is malformed: these checks let it be answered 400 instead. What is
inside a well-shaped envelope (a view's state, an action's value) is the listeners' to read.
"""

from typing import Any

# Fields that are an object when present.
OBJECTS = ("view", "event", "container", "message", "previous_message", "state", "function_data")
# Fields that Slack sends as an object in interactions and as an id in events and commands.
OBJECTS_OR_TEXT = ("team", "user", "channel", "enterprise", "item")
# Fields that are a list of objects when present.
LISTS_OF_OBJECTS = ("actions", "authorizations", "response_urls")
# Fields that are text when present, in the envelope and in its view or event.
TEXTS = ("type", "callback_id", "command", "team_id", "user_id", "channel_id", "response_url")


def envelope_problem(body: Any) -> str | None:
    """Why a parsed request body is not a Slack envelope Bolt can dispatch, or None."""
    if not isinstance(body, dict):
        return "the body is not an object"
    for name in OBJECTS:
        if name in body and not isinstance(body[name], dict):
            return f"{name} is not an object"
    for name in OBJECTS_OR_TEXT:
        if body.get(name) is not None and not isinstance(body[name], dict | str):
            return f"{name} is neither an object nor an id"
    for name in LISTS_OF_OBJECTS:
        if name in body and not _list_of_objects(body[name]):
            return f"{name} is not a list of objects"
    for scope in (body, body.get("view") or {}, body.get("event") or {}):
        for name in TEXTS:
            if scope.get(name) is not None and not isinstance(scope[name], str):
                return f"{name} is not text"
    return None


def _list_of_objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)
