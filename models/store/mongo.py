"""MongoDB (system store) connection. mongoengine is synchronous: callers run it through `run_sync`."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread
import mongoengine
from pymongo.uri_parser import parse_uri

P = ParamSpec("P")
T = TypeVar("T")


def connect(url: str, db: str | None = None) -> None:
    """Connect the default alias; the URL's database wins over `db` when it names one."""
    name = parse_uri(url).get("database") or db or "astrobookings"
    mongoengine.disconnect()
    mongoengine.connect(host=url, db=name, uuidRepresentation="standard", tz_aware=True)


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
    """Run a blocking mongoengine call off the event loop."""
    return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))
