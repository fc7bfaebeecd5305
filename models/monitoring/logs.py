"""System log entries (system store): one per mutation and significant event.

Changes arrive through the outbox relay (resolvers/sync/consumers.py, entry id = event id); events that are
not database changes (a failed login, a refused token, ...) are written directly with `write_direct`.
Every function here is blocking (mongoengine/pymongo): callers run it through `mongo.run_sync`."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mongoengine import DateTimeField, DictField, Document, StringField
from pymongo.errors import BulkWriteError

from models.base import utcnow
from models.errors import ValidationFailed
from models.ids import new_id

LEVELS = ("debug", "info", "warning", "error")
# Keys naming one of these are dropped from an entry's data, at any depth: no secret reaches the log.
SECRET_WORDS = ("secret", "password", "token", "hash", "salt", "card", "authorization", "cookie")
EXPORT_BATCH = 1000  # documents per round trip of an export's cursor
DUPLICATE_KEY = 11000  # MongoDB's error code for an _id already stored


class LogEntry(Document):
    meta = {
        "collection": "log_entries",
        "indexes": [
            ("-at", "-_id"),
            ("level", "-at"),
            ("action", "-at"),
            ("entity_type", "entity_id"),
            ("actor", "-at"),
            "request_id",
        ],
    }

    id = StringField(primary_key=True, default=new_id)
    at = DateTimeField(required=True, default=utcnow)
    level = StringField(required=True, choices=LEVELS)
    action = StringField(required=True)
    entity_type = StringField()
    entity_id = StringField()
    actor = StringField()
    request_id = StringField()
    message = StringField(default="")
    data = DictField()


def without_secrets(value: Any) -> Any:
    """The data for the log: keys that name a secret are dropped, at any depth."""
    if isinstance(value, dict):
        return {
            key: without_secrets(item)
            for key, item in value.items()
            if not any(word in str(key).lower() for word in SECRET_WORDS)
        }
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value


def write_direct(
    level: str,
    action: str,
    message: str,
    *,
    actor: str | None = None,
    request_id: str | None = None,
    entity: tuple[str, str] | None = None,
    data: dict[str, Any] | None = None,
) -> LogEntry:
    """An entry for an event that is not a database change (no outbox event carries it)."""
    entry = LogEntry(
        level=level,
        action=action,
        message=message,
        actor=actor,
        request_id=request_id,
        entity_type=entity[0] if entity else None,
        entity_id=entity[1] if entity else None,
        data=without_secrets(data or {}),
    )
    entry.save(force_insert=True)
    return entry


def insert_once(entries: list[dict[str, Any]]) -> None:
    """Store entries given as LogEntry field values (`id` included) with one round trip. An entry whose id is
    already stored is skipped: the relay delivers at least once, and the id is the event's."""
    if not entries:
        return
    documents = []
    for entry in entries:
        if entry["level"] not in LEVELS:
            raise ValidationFailed(f"Unknown log level: {entry['level']}", field="level")
        documents.append(
            {("_id" if name == "id" else name): value for name, value in entry.items() if value is not None}
        )
    try:
        LogEntry._get_collection().insert_many(documents, ordered=False)
    except BulkWriteError as error:
        details = error.details
        if details.get("writeConcernErrors") or any(e.get("code") != DUPLICATE_KEY for e in details["writeErrors"]):
            raise


MAX_SEARCH_TEXT = 200  # escaped, it stays within the stores' cap on pattern length


@dataclass(frozen=True)
class LogFilter:
    """A search of the log; every given criterion must hold. `text` is matched literally (ignoring case)
    in the message and the action, never as a regular expression."""

    levels: tuple[str, ...] = ()
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    request_id: str | None = None
    since: datetime | None = None  # included
    until: datetime | None = None  # excluded
    text: str | None = None

    def query(self) -> dict[str, Any]:
        clauses: list[dict[str, Any]] = []
        unknown = [level for level in self.levels if level not in LEVELS]
        if unknown:
            raise ValidationFailed(f"Unknown log level: {unknown[0]}", field="level")
        if self.levels:
            clauses.append({"level": {"$in": list(self.levels)}})
        for name, value in (
            ("action", self.action),
            ("entity_type", self.entity_type),
            ("entity_id", self.entity_id),
            ("actor", self.actor),
            ("request_id", self.request_id),
        ):
            if value is not None:
                clauses.append({name: value})  # equality: a string is never an operator here
        if self.since is not None:
            clauses.append({"at": {"$gte": self.since}})
        if self.until is not None:
            clauses.append({"at": {"$lt": self.until}})
        if self.text and len(self.text) > MAX_SEARCH_TEXT:
            raise ValidationFailed(f"text must be at most {MAX_SEARCH_TEXT} characters", field="text")
        if self.text:
            literal = {"$regex": re.escape(self.text), "$options": "i"}
            clauses.append({"$or": [{"message": literal}, {"action": literal}]})
        return {"$and": clauses} if clauses else {}


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntry]
    cursors: list[str]
    has_next: bool


def encode_cursor(at: datetime, entry_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{entry_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, _, entry_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        moment = datetime.fromisoformat(at)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed("Invalid cursor", field="after") from exc
    if not entry_id:
        raise ValidationFailed("Invalid cursor", field="after")
    return moment, entry_id


def search(log_filter: LogFilter, *, first: int, after: str | None) -> LogPage:
    """Newest first; keyset paging on (time, id), so pages stay stable while entries arrive."""
    query = log_filter.query()
    if after is not None:
        at, entry_id = decode_cursor(after)
        position = {"$or": [{"at": {"$lt": at}}, {"at": at, "_id": {"$lt": entry_id}}]}
        query = {"$and": [query, position]} if query else position
    found = list(LogEntry.objects(__raw__=query).order_by("-at", "-id").limit(first + 1))
    page = found[:first]
    return LogPage(page, [encode_cursor(e.at, e.id) for e in page], len(found) > first)


def export(log_filter: LogFilter) -> Iterator[dict[str, Any]]:
    """Every matching entry, newest first, as raw documents streamed from one cursor (batches of
    EXPORT_BATCH): memory stays flat however many entries match."""
    collection = LogEntry._get_collection()
    cursor = collection.find(log_filter.query(), batch_size=EXPORT_BATCH).sort([("at", -1), ("_id", -1)])
    try:
        yield from cursor
    finally:
        cursor.close()


def prune(days: int) -> int:
    """Remove entries older than `days` days; returns how many went."""
    result = LogEntry._get_collection().delete_many({"at": {"$lt": utcnow() - timedelta(days=days)}})
    return int(result.deleted_count)
