"""partner clients and trusted documents

Revision ID: 0004_partner_clients
Revises: 0003_catalogue_indexes
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_partner_clients"
down_revision = "0003_catalogue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_clients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("manifest", sa.String(length=100), nullable=False),
        sa.Column("secret_salt", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_partner_clients_name"), "partner_clients", ["name"], unique=True)
    op.create_table(
        "persisted_documents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("operation_name", sa.String(length=200), nullable=True),
        sa.Column("operation_type", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "persisted_manifests",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "manifest_documents",
        sa.Column("manifest", sa.String(length=100), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["persisted_documents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["manifest"],
            ["persisted_manifests.name"],
        ),
        sa.PrimaryKeyConstraint("manifest", "document_id"),
    )
    op.create_index(op.f("ix_manifest_documents_document_id"), "manifest_documents", ["document_id"], unique=False)
    op.create_table(
        "persisted_operation_usage",
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["partner_clients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["persisted_documents.id"],
        ),
        sa.PrimaryKeyConstraint("client_id", "document_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("persisted_operation_usage")
    op.drop_index(op.f("ix_manifest_documents_document_id"), table_name="manifest_documents")
    op.drop_table("manifest_documents")
    op.drop_table("persisted_manifests")
    op.drop_table("persisted_documents")
    op.drop_index(op.f("ix_partner_clients_name"), table_name="partner_clients")
    op.drop_table("partner_clients")
