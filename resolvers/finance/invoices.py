"""Reading invoices: the list (filters, sort, keyset cursor) and one invoice with its payments.
Financial staff read every agency's; an agency reads its own (an agency filter naming another is FORBIDDEN)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import and_, or_, select, tuple_
from sqlmodel import col

from auth import policies
from models.agencies.tables import Agency
from models.base import storable, utcnow
from models.errors import Forbidden, NotFound, ValidationFailed
from models.finance.tables import Invoice, InvoicePayment, InvoiceStatus
from models.launches.tables import Launch
from models.store.db import SqlUnitOfWork
from resolvers.agencies.profiles import find_agency
from resolvers.request import RequestBundle

MAX_PAGE = 200
SORT_COLUMNS = {"issued_at": Invoice.issued_at, "due_at": Invoice.due_at, "amount": Invoice.amount}


@dataclass(frozen=True)
class InvoiceView:
    invoice: Invoice
    agency_name: str
    mission_name: str
    payments: list[InvoicePayment] = field(default_factory=list)


@dataclass(frozen=True)
class InvoiceQuery:
    agency_id: str | None = None
    statuses: tuple[str, ...] = ()
    issued_from: datetime | None = None
    issued_to: datetime | None = None  # exclusive
    sort: str = "issued_at"
    descending: bool = True
    first: int = 20
    after: str | None = None


@dataclass(frozen=True)
class InvoicePage:
    invoices: list[InvoiceView]
    has_next_page: bool
    has_previous_page: bool
    sort: str

    def cursor(self, invoice: Invoice) -> str:
        key = getattr(invoice, self.sort)
        text = key.isoformat() if isinstance(key, datetime) else str(key)
        return base64.urlsafe_b64encode(orjson.dumps({"s": self.sort, "k": text, "i": invoice.id})).decode()


def status_condition(status: str, now: datetime) -> Any:
    """`overdue` is derived: not paid and past due; pending / partially paid are those not yet due."""
    stored, due = col(Invoice.status), col(Invoice.due_at)
    if status == InvoiceStatus.OVERDUE:
        return and_(stored != InvoiceStatus.PAID, due < now)
    if status == InvoiceStatus.PAID:
        return stored == InvoiceStatus.PAID
    return and_(stored == status, due >= now)


def _decode(cursor: str, sort: str) -> tuple[Any, str]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        if data["s"] != sort:
            raise ValueError("cursor of another sort")
        key = Decimal(data["k"]) if sort == "amount" else storable(datetime.fromisoformat(data["k"]))
        return key, storable(str(data["i"]))
    except (ValueError, KeyError, TypeError, ArithmeticError, binascii.Error, orjson.JSONDecodeError):
        raise ValidationFailed("`after` is not a cursor of this list and sort", field="after") from None


async def readable_agency_id(uow: SqlUnitOfWork, call: RequestBundle, agency_id: str | None) -> str | None:
    """The agency whose figures the caller reads: financial staff any (None: all), an agency only its own."""
    principal = call.caller
    if not policies.may_read_invoices(principal):
        raise Forbidden("Invoices are for financial staff and agencies")
    if policies.may_manage_invoices(principal):
        return agency_id
    own = await find_agency(uow, principal.id)
    if own is None:
        raise NotFound("Create your agency profile first", entity="Agency")
    wanted = agency_id or own.id
    if not policies.may_read_agency_finances(principal, agency_id=wanted, caller_agency_id=own.id):
        raise Forbidden("These are another agency's figures")
    return wanted


def _view_statement() -> Any:
    return (
        select(Invoice, col(Agency.legal_name), col(Launch.mission_name))
        .join(Agency, col(Agency.id) == Invoice.agency_id)
        .join(Launch, col(Launch.id) == Invoice.launch_id)
    )


async def list_invoices(call: RequestBundle, *, query: InvoiceQuery, now: datetime | None = None) -> InvoicePage:
    now = now or utcnow()
    if query.sort not in SORT_COLUMNS:
        raise ValidationFailed("sort must be issued_at, due_at or amount", field="sort")
    if not 1 <= query.first <= MAX_PAGE:
        raise ValidationFailed(f"`first` must be 1 to {MAX_PAGE}", field="first")
    statement = _view_statement()
    async with call.unit_of_work() as uow:
        agency_id = await readable_agency_id(uow, call, query.agency_id)
        if agency_id is not None:
            statement = statement.where(col(Invoice.agency_id) == agency_id)
        if query.statuses:
            statement = statement.where(or_(*(status_condition(s, now) for s in query.statuses)))
        if query.issued_from is not None:
            statement = statement.where(col(Invoice.issued_at) >= query.issued_from)
        if query.issued_to is not None:
            statement = statement.where(col(Invoice.issued_at) < query.issued_to)
        column = col(SORT_COLUMNS[query.sort])
        if query.after:
            key, last_id = _decode(query.after, query.sort)
            pair, point = tuple_(column, col(Invoice.id)), tuple_(key, last_id)
            statement = statement.where(pair < point if query.descending else pair > point)
        order = [column.desc(), col(Invoice.id).desc()] if query.descending else [column, col(Invoice.id)]
        rows = (await uow.session.execute(statement.order_by(*order).limit(query.first + 1))).all()
    views = [InvoiceView(invoice=row[0], agency_name=row[1], mission_name=row[2]) for row in rows]
    return InvoicePage(views[: query.first], len(views) > query.first, bool(query.after), query.sort)


async def invoice_details(call: RequestBundle, *, invoice_id: str) -> InvoiceView:
    """One invoice with its payments, oldest first."""
    async with call.unit_of_work() as uow:
        row = (await uow.session.execute(_view_statement().where(col(Invoice.id) == invoice_id))).first()
        if row is None:
            raise NotFound("No such invoice", entity="Invoice")
        await readable_agency_id(uow, call, row[0].agency_id)
        payments = select(InvoicePayment).where(col(InvoicePayment.invoice_id) == invoice_id)
        ordered = payments.order_by(col(InvoicePayment.paid_at), col(InvoicePayment.id))
        found = list((await uow.session.execute(ordered)).scalars().all())
    return InvoiceView(invoice=row[0], agency_name=row[1], mission_name=row[2], payments=found)


async def view_of(uow: SqlUnitOfWork, invoice: Invoice) -> InvoiceView:
    """An invoice just written, with its agency's and launch's names."""
    names = (
        select(col(Agency.legal_name), col(Launch.mission_name))
        .join(Agency, col(Agency.id) == Launch.agency_id)
        .where(col(Launch.id) == invoice.launch_id)
    )
    agency_name, mission_name = (await uow.session.execute(names)).one()
    return InvoiceView(invoice=invoice, agency_name=agency_name, mission_name=mission_name)
