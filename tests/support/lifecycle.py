"""The account-lifecycle journeys: documents, the emailed password link followed through its page, and a
search of every store for a value that must be gone."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import asyncpg
import httpx

from models.store import mongo
from resolvers.notifications.sender import send_due
from tests.support.graphql import GraphQLClient
from tests.support.notifications import deliver
from tests.support.smtp import SmtpPeer
from tests.support.stores import admin_dsn

REQUEST_RESET = """
mutation($email: String!) { requestPasswordReset(email: $email) { message } }"""

RESET = """
mutation($token: String!, $password: String!) {
  resetPassword(token: $token, newPassword: $password) {
    __typename
    ... on PasswordReset { user { id email emailConfirmed } }
    ... on InvalidResetToken { message }
    ... on WeakPassword { message }
  }
}"""

CREATE_EMPLOYEE = """
mutation($name: String!, $email: String!, $role: EmployeeRole!) {
  createEmployee(name: $name, email: $email, role: $role) {
    __typename
    ... on EmployeeInvited { user { id email role status emailConfirmed } }
    ... on EmailAlreadyRegistered { message }
    ... on InvalidInput { message field }
  }
}"""

CHANGED = "... on UserChanged { user { id status role } } ... on CannotChangeOwnAccount { message } "
DISABLE = "mutation($id: ID!) { disableUser(id: $id) { __typename " + CHANGED + "... on LastItAccount { message } } }"
ENABLE = "mutation($id: ID!) { enableUser(id: $id) { __typename ... on UserChanged { user { id status } } } }"
CHANGE_ROLE = (
    "mutation($id: ID!, $role: EmployeeRole!) { changeEmployeeRole(id: $id, role: $role) { __typename "
    + CHANGED
    + "... on LastItAccount { message } ... on NotAnEmployee { message } } }"
)
RESEND = "mutation($id: ID!) { resendConfirmationEmail(id: $id) { __typename ... on ConfirmationResent { sent } } }"
SEND_RESET = "mutation($id: ID!) { sendPasswordReset(id: $id) { __typename ... on AccountIsDisabled { message } } }"
USERS = """
query($filter: UserFilter, $first: Int!, $after: String) {
  users(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id email name role status emailConfirmed } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CLOSE = """
mutation($password: String!) {
  closeAccount(currentPassword: $password) {
    __typename
    ... on AccountClosure { userId }
    ... on ActiveBookingsRemain { message bookingIds }
    ... on ActiveLaunchesRemain { message launchIds }
  }
}"""
EXPORT = "{ exportMyData }"


async def emailed(services: Any, smtp: SmtpPeer, event: str, address: str) -> str:
    """Deliver the outbox events of `event` to the notifications consumer, send the queue to the SMTP peer,
    and return the body of the one email `address` received."""
    await deliver(services, event)
    await send_due(services)
    mails = [mail for mail in smtp.to(address) if mail.message["X-Checked"] is None]
    assert len(mails) == 1, [m.subject for m in smtp.to(address)]
    mails[0].message["X-Checked"] = "yes"  # the next call reads the next email
    return mails[0].body


def link_in(body: str, services: Any) -> str:
    """The path (and query) of the password link in an email, checked to start at ASTRO_PUBLIC_URL."""
    found = re.search(r"(http\S+/reset-password\?token=\S+)", body)
    assert found, body
    assert found.group(1).startswith(services.settings.public_url)
    return found.group(1).removeprefix(services.settings.public_url)


async def follow_link(http: httpx.AsyncClient, gql: GraphQLClient, path: str, password: str) -> dict[str, Any]:
    """Open the page of the link, check it stands alone, and submit its form as its script does: the
    page's own mutation document with the page's token and the new password."""
    page = await http.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert not re.search(r"\b(src|href)=", page.text), "the page loads nothing from anywhere"
    document = html.unescape(re.search(r'data-mutation="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    token = html.unescape(re.search(r'name="token" value="([^"]*)"', page.text).group(1))  # type: ignore[union-attr]
    body = await gql(document, {"token": token, "newPassword": password})
    return body["data"]["resetPassword"]


def token_of(path: str) -> str:
    return path.split("token=", 1)[1]


async def postgres_holding(database_url: str, value: str) -> list[str]:
    """`table.column` of every text, varchar, json and date column of every table holding `value` (ignoring case)."""
    conn = await asyncpg.connect(admin_dsn(database_url))
    try:
        columns = await conn.fetch(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'date')"
        )
        found = []
        for row in columns:
            table, column = row["table_name"], row["column_name"]
            # identifiers read from information_schema, quoted; the value is a parameter
            sql = f'SELECT count(*) FROM "{table}" WHERE strpos(lower("{column}"::text), lower($1)) > 0'  # noqa: S608
            if await conn.fetchval(sql, value):
                found.append(f"{table}.{column}")
        return found
    finally:
        await conn.close()


def _mongo_holding(value: str) -> list[str]:
    import mongoengine

    db = mongoengine.get_db()
    found = []
    for name in db.list_collection_names():
        for document in db[name].find():
            if value.lower() in json.dumps(document, default=str).lower():
                found.append(f"{name}:{document.get('_id')}")
    return found


async def mongo_holding(value: str) -> list[str]:
    """`collection:id` of every document of every MongoDB collection holding `value` (ignoring case)."""
    return await mongo.run_sync(_mongo_holding, value)
