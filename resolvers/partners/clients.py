"""Partner-client use cases for `it` users: create, list, rotate the secret, revoke.

A client secret is returned once, at creation or rotation, and only its salted hash is kept. Revoking is
immediate: every partner request checks the client is still active (graph/edge/documents.py) and the token
endpoint refuses a revoked client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from models.base import utcnow
from models.partners.clients import PartnerClient, find_client, find_client_by_name, new_secret, unknown_scopes
from models.partners.clients import list_clients as _list_clients
from models.partners.errors import (
    InvalidName,
    PartnerClientNameTaken,
    PartnerClientNotFound,
    PartnerClientRevoked,
    UnknownScopes,
)
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.request import RequestBundle

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class IssuedCredentials:
    client: PartnerClient
    secret: str  # shown once


def check_name(name: str, what: str = "Client name") -> str:
    if not NAME.match(name):
        raise InvalidName(f"{what} must be 1-100 letters, digits, '.', '_' or '-'", field="name")
    return name


async def create_client(
    call: RequestBundle, *, name: str, scopes: list[str], manifest: str | None
) -> IssuedCredentials:
    """Raises PartnerClientInvalid (a bad name or unknown scopes) or PartnerClientNameTaken."""
    check_name(name)
    check_name(manifest or name, "Manifest name")
    if unknown := unknown_scopes(scopes):
        raise UnknownScopes(f"Unknown scopes: {', '.join(unknown)}", scopes=" ".join(unknown))
    async with call.unit_of_work() as uow:
        if await find_client_by_name(uow.session, name) is not None:
            raise PartnerClientNameTaken(f"A partner client named {name!r} exists", name=name)
        secret = new_secret()
        client = PartnerClient(
            name=name, scopes=sorted(set(scopes)), manifest=manifest or name, created_by=call.origin.actor
        )
        client.set_secret(secret)
        uow.session.add(client)
        payload = {"name": name, "scopes": client.scopes, "manifest": client.manifest}
        record_event(
            uow.session, call.origin, Event.PARTNER_CLIENT_CREATED, (Aggregate.PARTNER_CLIENT, client.id), payload
        )
        try:
            await uow.commit()
        except IntegrityError as exc:  # a concurrent create with the same name
            raise PartnerClientNameTaken(f"A partner client named {name!r} exists", name=name) from exc
        return IssuedCredentials(client, secret)


async def list_clients(call: RequestBundle, *, include_revoked: bool = False) -> list[PartnerClient]:
    async with call.unit_of_work() as uow:
        return await _list_clients(uow.session, include_revoked=include_revoked)


async def _active_client(uow: SqlUnitOfWork, client_id: str) -> PartnerClient:
    client = await find_client(uow.session, client_id)
    if client is None:
        raise PartnerClientNotFound("No such partner client", entity="PartnerClient")
    if not client.active:
        raise PartnerClientRevoked("This partner client is revoked", entity="PartnerClient")
    return client


async def rotate_secret(call: RequestBundle, *, client_id: str) -> IssuedCredentials:
    """A new secret replaces the old one at once; tokens already issued stay valid until they expire.
    Raises PartnerClientNotFound or PartnerClientRevoked."""
    async with call.unit_of_work() as uow:
        client = await _active_client(uow, client_id)
        secret = new_secret()
        client.set_secret(secret)
        client.secret_rotated_at = utcnow()
        event = Event.PARTNER_CLIENT_SECRET_ROTATED
        record_event(uow.session, call.origin, event, (Aggregate.PARTNER_CLIENT, client.id), {})
        await uow.commit()
        return IssuedCredentials(client, secret)


async def revoke_client(call: RequestBundle, *, client_id: str) -> PartnerClient:
    """Raises PartnerClientNotFound or PartnerClientRevoked."""
    async with call.unit_of_work() as uow:
        client = await _active_client(uow, client_id)
        client.revoked_at = utcnow()
        payload = {"name": client.name}
        record_event(
            uow.session, call.origin, Event.PARTNER_CLIENT_REVOKED, (Aggregate.PARTNER_CLIENT, client.id), payload
        )
        await uow.commit()
        return client


async def client_for_token(uow: SqlUnitOfWork, *, client_id: str) -> PartnerClient | None:
    """The client asking the token endpoint for a token, if it exists and is active (a lookup inside the
    token endpoint's own transaction)."""
    client = await find_client(uow.session, client_id)
    return client if client is not None and client.active else None
