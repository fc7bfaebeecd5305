"""worker heartbeats: each worker process records its last beat (health lists the workers seen)

Revision ID: 0011_worker_heartbeats
Revises: 0010_durable_revocation
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_worker_heartbeats"
down_revision = "0010_durable_revocation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=120), primary_key=True),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("relay_active", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("workers")
