"""Trusted documents: persisted-operation manifests (Apollo's format), their documents and usage counters."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Text, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from models.base import created_field, utcnow
from models.partners.clients import PartnerClient

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
OPERATION_TYPES = ("query", "mutation", "subscription")


class PersistedDocument(SQLModel, table=True):
    """One GraphQL document, addressed by the SHA-256 (hex) of its text; shared by every manifest."""

    __tablename__ = "persisted_documents"

    id: str = Field(primary_key=True, max_length=64)
    body: str = Field(sa_type=Text)  # type: ignore[call-overload]
    operation_name: str | None = Field(default=None, max_length=200)
    operation_type: str = Field(max_length=20)
    created_at: datetime = created_field()


class PersistedManifest(SQLModel, table=True):
    """A named list of trusted documents (a partner client runs the manifest it is linked to)."""

    __tablename__ = "persisted_manifests"

    name: str = Field(primary_key=True, max_length=100)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class ManifestDocument(SQLModel, table=True):
    __tablename__ = "manifest_documents"

    manifest: str = Field(foreign_key="persisted_manifests.name", primary_key=True, max_length=100)
    document_id: str = Field(foreign_key="persisted_documents.id", primary_key=True, max_length=64, index=True)
    added_at: datetime = created_field()


class OperationUsage(SQLModel, table=True):
    """How many times a client ran a persisted operation on a day (UTC)."""

    __tablename__ = "persisted_operation_usage"

    client_id: str = Field(foreign_key="partner_clients.id", primary_key=True, max_length=36)
    document_id: str = Field(foreign_key="persisted_documents.id", primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    count: int = Field(default=0, sa_type=BigInteger)  # type: ignore[call-overload]


@dataclass(frozen=True)
class ManifestOperation:
    id: str
    body: str
    name: str | None
    type: str


def document_id(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def parse_manifest(data: Any) -> tuple[list[ManifestOperation], list[str]]:
    """The operations of an Apollo persisted-query manifest, and every problem found in it."""
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or data.get("version") != 1:
        return [], [f'not a manifest: expected {{"format": "{MANIFEST_FORMAT}", "version": 1, "operations": [...]}}']
    entries = data.get("operations")
    if not isinstance(entries, list) or not entries:
        return [], ["`operations` must be a non-empty list"]
    operations, problems = [], []
    for index, entry in enumerate(entries):
        operation, problem = _operation(entry)
        if problem:
            problems.append(f"operation {index}: {problem}")
        elif operation:
            operations.append(operation)
    return operations, problems


def _operation(entry: Any) -> tuple[ManifestOperation | None, str | None]:
    if not isinstance(entry, dict) or not isinstance(entry.get("body"), str) or not isinstance(entry.get("id"), str):
        return None, "needs string `id` and `body`"
    if not HEX64.match(entry["id"]) or entry["id"] != document_id(entry["body"]):
        return None, "`id` must be the SHA-256 (lowercase hex) of `body`"
    if entry.get("type") not in OPERATION_TYPES:
        return None, f"`type` must be one of {', '.join(OPERATION_TYPES)}"
    if not isinstance(entry.get("name"), str | None):
        return None, "`name` must be a string"
    return ManifestOperation(entry["id"], entry["body"], entry.get("name"), entry["type"]), None


async def store_manifest(
    session: AsyncSession, name: str, operations: Iterable[ManifestOperation], *, replace: bool
) -> None:
    """Add the operations to manifest `name` (or make them its whole content when `replace`)."""
    operations = list(operations)
    now = utcnow()
    await session.execute(
        insert(PersistedManifest)
        .values(name=name, created_at=now, updated_at=now)
        .on_conflict_do_update(index_elements=["name"], set_={"updated_at": now})
    )
    rows = [
        {"id": op.id, "body": op.body, "operation_name": op.name, "operation_type": op.type, "created_at": now}
        for op in operations
    ]
    await session.execute(insert(PersistedDocument).values(rows).on_conflict_do_nothing(index_elements=["id"]))
    if replace:
        await session.execute(ManifestDocument.__table__.delete().where(ManifestDocument.manifest == name))  # type: ignore[attr-defined]
    links = [{"manifest": name, "document_id": op.id, "added_at": now} for op in operations]
    await session.execute(insert(ManifestDocument).values(links).on_conflict_do_nothing())


@dataclass(frozen=True)
class ClientDocument:
    """What a partner client may run under a document id: nothing when `body` is None."""

    revoked: bool
    body: str | None


async def client_document(session: AsyncSession, client_id: str, doc_id: str) -> ClientDocument | None:
    """One round trip: is the client active, and is the document in its manifest? None: no such client."""
    link = (ManifestDocument.manifest == PartnerClient.manifest) & (ManifestDocument.document_id == doc_id)
    query = (
        select(PartnerClient.revoked_at, PersistedDocument.body)  # type: ignore[call-overload]
        .outerjoin(ManifestDocument, link)
        .outerjoin(PersistedDocument, PersistedDocument.id == ManifestDocument.document_id)
        .where(PartnerClient.id == client_id)
    )
    row = (await session.execute(query)).first()
    return None if row is None else ClientDocument(revoked=row[0] is not None, body=row[1])


async def safelisted_body(session: AsyncSession, doc_id: str) -> str | None:
    """The document's text when some manifest lists it."""
    query = (
        select(PersistedDocument.body)  # type: ignore[call-overload]
        .join(ManifestDocument, ManifestDocument.document_id == PersistedDocument.id)
        .where(PersistedDocument.id == doc_id)
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def add_usage(session: AsyncSession, counts: dict[tuple[str, str, date], int]) -> None:
    rows = [{"client_id": c, "document_id": d, "day": day, "count": n} for (c, d, day), n in counts.items()]
    statement = insert(OperationUsage).values(rows)
    excluded = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["client_id", "document_id", "day"], set_={"count": OperationUsage.count + excluded.count}
        )
    )


async def usage_since(session: AsyncSession, client_id: str, since: date) -> list[tuple[str, str | None, int]]:
    """(document id, operation name, count) for one client since a day, most used first."""
    total = func.sum(OperationUsage.count)
    query = (
        select(OperationUsage.document_id, PersistedDocument.operation_name, total)  # type: ignore[call-overload]
        .join(PersistedDocument, PersistedDocument.id == OperationUsage.document_id)
        .where(OperationUsage.client_id == client_id, OperationUsage.day >= since)
        .group_by(OperationUsage.document_id, PersistedDocument.operation_name)
        .order_by(total.desc())
    )
    return [(row[0], row[1], int(row[2])) for row in (await session.execute(query)).all()]
