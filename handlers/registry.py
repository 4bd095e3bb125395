"""One place that wires every surface into the Bolt app."""

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
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
    routing_actions,
    settings_modal,
    turn,
    workspace,
)
from handlers.admins import WorkspaceAdmins
from handlers.request_check import RequestCheck


def request_check() -> AsyncMiddleware:
    """The check of each request's shape and ids, which Bolt runs before it authorizes one."""
    return RequestCheck()


def register_all(app: AsyncApp, deps: Deps) -> None:
    """Register every middleware and listener; adding a surface is one line here.

    The middleware come first: the team's row, then the Turn every listener is handed
    (which shares one WorkspaceAdmins cache between the Home and the settings modal).
    """
    workspace.register(app, deps)
    turn.register(app, deps, WorkspaceAdmins(deps.clock))
    leadfeedback.register(app)
    feedback_modal.register(app)
    feedback_actions.register(app)
    campaign_preview.register(app)
    campaign_reactions.register(app, deps)
    home.register(app)
    settings_modal.register(app)
    nudge_actions.register(app)
    routing_actions.register(app)


def web_routes(deps: Deps) -> list[Route]:
    """Every HTTP route beside Slack's; adding an endpoint is one line here."""
    return [leads_api.route(deps)]
