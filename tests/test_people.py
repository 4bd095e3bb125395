"""People by name or email: an owner written as a Slack id, an email or a name is the Slack
user; Slack is asked once a day at most; exports name owners and authors."""

import csv
import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from bot.app import build_bolt_app
from bot.demo.slack_standin import SlackStandIn
from bot.deps import Deps
from bot.web import build_web_app
from handlers.data_export import write_export
from handlers.people import name_key
from storage.feedback import FeedbackInput, record_feedback
from storage.models import Lead
from tests.factories import REP, TEAM
from tests.helpers import all_rows, seed_team

API_TOKEN = "lead-api-token-0123456789abcdef"
DIRECTORY_SIZE = 450  # three pages of users.list at 200 a page


@pytest.fixture
def directory(standin: SlackStandIn) -> SlackStandIn:
    """A workspace of 450 members, among them the reps the CRM names."""
    for n in range(DIRECTORY_SIZE - 7):
        standin.add_user(f"U1{n:05d}", real_name=f"Member {n}", email=f"member{n}@acme.com")
    standin.add_user(REP, real_name="Jane Doe", name="jane", email="jane@acme.com")
    standin.add_user("U0RAJ", real_name="Raj Patel", name="raj", email="raj@acme.com")
    standin.add_user("U0JOSE", real_name="José Díaz", name="jose", email="jose@acme.com")
    standin.add_user("U0SAM1", real_name="Sam Lee", name="sam", email="sam.lee@acme.com")
    standin.add_user("U0SAM2", real_name="Sam Ortiz", name="sam", email="sam.ortiz@acme.com")
    standin.add_user("U0GONE", real_name="Old Rep", name="old", email="old@acme.com", deleted=True)
    standin.add_user("U0BOTX", real_name="Zapier", name="zapier", is_bot=True)
    return standin


@pytest.fixture
async def api(deps: Deps) -> AsyncIterator[httpx.AsyncClient]:
    """The real HTTP app with the lead API enabled."""
    await seed_team(deps, TEAM)
    enabled = dataclasses.replace(
        deps, settings=deps.settings.model_copy(update={"api_token": SecretStr(API_TOKEN)})
    )
    transport = httpx.ASGITransport(app=build_web_app(build_bolt_app(enabled), enabled))
    async with httpx.AsyncClient(transport=transport, base_url="http://leadloop.test") as http:
        yield http


async def send(api: httpx.AsyncClient, owners: list[str]) -> list[dict[str, object]]:
    leads = [{"email": f"lead{i}@example.com", "owner": owner} for i, owner in enumerate(owners)]
    response = await api.post(
        "/api/leads", json=leads, headers={"Authorization": f"Bearer {API_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


async def owners_by_email(deps: Deps) -> dict[str | None, str | None]:
    return {lead.email: lead.owner for lead in await all_rows(deps, Lead)}


OWNERS = [
    "U0REP",  # a Slack id
    "raj@acme.com",  # an email
    "Jane Doe",  # a real name
    "raj",  # a display name
    "  jose   DIAZ ",  # case, accents and spaces do not matter
    "Raj Patel <raj@acme.com>",  # name and email, as some exports write them
    "Sam",  # two people are called Sam
    "Ghost Person",  # nobody
    "nobody@acme.com",  # no such email
    "Old Rep",  # deactivated
]


async def test_owners_are_found_by_slack_id_email_or_name(
    api: httpx.AsyncClient, deps: Deps, directory: SlackStandIn
) -> None:
    results = await send(api, OWNERS)

    owners = await owners_by_email(deps)
    assert [owners[f"lead{i}@example.com"] for i in range(len(OWNERS))] == [
        REP,
        "U0RAJ",
        REP,
        "U0RAJ",
        "U0JOSE",
        "U0RAJ",
        None,
        None,
        None,
        None,
    ]
    problems = {i: r["warnings"][0]["reason"] for i, r in enumerate(results) if "warnings" in r}
    assert problems == {
        6: "2 people in Slack are called Sam: give an email",
        7: "no one in Slack is called Ghost Person",
        8: "no one in Slack has the email nobody@acme.com",
        9: "no one in Slack is called Old Rep",
    }
    assert all(r["status"] == "created" for r in results)
    assert len(directory.calls_to("users.list")) == 3  # every page of the directory
    assert len(directory.calls_to("users.lookupByEmail")) == 2  # raj@ and nobody@


async def test_slack_is_asked_again_only_after_a_day(
    api: httpx.AsyncClient, deps: Deps, directory: SlackStandIn
) -> None:
    await send(api, ["raj@acme.com", "Jane Doe"])
    calls = len(directory.calls)

    await send(api, ["raj@acme.com", "Jane Doe"])
    assert len(directory.calls) == calls  # both answers came from the cache

    deps.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    directory.add_user("U0NEW", real_name="New Hire", email="new@acme.com")
    await send(api, ["raj@acme.com", "New Hire"])
    assert len(directory.calls_to("users.lookupByEmail")) == 2
    assert len(directory.calls_to("users.list")) == 6
    assert (await owners_by_email(deps))["lead1@example.com"] == "U0NEW"


async def test_when_slack_refuses_the_lead_is_kept_without_an_owner(
    api: httpx.AsyncClient, deps: Deps, directory: SlackStandIn
) -> None:
    directory.fail_next("users.lookupByEmail", status=200, error="missing_scope")
    directory.fail_next("users.list", status=200, error="ratelimited_forever")

    results = await send(api, ["raj@acme.com", "Jane Doe"])

    assert [r["warnings"][0]["reason"] for r in results] == [
        "Slack could not look up raj@acme.com (missing_scope)",
        "no one in Slack is called Jane Doe "
        "(Slack's member list could not be read: ratelimited_forever)",
    ]
    assert set((await owners_by_email(deps)).values()) == {None}


async def test_exports_name_the_owner_and_the_author(
    api: httpx.AsyncClient, deps: Deps, directory: SlackStandIn
) -> None:
    await send(api, ["Raj Patel"])
    async with deps.sessions.begin() as session:
        [lead] = await all_rows(deps, Lead)
        lead = await session.merge(lead)
        await record_feedback(
            session=session,
            team_id=TEAM,
            lead=lead,
            author=REP,
            given=FeedbackInput(rating="hot"),
            now=deps.clock.now(),
        )

    feedback, leads = io.StringIO(), io.StringIO()
    await write_export(deps, "feedback", feedback)
    await write_export(deps, "leads", leads)

    [row] = list(csv.DictReader(io.StringIO(feedback.getvalue())))
    assert (row["author"], row["author_name"], row["author_email"]) == (
        REP,
        "Jane Doe",
        "jane@acme.com",
    )
    assert (row["lead_owner"], row["lead_owner_name"], row["lead_owner_email"]) == (
        "U0RAJ",
        "Raj Patel",
        "raj@acme.com",
    )
    [lead_row] = list(csv.DictReader(io.StringIO(leads.getvalue())))
    assert (lead_row["owner_name"], lead_row["owner_email"]) == ("Raj Patel", "raj@acme.com")


def test_names_compare_without_case_accents_or_extra_spaces() -> None:
    assert name_key("  José   DÍAZ ") == name_key("jose diaz") == "jose diaz"
