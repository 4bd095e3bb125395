"""Hypothesis strategies for what a hostile or broken sender can put in Slack's requests and in
/api/leads bodies: mostly the right shape with wrong values, sometimes the wrong shape.

Values are drawn near the edges the app must hold: ids of the wrong kind or length, row ids
past 2**31, lone surrogates, NUL, bidi overrides, mrkdwn and mentions, dates out of range,
JSON of the wrong type.
"""

import json
from typing import Any

from hypothesis import strategies as st

from handlers.views import ids
from storage.goal_targets import Goal
from storage.vocabulary import LeadStatus, Rating, Reason
from tests.factories import CHANNEL, OTHER_TEAM, REP, TEAM

MARKETER = "U0MKT"
# Stands for the Slack stand-in's response_url, whose port is known only when the tests run.
RESPONSE_URL = "https://response.leadloop.invalid/fuzz"

# Text from the whole of Unicode, lone surrogates included (JSON escapes carry them).
any_text = st.text(max_size=40)
# Text that a form-encoded body can carry (UTF-8 has no lone surrogates).
form_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
tricky_text = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\ud800",
        "x\udfff",
        "\u202eexe.txt",
        "Ac\u200bme",
        "*b*",
        "_i_ ~s~ `c`",
        "<!channel>",
        "<@U0BOSS>",
        "<https://evil.example|click>",
        "&amp; &lt;",
        "%",
        "_",
        "\\",
        "'; DROP TABLE leads; --",
        "9" * 40,
        "x" * 5000,
        "👩\u200d💻",
    ]
)
text = st.one_of(tricky_text, any_text)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """good nine times in ten: each of a payload's parts is broken now and then, so that
    most examples get past the door to the listeners, with the values fuzzed."""
    return st.integers(0, 9).flatmap(lambda n: bad if n == 9 else good)


TEAMS = [TEAM, OTHER_TEAM, "", "T", "T" + "A" * 21, "T" + "A" * 40, "t0team", "E0ORG", "<!here>"]
USERS = [REP, MARKETER, "W0GRID", "", "U", "U" + "1" * 40, "<!channel>", "u0rep", "B0BOT"]
team_id = mostly(st.just(TEAM), st.one_of(st.sampled_from(TEAMS), any_text))
user_id = mostly(st.sampled_from([REP, MARKETER]), st.one_of(st.sampled_from(USERS), any_text))

row_ids = mostly(
    st.integers(min_value=1, max_value=6),
    st.one_of(st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63, 10**20]), st.integers()),
)
emails = st.sampled_from(
    ["ada@example.com", "new@lead.io", "A@B.CO", "bad@", "@x.com", "a@b", "x" * 250 + "@b.co"]
)
words = st.sampled_from(
    [r.value for r in Rating]
    + [s.value for s in LeadStatus]
    + [r.value for r in Reason]
    + ["🔥", "dq", "no-budget", "mine", "show", "help", "list", "#spring", "#", "#NOPE"]
)
dates = st.one_of(
    st.sampled_from(["2026-11-24", "2026-12-01", "2020-01-01", "9999-12-31", "0001-01-01"]),
    st.dates().map(str),
    any_text,
)
times = st.one_of(st.sampled_from(["09:00", "23:59", "24:00", "9:5", "-1:00"]), any_text)
ratings = mostly(st.sampled_from([r.value for r in Rating]), st.one_of(words, text))
names = mostly(st.sampled_from(["Spring launch", "*b*", "Zoë 🚀 Q1", "<!channel> day"]), text)
lead_refs = mostly(
    st.sampled_from(["ada.seed@example.com", "new@lead.io", "crm-1", '"Ada Seed"', "NEW@Lead.IO"]),
    st.one_of(emails, form_text),
)
channels = mostly(
    st.sampled_from([CHANNEL, "G0PRIVATE"]),
    st.sampled_from(["D0DM", "C", "C" + "1" * 40, "<#C0SALES>", ""]),
)
option_value = mostly(
    st.sampled_from(["lead:1", "new:new@lead.io", "new-id:crm-9", "campaign:1"]),
    st.one_of(
        row_ids.map(lambda n: f"lead:{n}"),
        row_ids.map(lambda n: f"campaign:{n}"),
        emails.map(lambda e: f"new:{e}"),
        text.map(lambda t: f"new-id:{t}"),
        words,
        st.sampled_from([g.value for g in Goal]),
        text,
    ),
)

# Any JSON value, for the fields whose type itself is fuzzed.
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)


def _option(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"selected_option": st.builds(dict, value=values)})


