"""Routing new leads: the pool as Slack users, picking reps or the channel, and telling them.

Leads are routed in the transaction that stores them (round-robin picks a rep; claim mode
leaves them for the channel), and everyone is told afterwards: `send_notices` takes every
hand-over nobody was told about yet and sends one DM per rep (all their new leads at once)
and the channel's cards. Hand-overs that arrive while a send is under way wait for the next
one, so a burst becomes a few batched messages instead of one per lead.
"""

import asyncio
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.deps import Deps
from bot.metrics import LEADS_ROUTED
from handlers.people import Owners
from handlers.post_intent import SLACK_CALL_ERRORS
from handlers.routing_cards import post_cards
from handlers.views.routing_blocks import Waiting, render_new_leads
from storage.business_hours import BusinessHours
from storage.models import Lead
from storage.routing import EventKind, HandOver, hand_over, take_turns
from storage.routing_rules import RoutingMode, RoutingRules
from storage.sla import (
    claim_notices,
    deadlines,
    mark_notified,
    minutes_left,
    recently_notified,
    release_notices,
    untold_owners,
)
from storage.slack_ids import is_user_id
from storage.team_settings import TeamSettings

logger = logging.getLogger(__name__)

# One sender per team and event loop (a lock belongs to the loop it was made in).
_locks: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]]" = (
    weakref.WeakKeyDictionary()
)
# The senders under way, per event loop (the CLI and each test run their own).
_tasks: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[asyncio.Task[None]]]" = (
    weakref.WeakKeyDictionary()
)
# Teams with a sender on its way that has not looked yet: it will see later leads too.
_queued: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[str]]" = (
    weakref.WeakKeyDictionary()
)
# User groups' members as last read, by (Web API URL, group): (when, members).
_groups: dict[tuple[str, str], tuple[datetime, list[str]]] = {}
GROUP_TTL = timedelta(minutes=10)
# A rep DMed about new leads hears about the next ones after this, all in one DM.
BATCH_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Pool:
    """The pool as Slack user ids, and the members as written that matched nobody."""

    user_ids: tuple[str, ...]
    unknown: tuple[str, ...] = ()


async def resolve_pool(deps: Deps, team_id: str, owners: Owners | None = None) -> Pool:
    """The routing pool's reps as Slack user ids: ids as given, emails looked up, user
    groups (S…) expanded."""
    written = deps.settings.routing_rules.pool
    found: list[str] = []
    unknown: list[str] = []
    people = [member for member in written if not member.startswith("S")]
    resolved = await (owners or Owners(deps)).resolve(team_id, people)
    for member in written:
        if member.startswith("S"):
            members = await _group_members(deps, member)
            found.extend(members) if members else unknown.append(member)
        elif (user_id := resolved[member].user_id) is not None:
            found.append(user_id)
        else:
            unknown.append(member)
    return Pool(tuple(dict.fromkeys(found)), tuple(unknown))


async def _group_members(deps: Deps, group: str) -> list[str]:
    """A user group's members, asked of Slack at most every GROUP_TTL (the method allows
    about 20 calls a minute, and every routed request reads the pool)."""
    if deps.slack is None:
        return []
    now = deps.clock.now()
    cached = _groups.get((deps.settings.slack_api_url, group))
    if cached is not None and now - cached[0] < GROUP_TTL:
        return cached[1]
    try:
        answer = await deps.slack.usergroups_users_list(usergroup=group)
    except SLACK_CALL_ERRORS as exc:
        logger.warning("could not read user group %s: %s", group, type(exc).__name__)
        return cached[1] if cached is not None else []
    members = [user for user in answer.get("users") or [] if is_user_id(user)]
    _groups[deps.settings.slack_api_url, group] = (now, members)
    return members


@dataclass(frozen=True)
class RoutingPlan:
    """How one team's new leads are routed this time: the mode, and the reps available."""

    mode: RoutingMode
    rules: RoutingRules
    pool: tuple[str, ...] = ()


async def routing_plan(deps: Deps, team: TeamSettings) -> RoutingPlan:
    """The team's routing, with its pool resolved (outside any transaction)."""
    mode = RoutingMode(team.routing)
    rules = deps.settings.routing_rules
    pool = (
        (await resolve_pool(deps, team.team_id)).user_ids if mode is RoutingMode.ROUND_ROBIN else ()
    )
    return RoutingPlan(mode, rules, pool)


