"""Slack's requests as typed models: the envelope of each kind of request, and the parts the
listeners read from it (button values, a modal's private_metadata).

A signed request can still be of the wrong shape: a forged or replayed payload, a proxy's
bug. Bolt reads the envelope without checking it (a view without a `type`, an `event` that
is a string, `actions` that are not a list all end in a traceback), and numbers from a
payload go into SQL, where an id past 2**31 fails on PostgreSQL. These models say what each
part must be; whatever is not is refused as broken before it is used.
"""

from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from storage.models import NOTE_MAX
from storage.vocabulary import LeadStatus, Rating, ReactionKind, Reason

# Row ids are 32-bit integers on PostgreSQL: a larger number names no row, and asking for
# one would fail the query instead.
ROW_ID_MAX = 2**31 - 1
RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
# private_metadata is at most 3,000 characters; the same bound for any JSON value we read.
JSON_TEXT_MAX = 3000


def _web_url(value: str) -> str:
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL")
    return value


# A response_url: an http(s) URL, or "" for none (what Slack sends where there is none).
ResponseUrl = Annotated[str, Field(max_length=2000), AfterValidator(_web_url)]


class _Part(BaseModel):
    """A part of a request: exact JSON types, other fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class _Team(_Part):
    id: str


class _User(_Part):
    id: str
    team_id: str | None = None


class _State(_Part):
    values: dict[str, dict[str, dict[str, Any]]] = {}


class _View(_Part):
    # Bolt reads a view of any other type (a workflow step's) as something else altogether.
    type: Literal["modal", "home"]
    callback_id: str = ""
    private_metadata: str = ""
    state: _State | None = None


class _Action(_Part):
    action_id: str
    block_id: str = ""
    value: str | None = None


class _Container(_Part):
    channel_id: str | None = None
    message_ts: str | None = None


class _Message(_Part):
    text: str = ""
    blocks: list[dict[str, Any]] = []


class SlashCommand(_Part):
    """A slash command (form fields; Slack's never carry a `type`)."""

    command: str
    team_id: str
    user_id: str
    text: str = ""
    trigger_id: str = ""
    response_url: ResponseUrl = ""


class BlockActions(_Part):
    """A click on a button (or another interactive element) in a message, modal or Home."""

    type: Literal["block_actions"]
    team: _Team | None = None
    user: _User
    actions: Annotated[list[_Action], Field(min_length=1)]
    container: _Container | None = None
    message: _Message | None = None
    view: _View | None = None
    trigger_id: str = ""
    response_url: ResponseUrl = ""


class ViewSubmission(_Part):
    """A modal submitted (or closed)."""

    type: Literal["view_submission", "view_closed"]
    team: _Team | None = None
    user: _User
    view: _View


class BlockSuggestion(_Part):
    """What a user typed in an external select, asking for options."""

    type: Literal["block_suggestion"]
    team: _Team | None = None
    user: _User
    action_id: str
    block_id: str = ""
    value: str = ""


class _Event(_Part):
    type: str
    tab: str | None = None


class EventCallback(_Part):
    """An Events API envelope."""

    type: Literal["event_callback"]
    team_id: str
    event: _Event
    authorizations: list[dict[str, Any]] | None = None


class UrlVerification(_Part):
    """Slack checking the request URL when the app is configured."""

    type: Literal["url_verification"]
    challenge: str


_BY_TYPE: dict[str, type[_Part]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "view_closed": ViewSubmission,
    "block_suggestion": BlockSuggestion,
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
}


def envelope_problem(body: Any) -> str | None:
    """What is wrong with a request's envelope; None when Bolt and the listeners can read it.

    The answer names the field at fault, never its value (it is logged).
    """
    if not isinstance(body, dict):
        return "the request is not a JSON object"
    kind = body.get("type")
    if "command" in body:
        # A body that is both a command and a typed payload would reach both kinds of listener.
        model: type[_Part] | None = SlashCommand if kind is None else None
    else:
        model = _BY_TYPE.get(kind) if isinstance(kind, str) else None
    if model is None:
        return "leadloop does not handle this kind of request"
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return _describe(exc)
    if not _is_unicode(body):
        return "the request holds text that is not valid Unicode"
    return None


def _describe(exc: ValidationError) -> str:
    error = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "the request"
    return f"{where}: {error['msg']}"


def _is_unicode(value: Any) -> bool:
    """Whether every string in value can be stored and sent: no lone surrogates (which JSON's
    `\\ud800` escapes can carry, and which no database or Slack accepts)."""
    if isinstance(value, str):
        return value.isascii() or is_encodable(value)
    if isinstance(value, dict):
        return all(_is_unicode(k) and _is_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_unicode(item) for item in value)
    return True


def is_encodable(text: str) -> bool:
    """Whether text is valid Unicode throughout (no lone surrogates), so UTF-8 can carry it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def row_id(text: object) -> int | None:
    """The row id a string such as `"42"` holds; None for anything else or out of range."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= ROW_ID_MAX else None


# --- The parts each listener reads ---------------------------------------------------------


class FeedbackFormMetadata(_Part):
    """The feedback modal's private_metadata: where to confirm, and the record it replaces."""

    response_url: ResponseUrl | None = None
    replaces: RowId | None = None


class CommentFormMetadata(_Part):
    """The question/concern modal's private_metadata: the campaign and the kind of comment."""

    campaign: RowId
    kind: ReactionKind


class PickedVerdict(_Part):
    """The feedback a candidate-lead button carries, to record once the lead is picked."""

    rating: Rating
    status: LeadStatus | None = None
    reason: Reason | None = None
    note: Annotated[str, Field(max_length=NOTE_MAX)] = ""
    campaign_id: RowId | None = None


class CandidatePick(_Part):
    """A candidate-lead button's value: the lead, and what to do with it."""

    lead: RowId
    then: Literal["record", "show", "modal"]
    verdict: PickedVerdict | None = None


Part = TypeVar("Part", bound=_Part)


def read_json(model: type[Part], text: object) -> Part | None:
    """The JSON in text as model; None when text is not such JSON."""
    if not isinstance(text, str) or len(text) > JSON_TEXT_MAX:
        return None
    try:
        return model.model_validate_json(text or "{}")
    except ValidationError:
        return None
