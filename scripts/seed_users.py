"""Demo accounts: one confirmed user of every role (two travelers, a future VIP, two agencies, staff).

Known demo passwords are printed so a person can sign in. Accounts whose email already exists are
reused, so seeding twice creates nothing new.
"""

from __future__ import annotations

import typer

from graph.services import Services
from models.accounts.users import User, find_user_by_email
from models.store.mongo import run_sync
from resolvers.accounts.users import create_account

# key: (name, email, role). Every password is "<key>-demo-password".
DEMO_USERS: dict[str, tuple[str, str, str]] = {
    "traveler": ("Tess Traveler", "traveler@astrobookings.example", "traveler"),
    "traveler2": ("Theo Traveler", "traveler2@astrobookings.example", "traveler"),
    "vip": ("Vera Voyager", "vip@astrobookings.example", "traveler"),
    "agency": ("Orbital Horizons Operator", "agency@astrobookings.example", "agency"),
    "agency2": ("Red Planet Lines Operator", "agency2@astrobookings.example", "agency"),
    "financial": ("Fiona Finance", "financial@astrobookings.example", "financial"),
    "it": ("Ivan Operations", "it@astrobookings.example", "it"),
}


def demo_password(key: str) -> str:
    return f"{key}-demo-password"


async def seed_users(services: Services, *args: object) -> dict[str, User]:
    users: dict[str, User] = {}
    typer.echo("demo accounts (email / password / role):")
    for key, (name, email, role) in DEMO_USERS.items():
        users[key] = await _ensure_user(name, email, role, demo_password(key))
        typer.echo(f"  {email} / {demo_password(key)} / {role}")
    return users


async def _ensure_user(name: str, email: str, role: str, password: str) -> User:
    existing = await run_sync(find_user_by_email, email)
    if existing is not None:
        return existing
    return await create_account(name=name, email=email, password=password, role=role, confirmed=True)
