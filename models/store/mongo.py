"""MongoDB (system store) connection. mongoengine is synchronous: callers run it through `run_sync`."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import anyio.to_thread
import mongoengine
from pymongo.errors import ConnectionFailure
from pymongo.uri_parser import parse_uri

P = ParamSpec("P")
T = TypeVar("T")


# Fail fast when MongoDB is unreachable: a request waits at most this long for it (and holds a worker
# thread no longer), then answers SERVICE_UNAVAILABLE; PostgreSQL-only paths (bookings) are unaffected.
SELECTION_TIMEOUT_MS, CONNECT_TIMEOUT_MS, SOCKET_TIMEOUT_MS = 2000, 2000, 5000
# After a failure, calls fail at once for this long instead of each waiting for the timeout again.
OPEN_CIRCUIT_SECONDS = 5.0
_failed_at: float | None = None


class SystemStoreUnavailable(ConnectionFailure):
    """MongoDB failed moments ago; not retried until the circuit closes again."""


def connect(url: str, db: str | None = None, *, listeners: Sequence[Any] = ()) -> None:
    """Connect the default alias; the URL's database wins over `db` when it names one. `listeners`:
    pymongo command listeners (the tracing spans of models/monitoring/tracing.py)."""
    global _failed_at
    name = parse_uri(url).get("database") or db or "astrobookings"
    mongoengine.disconnect()
    mongoengine.connect(
        host=url,
        db=name,
        uuidRepresentation="standard",
        tz_aware=True,
        serverSelectionTimeoutMS=SELECTION_TIMEOUT_MS,
        connectTimeoutMS=CONNECT_TIMEOUT_MS,
        socketTimeoutMS=SOCKET_TIMEOUT_MS,
        **({"event_listeners": list(listeners)} if listeners else {}),
    )
    _failed_at = None


def disconnect() -> None:
    mongoengine.disconnect()


def ensure_indexes() -> None:
    from models.accounts.users import RefreshToken, User  # noqa: PLC0415
    from models.monitoring.logs import LogEntry  # noqa: PLC0415 - documents register on import
    from models.sync.jobs import SyncJob  # noqa: PLC0415

    for document in (User, RefreshToken, LogEntry, SyncJob):
        document.ensure_indexes()


def ping() -> None:
    mongoengine.get_db().command("ping")


async def run_sync(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking mongoengine call off the event loop, failing at once while the circuit is open."""
    global _failed_at
    if _failed_at is not None and time.monotonic() - _failed_at < OPEN_CIRCUIT_SECONDS:
        raise SystemStoreUnavailable("MongoDB is unavailable")
    try:
        result = await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))
    except ConnectionFailure:
        _failed_at = time.monotonic()
        raise
    _failed_at = None
    return result
