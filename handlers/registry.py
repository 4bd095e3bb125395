"""One place that wires every surface into the Bolt app."""

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from handlers import feedback_actions, feedback_modal, leadfeedback, nudge_actions, workspace


def register_all(app: AsyncApp, deps: Deps) -> None:
    """Register every middleware and listener; adding a surface is one line here."""
    workspace.register(app, deps)
    leadfeedback.register(app, deps)
    feedback_modal.register(app, deps)
    feedback_actions.register(app, deps)
    nudge_actions.register(app, deps)
