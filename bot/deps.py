"""What every handler and job is given: settings, the database, the clock."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.settings import Settings
from storage.db import Sessions


@dataclass(frozen=True)
class Deps:
    """The app's shared services, passed explicitly instead of read from globals."""

    settings: Settings
    engine: AsyncEngine
    sessions: Sessions
    clock: Clock
