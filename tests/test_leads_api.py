"""POST /api/leads through the real HTTP app: auth, body checks, per-lead answers, upserts."""

import asyncio
import dataclasses
import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from bot.app import build_bolt_app
from bot.deps import Deps
from bot.web import build_web_app
from storage.models import Lead
from tests.factories import OTHER_TEAM, TEAM
from tests.helpers import all_rows, count_rows, seed_campaign, seed_team

API_TOKEN = "lead-api-token-0123456789abcdef"


@pytest.fixture
async def api(deps: Deps) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the real app, with the lead API enabled and one workspace known."""
    await seed_team(deps, TEAM)
    enabled = dataclasses.replace(
        deps, settings=deps.settings.model_copy(update={"api_token": SecretStr(API_TOKEN)})
    )
    web_app = build_web_app(build_bolt_app(enabled), enabled)
    transport = httpx.ASGITransport(app=web_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://leadloop.test") as http:
        yield http


def auth(token: str = API_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def post(api: httpx.AsyncClient, body: object, **headers: str) -> httpx.Response:
    return await api.post("/api/leads", json=body, headers={**auth(), **headers})


def batch_of_1000_with_10_bad() -> list[dict[str, object]]:
    leads: list[dict[str, object]] = [
        {
            "external_id": f"crm-{n}",
            "email": f"Person{n}@Example.com",
            "name": f"Person {n}",
            "company": f"Company {n % 37}",
            "owner": "U0REP",
            "handed_off_at": "2026-11-20T09:00:00+01:00",
            "status": "new",
            "campaign": "#spring-webinar" if n % 3 == 0 else None,
        }
        for n in range(1000)
    ]
    bad = {
        7: ("email", {"email": "not-an-email", "external_id": None}),
        77: ("external_id", {"email": None, "external_id": None}),
        150: ("status", {"status": "maybe"}),
        222: ("owner", {"owner": "bob"}),
        300: ("handed_off_at", {"handed_off_at": "sometime soon"}),
        401: ("campaign", {"campaign": "no-such-campaign"}),
        555: ("name", {"name": "x" * 201}),
        640: ("company", {"company": ["not", "text"]}),
        808: ("team_id", {"team_id": "T0NOBODY"}),
        999: ("handed_off_at", {"handed_off_at": "2062-01-01T00:00:00Z"}),
    }
    for index, (_field, change) in bad.items():
        leads[index].update(change)
    return leads


REJECTED_FIELDS = {7: "email", 77: "external_id", 808: "team_id"}
DROPPED_FIELDS = {
    150: "status",
    222: "owner",
    300: "handed_off_at",
    401: "campaign",
    555: "name",
    640: "company",
    999: "handed_off_at",
}


async def test_a_batch_of_1000_stores_every_identifiable_lead_and_repeating_it_changes_nothing(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    await seed_campaign(deps, TEAM, "spring-webinar")
    batch = batch_of_1000_with_10_bad()

    response = await post(api, batch)

    assert response.status_code == 200
    answer = response.json()
    assert (answer["created"], answer["rejected"], answer["updated"]) == (997, 3, 0)
    assert [r["index"] for r in answer["results"]] == list(range(1000))
    rejected = {r["index"]: r["field"] for r in answer["results"] if r["status"] == "rejected"}
    assert rejected == REJECTED_FIELDS
    assert all(r["reason"] for r in answer["results"] if r["status"] == "rejected")
    warned = {
        r["index"]: [w["field"] for w in r["warnings"]]
        for r in answer["results"]
        if "warnings" in r
    }
    assert warned == {index: [name] for index, name in DROPPED_FIELDS.items()}
    assert "no one in Slack is called bob" in answer["results"][222]["warnings"][0]["reason"]
    assert await count_rows(deps, Lead) == 997
    leads = {lead.external_id: lead for lead in await all_rows(deps, Lead)}
    first = leads["crm-0"]
    assert first.email == "person0@example.com"
    assert first.handed_off_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert first.last_touch_at == first.handed_off_at
    assert first.campaign_id is not None and leads["crm-1"].campaign_id is None
    assert (leads["crm-150"].status, leads["crm-222"].owner, leads["crm-401"].campaign_id) == (
        "new",
        None,
        None,
    )
    assert not any(lead.history for lead in leads.values())  # live, however old

    again = (await post(api, batch)).json()

    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (
        0,
        0,
        997,
        3,
    )
    assert await count_rows(deps, Lead) == 997


async def test_a_lead_sent_as_history_is_never_nudged_and_others_are_live(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    old = "2026-09-01T09:00:00Z"
    answer = (
        await post(
            api,
            [
                {"email": "past@example.com", "handed_off_at": old, "history": True},
                {"email": "live@example.com", "handed_off_at": old},
                {"email": "odd@example.com", "history": "yes"},
            ],
        )
    ).json()

    assert answer["created"] == 3
    assert answer["results"][2]["warnings"] == [
        {"field": "history", "reason": "must be true or false"}
    ]
    history = {lead.email: lead.history for lead in await all_rows(deps, Lead)}
    assert history == {
        "past@example.com": True,
        "live@example.com": False,
        "odd@example.com": False,
    }


async def test_upsert_matches_by_external_id_else_email_and_keeps_the_latest_touch(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    created = (await post(api, {"email": "ada@example.com", "name": "Ada"})).json()
    assert created["results"][0]["status"] == "created"

    # The CRM now knows her id: the email finds the lead and the id is attached to it.
    attached = await post(
        api,
        {"external_id": "hs-1", "email": "ADA@example.com", "handed_off_at": "2026-11-01"},
    )
    assert attached.json()["results"][0]["status"] == "updated"
    renamed = await post(api, {"external_id": "hs-1", "company": "Analytical Engines"})
    assert renamed.json()["results"][0]["status"] == "updated"

    [lead] = await all_rows(deps, Lead)
    assert (lead.external_id, lead.email, lead.name, lead.company) == (
        "hs-1",
        "ada@example.com",
        "Ada",
        "Analytical Engines",
    )
    assert lead.handed_off_at == datetime(2026, 11, 1, tzinfo=UTC)
    # Moving the hand-off earlier never moves the last touch back.
    assert lead.last_touch_at == deps.clock.now()


async def test_repeated_keys_in_one_batch_apply_in_order(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    answer = (
        await post(
            api,
            [
                {"external_id": "x-1", "name": "First"},
                {"external_id": "x-1", "name": "Second"},
                {"email": "b@example.com", "external_id": "x-2"},
                {"email": "b@example.com", "external_id": "x-3"},
            ],
        )
    ).json()

    assert [r["status"] for r in answer["results"]] == ["created", "updated", "created", "rejected"]
    assert answer["results"][3]["field"] == "email"
    names = {lead.external_id: lead.name for lead in await all_rows(deps, Lead)}
    assert names == {"x-1": "Second", "x-2": ""}


async def test_an_email_held_by_another_lead_is_refused(api: httpx.AsyncClient, deps: Deps) -> None:
    await post(api, [{"external_id": "a", "email": "a@example.com"}, {"external_id": "b"}])

    answer = (await post(api, {"external_id": "b", "email": "a@example.com"})).json()

    assert answer["results"][0] == {
        "index": 0,
        "status": "rejected",
        "field": "email",
        "reason": "belongs to another lead",
    }


async def test_team_id_picks_the_workspace_when_several_are_served(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    await seed_team(deps, OTHER_TEAM)

    answer = (
        await post(
            api,
            [{"email": "a@example.com"}, {"email": "a@example.com", "team_id": OTHER_TEAM}],
        )
    ).json()

    assert [r["status"] for r in answer["results"]] == ["rejected", "created"]
    assert answer["results"][0]["field"] == "team_id"
    [lead] = await all_rows(deps, Lead)
    assert lead.team_id == OTHER_TEAM


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-0123456789"},
        {"Authorization": f"Bearer {API_TOKEN} "},
        {"Authorization": f"Bearer  {API_TOKEN}"},
        {"Authorization": API_TOKEN},
        {"Authorization": f"Basic {API_TOKEN}"},
    ],
    ids=["missing", "wrong", "trailing-space", "double-space", "no-scheme", "basic"],
)
async def test_a_missing_or_wrong_token_gets_401_and_stores_nothing(
    api: httpx.AsyncClient, deps: Deps, headers: dict[str, str]
) -> None:
    response = await api.post("/api/leads", json={"email": "a@example.com"}, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["ok"] is False
    assert API_TOKEN not in response.text
    assert await count_rows(deps, Lead) == 0


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_the_auth_scheme_is_case_insensitive(
    api: httpx.AsyncClient, deps: Deps, scheme: str
) -> None:
    response = await api.post(
        "/api/leads",
        json={"email": f"{scheme}@example.com"},
        headers={"Authorization": f"{scheme} {API_TOKEN}"},
    )

    assert response.status_code == 200, response.text
    assert await count_rows(deps, Lead) == 1


async def test_without_a_configured_token_the_api_answers_503(deps: Deps) -> None:
    await seed_team(deps, TEAM)
    web_app = build_web_app(build_bolt_app(deps), deps)
    transport = httpx.ASGITransport(app=web_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://leadloop.test") as http:
        response = await http.post("/api/leads", json={"email": "a@example.com"}, headers=auth())

    assert response.status_code == 503
    assert "LEADLOOP_API_TOKEN" in response.json()["error"]
    assert await count_rows(deps, Lead) == 0


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b'[{"email": "a@example.com"', 400, "not valid JSON"),
        (b"\xff\xfe", 400, "not valid JSON"),
        (b"[" * 100_000, 400, "not valid JSON"),
        (b'"a@example.com"', 422, "JSON object or a JSON list"),
        (b"42", 422, "JSON object or a JSON list"),
        (json.dumps([{"email": f"p{n}@example.com"} for n in range(1001)]).encode(), 422, "1000"),
    ],
    ids=["truncated", "not-utf8", "deep", "string", "number", "too-many"],
)
async def test_malformed_bodies_are_refused_whole(
    api: httpx.AsyncClient, deps: Deps, body: bytes, status: int, words: str
) -> None:
    response = await api.post(
        "/api/leads", content=body, headers={**auth(), "Content-Type": "application/json"}
    )

    assert response.status_code == status
    assert response.json()["ok"] is False and words in response.json()["error"]
    assert await count_rows(deps, Lead) == 0


async def test_a_body_over_1_mb_gets_413(api: httpx.AsyncClient, deps: Deps) -> None:
    leads = [{"email": f"p{n}@example.com", "name": "n" * 190} for n in range(1000)]
    body = json.dumps(leads).encode() + b" " * 1_000_000

    response = await api.post("/api/leads", content=body, headers=auth())

    assert response.status_code == 413
    assert await count_rows(deps, Lead) == 0


async def test_items_that_are_not_objects_are_rejected_alone(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    answer = (await post(api, [{"email": "a@example.com"}, "b@example.com", None])).json()

    assert [r["status"] for r in answer["results"]] == ["created", "rejected", "rejected"]
    assert answer["results"][1]["field"] == "lead"


async def test_crm_status_names_and_naive_times_are_understood(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    await post(
        api,
        {
            "external_id": 12345,
            "status": "Closed - Not Converted",
            "handed_off_at": "2026-11-20 09:00",
        },
    )

    [lead] = await all_rows(deps, Lead)
    assert (lead.external_id, lead.status) == ("12345", "disqualified")
    assert lead.handed_off_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert lead.created_at - lead.handed_off_at == timedelta(days=4, hours=1)


async def test_fifty_concurrent_overlapping_batches_all_succeed_without_duplicates(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    # Each batch holds 15 of the same 30 emails in its own order, half of them stored already:
    # on PostgreSQL, rows locked in different orders by concurrent transactions deadlock.
    pool = [f"lead{n}@example.com" for n in range(30)]
    await post(api, [{"email": email, "name": "Stored"} for email in pool[::2]])

    def batch(number: int) -> list[dict[str, object]]:
        emails = random.Random(number).sample(pool, 15)
        return [{"email": email, "name": f"From batch {number}"} for email in emails]

    responses = await asyncio.gather(*(post(api, batch(n)) for n in range(50)))

    assert [r.status_code for r in responses] == [200] * 50, [r.text for r in responses]
    answers = [r.json() for r in responses]
    assert sum(a["rejected"] for a in answers) == 0
    assert sum(a["created"] for a in answers) == 15  # each new email created once
    leads = await all_rows(deps, Lead)
    assert sorted(lead.email for lead in leads) == sorted(pool)


async def test_a_source_names_the_campaign_when_one_is_called_that(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    campaign_id = await seed_campaign(deps, TEAM, "spring-webinar")

    answer = (
        await post(
            api,
            [
                {"email": "a@example.com", "source": "Spring Webinar"},
                {"email": "b@example.com", "source": "Organic Search"},
                {"email": "c@example.com", "source": "Spring Webinar", "campaign": "fall"},
            ],
        )
    ).json()

    assert [r.get("warnings") for r in answer["results"]] == [
        None,
        None,
        [{"field": "campaign", "reason": "no campaign #fall in this workspace"}],
    ]
    campaigns = {lead.email: lead.campaign_id for lead in await all_rows(deps, Lead)}
    assert campaigns == {"a@example.com": campaign_id, "b@example.com": None, "c@example.com": None}


async def test_text_that_is_not_unicode_is_refused_alone(
    api: httpx.AsyncClient, deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    # JSON may escape half a character ("\ud800"); neither database can store one.
    body = (
        b'[{"email": "ada@example.com", "name": "Ada"},'
        b' {"email": "bad@example.com", "name": "Lone \\ud800 half"},'
        b' {"external_id": "crm-\\udfff", "company": "X"},'
        b' {"email": "grace@example.com", "company": "Navy \\ud83d\\ude80"}]'
    )
    response = await api.post(
        "/api/leads", content=body, headers={**auth(), "Content-Type": "application/json"}
    )

    assert response.status_code == 200
    results = response.json()["results"]
    # A name that cannot be stored is dropped with a warning; without an identity, the lead.
    assert [r["status"] for r in results] == ["created", "created", "rejected", "created"]
    assert results[1]["warnings"] == [{"field": "name", "reason": "is not valid Unicode text"}]
    assert results[2]["field"] == "external_id" and "not valid Unicode" in results[2]["reason"]
    leads = {lead.email: lead for lead in await all_rows(deps, Lead)}
    assert set(leads) == {"ada@example.com", "bad@example.com", "grace@example.com"}
    assert not leads["bad@example.com"].name
    assert leads["grace@example.com"].company == "Navy 🚀"
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_number_too_long_to_read_is_a_bad_body_not_a_crash(
    api: httpx.AsyncClient, deps: Deps
) -> None:
    body = b'{"external_id": ' + b"9" * 5000 + b"}"
    response = await api.post(
        "/api/leads", content=body, headers={**auth(), "Content-Type": "application/json"}
    )

    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]
    assert await count_rows(deps, Lead) == 0