def _typed(key: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({key: values})


days = st.sampled_from(["mon", "tue", "fri", "sun", "xyz", ""])
numbers = mostly(
    st.integers(1, 60).map(str),
    st.one_of(st.integers().map(str), st.sampled_from(["1e9", "0.5", "", "NaN"]), text),
)
# Each modal's inputs, with the element Slack sends for each.
MODAL_INPUTS: dict[str, list[tuple[str, str, st.SearchStrategy[Any]]]] = {
    ids.FEEDBACK_MODAL: [
        (ids.FEEDBACK_LEAD_BLOCK, ids.FEEDBACK_LEAD_ACTION, _option(option_value)),
        (ids.FEEDBACK_RATING_BLOCK, ids.FEEDBACK_RATING_ACTION, _option(ratings)),
        (ids.FEEDBACK_STATUS_BLOCK, ids.FEEDBACK_STATUS_ACTION, _option(words)),
        (ids.FEEDBACK_REASON_BLOCK, ids.FEEDBACK_REASON_ACTION, _option(words)),
        (ids.FEEDBACK_CAMPAIGN_BLOCK, ids.FEEDBACK_CAMPAIGN_ACTION, _option(option_value)),
        (ids.FEEDBACK_NOTE_BLOCK, ids.FEEDBACK_NOTE_ACTION, _typed("value", text)),
    ],
    ids.CAMPAIGN_MODAL: [
        (ids.CAMPAIGN_NAME_BLOCK, ids.CAMPAIGN_NAME_ACTION, _typed("value", names)),
        (
            ids.CAMPAIGN_LAUNCH_BLOCK,
            ids.CAMPAIGN_LAUNCH_ACTION,
            _typed("selected_date", mostly(st.just("2026-12-01"), dates)),
        ),
        (
            ids.CAMPAIGN_CHANNEL_BLOCK,
            ids.CAMPAIGN_CHANNEL_ACTION,
            _typed("selected_conversation", channels),
        ),
        (ids.CAMPAIGN_AUDIENCE_BLOCK, ids.CAMPAIGN_AUDIENCE_ACTION, _typed("value", names)),
        (ids.CAMPAIGN_MESSAGE_BLOCK, ids.CAMPAIGN_MESSAGE_ACTION, _typed("value", names)),
        (ids.CAMPAIGN_CTA_BLOCK, ids.CAMPAIGN_CTA_ACTION, _typed("value", names)),
        (
            ids.CAMPAIGN_LINKS_BLOCK,
            ids.CAMPAIGN_LINKS_ACTION,
            _typed(
                "value",
                mostly(st.just("https://ex.com/a"), st.sampled_from(["javascript:x", "http://"])),
            ),
        ),
        (ids.CAMPAIGN_EXPECTED_BLOCK, ids.CAMPAIGN_EXPECTED_ACTION, _typed("value", numbers)),
    ],
    ids.CAMPAIGN_COMMENT_MODAL: [
        (ids.CAMPAIGN_COMMENT_BLOCK, ids.CAMPAIGN_COMMENT_ACTION, _typed("value", text)),
    ],
    ids.SETTINGS_MODAL: [
        (
            ids.SETTINGS_DIGEST_CHANNELS_BLOCK,
            ids.SETTINGS_DIGEST_CHANNELS_ACTION,
            _typed("selected_conversations", st.lists(channels, max_size=3)),
        ),
        (ids.SETTINGS_DIGEST_DAY_BLOCK, ids.SETTINGS_DIGEST_DAY_ACTION, _option(days)),
        (
            ids.SETTINGS_DIGEST_TIME_BLOCK,
            ids.SETTINGS_DIGEST_TIME_ACTION,
            _typed("selected_time", times),
        ),
        (
            ids.SETTINGS_NUDGE_DAYS_BLOCK,
            ids.SETTINGS_NUDGE_DAYS_ACTION,
            _typed("selected_options", st.lists(st.builds(dict, value=days), max_size=3)),
        ),
        (
            ids.SETTINGS_NUDGE_TIME_BLOCK,
            ids.SETTINGS_NUDGE_TIME_ACTION,
            _typed("selected_time", times),
        ),
        (ids.SETTINGS_STALE_DAYS_BLOCK, ids.SETTINGS_STALE_DAYS_ACTION, _typed("value", numbers)),
        (
            ids.SETTINGS_TIMEZONE_BLOCK,
            ids.SETTINGS_TIMEZONE_ACTION,
            _typed("value", st.sampled_from(["UTC", "Europe/Paris", "Mars/Base", "../etc"])),
        ),
        (
            ids.SETTINGS_ADMINS_BLOCK,
            ids.SETTINGS_ADMINS_ACTION,
            _typed("selected_users", st.lists(user_id, max_size=3)),
        ),
        *(
            (
                ids.SETTINGS_GOAL_BLOCK_PREFIX + goal.value,
                ids.SETTINGS_GOAL_ACTION_PREFIX + goal.value,
                _typed("value", numbers),
            )
            for goal in Goal
        ),
    ],
}
# An element of the wrong kind, or of no kind at all.
wrong_element = st.one_of(
    _typed("value", st.one_of(json_value, st.none())),
    _typed("selected_option", json_value),
    _typed("selected_users", json_value),
    json_value,
)


@st.composite
def modal_values(draw: st.DrawFn, callback_id: str) -> dict[str, Any]:
    """view.state.values for the modal: its inputs, most of the right kind, some left out."""
    values: dict[str, Any] = {}
    for block_id, action_id, right in MODAL_INPUTS.get(callback_id, []):
        if draw(st.integers(0, 19)) == 0:
            continue
        values.setdefault(block_id, {})[action_id] = draw(mostly(right, wrong_element))
    return values


metadata = mostly(
    st.fixed_dictionaries(
        {},
        optional={
            "replaces": mostly(st.one_of(row_ids, st.none()), text),
            "response_url": mostly(
                st.sampled_from([RESPONSE_URL, None]),
                st.sampled_from(["", "javascript:x", "http://", 7]),
            ),
            "campaign": mostly(row_ids, text),
            "kind": st.sampled_from(["question", "concern", "ready", "", None]),
        },
    ).map(json.dumps),
    text,
)

MODALS = [ids.FEEDBACK_MODAL, ids.CAMPAIGN_MODAL, ids.CAMPAIGN_COMMENT_MODAL, ids.SETTINGS_MODAL]
ACTION_IDS = [
    ids.FEEDBACK_UNDO,
    ids.FEEDBACK_EDIT,
    ids.FEEDBACK_OPEN_MODAL,
    ids.CAMPAIGN_POST,
    ids.CAMPAIGN_READY,
    ids.CAMPAIGN_QUESTION,
    ids.CAMPAIGN_CONCERN,
    ids.HOME_OPEN_SETTINGS,
    ids.HOME_FEEDBACK_DETAILS,
    ids.NUDGE_SNOOZE,
    *(ids.HOME_RATE_PREFIX + r.value for r in Rating),
    *(ids.NUDGE_RATE_PREFIX + r.value for r in Rating),
    ids.FEEDBACK_PICK_LEAD_PREFIX + "1",
]
pick_value = st.fixed_dictionaries(
    {"lead": row_ids, "then": st.sampled_from(["record", "show", "modal", "x"])},
    optional={
        "verdict": st.fixed_dictionaries(
            {"rating": st.one_of(words, text)},
            optional={
                "status": words,
                "reason": words,
                "note": text,
                "campaign_id": st.one_of(row_ids, text),
            },
        )
    },
).map(json.dumps)
action_value = mostly(row_ids.map(str), st.one_of(pick_value, text, st.none()))


def envelope_team(draw: st.DrawFn) -> dict[str, Any]:
    """A payload's `team` and `user`, usually well-formed, often not."""
    team = draw(mostly(team_id, st.none()))
    user = draw(user_id)
    return {
        "team": draw(mostly(st.just({"id": team}), st.sampled_from([None, team, {"id": 7}]))),
        "user": draw(
            mostly(st.just({"id": user, "team_id": team}), st.sampled_from([{"id": user}, user]))
        ),
    }


@st.composite
def block_actions(draw: st.DrawFn) -> dict[str, Any]:
    """A click on any of the app's buttons, from a message, a modal or the Home."""
    action_id = draw(mostly(st.sampled_from(ACTION_IDS), text))
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": draw(st.sampled_from(["b1", ids.NUDGE_ACTIONS_BLOCK_PREFIX + "1"])),
        "value": draw(
            pick_value if action_id.startswith(ids.FEEDBACK_PICK_LEAD_PREFIX) else action_value
        ),
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        **envelope_team(draw),
        "actions": draw(mostly(st.just([action]), st.sampled_from([[action, action], [], "x"]))),
        "trigger_id": draw(mostly(st.just("trigger-1"), st.sampled_from(["", None]))),
    }
    where = draw(st.sampled_from(["message", "message", "home", "home", "modal", "broken"]))
    if where == "message":
        payload["response_url"] = draw(
            mostly(st.just(RESPONSE_URL), st.sampled_from(["", "ftp://x"]))
        )
        payload["container"] = {"channel_id": draw(channels), "message_ts": "1.2"}
        payload["message"] = draw(
            st.sampled_from([{"text": "x", "blocks": []}, {"blocks": [{"block_id": 3}]}])
        )
    elif where in ("home", "modal"):
        payload["view"] = {"id": "V1", "type": where, "private_metadata": draw(metadata)}
    else:
        payload.update(
            draw(st.dictionaries(st.sampled_from(["view", "message", "container"]), json_value))
        )
    return payload


