"""account lifecycle: the account-service email templates (password reset, password changed, invitation)

These are account-service mail, not marketing: they go to the account's own login address whenever the
account asks for them (or IT acts on it), nobody can opt out of them, and IT may reword them but the link
placeholder must stay (validated on save).

Revision ID: 0009_account_lifecycle
Revises: 0008_booking_holds
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009_account_lifecycle"
down_revision = "0008_booking_holds"
branch_labels = None
depends_on = None

# The default texts as they were when this revision was written (migrations never import live code).
SEED = {
    "password_reset_requested": (
        "Reset your AstroBookings password",
        "Hello {recipient_name},\n\nsomeone asked to reset the password of the account {email}. To choose a new "
        "password, open this link:\n\n{reset_link}\n\nThe link works once and for {valid_minutes} minutes. "
        "If you did not ask for it, ignore this email: your password stays as it is.",
    ),
    "password_changed": (
        "Your AstroBookings password was changed",
        "Hello {recipient_name},\n\nthe password of the account {email} was changed at {changed_at} and every "
        "session was signed out. If it was not you, ask for a password reset at once and tell us.",
    ),
    "employee_invited": (
        "Your AstroBookings employee account",
        "Hello {recipient_name},\n\nan AstroBookings {role} account was created for {email}. Choose your "
        "password by opening this link:\n\n{invitation_link}\n\nThe link works once and for {valid_hours} "
        'hours; after that, use "Forgot your password" with this address.',
    ),
}
SIGNATURE = "\n\n-- AstroBookings"
SEEDED_AT = datetime(2026, 11, 28, tzinfo=UTC)

templates = sa.table(
    "notification_templates",
    sa.column("event", sa.String),
    sa.column("subject", sa.String),
    sa.column("body", sa.Text),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.bulk_insert(
        templates,
        [
            {"event": event, "subject": subject, "body": body + SIGNATURE, "updated_at": SEEDED_AT}
            for event, (subject, body) in SEED.items()
        ],
    )


def downgrade() -> None:
    op.execute(templates.delete().where(templates.c.event.in_(list(SEED))))
