"""The App Home: published when a user opens it, and its lead buttons.

Rating a lead from the Home records the feedback, then republishes the Home with a line
that says what was recorded, so the list the user is looking at is always the current one.
"""

import re

from slack_bolt.async_app import AsyncApp

from handlers.clicked import clicked_lead
from handlers.feedback_flow import open_feedback_modal
from handlers.home_flow import explain_on_home, refresh_home
from handlers.replies import action_id, action_row_id
from handlers.turn import Turn, after_ack
from handlers.views import feedback_blocks, ids
from handlers.views.blocks import escape
from storage.feedback import rate_lead
from storage.models import Lead
from storage.vocabulary import Rating

_RATE_RE = re.compile(f"^{re.escape(ids.HOME_RATE_PREFIX)}({'|'.join(r.value for r in Rating)})$")
LEAD_GONE = ":warning: That lead is not in this workspace any more; nothing was recorded."


async def home_opened(turn: Turn) -> None:
    """Publish the user's Home each time they open its tab."""
    await turn.ack()
    event = turn.body.get("event") or {}
    if event.get("tab") != "home" or not turn.user_id:
        return
    await refresh_home(turn)


def _recorded(lead: Lead, rating: Rating) -> str:
    """The Home's line once a rating from it is stored."""
    reference = escape(lead.email or lead.external_id or str(lead.id))
    return (
        f":white_check_mark: Recorded {feedback_blocks.rating_text(rating)} for "
        f"{feedback_blocks.lead_line(lead)}. Add a status, reason or note with "
        f"`/leadfeedback show {reference}`."
    )


async def rate_from_home(turn: Turn) -> None:
    """Record the rating of a Hot/Warm/Cold/Junk button and show the Home again."""
    await turn.ack()
    rating = Rating(action_id(turn.body).removeprefix(ids.HOME_RATE_PREFIX))
    async with turn.deps.sessions.begin() as session:
        lead = await rate_lead(
            session=session,
            team_id=turn.team_id,
            lead_id=action_row_id(turn.body),
            author=turn.user_id,
            rating=rating,
            now=turn.deps.clock.now(),
        )
    await refresh_home(turn, notice=_recorded(lead, rating) if lead is not None else LEAD_GONE)


async def feedback_details(turn: Turn) -> None:
    """Open the feedback modal for the lead, to add a status, reason or note."""
    await turn.ack()
    lead = await clicked_lead(turn)
    if lead is None:
        await refresh_home(turn, notice=LEAD_GONE)
        return
    await open_feedback_modal(turn, lead=feedback_blocks.lead_option(lead), explain=explain_on_home)


def register(app: AsyncApp) -> None:
    """Wire the Home and its lead buttons."""
    app.event("app_home_opened")(after_ack(home_opened))
    app.action(_RATE_RE)(after_ack(rate_from_home))
    app.action(ids.HOME_FEEDBACK_DETAILS)(after_ack(feedback_details))
