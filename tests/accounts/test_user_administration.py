"""IT's user administration: the invitation of a new employee, the user search, disabling (login refused,
live tokens refused on another instance at once), the self and last-`it` guards, re-sent emails, and the
origin of every action."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models.accounts.users import count_enabled
from models.ids import new_id
from models.notifications.mail import Mailer
from models.store.mongo import run_sync
from resolvers.sync.consumers import write_log_entries
from tests.support.accounts import LOGIN, ME, REFRESH
from tests.support.builders import TEST_PASSWORD, make_user
from tests.support.edge import StartEdge
from tests.support.graphql import GraphQLClient, error_codes
from tests.support.lifecycle import (
    CHANGE_ROLE,
    CREATE_EMPLOYEE,
    DISABLE,
    ENABLE,
    RESEND,
    SEND_RESET,
    USERS,
    emailed,
    follow_link,
    link_in,
)
from tests.support.notifications import events, notifications
from tests.support.outbox import log_entries, outbox
from tests.support.smtp import SmtpPeer

CHOSEN = "Meridian-Compass-Lantern-5"


async def test_a_new_employee_is_invited_and_chooses_their_own_password(
    services: Any, gql: GraphQLClient, http: Any, smtp: SmtpPeer, mailer: Mailer
):
    it, it_token = await make_user(services, "it")
    variables = {"name": "Grace Hopper", "email": "Grace@Astro.example", "role": "FINANCIAL"}
    created = (await gql(CREATE_EMPLOYEE, variables, token=it_token))["data"]["createEmployee"]
    assert created["__typename"] == "EmployeeInvited", created
    assert created["user"] | {"id": None} == {
        "id": None,
        "email": "grace@astro.example",
        "role": "FINANCIAL",
        "status": "ACTIVE",
        "emailConfirmed": False,
    }
    assert error_codes(await gql(LOGIN, {"email": "grace@astro.example", "password": CHOSEN})) == [
        "INVALID_CREDENTIALS"
    ]

    body = await emailed(services, smtp, "employee_invited", "grace@astro.example")
    assert "financial account" in body and "72 hours" in body
    [queued] = await notifications(services, event="employee_invited")
    queue = await gql("{ notificationQueue { items { body } } }", token=it_token)
    [seen] = [item["body"] for item in queue["data"]["notificationQueue"]["items"]]
    assert "[withheld]" in seen and seen != queued.body  # IT cannot use the invitation itself

    done = await follow_link(http, gql, link_in(body, services), CHOSEN)
    assert done["__typename"] == "PasswordReset"
    session = (await gql(LOGIN, {"email": "grace@astro.example", "password": CHOSEN}))["data"]["login"]
    me = (await gql(ME, token=session["accessToken"]))["data"]["me"]
    assert me["role"] == "FINANCIAL" and me["emailConfirmed"] is True

    again = (await gql(CREATE_EMPLOYEE, variables, token=it_token))["data"]["createEmployee"]
    assert again["__typename"] == "EmailAlreadyRegistered"
    traveler = {**variables, "email": "x@astro.example", "role": "TRAVELER"}
    assert error_codes(await gql(CREATE_EMPLOYEE, traveler, token=it_token)) == [
        "GRAPHQL_VALIDATION_FAILED"
    ]  # not an enum value
    [event] = await events(services, "employee_invited")
    assert event.origin_user == f"it:{it.id}" and event.origin_operation == "createEmployee"


async def test_it_searches_users_by_text_role_status_and_confirmation_page_by_page(services: Any, gql: GraphQLClient):
    it, token = await make_user(services, "it", name="Ida Admin")
    for n in range(5):
        await make_user(services, "traveler", email=f"orbit-{n}@example.test", name=f"Orbit Traveler {n}")
    unconfirmed, _ = await make_user(services, "agency", email="moonco@example.test", name="Moon Co", confirmed=False)

    seen, after = [], None
    while True:
        variables = {"filter": {"text": "ORBIT-"}, "first": 2, "after": after}
        page = (await gql(USERS, variables, token=token))["data"]["users"]
        seen += [edge["node"]["email"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"orbit-{n}@example.test" for n in range(5)]  # oldest first, each once

    async def emails(filter: dict[str, Any]) -> list[str]:
        page = (await gql(USERS, {"filter": filter, "first": 50}, token=token))["data"]["users"]
        return [edge["node"]["email"] for edge in page["edges"]]

    assert await emails({"roles": ["AGENCY"]}) == ["moonco@example.test"]
    assert await emails({"confirmed": False}) == ["moonco@example.test"]
    assert await emails({"text": "moon co", "status": "ACTIVE"}) == ["moonco@example.test"]
    assert await emails({"status": "DISABLED"}) == []
    assert "errors" not in await gql(DISABLE, {"id": unconfirmed.id}, token=token)
    assert await emails({"status": "DISABLED"}) == ["moonco@example.test"]
    assert "moonco@example.test" not in await emails({"status": "ACTIVE"})
    assert await emails({"confirmed": True, "roles": ["TRAVELER"]}) == [f"orbit-{n}@example.test" for n in range(5)]
    assert await emails({"text": ".*"}) == []  # literal, never a regular expression
    assert error_codes(await gql(USERS, {"first": 2, "after": "bogus"}, token=token)) == ["BAD_USER_INPUT"]
    assert error_codes(await gql(USERS, {"first": -1}, token=token)) == ["BAD_USER_INPUT"]
    searches = [entry for entry in await log_entries(services) if entry.action == "users_searched"]
    assert searches and {entry.actor for entry in searches} == {f"it:{it.id}"}


async def test_disabling_refuses_login_and_live_tokens_on_every_instance_at_once(edge: StartEdge, settings: Any):
    if not settings.redis_url:
        pytest.skip("two instances share revocations through Redis (REDIS_URL)")
    first, second = await edge(), await edge()
    one, two = GraphQLClient(first.http), GraphQLClient(second.http)
    _, it_token = await make_user(first.services, "it")
    user, _ = await make_user(first.services, "traveler", email="eve@example.test")
    session = (await one(LOGIN, {"email": user.email, "password": TEST_PASSWORD}))["data"]["login"]
    assert (await two(ME, token=session["accessToken"]))["data"]["me"]["id"] == user.id  # warm on instance two

    disabled = (await one(DISABLE, {"id": user.id}, token=it_token))["data"]["disableUser"]
    assert disabled["__typename"] == "UserChanged" and disabled["user"]["status"] == "DISABLED"
    assert error_codes(await two(ME, token=session["accessToken"])) == ["UNAUTHENTICATED"]
    assert error_codes(await two(REFRESH, {"token": session["refreshToken"]})) == ["UNAUTHENTICATED"]
    assert error_codes(await two(LOGIN, {"email": user.email, "password": TEST_PASSWORD})) == ["ACCOUNT_DISABLED"]
    wrong = await two(LOGIN, {"email": user.email, "password": "Not-The-Password-1"})
    assert error_codes(wrong) == ["INVALID_CREDENTIALS"]  # the status is told only to who knows the password

    enabled = (await two(ENABLE, {"id": user.id}, token=it_token))["data"]["enableUser"]
    assert enabled["user"]["status"] == "ACTIVE"
    assert error_codes(await one(ME, token=session["accessToken"])) == ["UNAUTHENTICATED"]  # old sessions stay ended
    back = (await one(LOGIN, {"email": user.email, "password": TEST_PASSWORD}))["data"]["login"]
    assert (await two(ME, token=back["accessToken"]))["data"]["me"]["id"] == user.id


async def test_an_it_user_cannot_disable_or_demote_themself(services: Any, gql: GraphQLClient):
    it, token = await make_user(services, "it")
    await make_user(services, "it")  # another it account exists: the self rule alone refuses
    refused = (await gql(DISABLE, {"id": it.id}, token=token))["data"]["disableUser"]
    assert refused["__typename"] == "CannotChangeOwnAccount"
    demoted = (await gql(CHANGE_ROLE, {"id": it.id, "role": "FINANCIAL"}, token=token))["data"]
    assert demoted["changeEmployeeRole"]["__typename"] == "CannotChangeOwnAccount"
    assert (await gql(ME, token=token))["data"]["me"]["role"] == "IT"


async def test_the_last_enabled_it_account_is_neither_disabled_nor_demoted(services: Any, gql: GraphQLClient):
    last, _ = await make_user(services, "it")
    # A caller whose own account is not an enabled it account (e.g. disabled a moment ago by someone else,
    # its token not yet refused): the last enabled one must stay.
    ghost = services.tokens.issue(new_id(), "it")
    refused = (await gql(DISABLE, {"id": last.id}, token=ghost))["data"]["disableUser"]
    assert refused["__typename"] == "LastItAccount"
    demoted = (await gql(CHANGE_ROLE, {"id": last.id, "role": "FINANCIAL"}, token=ghost))["data"]
    assert demoted["changeEmployeeRole"]["__typename"] == "LastItAccount"
    assert await run_sync(count_enabled, "it") == 1


async def test_two_it_users_disabling_each_other_at_once_leave_one_enabled(services: Any, gql: GraphQLClient):
    ada, ada_token = await make_user(services, "it")
    bob, bob_token = await make_user(services, "it")
    answers = await asyncio.gather(
        gql(DISABLE, {"id": bob.id}, token=ada_token), gql(DISABLE, {"id": ada.id}, token=bob_token)
    )
    assert await run_sync(count_enabled, "it") >= 1, answers


async def test_role_changes_move_employees_between_financial_and_it_and_end_their_sessions(
    services: Any, gql: GraphQLClient
):
    _, token = await make_user(services, "it")
    clerk, _ = await make_user(services, "financial", email="clerk@example.test")
    session = (await gql(LOGIN, {"email": clerk.email, "password": TEST_PASSWORD}))["data"]["login"]
    promoted = (await gql(CHANGE_ROLE, {"id": clerk.id, "role": "IT"}, token=token))["data"]["changeEmployeeRole"]
    assert promoted["user"]["role"] == "IT"
    assert error_codes(await gql(ME, token=session["accessToken"])) == ["UNAUTHENTICATED"]  # tokens carry the role
    traveler, _ = await make_user(services, "traveler")
    refused = (await gql(CHANGE_ROLE, {"id": traveler.id, "role": "IT"}, token=token))["data"]
    assert refused["changeEmployeeRole"]["__typename"] == "NotAnEmployee"


async def test_it_resends_a_confirmation_and_sends_a_reset_on_a_users_behalf(
    services: Any, gql: GraphQLClient, smtp: SmtpPeer, mailer: Mailer
):
    it, token = await make_user(services, "it")
    pending, _ = await make_user(services, "traveler", email="pending@example.test", confirmed=False)
    confirmed, _ = await make_user(services, "traveler", email="done@example.test")
    sent = (await gql(RESEND, {"id": pending.id}, token=token))["data"]["resendConfirmationEmail"]
    assert sent == {"__typename": "ConfirmationResent", "sent": True}
    none = (await gql(RESEND, {"id": confirmed.id}, token=token))["data"]["resendConfirmationEmail"]
    assert none["sent"] is False
    assert "/confirm?token=" in await emailed(services, smtp, "account_registered", pending.email)

    reset = (await gql(SEND_RESET, {"id": confirmed.id}, token=token))["data"]["sendPasswordReset"]
    assert reset["__typename"] == "PasswordResetSent"
    assert "/reset-password?token=" in await emailed(services, smtp, "password_reset_requested", confirmed.email)
    assert error_codes(await gql(SEND_RESET, {"id": new_id()}, token=token)) == ["NOT_FOUND"]


async def test_every_it_action_is_logged_with_its_origin(services: Any, gql: GraphQLClient):
    it, token = await make_user(services, "it")
    user, _ = await make_user(services, "traveler", confirmed=False)
    clerk, _ = await make_user(services, "financial")
    variables = {"name": "New Hire", "email": "hire@example.test", "role": "IT"}
    for document, values in [
        (CREATE_EMPLOYEE, variables),
        (DISABLE, {"id": user.id}),
        (ENABLE, {"id": user.id}),
        (CHANGE_ROLE, {"id": clerk.id, "role": "IT"}),
        (RESEND, {"id": user.id}),
        (SEND_RESET, {"id": user.id}),
    ]:
        assert "errors" not in await gql(document, values, token=token)
    written = await outbox(services)
    for event in written:
        await write_log_entries(services, [event])  # the relay's part
    logged = {entry.action: entry for entry in await log_entries(services)}
    for action, operation in [
        ("employee_invited", "createEmployee"),
        ("user_disabled", "disableUser"),
        ("user_enabled", "enableUser"),
        ("user_role_changed", "changeEmployeeRole"),
        ("account_registered", "resendConfirmationEmail"),
        ("password_reset_requested", "sendPasswordReset"),
    ]:
        assert logged[action].actor == f"it:{it.id}", action
        assert logged[action].request_id, action
        assert operation in logged[action].message, (action, logged[action].message)


async def test_a_disabled_users_token_is_refused_by_the_same_instance_whatever_the_cache(
    services: Any, gql: GraphQLClient
):
    _, it_token = await make_user(services, "it")
    user, token = await make_user(services, "agency")  # a token outside any session: only the user key stops it
    assert (await gql(ME, token=token))["data"]["me"]["id"] == user.id
    assert "errors" not in await gql(DISABLE, {"id": user.id}, token=it_token)
    assert error_codes(await gql(ME, token=token)) == ["UNAUTHENTICATED"]
    assert f"revoked-user:{user.id}" in services.authenticator.revocation_keys(
        services.tokens.principal(services.tokens.verify(token))
    )
