"""The digest's scans read covering indexes: each figure one index-only scan

Four indexes are widened in place (each table keeps its number of indexes, so a quick form's
insert maintains as many as before):

- feedback (team, created_at) -> (team, created_at, lead, id, rating, reason, author): a
  week's feedback counted by rating, reason and author without visiting the table;
- feedback (lead, created_at) -> (lead, created_at, id, rating, reason): a lead's latest
  rating before a moment is one probe, its reasons a short range;
- leads (team, handed_off_at) -> (team, handed_off_at, id, campaign, history, status,
  first_touch_at, first_feedback_at, owner): the leads handed over in a week, by campaign,
  with feedback by the week's end or not, and their first touch;
- leads (team, first_feedback_at) -> (team, first_feedback_at, handed_off_at): the time to
  first feedback goal.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, old name, old columns, new name, new columns); written out, not imported from the
# models, so this migration keeps meaning what it meant when later ones change them.
WIDENED = [
    (
        "feedback",
        "ix_feedback_team_created",
        ["team_id", "created_at"],
        "ix_feedback_team_created_cover",
        ["team_id", "created_at", "lead_id", "id", "rating", "reason", "author"],
    ),
    (
        "feedback",
        "ix_feedback_lead_created",
        ["lead_id", "created_at"],
        "ix_feedback_lead_created_cover",
        ["lead_id", "created_at", "id", "rating", "reason"],
    ),
    (
        "leads",
        "ix_leads_team_handed_off",
        ["team_id", "handed_off_at"],
        "ix_leads_team_handed_off_cover",
        [
            "team_id",
            "handed_off_at",
            "id",
            "campaign_id",
            "history",
            "status",
            "first_touch_at",
            "first_feedback_at",
            "owner",
        ],
    ),
    (
        "leads",
        "ix_leads_team_first_feedback",
        ["team_id", "first_feedback_at"],
        "ix_leads_team_first_feedback_cover",
        ["team_id", "first_feedback_at", "handed_off_at"],
    ),
]


def upgrade() -> None:
    for table, old, _old_columns, new, new_columns in WIDENED:
        # Plain CREATE and DROP INDEX on both databases: a batch (table copy) on SQLite would
        # rebuild the whole table for an index.
        op.create_index(new, table, new_columns, unique=False)
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for table, old, old_columns, new, _new_columns in WIDENED:
        op.create_index(old, table, old_columns, unique=False)
        op.drop_index(new, table_name=table)
