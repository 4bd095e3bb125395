"""One place that wires every surface into the Bolt app."""

from slack_bolt.async_app import AsyncApp
from starlette.routing import Route

from bot.deps import Deps
from handlers import (
    campaign_preview,
    campaign_reactions,
    feedback_actions,
    feedback_modal,
    home,
    leadfeedback,
    leads_api,
    nudge_actions,
    workspace,
)


def register_all(app: AsyncApp, deps: Deps) -> None:
    """Register every middleware and listener; adding a surface is one line here."""
    workspace.register(app, deps)
    leadfeedback.register(app, deps)
    feedback_modal.register(app, deps)
    feedback_actions.register(app, deps)
    campaign_preview.register(app, deps)
    campaign_reactions.register(app, deps)
    home.register(app, deps)
    nudge_actions.register(app, deps)


def web_routes(deps: Deps) -> list[Route]:
    """Every HTTP route beside Slack's; adding an endpoint is one line here."""
    return [leads_api.route(deps)]
