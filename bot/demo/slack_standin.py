"""A loopback stand-in for the Slack Web API, for tests and the offline demo."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"

_BLOCK_TYPES = frozenset(
    "section actions context divider header input image rich_text file video".split()
)
_TEXT_TYPES = ("plain_text", "mrkdwn")
_OPTION_LIMITS = {
    "static_select": 100,
    "multi_static_select": 100,
    "radio_buttons": 10,
    "checkboxes": 10,
    "overflow": 5,
}
# Form fields that slack-sdk sends as JSON strings; decoded so tests see Python objects.
_JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "files")
_MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage")

Surface = Literal["message", "modal", "home"]
Params = dict[str, Any]
Answer = tuple[int, dict[str, Any], dict[str, str]]


# --- Block Kit checks ----------------------------------------------------------------------


def block_kit_errors(blocks: list[dict[str, Any]], *, surface: Surface) -> list[str]:
    """Return Slack-style problems with `blocks` for the given surface (empty when valid)."""
    return _blocks_errors(blocks, surface, "/blocks")


def view_errors(view: dict[str, Any]) -> list[str]:
    """Return Slack-style problems with a modal or home tab `view` payload (empty when valid)."""
    if not isinstance(view, dict):
        return [_err("view must be an object", "/view")]
    errors: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        errors.append(_err(f"view type must be modal or home, got {kind!r}", "/view/type"))
    for key in ("title", "submit", "close"):
        if key in view:
            errors += _text_errors(view[key], f"/view/{key}", what=key, limit=24, plain=True)
        elif key == "title" and kind == "modal":
            errors.append(_err("a modal needs a title", "/view/title"))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        errors.append(_err("view blocks must be an array", "/view/blocks"))
    else:
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if kind == "modal" and has_input and "submit" not in view:
            errors.append(_err("a modal with input blocks needs submit", "/view/submit"))
        errors += _blocks_errors(blocks, "home" if kind == "home" else "modal", "/view/blocks")
    errors += _length_errors(view, "private_metadata", 3000, "/view")
    errors += _length_errors(view, "callback_id", 255, "/view")
    return errors


def _err(message: str, path: str) -> str:
    # Mirrors Slack's own wording style: "<problem> [json-pointer:/blocks/0/text/text]".
    return f"{message} [json-pointer:{path}]"


def _length_errors(obj: dict[str, Any], key: str, limit: int, path: str) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, str):
        return [_err(f"{key} must be a string", f"{path}/{key}")]
    if len(value) > limit:
        return [
            _err(f"{key} must be at most {limit} characters, got {len(value)}", f"{path}/{key}")
        ]
    return []


def _text_errors(
    obj: Any, path: str, *, what: str, limit: int | None = None, plain: bool = False
) -> list[str]:
    if not isinstance(obj, dict):
        return [_err(f"{what} must be a text object", path)]
    errors: list[str] = []
    allowed = ("plain_text",) if plain else _TEXT_TYPES
    if obj.get("type") not in allowed:
        wanted = " or ".join(allowed)
        errors.append(
            _err(f"{what} type must be {wanted}, got {obj.get('type')!r}", f"{path}/type")
        )
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        errors.append(_err(f"{what} must not be empty", f"{path}/text"))
    elif limit is not None and len(text) > limit:
        errors.append(
            _err(f"{what} must be at most {limit} characters, got {len(text)}", f"{path}/text")
        )
    return errors


def _blocks_errors(blocks: Any, surface: Surface, path: str) -> list[str]:
    if not isinstance(blocks, list):
        return [_err("blocks must be an array", path)]
    errors: list[str] = []
    limit = 50 if surface == "message" else 100
    if len(blocks) > limit:
        errors.append(_err(f"no more than {limit} blocks allowed, got {len(blocks)}", path))
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        errors += _block_errors(block, f"{path}/{i}", surface, block_ids)
    return errors


def _block_errors(block: Any, path: str, surface: Surface, block_ids: set[str]) -> list[str]:
    if not isinstance(block, dict):
        return [_err("block must be an object", path)]
    kind = block.get("type")
    if kind not in _BLOCK_TYPES:
        problem = "block has no type" if kind is None else f"unknown block type {kind!r}"
        return [_err(problem, f"{path}/type")]
    errors = _length_errors(block, "block_id", 255, path)
    block_id = block.get("block_id")
    if isinstance(block_id, str):
        if block_id in block_ids:
            errors.append(_err(f"duplicate block_id {block_id!r}", f"{path}/block_id"))
        block_ids.add(block_id)
    action_ids: set[str] = set()
    if kind == "section":
        errors += _section_errors(block, path, action_ids)
    elif kind == "header":
        errors += _text_errors(
            block.get("text"), f"{path}/text", what="header text", limit=150, plain=True
        )
    elif kind == "actions":
        errors += _elements_errors(block, path, 25, action_ids)
    elif kind == "context":
        errors += _context_errors(block, path)
    elif kind == "input":
        if surface == "message":
            errors.append(_err("input blocks are not allowed in messages", f"{path}/type"))
        errors += _text_errors(
            block.get("label"), f"{path}/label", what="input label", limit=2000, plain=True
        )
        errors += _element_errors(block.get("element"), f"{path}/element", action_ids)
    return errors


def _section_errors(block: dict[str, Any], path: str, action_ids: set[str]) -> list[str]:
    errors: list[str] = []
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        errors.append(_err("a section needs text or fields", path))
    if text is not None:
        errors += _text_errors(text, f"{path}/text", what="section text", limit=3000)
    if fields is not None:
        if not isinstance(fields, list):
            errors.append(_err("section fields must be an array", f"{path}/fields"))
        else:
            if len(fields) > 10:
                errors.append(_err(f"no more than 10 fields allowed, got {len(fields)}", path))
            for i, field in enumerate(fields):
                errors += _text_errors(
                    field, f"{path}/fields/{i}", what="section field", limit=2000
                )
    if "accessory" in block:
        errors += _element_errors(block["accessory"], f"{path}/accessory", action_ids)
    return errors


def _elements_errors(
    block: dict[str, Any], path: str, limit: int, action_ids: set[str]
) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [_err("elements must be a non-empty array", f"{path}/elements")]
    errors: list[str] = []
    if len(elements) > limit:
        errors.append(
            _err(f"no more than {limit} elements allowed, got {len(elements)}", f"{path}/elements")
        )
    for i, element in enumerate(elements):
        errors += _element_errors(element, f"{path}/elements/{i}", action_ids)
    return errors


def _context_errors(block: dict[str, Any], path: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [_err("elements must be a non-empty array", f"{path}/elements")]
    errors: list[str] = []
    if len(elements) > 10:
        errors.append(
            _err(f"no more than 10 elements allowed, got {len(elements)}", f"{path}/elements")
        )
    for i, element in enumerate(elements):
        if not (isinstance(element, dict) and element.get("type") == "image"):
            errors += _text_errors(element, f"{path}/elements/{i}", what="context text")
    return errors


def _element_errors(element: Any, path: str, action_ids: set[str]) -> list[str]:
    if not isinstance(element, dict):
        return [_err("element must be an object", path)]
    errors = _length_errors(element, "action_id", 255, path)
    action_id = element.get("action_id")
    if isinstance(action_id, str):
        if action_id in action_ids:
            errors.append(_err(f"duplicate action_id {action_id!r}", f"{path}/action_id"))
        action_ids.add(action_id)
    kind = element.get("type")
    if kind == "button":
        errors += _text_errors(
            element.get("text"), f"{path}/text", what="button text", limit=75, plain=True
        )
        errors += _length_errors(element, "value", 2000, path)
        errors += _length_errors(element, "url", 3000, path)
    elif kind in _OPTION_LIMITS:
        errors += _options_errors(element, path, _OPTION_LIMITS[kind])
    elif kind == "plain_text_input":
        max_length = element.get("max_length")
        if isinstance(max_length, int) and max_length > 3000:
            errors.append(_err(f"max_length must be at most 3000, got {max_length}", path))
    return errors


def _options_errors(element: dict[str, Any], path: str, limit: int) -> list[str]:
    options = [(o, f"{path}/options/{i}") for i, o in enumerate(element.get("options") or [])]
    for g, group in enumerate(element.get("option_groups") or []):
        group_options = group.get("options") if isinstance(group, dict) else None
        for i, option in enumerate(group_options or []):
            options.append((option, f"{path}/option_groups/{g}/options/{i}"))
    errors: list[str] = []
    if len(options) > limit:
        errors.append(_err(f"no more than {limit} options allowed, got {len(options)}", path))
    for option, option_path in options:
        if not isinstance(option, dict):
            errors.append(_err("option must be an object", option_path))
            continue
        errors += _text_errors(
            option.get("text"), f"{option_path}/text", what="option text", limit=75
        )
        errors += _length_errors(option, "value", 150, option_path)
    return errors


# --- Recorded traffic --------------------------------------------------------------------


@dataclass(frozen=True)
class ApiCall:
    """One Web API call the stand-in received, with what it answered."""

    method: str
    params: dict[str, Any]
    token: str | None
    response: dict[str, Any]
    status: int


@dataclass(frozen=True)
class ResponseUrlPost:
    """One POST to a response_url handed out by the stand-in."""

    name: str
    body: dict[str, Any]
    # The client's port: POSTs over one kept-alive connection share it.
    connection: int = 0


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: int | None
    error: str | None
    # Slack did the work (stored the message) before the failure reached the client.
    after_effect: bool = False
    # No answer at all: the connection is closed, as when a proxy or the network drops it.
    drop: bool = False


# The status recorded for a call whose connection was dropped without an answer.
DROPPED = 0


# --- The stand-in ------------------------------------------------------------------------


class SlackStandIn:
    """A local HTTP server that answers Slack Web API calls and records them."""

    def __init__(
        self,
        *,
        token: str | None = None,
        app_token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        team_id: str = "T0001",
    ) -> None:
        """Configure the stand-in; call start() (or use `with`) to serve."""
        self._token = token
        self._app_token = app_token
        # Where apps.connections.open sends Socket Mode clients (a test's WebSocket server).
        self.socket_url: str | None = None
        self._address = (host, port)
        self._team_id = team_id
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0  # never reset, so ts and ids stay unique across reset()
        self._routes: dict[str, Callable[[Params], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "oauth.v2.access": self._oauth_access,
            "apps.connections.open": self._connections_open,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.getPermalink": self._permalink,
            "chat.scheduleMessage": self._schedule_message,
            "views.open": self._open_view,
            "views.push": self._open_view,
            "views.update": self._update_view,
            "views.publish": self._publish_view,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.open": self._open_conversation,
            "conversations.join": self._join,
            "conversations.info": self._conversation_info,
            "conversations.list": self._conversation_list,
            "users.info": self._user_info,
            "users.list": self._users_list,
            "users.lookupByEmail": self._lookup_by_email,
            "usergroups.users.list": self._usergroup_users,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        self._forget()

    def _forget(self) -> None:
        self._calls: list[ApiCall] = []
        self._responses: list[ResponseUrlPost] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._not_in: set[str] = set()
        self._channels: dict[str, dict[str, Any]] = {}
        self._gone: set[str] = set()
        self._expired: set[str] = set()
        self._views: dict[str, dict[str, Any]] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        # Workspaces installed by OAuth: bot token → team, codes and refresh tokens to grant.
        self._workspaces: dict[str, str] = {}
        self._codes: dict[str, dict[str, Any]] = {}
        self._refresh_tokens: dict[str, str] = {}
        self._oauth_client: tuple[str, str] | None = None
        self._caller_team = self._team_id
        # chat.postMessage's per-channel limit (seconds between posts; None: unlimited), and
        # when each channel last took a post (time.monotonic).
        self._usergroups: dict[str, list[str]] = {}
        self._post_interval: float | None = None
        self._posted_at: dict[str, list[float]] = {}
        self.rate_limited = 0

    # Lifecycle

    def start(self) -> SlackStandIn:
        """Bind the port and serve from a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("SlackStandIn is already started")
        self._server = _Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so stop() returns quickly
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> SlackStandIn:
        """Start the stand-in."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the stand-in."""
        self.stop()

    @property
    def origin(self) -> str:
        """The server's "http://host:port" (only while started)."""
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """Web API base URL for slack-sdk clients, with a trailing slash."""
        return f"{self.origin}/api/"

    def response_url(self, name: str = "r1") -> str:
        """A response_url whose POSTs are recorded under `name`."""
        return f"{self.origin}/response/{name}"

    # Inspection

    @property
    def calls(self) -> list[ApiCall]:
        """All Web API calls so far, in order (a copy)."""
        with self._lock:
            return list(self._calls)

    @property
    def responses(self) -> list[ResponseUrlPost]:
        """All response_url POSTs so far, in order (a copy)."""
        with self._lock:
            return list(self._responses)

    @property
    def uploads(self) -> dict[str, int]:
        """Sizes in bytes of the files uploaded to upload URLs, by file id."""
        with self._lock:
            return {fid: u["size"] for fid, u in self._uploads.items() if u["size"] is not None}

    def upload_content(self, file_id: str) -> bytes:
        """The bytes uploaded for a file id (empty if none arrived)."""
        with self._lock:
            return bytes(self._uploads.get(file_id, {}).get("content") or b"")

    def calls_to(self, method: str) -> list[ApiCall]:
        """All calls of `method`, failed or not, in order."""
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def messages(self, channel: str, *, replies: bool = True) -> list[dict[str, Any]]:
        """The channel's current messages, in posting order; without thread replies if asked."""
        with self._lock:
            found = copy.deepcopy(self._messages.get(_channel_id(channel), []))
        return found if replies else [m for m in found if _is_top_level(m)]

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """The channel's current message with this ts; KeyError when there is none."""
        for message in self.messages(channel):
            if message["ts"] == ts:
                return message
        raise KeyError(f"no message {ts} in {channel}")

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[ApiCall]:
        """Wait until `count` calls of `method` arrived, then return calls_to(method)."""
        deadline = time.monotonic() + timeout
        while len(calls := self.calls_to(method)) < count:
            if time.monotonic() >= deadline:
                raise AssertionError(_timeout_message(method, count, len(calls), timeout))
            await asyncio.sleep(0.01)
        return calls

    def wait_for_sync(self, method: str, count: int = 1, timeout: float = 5.0) -> list[ApiCall]:
        """Blocking wait_for(), for synchronous code."""
        deadline = time.monotonic() + timeout
        while len(calls := self.calls_to(method)) < count:
            if time.monotonic() >= deadline:
                raise AssertionError(_timeout_message(method, count, len(calls), timeout))
            time.sleep(0.01)
        return calls

    # Scripting

    def reset(self) -> None:
        """Forget calls, responses, queued failures, messages, users and channel settings."""
        with self._lock:
            self._forget()

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 0,
        error: str | None = None,
        times: int = 1,
        after_effect: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` fail with this status or error.

        With after_effect the call first does its work (a message is posted) and only then
        answers the failure: Slack's "posted, then answered 500".
        """
        if status == 200 and not error:
            raise ValueError("fail_next with status 200 needs an error")
        self._queue(method, _Failure(status, retry_after, error, after_effect), times)

    def add_usergroup(self, group_id: str, users: list[str]) -> None:
        """Make usergroups.users.list answer for group_id with these members."""
        with self._lock:
            self._usergroups[group_id] = list(users)

    def limit_posts(self, seconds: float = 1.0) -> None:
        """Enforce Slack's chat.postMessage limit: a post to a channel sooner than seconds
        after its last one is answered 429 with Retry-After (and counted in rate_limited)."""
        with self._lock:
            self._post_interval = seconds

    def post_times(self, channel: str) -> list[float]:
        """When each post to a channel was taken (time.monotonic), oldest first."""
        with self._lock:
            return list(self._posted_at.get(_channel_id(channel), []))

    def drop_next(self, method: str, *, after_effect: bool = True, times: int = 1) -> None:
        """Close the connection of the next `times` calls of `method` without answering.

        By default the call does its work first: "posted, then the connection dropped".
        """
        self._queue(method, _Failure(DROPPED, None, None, after_effect, drop=True), times)

    def _queue(self, method: str, failure: _Failure, times: int) -> None:
        with self._lock:
            self._failures.setdefault(method, deque()).extend([failure] * times)

    def add_user(self, user_id: str, *, email: str | None = None, **fields: Any) -> None:
        """Make users.info, users.list and (given an email) users.lookupByEmail answer for
        `user_id` with these fields over the defaults."""
        user = _default_user(user_id, self._team_id) | fields
        profile = {"real_name": user["real_name"], "display_name": user["name"]}
        if email is not None:
            profile["email"] = email
        user["profile"] = profile | user.get("profile", {})
        with self._lock:
            self._users[user_id] = user

    def oauth_client(self, client_id: str, client_secret: str) -> None:
        """Make oauth.v2.access answer only this app's client id and secret."""
        with self._lock:
            self._oauth_client = (client_id, client_secret)

    def grant_code(self, code: str, *, team_id: str, installer: str, rotating: bool = False) -> str:
        """Make oauth.v2.access exchange `code` (once) for a new bot token of team_id, and
        return that token; with rotating, the token expires in 12 hours and comes with a
        refresh token (token_rotation_enabled)."""
        with self._lock:
            token = self._issue(team_id, rotating)
            self._codes[code] = {
                **token,
                "scope": "commands,chat:write",
                "bot_user_id": BOT_USER_ID,
                "app_id": "A0LEADLOOP",
                "team": {"id": team_id, "name": f"Workspace {team_id}"},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": installer},
            }
            return str(token["access_token"])

    def _issue(self, team_id: str, rotating: bool) -> dict[str, Any]:
        """A new bot token of team_id (and a refresh token if rotating), known from now on."""
        n = self._next()
        token = f"xoxe.xoxb-{team_id}-{n}" if rotating else f"xoxb-{team_id}-{n}"
        self._workspaces[token] = team_id
        answer: dict[str, Any] = {"ok": True, "access_token": token, "token_type": "bot"}
        if rotating:
            refresh = f"xoxe-1-{team_id}-{n}"
            self._refresh_tokens[refresh] = team_id
            answer |= {"refresh_token": refresh, "expires_in": 43200}
        return answer

    def revoke(self, token: str) -> None:
        """Answer invalid_auth to this token from now on, as after an uninstall."""
        with self._lock:
            self._workspaces.pop(token, None)

    def expire_response_url(self, name: str) -> None:
        """Answer 404 `expired_url` to later POSTs to this response_url, as Slack does."""
        with self._lock:
            self._expired.add(name)

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        private: bool = False,
        member: bool = True,
        archived: bool = False,
    ) -> None:
        """Make Slack know this channel by name (conversations.list and .info); unless member,
        the bot is not in it, and like Slack a private one is then invisible to it."""
        with self._lock:
            self._channels[channel_id] = {
                "name": name,
                "is_private": private,
                "is_archived": archived,
            }
            if member:
                self._not_in.discard(channel_id)
            else:
                self._not_in.add(channel_id)

    def forget_channel(self, channel_id: str) -> None:
        """Answer channel_not_found for this channel from now on, as for a deleted one."""
        with self._lock:
            self._gone.add(channel_id)

    def bot_not_in(self, channel_id: str) -> None:
        """Answer not_in_channel for posts to this channel until the bot joins it."""
        with self._lock:
            self._not_in.add(channel_id)

    # HTTP entry points (called from server threads)

    def _api(self, method: str, params: Params, token: str | None) -> Answer:
        with self._lock:
            status, body, headers = self._answer(method, params, token)
            self._calls.append(ApiCall(method, params, token, copy.deepcopy(body), status))
        return status, body, headers

    def _record_response(self, name: str, body: dict[str, Any], connection: int) -> bool:
        """Record a POST to a response_url; False (and nothing recorded) once it expired."""
        with self._lock:
            if name in self._expired:
                return False
            self._responses.append(ResponseUrlPost(name, body, connection))
            return True

    def _record_upload(self, file_id: str, content: bytes) -> bool:
        with self._lock:
            if file_id not in self._uploads:
                return False
            self._uploads[file_id]["size"] = len(content)
            self._uploads[file_id]["content"] = content
            return True

    def _answer(self, method: str, params: Params, token: str | None) -> Answer:
        if method == "chat.postMessage" and self._post_interval is not None:
            wait = self._rate_wait(_channel_id(params.get("channel")))
            if wait is not None:
                self.rate_limited += 1
                return 429, _error("ratelimited"), {"Retry-After": str(wait)}
        queued = self._failures.get(method)
        if not queued:
            return self._serve(method, params, token)
        failure = queued.popleft()
        if failure.after_effect:
            self._serve(method, params, token)
        return _failure_answer(failure)

    def _rate_wait(self, channel: str) -> int | None:
        """Whole seconds to wait before channel takes another post; None: take it now."""
        now = time.monotonic()
        taken = self._posted_at.setdefault(channel, [])
        if taken and now - taken[-1] < (self._post_interval or 0):
            return max(1, math.ceil(taken[-1] + (self._post_interval or 0) - now))
        taken.append(now)
        return None

    def _serve(self, method: str, params: Params, token: str | None) -> Answer:
        if method == "apps.connections.open":
            if token is None or token != self._app_token:
                return 200, _error("not_authed" if token is None else "invalid_auth"), {}
        elif method == "oauth.v2.access":
            pass  # the app's client id and secret stand for a token
        elif self._token is not None and token != self._token and token not in self._workspaces:
            return 200, _error("not_authed" if token is None else "invalid_auth"), {}
        self._caller_team = self._workspaces.get(token or "", self._team_id)
        route = self._routes.get(method)
        if route is None:
            return 200, _error("unknown_method"), {}
        if method in _MESSAGE_METHODS:
            problem = _message_problem(params)
            if problem is not None:
                return 200, problem, {}
        if method.startswith("views.") and "view" in params:
            errors = view_errors(params["view"])
            if errors:
                return 200, _invalid_arguments(errors), {}
        return 200, route(params), {}

    # Method handlers; each runs under the lock and returns the response body.

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def _next_ts(self) -> str:
        micros = 1_700_000_000_000_000 + self._next() * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _auth_test(self, params: Params) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Example",
            "user": "leadloop",
            "team_id": self._caller_team,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _oauth_access(self, params: Params) -> dict[str, Any]:
        """oauth.v2.access: a granted code (once), or a refresh token, for a bot token."""
        given = (params.get("client_id"), params.get("client_secret"))
        if self._oauth_client is not None and given != self._oauth_client:
            return _error(
                "invalid_client_id" if given[0] != self._oauth_client[0] else "bad_client_secret"
            )
        if params.get("grant_type") == "refresh_token":
            team_id = self._refresh_tokens.pop(str(params.get("refresh_token")), None)
            if team_id is None:
                return _error("invalid_refresh_token")
            return self._issue(team_id, rotating=True) | {"team": {"id": team_id}}
        grant = self._codes.pop(str(params.get("code")), None)
        return grant if grant is not None else _error("invalid_code")

    def _connections_open(self, params: Params) -> dict[str, Any]:
        if self.socket_url is None:
            return _error("internal_error")
        return {"ok": True, "url": self.socket_url}

    def _bot_message(self, params: Params, ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "text": params.get("text") or "",
            "ts": ts,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "team": self._team_id,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts", "files"):
            if params.get(key) is not None:
                message[key] = params[key]
        return message

    def _post_message(self, params: Params) -> dict[str, Any]:
        channel = _channel_id(params.get("channel"))
        if not channel or channel in self._gone:
            return _error("channel_not_found")
        if channel in self._not_in:
            return _error("not_in_channel")
        ts = self._next_ts()
        stored = {
            "ts": ts,
            "text": params.get("text") or "",
            "blocks": params.get("blocks") or [],
            "thread_ts": params.get("thread_ts"),
            "user": BOT_USER_ID,
        }
        if params.get("metadata") is not None:
            stored["metadata"] = params["metadata"]
        self._messages.setdefault(channel, []).append(copy.deepcopy(stored))
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": self._bot_message(params, ts),
        }

    def _history(self, params: Params) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        # Unlike chat.postMessage, reading wants the conversation's id, not a user's.
        if not channel or channel[0] in "UW":
            return _error("channel_not_found")
        if channel in self._not_in:
            return _error("not_in_channel")
        top = [m for m in self._messages.get(channel, []) if _is_top_level(m)]
        return self._page(channel, top[::-1], params)

    def _replies(self, params: Params) -> dict[str, Any]:
        channel, ts = str(params.get("channel") or ""), params.get("ts")
        if channel in self._not_in:
            return _error("not_in_channel")
        messages = self._messages.get(channel, [])
        if not ts or not any(m["ts"] == ts for m in messages):
            return _error("thread_not_found")
        thread = [m for m in messages if ts in (m["ts"], m.get("thread_ts"))]
        return self._page(channel, thread, params)

    def _page(self, channel: str, messages: list[dict[str, Any]], params: Params) -> dict[str, Any]:
        """One page of messages, as conversations.history and .replies answer (cursor paging).

        Like Slack, a message's metadata is shown only when include_all_metadata is set.
        """
        limit = int(params.get("limit") or 100)
        start = int(str(params.get("cursor") or "page_0").removeprefix("page_"))
        with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
        shown = []
        for message in messages[start : start + limit]:
            listed = self._bot_message(message, message["ts"])
            if not with_metadata:
                listed.pop("metadata", None)
            shown.append(listed)
        more = start + limit < len(messages)
        return {
            "ok": True,
            "channel": channel,
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": f"page_{start + limit}" if more else ""},
        }

    def _post_ephemeral(self, params: Params) -> dict[str, Any]:
        channel = _channel_id(params.get("channel"))
        if not channel:
            return _error("channel_not_found")
        if not params.get("user"):
            return _error("user_not_found")
        if channel in self._not_in:
            return _error("not_in_channel")
        return {"ok": True, "message_ts": self._next_ts()}

    def _find(self, params: Params) -> tuple[str, dict[str, Any] | None]:
        channel = _channel_id(params.get("channel"))
        ts = params.get("ts")
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return channel, message
        return channel, None

    def _update(self, params: Params) -> dict[str, Any]:
        channel, message = self._find(params)
        if channel in self._not_in:
            return _error("not_in_channel")
        if message is None:
            return _error("message_not_found")
        # Like Slack, fields left out of chat.update keep their previous values.
        if "text" in params:
            message["text"] = params["text"] or ""
        if "blocks" in params:
            message["blocks"] = copy.deepcopy(params["blocks"]) or []
        answer = self._bot_message(message, message["ts"])
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": answer,
        }

    def _delete(self, params: Params) -> dict[str, Any]:
        channel, message = self._find(params)
        if message is None:
            return _error("message_not_found")
        self._messages[channel].remove(message)
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def _permalink(self, params: Params) -> dict[str, Any]:
        channel = _channel_id(params.get("channel"))
        ts = params.get("message_ts")
        if not channel or not ts:
            return _error("message_not_found")
        link = f"https://example.slack.com/archives/{channel}/p{str(ts).replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _schedule_message(self, params: Params) -> dict[str, Any]:
        channel = _channel_id(params.get("channel"))
        if not channel:
            return _error("channel_not_found")
        if not params.get("post_at"):
            return _error("invalid_time")
        return {
            "ok": True,
            "channel": channel,
            "scheduled_message_id": f"Q{self._next():010d}",
            "post_at": int(params["post_at"]),
            "message": self._bot_message(params, self._next_ts()),
        }

    def _store_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        view_id = view_id or f"V{self._next():010d}"
        stored = {
            "id": view_id,
            "team_id": self._team_id,
            "type": view.get("type"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{1_700_000_000 + self._next()}.standin",
            "root_view_id": view_id,
            "app_id": "A0APP",
            "bot_id": BOT_ID,
        }
        self._views[view_id] = copy.deepcopy(stored)
        return {"ok": True, "view": stored}

    def _open_view(self, params: Params) -> dict[str, Any]:
        if not (params.get("trigger_id") or params.get("interactivity_pointer")):
            return _invalid_arguments([_err("missing required field: trigger_id", "/trigger_id")])
        if "view" not in params:
            return _invalid_arguments([_err("missing required field: view", "/view")])
        return self._store_view(params["view"])

    def _update_view(self, params: Params) -> dict[str, Any]:
        if "view" not in params:
            return _invalid_arguments([_err("missing required field: view", "/view")])
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        if external_id and not view_id:
            view_id = next(
                (v["id"] for v in self._views.values() if v["external_id"] == external_id), None
            )
        if view_id not in self._views:
            return _error("not_found")
        return self._store_view(params["view"], view_id)

    def _publish_view(self, params: Params) -> dict[str, Any]:
        if not params.get("user_id"):
            return _invalid_arguments([_err("missing required field: user_id", "/user_id")])
        if "view" not in params:
            return _invalid_arguments([_err("missing required field: view", "/view")])
        if params["view"].get("type") != "home":
            return _invalid_arguments([_err("views.publish needs a home view", "/view/type")])
        return self._store_view(params["view"])

    def _open_conversation(self, params: Params) -> dict[str, Any]:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": params["channel"]}}
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            return _error("users_list_not_supplied")
        if len(users) == 1:
            return {"ok": True, "channel": {"id": _channel_id(users[0])}}
        # A multi-person DM; any stable id of the private-channel family will do.
        return {"ok": True, "channel": {"id": "G" + "".join(u.lstrip("U") for u in users)}}

    def _join(self, params: Params) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel or channel in self._gone:
            return _error("channel_not_found")
        if channel[0] in "GD" or self._channels.get(channel, {}).get("is_private"):
            return _error("method_not_supported_for_channel_type")
        answer: dict[str, Any] = {"ok": True, "channel": self._channel(channel, is_member=True)}
        if channel in self._not_in:
            self._not_in.discard(channel)
        else:
            answer["warning"] = "already_in_channel"
            answer["response_metadata"] = {"warnings": ["already_in_channel"]}
        return answer

    def _conversation_info(self, params: Params) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel or channel in self._gone:
            return _error("channel_not_found")
        info = self._channel(channel, channel not in self._not_in)
        if info["is_private"] and not info["is_member"]:
            return _error("channel_not_found")  # a bot sees only the private channels it is in
        return {"ok": True, "channel": info}

    def _conversation_list(self, params: Params) -> dict[str, Any]:
        kinds = str(params.get("types") or "public_channel").split(",")
        visible = [
            info
            for channel in self._channels
            if channel not in self._gone
            and (info := self._channel(channel, channel not in self._not_in))
            and ("private_channel" if info["is_private"] else "public_channel") in kinds
            and (info["is_member"] or not info["is_private"])
        ]
        start = int(params.get("cursor") or 0)
        end = start + int(params.get("limit") or 100)
        more = str(end) if end < len(visible) else ""
        return {
            "ok": True,
            "channels": visible[start:end],
            "response_metadata": {"next_cursor": more},
        }

    def _channel(self, channel: str, is_member: bool) -> dict[str, Any]:
        known = self._channels.get(channel, {})
        info: dict[str, Any] = {
            "id": channel,
            "name": known.get("name", channel.lower()),
            "is_channel": channel[0] in "CG",
            "is_private": known.get("is_private", channel[0] == "G"),
            "is_im": channel[0] == "D",
            "is_archived": known.get("is_archived", False),
            "is_member": is_member,
        }
        if channel[0] == "D":
            info["user"] = "U" + channel[1:]
        return info

    def _user_info(self, params: Params) -> dict[str, Any]:
        user_id = params.get("user")
        if not user_id:
            return _error("user_not_found")
        user = self._users.get(user_id)
        if user is None:
            user = _default_user(user_id, self._team_id)
            user["profile"] = {"real_name": user["real_name"], "display_name": user["name"]}
        return {"ok": True, "user": copy.deepcopy(user)}

    def _users_list(self, params: Params) -> dict[str, Any]:
        """The added users by id, a page at a time: `limit` per page, `cursor` from the last."""
        users = [self._users[user_id] for user_id in sorted(self._users)]
        start = 0
        if params.get("cursor"):
            try:
                start = int(base64.b64decode(str(params["cursor"])).decode().removeprefix("at:"))
            except ValueError:
                return _error("invalid_cursor")
        limit = int(params.get("limit") or 0) or len(users) or 1
        page = users[start : start + limit]
        after = start + limit
        cursor = base64.b64encode(f"at:{after}".encode()).decode() if after < len(users) else ""
        return {
            "ok": True,
            "members": copy.deepcopy(page),
            "cache_ts": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    def _usergroup_users(self, params: Params) -> dict[str, Any]:
        users = self._usergroups.get(str(params.get("usergroup") or ""))
        return _error("no_such_subteam") if users is None else {"ok": True, "users": users}

    def _lookup_by_email(self, params: Params) -> dict[str, Any]:
        email = str(params.get("email") or "").strip().lower()
        for user in self._users.values():
            if email and str(user["profile"].get("email", "")).lower() == email:
                return {"ok": True, "user": copy.deepcopy(user)}
        return _error("users_not_found")

    def _upload_url(self, params: Params) -> dict[str, Any]:
        if not params.get("filename") or not params.get("length"):
            return _invalid_arguments([_err("missing required field: filename or length", "/")])
        file_id = f"F{self._next():010d}"
        self._uploads[file_id] = {"filename": params["filename"], "size": None}
        return {"ok": True, "upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: Params) -> dict[str, Any]:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return _invalid_arguments([_err("files must be a non-empty array", "/files")])
        answered = []
        for entry in files:
            upload = self._uploads.get(entry.get("id")) if isinstance(entry, dict) else None
            if upload is None:
                return _error("file_not_found")
            title = entry.get("title") or upload["filename"]
            answered.append(
                {
                    "id": entry["id"],
                    "title": title,
                    "name": upload["filename"],
                    "size": upload["size"],
                }
            )
        channel = params.get("channel_id")
        if channel:
            # Sharing the files posts a message (in the thread, with thread_ts) that lists them.
            shared = {
                "ts": self._next_ts(),
                "text": params.get("initial_comment") or "",
                "blocks": [],
                "thread_ts": params.get("thread_ts"),
                "user": BOT_USER_ID,
                "files": [{k: f[k] for k in ("id", "name", "title")} for f in answered],
            }
            self._messages.setdefault(channel, []).append(shared)
        return {"ok": True, "files": answered}


# --- Helpers -----------------------------------------------------------------------------


def _error(code: str) -> dict[str, Any]:
    return {"ok": False, "error": code}


def _invalid_arguments(errors: list[str]) -> dict[str, Any]:
    return {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
    }


def _failure_answer(failure: _Failure) -> Answer:
    if failure.drop:
        return DROPPED, {}, {}
    headers: dict[str, str] = {}
    if failure.status == 429:
        if failure.retry_after is not None:
            headers["Retry-After"] = str(failure.retry_after)
        return 429, _error(failure.error or "ratelimited"), headers
    return failure.status, _error(failure.error or "internal_error"), headers


def _message_problem(params: Params) -> dict[str, Any] | None:
    blocks = params.get("blocks")
    if blocks is not None:
        if not isinstance(blocks, list):
            return _error("invalid_blocks_format")
        errors = block_kit_errors(blocks, surface="message")
        if errors:
            return {
                "ok": False,
                "error": "invalid_blocks",
                "errors": errors,
                "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
            }
    content = ("text", "blocks", "attachments", "markdown_text")
    if not any(params.get(key) for key in content):
        return _error("no_text")
    return None


def _is_top_level(message: dict[str, Any]) -> bool:
    return message.get("thread_ts") in (None, message["ts"])


def _channel_id(channel: Any) -> str:
    # Posting to a user id lands in the bot's DM with that user, as on Slack.
    channel = str(channel or "")
    return "D" + channel[1:] if channel.startswith("U") else channel


def _default_user(user_id: str, team_id: str) -> dict[str, Any]:
    return {
        "id": user_id,
        "team_id": team_id,
        "name": user_id.lower(),
        "real_name": f"User {user_id}",
        "tz": "UTC",
        "tz_offset": 0,
        "is_admin": False,
        "is_owner": False,
        "is_bot": False,
        "deleted": False,
    }


def _timeout_message(method: str, expected: int, seen: int, timeout: float) -> str:
    return f"expected {expected} call(s) to {method} within {timeout}s, saw {seen}"


def _parse_params(query: str, content_type: str, body: bytes) -> Params:
    params: Params = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body:
        payload = json.loads(body)
        if isinstance(payload, dict):
            params.update(payload)
    elif kind == "application/x-www-form-urlencoded" and body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in _JSON_FIELDS:
        if isinstance(params.get(key), str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass  # left as a string; the method checks then reject it like Slack would
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], standin: SlackStandIn) -> None:
        super().__init__(address, _Handler)
        self.standin = standin


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Keep-alive, as Slack's servers: a client may send many requests over one connection.
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read the recorded calls instead

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type", "")
        parts = url.path.strip("/").split("/")
        standin = self.server.standin
        try:
            if len(parts) == 2 and parts[0] == "api":
                params = _parse_params(url.query, content_type, body)
                token = params.pop("token", None)
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Bearer "):
                    token = auth.removeprefix("Bearer ")
                elif auth.startswith("Basic "):  # oauth.v2.access: the app's id and secret
                    pair = base64.b64decode(auth.removeprefix("Basic ")).decode()
                    params["client_id"], _, params["client_secret"] = pair.partition(":")
                status, answer, headers = standin._api(parts[1], params, token)
                if status == DROPPED:
                    self.close_connection = True  # hang up without a word
                    return
                self._send(status, json.dumps(answer), "application/json", headers)
            elif len(parts) == 2 and parts[0] == "response" and self.command == "POST":
                posted = _parse_params("", content_type, body)
                # Slack checks blocks sent to a response_url like any message's.
                blocks = posted.get("blocks")
                if not standin._record_response(parts[1], posted, self.client_address[1]):
                    self._send(404, "expired_url", "text/plain")
                elif blocks is not None and block_kit_errors(blocks, surface="message"):
                    self._send(400, "invalid_blocks", "text/plain")
                else:
                    self._send(200, "ok", "text/plain")
            elif len(parts) == 2 and parts[0] == "upload" and self.command == "POST":
                if standin._record_upload(parts[1], body):
                    self._send(200, f"OK - {len(body)}", "text/plain")
                else:
                    self._send(404, "file_not_found", "text/plain")
            else:
                self._send(404, "not found", "text/plain")
        except Exception as exc:
            # Surface stand-in bugs to the client instead of printing a traceback.
            self._send(500, json.dumps(_error(f"standin_error: {exc!r}")), "application/json")

    def _send(
        self, status: int, text: str, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
