"""Registration: unique case-insensitive email, password policy, input validation, argon2id storage."""

from __future__ import annotations

import asyncio

import pytest

from auth.passwords import common_passwords, password_problem
from models.accounts.users import find_user_by_email
from models.store.mongo import run_sync
from tests.support.accounts import REGISTER, register
from tests.support.graphql import error_codes


async def test_the_same_email_in_any_case_is_refused(gql):
    assert (await register(gql, "mae@example.com"))["__typename"] == "RegisterSuccess"
    for variant in ("mae@example.com", "MAE@Example.COM", "  Mae@example.com "):
        again = await register(gql, variant)
        assert again["__typename"] == "EmailAlreadyRegistered", variant


async def test_concurrent_registrations_of_one_email_create_one_account(gql):
    results = await asyncio.gather(*(register(gql, email) for email in ("Kat@example.com", "kat@EXAMPLE.com")))
    assert sorted(result["__typename"] for result in results) == ["EmailAlreadyRegistered", "RegisterSuccess"]


@pytest.mark.parametrize("password", ["short-9ch", "password123", "qwertyuiop", "Password123", "iloveyou123"])
async def test_weak_passwords_are_refused(gql, password):
    result = await register(gql, f"weak-{len(password)}@example.com", password)
    assert result["__typename"] == "WeakPassword"
    assert await run_sync(find_user_by_email, f"weak-{len(password)}@example.com") is None


def test_the_common_password_list_has_about_a_thousand_entries():
    assert 950 <= len(common_passwords()) <= 1050
    assert password_problem("Nebula-Drift-4471") is None
    assert password_problem("x" * 201) is not None


@pytest.mark.parametrize(
    ("email", "name", "field"),
    [("not-an-email", "Ada", "email"), ("a@b", "Ada", "email"), ("ok@example.com", "   ", "name")],
)
async def test_invalid_input_names_the_field(gql, email, name, field):
    variables = {"name": name, "email": email, "password": "Nebula-Drift-4471", "role": "AGENCY"}
    result = (await gql(REGISTER, variables))["data"]["register"]
    assert result["__typename"] == "InvalidInput" and result["field"] == field


async def test_employees_cannot_register_themselves(gql):
    variables = {"name": "Eve", "email": "eve@example.com", "password": "Nebula-Drift-4471", "role": "IT"}
    body = await gql(REGISTER, variables)
    assert error_codes(body) in (["BAD_USER_INPUT"], ["GRAPHQL_VALIDATION_FAILED"])  # not a RegistrationRole
    assert await run_sync(find_user_by_email, "eve@example.com") is None


async def test_password_is_stored_as_argon2id_and_email_lower_cased(gql):
    result = await register(gql, "Hedy@Example.com", role="AGENCY")
    assert result["user"]["role"] == "AGENCY"
    stored = await run_sync(find_user_by_email, "HEDY@example.com")
    assert stored is not None and stored.email == "hedy@example.com"
    assert stored.password_hash.startswith("$argon2id$") and "Nebula" not in stored.password_hash
