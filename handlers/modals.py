"""Opening a modal, and telling the user what to do when Slack will not open it.

A trigger_id lasts three seconds and opens one modal. When Slack refuses it (expired,
already used, or the view is refused), the user would otherwise click and see nothing, so
the error code is logged and the user is told, privately, to try again.
"""

import logging
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError

from handlers.replies import reply_privately
from handlers.turn import Turn
from handlers.views.blocks import Block, Message, section

logger = logging.getLogger(__name__)

# How a surface without a response_url (the Home) shows the explanation itself.
Explain = Callable[[Turn, str], Awaitable[None]]


def _cannot_open(form: str, *, from_command: bool) -> str:
    again = "Please run the command again." if from_command else "Please press it again."
    return f"Slack did not open the {form} in time. {again}"


async def open_modal(
    turn: Turn, view: Block, *, form: str = "form", explain: Explain | None = None
) -> None:
    """Open view on the request's trigger; if Slack refuses, log why and tell the user.

    The user is told through explain when given, else in an ephemeral answer through the
    request's response_url, else in a DM from the app. A request without a trigger (which
    Slack always sends with these) is told at once.
    """
    if turn.trigger_id:
        try:
            await turn.client.views_open(trigger_id=turn.trigger_id, view=view)
            return
        except SlackApiError as exc:
            logger.error("views.open for the %s failed: %s", form, exc.response.get("error"))
    else:
        logger.warning("no trigger_id to open the %s with", form)
    text = _cannot_open(form, from_command="command" in turn.body)
    if explain is not None:
        await explain(turn, text)
    else:
        await reply_privately(turn.respond, Message(text, [section(text)]))
