"""What a verdict does to a lead's status: junk closes it, hot or warm reopens a closed one.

A lead rated junk should never have been handed over, so it leaves the open leads (no stale
count, no nudge, not in `mine`) even when the rep names no status. A later hot or warm
rating says the lead is alive after all and puts it back where it was before it closed.
"""

from storage.vocabulary import OPEN_STATUSES, LeadStatus, Rating

CLOSED_STATUSES = (LeadStatus.WON, LeadStatus.LOST, LeadStatus.DISQUALIFIED)
# Closed leads a hot or warm rating reopens; a won deal stays won.
REOPENABLE = (LeadStatus.LOST, LeadStatus.DISQUALIFIED)
REOPENING_RATINGS = (Rating.HOT, Rating.WARM)
# Where a reopened lead goes when nothing says where it stood before it closed.
REOPENED = LeadStatus.CONTACTED


def implied_status(*, rating: str, current: str, before_closing: str | None) -> str | None:
    """The status a rating given without one sets on a lead now at current (None: none).

    before_closing is the status the lead had before it closed, if it is closed.
    """
    if rating == Rating.JUNK and current not in CLOSED_STATUSES:
        return LeadStatus.DISQUALIFIED.value
    if rating in REOPENING_RATINGS and current in REOPENABLE:
        reopened = before_closing if before_closing in OPEN_STATUSES else REOPENED
        return LeadStatus(reopened).value
    return None


def closes(*, previous: str | None, status: str | None) -> bool:
    """Whether a record moved an open lead to a closed status."""
    return status in CLOSED_STATUSES and previous not in CLOSED_STATUSES


def reopens(*, previous: str | None, status: str | None) -> bool:
    """Whether a record moved a closed lead back to an open status."""
    return previous in CLOSED_STATUSES and status in OPEN_STATUSES
