"""campaign reactions: the current one per user, and the history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.team_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "user_id", name="uq_campaign_reactions_campaign_user"),
    )
    with op.batch_alter_table("campaign_reactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_reactions_team_campaign", ["team_id", "campaign_id"], unique=False
        )

    op.create_table(
        "campaign_reaction_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.team_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("campaign_reaction_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_reaction_history_campaign_created",
            ["campaign_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_campaign_reaction_history_team_created", ["team_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_reaction_history", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_reaction_history_team_created")
        batch_op.drop_index("ix_campaign_reaction_history_campaign_created")

    op.drop_table("campaign_reaction_history")
    with op.batch_alter_table("campaign_reactions", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_reactions_team_campaign")

    op.drop_table("campaign_reactions")
