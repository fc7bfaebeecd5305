"""Every SQLModel table, imported in one place so metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

from models.agencies import Agency, Rocket
from models.bookings import Booking, Passenger, Payment, Refund, Traveler
from models.catalogue import CATALOGUE_INDEXES  # the catalogue's partial indexes on launches
from models.clients import PartnerClient
from models.launches import Launch, LaunchStatusChange
from models.outbox import OutboxEvent
from models.persisted import ManifestDocument, OperationUsage, PersistedDocument, PersistedManifest

metadata = SQLModel.metadata

__all__ = [
    "Agency",
    "Booking",
    "CATALOGUE_INDEXES",
    "Launch",
    "LaunchStatusChange",
    "ManifestDocument",
    "OperationUsage",
    "OutboxEvent",
    "PartnerClient",
    "Passenger",
    "Payment",
    "PersistedDocument",
    "PersistedManifest",
    "Refund",
    "Rocket",
    "Traveler",
    "metadata",
]
