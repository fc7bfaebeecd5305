"""Every SQLModel table, imported in one place so metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

from models.accounts.revocations import Revocation
from models.agencies.tables import Agency, Rocket
from models.bookings.tables import Booking, Passenger, Payment, Refund, SeatHold
from models.finance.tables import Invoice, InvoiceCounter, InvoicePayment
from models.launches.catalogue import CATALOGUE_INDEXES  # the catalogue's partial indexes on launches
from models.launches.tables import Launch, LaunchStatusChange
from models.notifications.tables import Notification, NotificationTemplate
from models.partners.clients import PartnerClient
from models.partners.persisted import ManifestDocument, OperationUsage, PersistedDocument, PersistedManifest
from models.sync.deliveries import OutboxDelivery
from models.sync.outbox import OutboxEvent
from models.sync.workers import WorkerHeartbeat
from models.travelers.tables import Traveler

metadata = SQLModel.metadata

__all__ = [
    "Agency",
    "Booking",
    "CATALOGUE_INDEXES",
    "Invoice",
    "InvoiceCounter",
    "InvoicePayment",
    "Launch",
    "LaunchStatusChange",
    "ManifestDocument",
    "OperationUsage",
    "OutboxDelivery",
    "Notification",
    "NotificationTemplate",
    "OutboxEvent",
    "PartnerClient",
    "Passenger",
    "Payment",
    "PersistedDocument",
    "PersistedManifest",
    "Refund",
    "Revocation",
    "SeatHold",
    "Rocket",
    "Traveler",
    "WorkerHeartbeat",
    "metadata",
]
