"""invoices, invoice payments and the per-year invoice number counter

Revision ID: 0007_finance
Revises: 0006_notifications
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_finance"
down_revision = "0006_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_counters",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("launch_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("amount_paid", sa.Numeric(12, 2), nullable=False),
        sa.Column("net_revenue", sa.Numeric(12, 2), nullable=True),
        sa.Column("fee_rate", sa.Numeric(6, 4), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name="invoice_amount_not_negative"),
        sa.CheckConstraint("amount_paid >= 0 AND amount_paid <= amount", name="invoice_never_overpaid"),
        sa.CheckConstraint("status IN ('pending', 'partially_paid', 'paid')", name="invoice_status_known"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["launch_id"], ["launches.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("launch_id"),
    )
    op.create_index("invoices_issued", "invoices", ["issued_at", "id"])
    op.create_index("invoices_agency_issued", "invoices", ["agency_id", "issued_at", "id"])
    op.create_index("invoices_unpaid_due", "invoices", ["due_at"], postgresql_where=sa.text("status <> 'paid'"))
    op.create_table(
        "invoice_payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.Column("gateway_event_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name="invoice_payment_positive"),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("gateway_event_id"),
    )
    op.create_index(op.f("ix_invoice_payments_invoice_id"), "invoice_payments", ["invoice_id"])
    op.create_index("invoice_payments_paid", "invoice_payments", ["paid_at"])


def downgrade() -> None:
    op.drop_table("invoice_payments")
    op.drop_table("invoices")
    op.drop_table("invoice_counters")
