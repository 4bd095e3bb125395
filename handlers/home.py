"""The App Home: published when a user opens it, and its lead buttons.

Rating a lead from the Home records the feedback, then republishes the Home with a line
that says what was recorded, so the list the user is looking at is always the current one.
"""

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers import settings_modal
from handlers.admins import WorkspaceAdmins
from handlers.feedback_modal import open_feedback_modal
from handlers.home_flow import refresh_home
from handlers.replies import action_id, action_row_id
from handlers.views import feedback_blocks, ids
from handlers.views.blocks import escape
from storage.feedback import rate_lead
from storage.leads import get_lead
from storage.vocabulary import Rating

logger = logging.getLogger(__name__)

_RATE_RE = re.compile(f"^{re.escape(ids.HOME_RATE_PREFIX)}({'|'.join(r.value for r in Rating)})$")
LEAD_GONE = ":warning: That lead is not in this workspace any more; nothing was recorded."


def _clicked(body: dict[str, Any]) -> tuple[str, int | None]:
    """The clicked button's action_id and the lead id in its value."""
    return action_id(body), action_row_id(body)


def register(app: AsyncApp, deps: Deps) -> None:
    """Wire the Home, its buttons, and the settings modal it opens."""
    admins = WorkspaceAdmins(deps.clock)

    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        if event.get("tab") != "home" or not context.user_id:
            return
        await refresh_home(
            client, deps, admins, team_id=context.team_id or "", user_id=context.user_id
        )

    @app.action(_RATE_RE)
    async def rate_from_home(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        team_id, user_id = context.team_id or "", context.user_id or ""
        action_id, lead_id = _clicked(body)
        rating = Rating(action_id.removeprefix(ids.HOME_RATE_PREFIX))
        async with deps.sessions.begin() as session:
            lead = await rate_lead(
                session=session,
                team_id=team_id,
                lead_id=lead_id,
                author=user_id,
                rating=rating,
                now=deps.clock.now(),
            )
        notice = (
            f":white_check_mark: Recorded {feedback_blocks.rating_text(rating)} for "
            f"{feedback_blocks.lead_line(lead)}. Add a status, reason or note with "
            f"`/leadfeedback show {escape(lead.email or lead.external_id or str(lead.id))}`."
            if lead is not None
            else LEAD_GONE
        )
        await refresh_home(client, deps, admins, team_id=team_id, user_id=user_id, notice=notice)

    @app.action(ids.HOME_FEEDBACK_DETAILS)
    async def feedback_details(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        team_id, user_id = context.team_id or "", context.user_id or ""
        _, lead_id = _clicked(body)
        async with deps.sessions() as session:
            lead = await get_lead(session=session, team_id=team_id, lead_id=lead_id)
        if lead is None:
            await refresh_home(
                client, deps, admins, team_id=team_id, user_id=user_id, notice=LEAD_GONE
            )
            return
        try:
            await open_feedback_modal(
                client,
                deps,
                team_id=team_id,
                trigger_id=body["trigger_id"],
                lead=feedback_blocks.lead_option(lead),
            )
        except SlackApiError as exc:
            logger.error("views.open from the Home failed: %s", exc.response.get("error"))

    settings_modal.register(app, deps, admins)
