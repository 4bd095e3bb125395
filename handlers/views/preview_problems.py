"""Why a campaign's preview is not posted, and what the marketer can do about it.

Slack's error codes fall into kinds: the bot is not in the channel, the channel is closed to
it, Slack will not take the message itself, or Slack is having a moment. Only the last one
goes away by pressing Post preview again, so each kind says what has to change first.
"""

from handlers.views.blocks import escape

# Slack could not take the post just now; the same post later should go through.
TRANSIENT = frozenset(
    {
        "ratelimited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "slack_unreachable",
    }
)
_NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
_CLOSED = frozenset(
    {
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "posting_to_general_channel_denied",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)
_CONTENT = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "too_many_attachments",
        "invalid_attachments",
    }
)
_SETUP = frozenset(
    {
        "missing_scope",
        "not_allowed_token_type",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
    }
)


def why_not_posted(error: str, where: str) -> str:
    """What failed and how to fix it, in a sentence or two of mrkdwn (where: the channel)."""
    code = f"`{escape(error)}`"
    if error in _NOT_A_MEMBER:
        return (
            f"I am not a member of {where}, so I could not post there. Type "
            f"`/invite @leadloop` in {where}, then press *Post preview*."
        )
    if error == "is_archived":
        return f"{where} is archived. Unarchive it, then press *Post preview*."
    if error in _CLOSED:
        return (
            f"{where} does not let me post there ({code}). Ask whoever manages {where} to "
            "let leadloop post, then press *Post preview*."
        )
    if error in _CONTENT:
        return (
            f"Slack refused the preview itself ({code}), so pressing *Post preview* again "
            "will not help. Tell your leadloop admin, who can see the error in the logs."
        )
    if error in _SETUP:
        return (
            f"leadloop is not allowed to post ({code}): a workspace admin has to reinstall "
            "the app with its manifest. Then press *Post preview*."
        )
    if error in TRANSIENT:
        return f"Slack could not take it just now ({code}). Press *Post preview* to try again."
    return (
        f"Slack refused the post ({code}). Press *Post preview* to try again; if it fails "
        "again, tell your leadloop admin."
    )
