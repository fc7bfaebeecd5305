"""a retired (soft-deleted) rocket frees its name: unique (agency_id, name) only among live rockets

Revision ID: 0002_rocket_name_reusable
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_rocket_name_reusable"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("rocket_name_per_agency", "rockets", type_="unique")
    op.create_index(
        "rocket_name_per_agency",
        "rockets",
        ["agency_id", "name"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("rocket_name_per_agency", table_name="rockets")
    op.create_unique_constraint("rocket_name_per_agency", "rockets", ["agency_id", "name"])
