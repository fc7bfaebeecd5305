"""durable revocation: revoked token ids, sessions (and any other revocation key) in PostgreSQL

Revision ID: 0010_durable_revocation
Revises: 0009_account_lifecycle
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_durable_revocation"
down_revision = "0009_account_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revocations",
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_revocations_expires_at", "revocations", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_revocations_expires_at", table_name="revocations")
    op.drop_table("revocations")
