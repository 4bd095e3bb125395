"""Speed to lead: routing and first touch on leads, lead_events, routing_reps, routing_cards,
team_settings.routing

leads gain when routing handed them to their owner, how many hand-overs there were (and
which one's DM went out), and their first touch. lead_events holds each routing step once per
hand-over (unique), routing_reps the round-robin turns, routing_cards the claim cards.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING_COLUMNS = ["team_id", "first_touch_at", "assigned_at"]


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("routing_round", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("notified_round", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("first_touch_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_leads_team_waiting", WAITING_COLUMNS, unique=False)
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routing", sa.String(length=16), nullable=True))
    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.team_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lead_id", "kind", "round", name="uq_lead_events_lead_kind_round"),
    )
    op.create_index("ix_lead_events_team_created", "lead_events", ["team_id", "created_at"])
    op.create_table(
        "routing_reps",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("away", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.team_id"]),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_table(
        "routing_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.team_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_routing_cards_team_lead", "routing_cards", ["team_id", "lead_id"])


def downgrade() -> None:
    op.drop_index("ix_routing_cards_team_lead", table_name="routing_cards")
    op.drop_table("routing_cards")
    op.drop_table("routing_reps")
    op.drop_index("ix_lead_events_team_created", table_name="lead_events")
    op.drop_table("lead_events")
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("routing")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_team_waiting")
        batch_op.drop_column("first_touch_at")
        batch_op.drop_column("notified_round")
        batch_op.drop_column("routing_round")
        batch_op.drop_column("assigned_at")
