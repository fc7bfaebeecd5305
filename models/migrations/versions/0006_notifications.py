"""notification templates (seeded), notifications, and the VIP early-access moment of launches

Revision ID: 0006_notifications
Revises: 0005_outbox_relay
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006_notifications"
down_revision = "0005_outbox_relay"
branch_labels = None
depends_on = None

# The default texts as they were when this revision was written (migrations never import live code).
SEED = {
    "account_registered": (
        "Confirm your AstroBookings account",
        "Hello {recipient_name},\n\nconfirm the address {email} by opening this link:\n\n{confirmation_link}\n\n"
        "The link is valid for three days.",
    ),
    "launch_scheduled": (
        "New launch: {mission_name} to {destination}",
        "Hello {recipient_name},\n\n{agency_name} scheduled {mission_name} to {destination} on {launch_at}.\n"
        "It opens to everyone at {public_at}.",
    ),
    "launch_confirmed": (
        "{mission_name} is confirmed",
        "Hello {recipient_name},\n\n{mission_name} to {destination} on {launch_at} is confirmed.",
    ),
    "launch_delayed": (
        "{mission_name} is delayed",
        "Hello {recipient_name},\n\n{mission_name} to {destination} is delayed; new date {launch_at}.\n"
        "Reason: {reason}",
    ),
    "launch_aborted": (
        "{mission_name} is aborted",
        "Hello {recipient_name},\n\n{mission_name} to {destination} is aborted. Bookings are refunded in full.\n"
        "Reason: {reason}",
    ),
    "launch_launched": (
        "{mission_name} has launched",
        "Hello {recipient_name},\n\n{mission_name} to {destination} lifted off.",
    ),
    "launch_failed": ("{mission_name} failed", "Hello {recipient_name},\n\n{mission_name} to {destination} failed."),
    "booking_confirmed": (
        "Booking confirmed: {mission_name}",
        "Hello {recipient_name},\n\nbooking {booking_id} of {traveler_name}: {seats} seat(s) on {mission_name} "
        "({launch_at}) for {amount} USD is confirmed.",
    ),
    "booking_canceled": (
        "Booking canceled: {mission_name}",
        "Hello {recipient_name},\n\nbooking {booking_id} of {traveler_name} ({seats} seat(s) on {mission_name}) "
        "is canceled. Refund: {refund_amount} USD.\nReason: {reason}",
    ),
    "invoice_issued": (
        "Invoice {invoice_id}",
        "Hello {recipient_name},\n\ninvoice {invoice_id} for {agency_name}: {amount} USD due on {due_date}.",
    ),
    "invoice_overdue": (
        "Invoice {invoice_id} is overdue",
        "Hello {recipient_name},\n\ninvoice {invoice_id} ({amount} USD) was due on {due_date}.",
    ),
    "sync_failed": ("Synchronisation failed: {job}", "Hello {recipient_name},\n\nsync job {job} failed:\n{error}"),
}
SIGNATURE = "\n\n-- AstroBookings"
SEEDED_AT = datetime(2026, 11, 28, tzinfo=UTC)


def upgrade() -> None:
    templates = op.create_table(
        "notification_templates",
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("event"),
    )
    op.bulk_insert(
        templates,
        [
            {"event": event, "subject": subject, "body": body + SIGNATURE, "updated_at": SEEDED_AT}
            for event, (subject, body) in SEED.items()
        ],
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "recipient_id", name="notification_once_per_event_recipient"),
    )
    op.create_index("notifications_recipient_created", "notifications", ["recipient_id", "created_at"])
    op.create_index("notifications_status_created", "notifications", ["status", "created_at"])
    op.create_index(
        "notifications_due", "notifications", ["next_attempt_at"], postgresql_where=sa.text("status = 'pending'")
    )
    op.add_column("launches", sa.Column("public_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("launches_public_at", "launches", ["public_at"], postgresql_where=sa.text("public_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("launches_public_at", table_name="launches")
    op.drop_column("launches", "public_at")
    op.drop_table("notifications")
    op.drop_table("notification_templates")
