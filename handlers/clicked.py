"""The row a clicked button names in its value, read within the clicker's workspace."""

from handlers.replies import action_row_id
from handlers.turn import Turn
from storage.campaigns import get_campaign
from storage.leads import get_lead
from storage.models import Campaign, Lead


async def clicked_lead(turn: Turn) -> Lead | None:
    """The lead the button names; None when it is gone or not this workspace's."""
    async with turn.deps.sessions() as session:
        return await get_lead(
            session=session, team_id=turn.team_id, lead_id=action_row_id(turn.body)
        )


async def clicked_campaign(turn: Turn) -> Campaign | None:
    """The campaign the button names; None when it is gone or not this workspace's."""
    async with turn.deps.sessions() as session:
        return await get_campaign(
            session=session, team_id=turn.team_id, campaign_id=action_row_id(turn.body)
        )
