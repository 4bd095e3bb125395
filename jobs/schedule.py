"""When a team's digest and nudges run, and which period a run covers.

Times are wall-clock times in the team's time zone; APScheduler's CronTrigger turns them
into UTC moments, so 09:00 Europe/Berlin is 08:00 UTC in winter and 07:00 UTC in summer,
and the day the clocks change neither skips nor doubles a run. Periods are whole local
weeks (a week before 09:00 on a Monday is 09:00 on the Monday before, whatever the offset),
so consecutive digests tile time without a gap or an overlap.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.deps import Deps
from storage.team_settings import effective_settings

DIGEST_DAYS = 7
MAKE_UP_WINDOW = timedelta(hours=24)
_LOOKBACK = timedelta(days=8)


@dataclass(frozen=True)
class Schedule:
    """A team's schedule, channels and threshold."""

    timezone: str
    digest_day: str
    digest_time: str
    nudge_days: str
    nudge_time: str
    digest_channels: tuple[str, ...]
    shared_channel: str | None
    stale_after_days: int

    @property
    def zone(self) -> ZoneInfo:
        """The team's time zone."""
        return ZoneInfo(self.timezone)


async def team_schedule(deps: Deps, team_id: str) -> Schedule:
    """The schedule a team's jobs follow: its admins' settings, else the workspace defaults."""
    async with deps.sessions() as session:
        team = await effective_settings(session=session, team_id=team_id, defaults=deps.settings)
    return Schedule(
        timezone=team.timezone,
        digest_day=team.digest_day,
        digest_time=team.digest_time,
        nudge_days=team.nudge_days,
        nudge_time=team.nudge_time,
        digest_channels=team.digest_channels,
        shared_channel=deps.settings.shared_channel,
        stale_after_days=team.stale_after_days,
    )


def _cron(days: str, at: str, zone: ZoneInfo) -> CronTrigger:
    hour, minute = at.split(":")
    return CronTrigger(day_of_week=days, hour=int(hour), minute=int(minute), timezone=zone)


def digest_trigger(schedule: Schedule) -> CronTrigger:
    """The weekly digest's trigger, in the team's time zone."""
    return _cron(schedule.digest_day, schedule.digest_time, schedule.zone)


def nudge_trigger(schedule: Schedule) -> CronTrigger:
    """The nudges' trigger: the nudge time on each nudge day, in the team's time zone."""
    return _cron(schedule.nudge_days, schedule.nudge_time, schedule.zone)


def latest_occurrence(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The trigger's last fire time at or before now (within the last eight days), in UTC."""
    latest = None
    moment = trigger.get_next_fire_time(None, now - _LOOKBACK)
    while moment is not None and moment <= now:
        latest = moment
        moment = trigger.get_next_fire_time(moment, moment)
    return latest.astimezone(UTC) if latest is not None else None


@dataclass(frozen=True)
class Period:
    """A half-open span of time [start, end) in UTC, and the key its claims use."""

    start: datetime
    end: datetime
    key: str

    def before(self) -> "Period":
        """The period of the same length that ends where this one starts."""
        return Period(start=self.start - (self.end - self.start), end=self.start, key="")


def week_ending(end: datetime, zone: ZoneInfo, *, key: str | None = None) -> Period:
    """The seven local days that end at end; keyed by end's local date unless key is given."""
    local_end = end.astimezone(zone)
    local_start = (local_end.replace(tzinfo=None) - timedelta(days=DIGEST_DAYS)).replace(
        tzinfo=zone
    )
    return Period(
        start=local_start.astimezone(UTC),
        end=end.astimezone(UTC),
        key=key if key is not None else local_end.date().isoformat(),
    )


def weeks_ending(end: datetime, zone: ZoneInfo, *, count: int) -> list[Period]:
    """The count local weeks that tile time up to end, oldest first, as the digest cuts them."""
    local_end = end.astimezone(zone).replace(tzinfo=None)
    return [
        week_ending((local_end - timedelta(days=DIGEST_DAYS * back)).replace(tzinfo=zone), zone)
        for back in reversed(range(count))
    ]


def local_day_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """Midnight of moment's local day, in UTC."""
    local = moment.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return midnight.replace(tzinfo=zone).astimezone(UTC)
