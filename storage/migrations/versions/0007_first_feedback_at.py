"""leads.first_feedback_at: when a lead got its first feedback, for the time-to-feedback goal

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_feedback_at", sa.DateTime(timezone=True)))
        batch_op.create_index(
            "ix_leads_team_first_feedback", ["team_id", "first_feedback_at"], unique=False
        )
    op.execute(
        "UPDATE leads SET first_feedback_at = "
        "(SELECT min(feedback.created_at) FROM feedback WHERE feedback.lead_id = leads.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_team_first_feedback")
        batch_op.drop_column("first_feedback_at")
