"""Block Kit for the installer's welcome DM: what leadloop does and the next three steps."""

from handlers.views.blocks import Message, context, header, section


def welcome_message(installer_id: str) -> Message:
    """The DM to whoever just added leadloop to their workspace."""
    steps = [
        "*1. Pick the shared channel.* Invite me to the channel where sales and marketing "
        "talk (`/invite @leadloop`), then choose it under *Settings* on my Home tab, with "
        "the day and time of the weekly digest.",
        "*2. Send me leads.* Point your CRM's webhook at `/api/leads`, or run "
        "`leadloop import leads.csv` with a HubSpot or Salesforce export.",
        "*3. Rate a lead.* Type `/leadfeedback help` in any channel: reps say in a few "
        "seconds how good a lead was, and marketing sees it in Monday's digest.",
    ]
    text = (
        f"Thanks for adding leadloop, <@{installer_id}>! Next: pick the shared channel, "
        "send me leads, and rate one with /leadfeedback."
    )
    return Message(
        text,
        [
            header("leadloop is installed"),
            section(f"Thanks for adding leadloop, <@{installer_id}>. Three steps to go:"),
            *(section(step) for step in steps),
            context("Questions? Open my Home tab: everything I do starts there."),
        ],
    )
