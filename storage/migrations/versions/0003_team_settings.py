"""team settings: per-team overrides of the workspace defaults

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("digest_channels", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("digest_day", sa.String(length=3), nullable=True),
        sa.Column("digest_time", sa.String(length=5), nullable=True),
        sa.Column("nudge_days", sa.String(length=32), nullable=True),
        sa.Column("nudge_time", sa.String(length=5), nullable=True),
        sa.Column("stale_after_days", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("admin_users", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.team_id"],
        ),
        sa.PrimaryKeyConstraint("team_id"),
    )


def downgrade() -> None:
    op.drop_table("team_settings")