@st.composite
def view_submission(draw: st.DrawFn) -> dict[str, Any]:
    """A submitted modal of the app's (or another callback id), with fuzzed values."""
    callback_id = draw(mostly(st.sampled_from(MODALS), text))
    view = {
        "id": "V0VIEW",
        "type": draw(mostly(st.just("modal"), st.sampled_from(["home", "workflow_step"]))),
        "callback_id": callback_id,
        "private_metadata": draw(metadata),
        "state": {"values": draw(mostly(modal_values(callback_id), json_value))},
    }
    return {
        "type": draw(st.sampled_from(["view_submission", "view_submission", "view_closed"])),
        **envelope_team(draw),
        "view": draw(mostly(st.just(view), json_value)),
    }


@st.composite
def block_suggestion(draw: st.DrawFn) -> dict[str, Any]:
    """Someone typing in the feedback modal's lead search."""
    return {
        "type": "block_suggestion",
        **envelope_team(draw),
        "action_id": draw(st.sampled_from([ids.FEEDBACK_LEAD_ACTION, "other"])),
        "block_id": ids.FEEDBACK_LEAD_BLOCK,
        "value": draw(st.one_of(text, emails, json_value)),
    }


@st.composite
def event(draw: st.DrawFn) -> dict[str, Any]:
    """An Events API envelope, usually the App Home opening."""
    inner: Any = {
        "type": draw(st.sampled_from(["app_home_opened", "app_home_opened", "app_mention"])),
        "user": draw(st.one_of(user_id, json_value)),
        "tab": draw(st.sampled_from(["home", "messages", None])),
    }
    return {
        "type": "event_callback",
        "team_id": draw(st.one_of(team_id, st.none())),
        "event": draw(mostly(st.just(inner), json_value)),
        "event_id": "Ev1",
    }


