"""Trusted-document use cases: register a manifest, look documents up, count and report partner usage."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from models.partners import persisted
from models.partners.errors import ManifestInvalid
from models.partners.persisted import ClientDocument, ManifestOperation
from models.store.db import Database, SqlUnitOfWork
from resolvers.partners.clients import check_name
from resolvers.request import RequestBundle

log = logging.getLogger(__name__)

# Checks one operation against the schema: (operation) -> problems (empty when it validates).
DocumentValidator = Callable[[ManifestOperation], list[str]]


@dataclass(frozen=True)
class RegisteredManifest:
    name: str
    operations: int


async def register_manifest(
    uow: SqlUnitOfWork, *, name: str, manifest: Any, validate: DocumentValidator, replace: bool = False
) -> RegisteredManifest:
    """Store every operation of an Apollo manifest under `name`, or none of them if any is invalid."""
    check_name(name, "Manifest name")
    operations, problems = persisted.parse_manifest(manifest)
    for operation in operations:
        problems += [f"{operation.name or operation.id}: {problem}" for problem in validate(operation)]
    if problems:
        raise ManifestInvalid(problems)
    await persisted.store_manifest(uow.session, name, operations, replace=replace)
    await uow.commit()
    return RegisteredManifest(name, len(operations))


async def client_document(uow: SqlUnitOfWork, *, client_id: str, document_id: str) -> ClientDocument | None:
    return await persisted.client_document(uow.session, client_id, document_id)


async def safelisted_body(uow: SqlUnitOfWork, *, document_id: str) -> str | None:
    return await persisted.safelisted_body(uow.session, document_id)


@dataclass(frozen=True)
class OperationUsage:
    document_id: str
    operation_name: str | None
    count: int


async def usage_report(call: RequestBundle, *, client_id: str, days: int) -> list[OperationUsage]:
    since = datetime.now(UTC).date() - timedelta(days=max(0, days - 1))
    async with call.unit_of_work() as uow:
        rows = await persisted.usage_since(uow.session, client_id, since)
    return [OperationUsage(*row) for row in rows]


class UsageRecorder:
    """Counts persisted operations per (client, document, day) in memory and adds them to PostgreSQL in one
    statement every `flush_seconds`, so a partner request costs no extra write. Counts still in memory
    when the process dies are lost; `close()` flushes on shutdown."""

    def __init__(self, db: Database, *, flush_seconds: float) -> None:
        self.db, self.flush_seconds = db, flush_seconds
        self.counts: Counter[tuple[str, str, date]] = Counter()
        self.timer: asyncio.Task[None] | None = None

    def record(self, client_id: str, document_id: str) -> None:
        """Count one execution; a timer writes it within `flush_seconds`, whether or not more requests come."""
        self.counts[(client_id, document_id, datetime.now(UTC).date())] += 1
        if self.timer is None or self.timer.done():
            self.timer = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        while True:  # until everything counted is written (a failed flush keeps its counts)
            await asyncio.sleep(self.flush_seconds)
            await self.flush()
            if not self.counts:
                return

    async def flush(self) -> None:
        counts, self.counts = self.counts, Counter()
        if not counts:
            return
        try:
            async with self.db.unit_of_work() as uow:
                await persisted.add_usage(uow.session, dict(counts))
                await uow.commit()
        except Exception:  # keep the counts for the next flush rather than lose them
            log.exception("could not write partner usage counters; will retry")
            self.counts.update(counts)
        except BaseException:  # cancelled mid-write (shutdown): close() writes them
            self.counts.update(counts)
            raise

    async def close(self) -> None:
        if self.timer is not None and not self.timer.done():
            self.timer.cancel()
            await asyncio.gather(self.timer, return_exceptions=True)
        await self.flush()
