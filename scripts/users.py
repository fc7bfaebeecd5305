"""`astro users ...`: account administration from the command line (employee accounts)."""

from __future__ import annotations

from enum import StrEnum
from typing import NoReturn

import typer

from graph.settings import Settings
from models.accounts.users import User
from models.errors import DomainError
from models.store import mongo
from resolvers.accounts.users import create_account


class StaffRole(StrEnum):
    financial = "financial"
    it = "it"


async def create_staff_account(settings: Settings, *, role: StaffRole, email: str, name: str, password: str) -> User:
    """Create a confirmed employee account; DomainError (duplicate email, weak password...) when refused."""
    mongo.connect(settings.mongodb_url or "", settings.mongodb_db)
    try:
        await mongo.run_sync(mongo.ensure_indexes)  # a fresh store gets its unique email index first
        return await create_account(name=name, email=email, password=password, role=role.value, confirmed=True)
    finally:
        mongo.disconnect()


def report_refusal(error: DomainError) -> NoReturn:
    typer.echo(f"refused: {error.message}", err=True)
    raise typer.Exit(code=1)
