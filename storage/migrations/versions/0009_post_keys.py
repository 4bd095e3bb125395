"""job_claims.post_key: each post's intent key, carried in its Slack message metadata

A post Slack took but did not confirm (a 5xx after the write, a dropped connection, a
claimant that died before recording the ts) is found by this key in the channel's history
before anything is posted again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_key", sa.String(length=32), nullable=True))
        batch_op.create_index("uq_job_claims_post_key", ["post_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("job_claims", schema=None) as batch_op:
        batch_op.drop_index("uq_job_claims_post_key")
        batch_op.drop_column("post_key")