async def route_leads(
    session: AsyncSession,
    plan: RoutingPlan,
    *,
    team_id: str,
    leads: Sequence[tuple[int, int]],
    now: datetime,
    exclude: dict[int, set[str]] | None = None,
) -> list[HandOver]:
    """Hand each (lead id, round seen) to the rep whose turn it is, else to the channel."""
    if plan.mode is RoutingMode.OFF or not leads:
        return []
    chosen: dict[int, str | None] = {}
    if plan.mode is RoutingMode.ROUND_ROBIN and plan.pool:
        chosen = await take_turns(
            session=session,
            team_id=team_id,
            lead_ids=[lead_id for lead_id, _round in leads],
            pool=plan.pool,
            cap=plan.rules.cap,
            now=now,
            exclude=exclude,
        )
    moves = [HandOver(lead_id, chosen.get(lead_id), seen) for lead_id, seen in leads]
    handed = await hand_over(
        session=session, team_id=team_id, moves=moves, kind=EventKind.ASSIGNED, now=now
    )
    LEADS_ROUTED.inc(len(handed))
    return handed


def notify_soon(deps: Deps, team_ids: Sequence[str]) -> None:
    """Send the teams' pending notices in the background (after the answer goes out); a
    burst of requests shares one sender instead of starting one each."""
    client = deps.slack
    if client is None:
        return
    loop = asyncio.get_running_loop()
    queued, tasks = _queued.setdefault(loop, set()), _tasks.setdefault(loop, set())
    for team_id in team_ids:
        if team_id in queued:
            continue
        queued.add(team_id)
        task = asyncio.create_task(_notify_logged(deps, client, team_id))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


async def notices_sent() -> None:
    """Wait for the notices under way (the CLI waits before it exits)."""
    tasks = _tasks.get(asyncio.get_running_loop(), set())
    while tasks:
        await asyncio.gather(*list(tasks), return_exceptions=True)


async def _notify_logged(deps: Deps, client: AsyncWebClient, team_id: str) -> None:
    try:
        await send_notices(deps, client, team_id)
    except Exception:
        logger.exception("telling reps about new leads in team %s failed", team_id)


async def send_notices(deps: Deps, client: AsyncWebClient, team_id: str) -> int:
    """Send every hand-over nobody was told about: a DM per rep, cards for the channel.

    One sender per team at a time in this process; across processes the conditional UPDATE
    of storage.sla.claim_notices gives each hand-over to one sender. Returns leads told.
    """
    loop = asyncio.get_running_loop()
    lock = _locks.setdefault(loop, {}).setdefault(team_id, asyncio.Lock())
    async with lock:
        # From here on, leads stored later need a sender of their own.
        _queued.get(loop, set()).discard(team_id)
        now = deps.clock.now()
        async with deps.sessions() as session:
            hold = await recently_notified(
                session=session, team_id=team_id, since=now - BATCH_WINDOW
            )
            # A read first: during a burst every rep is usually waiting for the next batch,
            # and a claim that would take nothing need not queue for the write lock.
            if not await untold_owners(session=session, team_id=team_id) - hold:
                return 0
        async with deps.sessions.begin() as session:
            leads = await claim_notices(session=session, team_id=team_id, hold=hold)
        if not leads:
            return 0
        team = await deps.team_settings(team_id)
        by_owner: dict[str | None, list[Lead]] = {}
        for lead in leads:
            by_owner.setdefault(lead.owner, []).append(lead)
        failed: list[Lead] = []
        for owner, held in by_owner.items():
            sent = (
                await _send_dm(deps, client, team, owner, held)
                if owner is not None
                else await post_cards(deps, client, team, held)
            )
            if not sent:
                failed.extend(held)
        if failed:
            async with deps.sessions.begin() as session:
                await release_notices(session=session, leads=failed)
        return len(leads) - len(failed)


async def _send_dm(
    deps: Deps, client: AsyncWebClient, team: TeamSettings, owner: str, leads: list[Lead]
) -> bool:
    """One DM for all the rep's new leads (the first LEADS_PER_DM listed, the rest counted)."""
    rules = deps.settings.routing_rules
    hours = rules.business_hours(team.zone)
    now = deps.clock.now()
    waiting = [Waiting(lead, minutes_left(_due(lead, hours, rules), now, hours)) for lead in leads]
    message = render_new_leads(waiting, sla_minutes=rules.sla_minutes)
    try:
        await client.chat_postMessage(channel=owner, **message.as_kwargs())
    except SLACK_CALL_ERRORS as exc:
        logger.warning("could not DM %s about new leads: %s", owner, type(exc).__name__)
        return False
    async with deps.sessions.begin() as session:
        await mark_notified(session=session, team_id=team.team_id, user_id=owner, now=now)
    return True


def _due(lead: Lead, hours: BusinessHours, rules: RoutingRules) -> datetime:
    return deadlines(lead.assigned_at or lead.handed_off_at, hours, rules.sla_minutes).remind_at
