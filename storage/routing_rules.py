"""How a workspace routes new leads and what it promises: the mode, the pool, the cap, the
first-touch SLA and the business hours it is counted in."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from storage.business_hours import (
    DEFAULT_HOURS,
    DEFAULT_SLA_MINUTES,
    BusinessHours,
    HoursSpec,
    parse_hours,
)
from storage.slack_ids import is_user_id

DEFAULT_CAP = 10


class RoutingMode(StrEnum):
    """How new leads without an owner reach a rep."""

    OFF = "off"
    CLAIM = "claim"
    ROUND_ROBIN = "round-robin"


MODE_LABELS = {
    RoutingMode.OFF: "Off: leads wait for an owner",
    RoutingMode.CLAIM: "Claim: a card in the routing channel",
    RoutingMode.ROUND_ROBIN: "Round-robin: the pool's reps in turn",
}


def parse_mode(value: Any) -> str:
    """A routing mode as written ("Round Robin", "claim") in its normal form; ValueError else."""
    if not isinstance(value, str):
        raise ValueError("not text")
    word = "-".join(value.strip().lower().replace("_", " ").split())
    return RoutingMode(word).value


@dataclass(frozen=True)
class RoutingRules:
    """The workspace's routing: where cards go, who is in the pool (as written), the cap on
    untouched new leads per rep, the SLA in business minutes, and the business hours."""

    channel: str | None = None
    pool: tuple[str, ...] = ()
    cap: int = DEFAULT_CAP
    sla_minutes: int = DEFAULT_SLA_MINUTES
    hours: HoursSpec = field(default_factory=lambda: parse_hours(DEFAULT_HOURS))
    holidays: str | None = None
    # Who hears when a rep's lead is reassigned: (rep, manager) pairs; rep None: everyone's.
    managers: tuple[tuple[str | None, str], ...] = ()

    def manager_of(self, rep: str | None) -> str | None:
        """The rep's manager (their own, else everyone's), or None: tell the channel."""
        mine = dict(self.managers)
        return mine.get(rep) if rep in mine else mine.get(None)

    def business_hours(self, zone: ZoneInfo) -> BusinessHours:
        """The business hours in a team's zone."""
        return BusinessHours(self.hours, zone, self.holidays)


def parse_managers(value: Any) -> tuple[tuple[str | None, str], ...]:
    """Managers written "U0REP:U0BOSS,U0HEAD" (a bare id: everyone's manager)."""
    parts = value.split(",") if isinstance(value, str) else list(value or ())
    pairs: list[tuple[str | None, str]] = []
    for part in (str(p).strip() for p in parts):
        if not part:
            continue
        rep, colon, manager = part.partition(":")
        pair = (rep.strip(), manager.strip()) if colon else (None, rep.strip())
        if not all(is_user_id(who) for who in pair if who is not None):
            raise ValueError("not rep:manager pairs of Slack user ids")
        pairs.append(pair)
    return tuple(pairs)
