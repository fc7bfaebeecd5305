"""`astro users create` makes employee accounts; the demo seed makes one confirmed user of every role."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pymongo
import pytest

from scripts.seed_users import DEMO_USERS, demo_password, seed_users
from tests.support.accounts import login

ASTRO = str(Path(sys.executable).parent / "astro")


def _astro(database_url: str, mongodb_url: str, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ASTRO_")}
    env.update(DATABASE_URL=database_url, MONGODB_URL=mongodb_url, ASTRO_MONGODB_DB=db)
    return subprocess.run(  # noqa: S603 - our own command line, fixed arguments
        [ASTRO, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_users_create_makes_a_confirmed_employee_and_refuses_duplicates(database_url, mongodb_url):
    db = f"astro_cli_{uuid.uuid4().hex[:8]}"
    create = ["users", "create", "--role", "it", "--name", "Olga Ops", "--email", "Olga@Example.com"]
    first = _astro(database_url, mongodb_url, db, *create, "--password", "Pulsar-Harbor-5521")
    assert first.returncode == 0, first.stderr
    assert "created it account olga@example.com" in first.stdout
    again = _astro(database_url, mongodb_url, db, *create, "--password", "Pulsar-Harbor-5521")
    assert again.returncode == 1 and "already exists" in again.stderr
    weak = _astro(database_url, mongodb_url, db, *create[:-1], "x@example.com", "--password", "password123")
    assert weak.returncode == 1 and "too common" in weak.stderr
    traveler = _astro(database_url, mongodb_url, db, *create[:3], "traveler", *create[4:], "--password", "x" * 12)
    assert traveler.returncode != 0
    client: pymongo.MongoClient = pymongo.MongoClient(mongodb_url)
    try:
        users = list(client[db]["users"].find({}, {"email": 1, "role": 1, "email_confirmed": 1, "_id": 0}))
        assert users == [{"email": "olga@example.com", "role": "it", "email_confirmed": True}]
    finally:
        client.drop_database(db)
        client.close()


async def test_seed_users_is_idempotent_and_every_demo_account_signs_in(gql, services, capsys):
    first = await seed_users(services)
    second = await seed_users(services)
    assert set(first) == {"traveler", "traveler2", "vip", "agency", "agency2", "financial", "it"}
    assert {key: user.id for key, user in first.items()} == {key: user.id for key, user in second.items()}
    printed = capsys.readouterr().out
    for key, (_, email, role) in DEMO_USERS.items():
        assert f"{email} / {demo_password(key)} / {role}" in printed
        assert first[key].email_confirmed and first[key].role == role
        session = (await login(gql, email, demo_password(key)))["data"]["login"]
        assert session["user"]["id"] == first[key].id
