"""Agency profiles: each agency user creates and edits their own (one per user).

An agency only ever sees and changes its own data. The helpers `find_agency` and `own_agency` serve the
other agency and launch use cases inside their units of work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from auth import policies
from auth.principal import Principal, Role
from models.agencies.tables import Agency, clean_profile
from models.base import utcnow
from models.errors import Conflict, Forbidden, NotFound
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.request import RequestBundle


def require_agency_user(principal: Principal) -> None:
    if not policies.has_role(principal, [Role.AGENCY]):
        raise Forbidden("This operation is for agency users")


async def find_agency(uow: SqlUnitOfWork, user_id: str) -> Agency | None:
    statement = select(Agency).where(col(Agency.user_id) == user_id)
    return (await uow.session.execute(statement)).scalar_one_or_none()


async def own_agency(uow: SqlUnitOfWork, principal: Principal) -> Agency:
    """The calling agency user's profile (NOT_FOUND until it is created)."""
    require_agency_user(principal)
    agency = await find_agency(uow, principal.id)
    if agency is None:
        raise NotFound("Create your agency profile first", entity="Agency")
    return agency


async def my_agency(call: RequestBundle) -> Agency | None:
    """The calling agency user's profile, None until it is created."""
    async with call.unit_of_work() as uow:
        return await find_agency(uow, call.caller.id)


async def create_agency_profile(call: RequestBundle, *, values: dict[str, Any]) -> Agency:
    principal = call.caller
    require_agency_user(principal)
    async with call.unit_of_work() as uow:
        if await find_agency(uow, principal.id) is not None:
            raise Conflict("This user already has an agency profile; update it instead")
        agency = Agency(user_id=principal.id, **clean_profile(values, partial=False))
        uow.session.add(agency)
        payload = {"legal_name": agency.legal_name}
        record_event(uow.session, call.origin, Event.AGENCY_CREATED, (Aggregate.AGENCY, agency.id), payload)
        try:
            await uow.commit()
        except IntegrityError as exc:  # a concurrent create of the same user's profile
            raise Conflict("This user already has an agency profile; update it instead") from exc
        return agency


async def update_agency_profile(call: RequestBundle, *, values: dict[str, Any]) -> Agency:
    async with call.unit_of_work() as uow:
        agency = await own_agency(uow, call.caller)
        changes = clean_profile(values, partial=True)
        for name, value in changes.items():
            setattr(agency, name, value)
        agency.updated_at = utcnow()
        payload = {"fields": sorted(changes)}
        record_event(uow.session, call.origin, Event.AGENCY_UPDATED, (Aggregate.AGENCY, agency.id), payload)
        uow.invalidate_catalogue()  # the catalogue shows the agency's name
        await uow.commit()
        return agency
