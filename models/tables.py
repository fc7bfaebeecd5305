"""Every SQLModel table, imported in one place so metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

from models.agencies import Agency, Rocket
from models.bookings import Booking, Passenger, Payment, Refund, Traveler
from models.launches import Launch, LaunchStatusChange
from models.outbox import OutboxEvent

metadata = SQLModel.metadata

__all__ = [
    "Agency",
    "Booking",
    "Launch",
    "LaunchStatusChange",
    "OutboxEvent",
    "Passenger",
    "Payment",
    "Refund",
    "Rocket",
    "Traveler",
    "metadata",
]
