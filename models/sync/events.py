"""Names of domain events and of the aggregates they are about: the outbox's vocabulary, in one place.

Consumers of the outbox filter on these values, so they never change once written."""

from __future__ import annotations

from enum import StrEnum


class Aggregate(StrEnum):
    AGENCY = "Agency"
    ROCKET = "Rocket"
    LAUNCH = "Launch"
    BOOKING = "Booking"
    TRAVELER = "Traveler"
    PARTNER_CLIENT = "PartnerClient"
    INVOICE = "Invoice"
    USER = "User"
    SYNC_JOB = "SyncJob"
    NOTIFICATION = "Notification"
    NOTIFICATION_TEMPLATE = "NotificationTemplate"
    SYNC_RUN = "SyncRun"


class Event(StrEnum):
    ACCOUNT_REGISTERED = "account_registered"
    AGENCY_CREATED = "agency_created"
    AGENCY_UPDATED = "agency_updated"
    ROCKET_ADDED = "rocket_added"
    ROCKET_UPDATED = "rocket_updated"
    ROCKET_RETIRED = "rocket_retired"
    ROCKET_DELETED = "rocket_deleted"
    LAUNCH_SCHEDULED = "launch_scheduled"
    LAUNCH_UPDATED = "launch_updated"
    LAUNCH_CONFIRMED = "launch_confirmed"
    LAUNCH_DELAYED = "launch_delayed"
    LAUNCH_ABORTED = "launch_aborted"
    LAUNCH_LAUNCHED = "launch_launched"
    LAUNCH_FAILED = "launch_failed"
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_CANCELED = "booking_canceled"
    REFUND_ISSUED = "refund_issued"
    TRAVELER_PROFILE_CREATED = "traveler_profile_created"
    TRAVELER_PROFILE_UPDATED = "traveler_profile_updated"
    PARTNER_CLIENT_CREATED = "partner_client_created"
    PARTNER_CLIENT_SECRET_ROTATED = "partner_client_secret_rotated"  # noqa: S105 - an event name
    PARTNER_CLIENT_REVOKED = "partner_client_revoked"
    INVOICE_ISSUED = "invoice_issued"
    INVOICE_PAYMENT_RECORDED = "invoice_payment_recorded"
    INVOICE_OVERDUE = "invoice_overdue"
    SYNC_FAILED = "sync_failed"
    # IT actions on the notification queue and templates (logged like every other change)
    NOTIFICATION_MARKED_SENT = "notification_marked_sent"
    NOTIFICATION_RETRIED = "notification_retried"
    NOTIFICATION_DELETED = "notification_deleted"
    NOTIFICATION_TEMPLATE_UPDATED = "notification_template_updated"
    # Account lifecycle: password resets, IT's user administration, closing an account
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an event name
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
    EMPLOYEE_INVITED = "employee_invited"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    USER_ROLE_CHANGED = "user_role_changed"
    ACCOUNT_CLOSED = "account_closed"

    @classmethod
    def launch_moved_to(cls, status: str) -> Event:
        """The event of a launch's move into `status` (confirmed, delayed, aborted, launched, failed)."""
        return cls(f"launch_{status}")
