"""The system log: direct entries for events that are not database changes, IT's search and export, and
the retention task."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from auth.policies import may_operate_system
from models.errors import Forbidden, ValidationFailed
from models.monitoring import logs
from models.monitoring.logs import LogFilter, LogPage
from models.store import mongo
from resolvers.request import RequestBundle

log = logging.getLogger("astro.monitoring")
MAX_PAGE = 200


async def record(
    level: str,
    action: str,
    message: str,
    *,
    actor: str | None = None,
    request_id: str | None = None,
    entity: tuple[str, str] | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Write a direct entry. Never fails its caller: a refused login must stay refused (and fast) when
    MongoDB is down, so an entry that cannot be written is only reported in the process log."""
    try:
        await mongo.run_sync(
            logs.write_direct, level, action, message, actor=actor, request_id=request_id, entity=entity, data=data
        )
    except Exception as exc:
        log.warning("system log entry %s not written: %r", action, exc)


async def record_call(
    call: RequestBundle,
    action: str,
    message: str,
    *,
    entity: tuple[str, str] | None = None,
    data: dict[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    """The direct entry of a mutation that changes no PostgreSQL row (so no outbox event carries it): a
    sign-in, a sign-out, a password change. Stamped with the call's origin (caller and request id)."""
    await record(
        "info",
        action,
        message,
        actor=actor or call.origin.actor,
        request_id=call.origin.request_id,
        entity=entity,
        data=data,
    )


def require_it(call: RequestBundle) -> None:
    if not may_operate_system(call.caller):
        raise Forbidden("Only IT staff may do this")


async def system_logs(call: RequestBundle, log_filter: LogFilter, *, first: int, after: str | None) -> LogPage:
    require_it(call)
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailed(f"first must be between 0 and {MAX_PAGE}", field="first")
    log_filter.query()  # validates before the round trip
    return await mongo.run_sync(logs.search, log_filter, first=first, after=after)


def export_entries(call: RequestBundle, log_filter: LogFilter) -> Iterator[dict[str, Any]]:
    """The matching entries as a blocking iterator over one cursor (the caller drains it off the event
    loop). Authorization and validation happen here, before any row is read."""
    require_it(call)
    log_filter.query()
    return logs.export(log_filter)


async def prune_logs(services: Any) -> None:
    """Periodic: entries older than ASTRO_LOG_RETENTION_DAYS go."""
    days = services.settings.log_retention_days
    removed = await mongo.run_sync(logs.prune, days)
    if removed:
        log.info("system log retention: removed %d entries older than %d days", removed, days)


EXPORT_COLUMNS = ("at", "level", "action", "entity_type", "entity_id", "user", "request_id", "message", "data")
CHUNK_ROWS = 500  # rows joined into one chunk of the response: one thread hop per chunk, not per row


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _record(document: dict[str, Any]) -> dict[str, Any]:
    at = document.get("at")
    return {
        "id": document["_id"],
        "at": at.isoformat() if at is not None else None,
        "level": document.get("level"),
        "action": document.get("action"),
        "entity_type": document.get("entity_type"),
        "entity_id": document.get("entity_id"),
        "user": document.get("actor"),
        "request_id": document.get("request_id"),
        "message": document.get("message", ""),
        "data": document.get("data") or {},
    }


def csv_chunks(documents: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The export as CSV text, a header then chunks of CHUNK_ROWS rows."""
    import csv  # noqa: PLC0415 - only exports need it
    import io  # noqa: PLC0415
    import json  # noqa: PLC0415

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("id", *EXPORT_COLUMNS))
    for rows, document in enumerate(documents, start=1):
        record = _record(document)
        record["data"] = json.dumps(record["data"], default=str, separators=(",", ":"))
        writer.writerow(["" if record[name] is None else _cell(str(record[name])) for name in ("id", *EXPORT_COLUMNS)])
        if rows % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def ndjson_chunks(documents: Iterator[dict[str, Any]]) -> Iterator[str]:
    """The export as one JSON object per line, in chunks of CHUNK_ROWS lines."""
    import json  # noqa: PLC0415

    lines: list[str] = []
    for document in documents:
        lines.append(json.dumps(_record(document), default=str, separators=(",", ":")) + "\n")
        if len(lines) == CHUNK_ROWS:
            yield "".join(lines)
            lines = []
    yield "".join(lines)
