"""Imported history and Slack's directory: leads.history, slack_people, teams.people_synced_at

leads.history marks leads imported after their stale window had passed: counted in their
weeks' figures, never stale or nudged. It joins the stale index, so stale counts still read
only the index. slack_people caches Slack's member directory (refreshed daily), to find reps
by email or name and to name them in exports.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STALE_COLUMNS = ["team_id", "owner", "status", "last_touch_at", "snoozed_until"]


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("history", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_index("ix_leads_team_owner_stale")
        batch_op.create_index(
            "ix_leads_team_owner_stale", [*STALE_COLUMNS, "history"], unique=False
        )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("people_synced_at", sa.DateTime(timezone=True)))
    op.create_table(
        "slack_people",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("real_name", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.team_id"]),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_index("ix_slack_people_team_email", "slack_people", ["team_id", "email"])


def downgrade() -> None:
    op.drop_index("ix_slack_people_team_email", table_name="slack_people")
    op.drop_table("slack_people")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("people_synced_at")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_team_owner_stale")
        batch_op.create_index("ix_leads_team_owner_stale", STALE_COLUMNS, unique=False)
        batch_op.drop_column("history")
