"""Stale-lead counts per owner read one covering index instead of every open lead's row

ix_leads_team_owner_touch (team, owner, last_touch_at) becomes ix_leads_team_owner_stale
(team, owner, status, last_touch_at, snoozed_until): every column of the stale condition is
in it, so the digest's stale counts and the nudges' per-owner counts never visit the table
(at 100,000 open leads: 87 -> 17 ms on SQLite, 34 -> 17 ms on PostgreSQL).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_team_owner_touch")
        batch_op.create_index(
            "ix_leads_team_owner_stale",
            ["team_id", "owner", "status", "last_touch_at", "snoozed_until"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_team_owner_stale")
        batch_op.create_index(
            "ix_leads_team_owner_touch", ["team_id", "owner", "last_touch_at"], unique=False
        )
