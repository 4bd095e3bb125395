"""Finding reps as a CRM names them: a Slack user id, an email, or a person's name.

An email is asked of Slack's users.lookupByEmail; a name is looked up in the workspace's
member directory (users.list) by real or display name. What Slack says is cached in the
database: an email's answer and the whole directory are asked again after a day (by the
injected clock), so an import of 100,000 rows by twenty reps asks Slack twenty times.
"""

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from storage.models import SlackPerson
from storage.people import (
    Person,
    directory,
    directory_synced_at,
    mark_directory_synced,
    people_with_emails,
    save_people,
)
from storage.slack_ids import is_user_id

logger = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=1)
PAGE_SIZE = 200
_EMAIL_IN_TEXT = re.compile(r"[^@\s<>(),;\"]+@[^@\s<>(),;\"]+\.[^@\s<>(),;\"]+")
_SLACK_FAILURES = (SlackApiError, aiohttp.ClientError, OSError, TimeoutError)


@dataclass(frozen=True)
class Owner:
    """Who an owner as written turned out to be: a Slack user id, or why nobody."""

    user_id: str | None
    problem: str | None = None


def person_from_slack(member: dict[str, Any]) -> Person:
    """A users.list or users.lookupByEmail member as the directory keeps it."""
    profile = member.get("profile") or {}
    return Person(
        user_id=str(member["id"]),
        email=profile.get("email") or None,
        real_name=str(profile.get("real_name") or member.get("real_name") or ""),
        display_name=str(profile.get("display_name") or ""),
        active=not member.get("deleted") and not member.get("is_bot"),
    )


def name_key(name: str) -> str:
    """A name compared without case, accents or extra spaces: "  José  Díaz" → "jose diaz"."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def _slack_error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return type(exc).__name__


class Owners:
    """Resolves owners for the lead API, the import and the export, remembering each answer."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._found: dict[tuple[str, str], Owner] = {}
        self._names: dict[str, dict[str, set[str]]] = {}
        self._directory_problem: dict[str, str] = {}

    async def resolve(self, team_id: str, written: Iterable[str]) -> dict[str, Owner]:
        """Each owner as written, resolved to a member of the team's workspace (or not)."""
        todo = {text for text in written if (team_id, text) not in self._found}
        emails: dict[str, str] = {}
        for text in todo:
            if is_user_id(text):
                self._found[team_id, text] = Owner(text)
            elif (email := _EMAIL_IN_TEXT.search(text)) is not None:
                emails[text] = email.group(0).lower()
        by_email = await self._by_emails(team_id, set(emails.values())) if emails else {}
        for text, email in emails.items():
            self._found[team_id, text] = by_email[email]
        names = todo - set(emails) - {text for text in todo if is_user_id(text)}
        if names:
            index = await self._name_index(team_id)
            for text in names:
                self._found[team_id, text] = self._by_name(team_id, text, index)
        return {text: self._found[team_id, text] for text in written}

    async def _by_emails(self, team_id: str, emails: set[str]) -> dict[str, Owner]:
        now = self._deps.clock.now()
        async with self._deps.sessions() as session:
            cached = await people_with_emails(
                session=session, team_id=team_id, emails=emails, fetched_since=now - REFRESH_AFTER
            )
        found = {email: Owner(person.user_id) for email, person in cached.items()}
        fetched: list[Person] = []
        for email in sorted(emails - set(found)):
            found[email], person = await self._lookup(team_id, email)
            if person is not None:
                fetched.append(person)
        if fetched:
            async with self._deps.sessions.begin() as session:
                await save_people(session=session, team_id=team_id, people=fetched, now=now)
        return found

    async def _lookup(self, team_id: str, email: str) -> tuple[Owner, Person | None]:
        client = await self._deps.slack_for(team_id)
        if client is None:
            return Owner(
                None, "Slack cannot be asked for emails: no bot token for this workspace"
            ), None
        try:
            answer = await client.users_lookupByEmail(email=email)
        except _SLACK_FAILURES as exc:
            error = _slack_error(exc)
            if error == "users_not_found":
                return Owner(None, f"no one in Slack has the email {email}"), None
            return Owner(None, f"Slack could not look up {email} ({error})"), None
        person = person_from_slack(answer["user"])
        if not person.active:
            return Owner(None, f"{email} belongs to a deactivated Slack account"), person
        return Owner(person.user_id), person

    def _by_name(self, team_id: str, text: str, index: dict[str, set[str]]) -> Owner:
        matches = index.get(name_key(text), set())
        if len(matches) == 1:
            return Owner(next(iter(matches)))
        if matches:
            return Owner(None, f"{len(matches)} people in Slack are called {text}: give an email")
        problem = f"no one in Slack is called {text}"
        if team_id in self._directory_problem:
            problem += (
                f" (Slack's member list could not be read: {self._directory_problem[team_id]})"
            )
        return Owner(None, problem)

    async def _name_index(self, team_id: str) -> dict[str, set[str]]:
        if team_id not in self._names:
            index: dict[str, set[str]] = {}
            for person in await self.members(team_id):
                for name in {person.real_name, person.display_name}:
                    if name.strip():
                        index.setdefault(name_key(name), set()).add(person.user_id)
            self._names[team_id] = index
        return self._names[team_id]

    async def members(self, team_id: str) -> list[SlackPerson]:
        """The workspace's active members, the directory read again from Slack if a day old."""
        await self.refresh_directory(team_id)
        async with self._deps.sessions() as session:
            return await directory(session=session, team_id=team_id)

    async def refresh_directory(self, team_id: str) -> None:
        """Read Slack's whole member list into the cache, unless that was done within a day."""
        now = self._deps.clock.now()
        async with self._deps.sessions() as session:
            synced = await directory_synced_at(session=session, team_id=team_id)
        client = await self._deps.slack_for(team_id)
        if client is None or (synced is not None and now - synced < REFRESH_AFTER):
            return
        people: list[Person] = []
        cursor = None
        try:
            while True:
                page = await client.users_list(limit=PAGE_SIZE, cursor=cursor)
                people.extend(person_from_slack(member) for member in page["members"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except _SLACK_FAILURES as exc:
            self._directory_problem[team_id] = _slack_error(exc)
            logger.warning("could not read Slack's member list: %s", _slack_error(exc))
            return
        async with self._deps.sessions.begin() as session:
            await save_people(session=session, team_id=team_id, people=people, now=now)
            await mark_directory_synced(session=session, team_id=team_id, now=now)
