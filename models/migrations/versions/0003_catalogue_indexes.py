"""catalogue partial indexes (one per sort order) and a structured traveler emergency contact

Revision ID: 0003_catalogue_indexes
Revises: 0002_rocket_name_reusable
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_catalogue_indexes"
down_revision = "0002_rocket_name_reusable"
branch_labels = None
depends_on = None

BOOKABLE = sa.text("status IN ('confirmed', 'delayed', 'scheduled')")
INDEXES = {
    "catalogue_by_date": ["launch_at", "id"],
    "catalogue_by_price": ["price_per_seat", "id"],
    "catalogue_by_seats": [sa.literal_column("(capacity - seats_sold)"), "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "launches", columns, unique=False, postgresql_where=BOOKABLE)
    op.alter_column("travelers", "emergency_contact", new_column_name="emergency_contact_name")
    op.alter_column("travelers", "emergency_contact_name", type_=sa.String(length=200), existing_nullable=True)
    op.add_column("travelers", sa.Column("emergency_contact_phone", sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column("travelers", "emergency_contact_phone")
    op.alter_column("travelers", "emergency_contact_name", type_=sa.String(length=500), existing_nullable=True)
    op.alter_column("travelers", "emergency_contact_name", new_column_name="emergency_contact")
    for name in INDEXES:
        op.drop_index(name, table_name="launches")
