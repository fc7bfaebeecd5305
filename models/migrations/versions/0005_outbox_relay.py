"""outbox relay: insertion order of events, delivery per consumer

Revision ID: 0005_outbox_relay
Revises: 0004_partner_clients
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_outbox_relay"
down_revision = "0004_partner_clients"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows are numbered in physical order; every later insert takes the next value.
    op.add_column("outbox_events", sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False))
    op.create_unique_constraint("outbox_events_seq_key", "outbox_events", ["seq"])
    # The relay's scan: only undelivered events, in order (stays small however long the outbox grows).
    op.create_index(
        "ix_outbox_events_undelivered",
        "outbox_events",
        ["seq"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    op.create_table(
        "outbox_deliveries",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("consumer", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["outbox_events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "consumer"),
    )
    op.create_index(
        "ix_outbox_deliveries_unfinished",
        "outbox_deliveries",
        ["consumer", "status"],
        postgresql_where=sa.text("status <> 'delivered'"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_deliveries_unfinished", table_name="outbox_deliveries")
    op.drop_table("outbox_deliveries")
    op.drop_index("ix_outbox_events_undelivered", table_name="outbox_events")
    op.drop_constraint("outbox_events_seq_key", "outbox_events")
    op.drop_column("outbox_events", "seq")