@st.composite
def command(draw: st.DrawFn) -> dict[str, str]:
    """A slash command's form fields; some missing."""
    quick = st.tuples(lead_refs, words, st.lists(words, max_size=2), form_text).map(
        lambda parts: f"{parts[0]} {parts[1]} {' '.join(parts[2])} {parts[3]}"
    )
    loose = st.lists(st.one_of(words, emails, form_text), max_size=5).map(" ".join)
    form = {
        "command": draw(st.sampled_from(["/leadfeedback"] * 3 + ["/campaign-preview", "/other"])),
        "team_id": draw(mostly(st.just(TEAM), st.sampled_from(TEAMS))),
        "user_id": draw(mostly(st.sampled_from([REP, MARKETER]), st.sampled_from(USERS))),
        "text": draw(mostly(st.one_of(quick, loose), form_text)),
        "trigger_id": "trigger-1",
        "response_url": draw(mostly(st.just(RESPONSE_URL), st.sampled_from(["", "not a url"]))),
        "channel_id": CHANNEL,
    }
    for name in draw(mostly(st.just([]), st.lists(st.sampled_from(list(form)), unique=True))):
        del form[name]
    return form


def slack_request() -> st.SearchStrategy[tuple[str, Any]]:
    """One request to /slack/events: ("form", fields), ("payload", JSON) or ("event", JSON)."""
    return st.one_of(
        command().map(lambda f: ("form", f)),
        command().map(lambda f: ("form", f)),
        block_actions().map(lambda p: ("payload", p)),
        block_actions().map(lambda p: ("payload", p)),
        view_submission().map(lambda p: ("payload", p)),
        view_submission().map(lambda p: ("payload", p)),
        view_submission().map(lambda p: ("payload", p)),
        block_suggestion().map(lambda p: ("payload", p)),
        event().map(lambda e: ("event", e)),
        json_value.map(lambda p: ("payload", p)),
    )


handed_off = mostly(
    st.sampled_from(["2026-11-20T09:00:00+01:00", "2026-11-20", "2026-11-24T09:59:00Z"]),
    st.one_of(
        st.sampled_from(
            ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-02-30", "2062-01-01"]
        ),
        st.datetimes().map(lambda d: d.isoformat()),
        text,
    ),
)
lead_item = mostly(
    st.fixed_dictionaries(
        {
            "email": mostly(
                st.integers(0, 10**6).map(lambda n: f"lead{n}@example.com"), st.one_of(emails, text)
            )
        },
        optional={
            "external_id": mostly(
                st.integers(0, 10**6).map(lambda n: f"crm-{n}"),
                st.one_of(text, st.integers(), json_value),
            ),
            "name": text,
            "company": text,
            "owner": mostly(st.sampled_from([REP, MARKETER]), st.one_of(user_id, json_value)),
            "team_id": mostly(st.just(TEAM), st.one_of(team_id, json_value)),
            "handed_off_at": handed_off,
            "status": mostly(st.sampled_from([s.value for s in LeadStatus]), text),
            "campaign": mostly(st.sampled_from(["spring", "#spring"]), text),
        },
    ),
    json_value,
)
leads_body = mostly(st.lists(lead_item, max_size=8), st.one_of(lead_item, json_value))
