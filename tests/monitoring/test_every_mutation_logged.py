"""Every mutation of the schema, called once with valid arguments: exactly one system log entry of its own
action each, carrying the request id of its HTTP response (`X-Request-ID`), and no secret (password, token,
payment token, client secret) anywhere in the entries. A mutation whose consequences are events of their own
(abortLaunch cancels bookings, refunds them and invoices the fee) also has one entry per such event, with
the same request id, each exactly once. The table of argument factories must name every Mutation field the
schema has, so a new mutation without a row here fails `test_the_table_covers_every_mutation`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from models.base import utcnow
from models.ids import new_id
from models.launches.tables import LaunchStatus
from models.monitoring.logs import LogEntry
from models.store import mongo
from models.sync import jobs
from models.sync.outbox import Origin
from resolvers.accounts.recovery import RESET_TTL_SECONDS, password_link
from resolvers.accounts.users import confirmation_link
from resolvers.partners import clients
from resolvers.sync.consumers import CONSUMERS
from resolvers.sync.relay import Relay
from tests.support import journeys
from tests.support.accounts import LOGIN
from tests.support.builders import TEST_PASSWORD, make_launch, make_seller, make_user
from tests.support.finance import make_invoice
from tests.support.graphql import GraphQLClient
from tests.support.notifications import make_notification
from tests.support.outbox import outbox

NEW_PASSWORD = "Another-Strong-Phrase-93"
SECRET_WORDS = ("password", "token", "secret")


@dataclass
class Call:
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    token: str | None = None
    secrets: tuple[str, ...] = ()  # values that must never reach the log besides those found by name


@dataclass
class World:
    gql: GraphQLClient
    services: Any

    async def user(self, role: str, *, confirmed: bool = True) -> tuple[Any, str]:
        return await make_user(self.services, role, confirmed=confirmed)

    async def signed_in(self) -> dict[str, Any]:
        user, _ = await self.user("traveler")
        body = await self.gql(LOGIN, {"email": user.email, "password": TEST_PASSWORD})
        return body["data"]["login"]

    async def launch(self) -> tuple[journeys.Agency, str]:
        seller = await journeys.agency(self.gql, self.services, rocket=f"Selene {new_id()[-6:]}")
        return seller, await journeys.schedule(self.gql, seller)

    async def booking(self) -> tuple[journeys.Agency, str, journeys.Traveler, str]:
        seller, launch = await self.launch()
        traveler = await journeys.traveler(self.gql, self.services)
        booked = await journeys.book(self.gql, traveler, launch)
        return seller, launch, traveler, booked["booking"]["id"]

    async def past_launch(self, status: str) -> tuple[str, str]:
        """(agency token, launch id) of a launch whose date has come, in `status`."""
        user, token = await self.user("agency")
        seller = await make_seller(self.services, user_id=user.id)
        launch = await make_launch(
            self.services, seller.rocket, status=status, launch_at=utcnow() - timedelta(days=1), seats_sold=2
        )
        return token, launch.id

    async def partner(self) -> tuple[str, str]:
        _, it = await self.user("it")
        call = self.services.bundle(None, Origin("test", "it:test"))
        issued = await clients.create_client(
            call, name=f"acme-{new_id()[-6:]}", scopes=["catalogue:read"], manifest=None
        )
        return it, issued.client.id


Factory = Callable[[World], Awaitable[Call]]


async def register(w: World) -> Call:
    query = """mutation($e: String!, $p: String!) {
      register(name: "Ada", email: $e, password: $p, role: TRAVELER) { __typename } }"""
    return Call(query, {"e": f"ada-{new_id()}@example.test", "p": "Nebula-Drift-4471"})


async def confirm_email(w: World) -> Call:
    user, _ = await w.user("traveler", confirmed=False)
    token = confirmation_link(w.services.auth, user.id, user.email).rsplit("token=", 1)[1]
    return Call("mutation($t: String!) { confirmEmail(token: $t) { __typename } }", {"t": token})


async def login(w: World) -> Call:
    user, _ = await w.user("traveler")
    return Call(LOGIN, {"email": user.email, "password": TEST_PASSWORD})


async def refresh_token(w: World) -> Call:
    tokens = await w.signed_in()
    query = "mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken refreshToken } }"
    return Call(query, {"r": tokens["refreshToken"]}, secrets=(tokens["accessToken"],))


async def logout(w: World) -> Call:
    tokens = await w.signed_in()
    return Call("mutation { logout }", token=tokens["accessToken"], secrets=(tokens["refreshToken"],))


async def change_password(w: World) -> Call:
    tokens = await w.signed_in()
    query = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { __typename } }"
    return Call(query, {"c": TEST_PASSWORD, "n": NEW_PASSWORD}, token=tokens["accessToken"])


async def request_confirmation_email(w: World) -> Call:
    _, token = await w.user("traveler", confirmed=False)
    return Call("mutation { requestConfirmationEmail }", token=token)


async def create_agency_profile(w: World) -> Call:
    _, token = await w.user("agency")
    return Call(journeys.AGENCY_PROFILE, token=token)


async def update_agency_profile(w: World) -> Call:
    seller = await journeys.agency(w.gql, w.services)
    return Call('mutation { updateAgencyProfile(input: {description: "Now to Mars"}) { id } }', token=seller.token)


async def add_rocket(w: World) -> Call:
    seller = await journeys.agency(w.gql, w.services)
    return Call(journeys.ADD_ROCKET, {"name": "Selene II"}, token=seller.token)


async def update_rocket(w: World) -> Call:
    seller = await journeys.agency(w.gql, w.services)
    query = 'mutation($id: ID!) { updateRocket(id: $id, input: {name: "Selene Prime"}) { id } }'
    return Call(query, {"id": seller.rocket_id}, token=seller.token)


async def delete_rocket(w: World) -> Call:
    seller = await journeys.agency(w.gql, w.services)
    query = "mutation($id: ID!) { deleteRocket(id: $id) { rocketId retired } }"
    return Call(query, {"id": seller.rocket_id}, token=seller.token)


async def schedule_launch(w: World) -> Call:
    seller = await journeys.agency(w.gql, w.services)
    variables = {"rocket": seller.rocket_id, "at": (utcnow() + timedelta(days=400)).isoformat(), "price": "1500.00"}
    return Call(journeys.SCHEDULE, variables, token=seller.token)


async def update_launch(w: World) -> Call:
    seller, launch = await w.launch()
    query = 'mutation($id: ID!) { updateLaunch(id: $id, input: {missionName: "Moonset"}) { id } }'
    return Call(query, {"id": launch}, token=seller.token)


def move(name: str, extra: str = "") -> str:
    return f"mutation($id: ID!) {{ {name}(id: $id{extra}) {{ __typename ... on LaunchMoved {{ launch {{ id }} }} }} }}"


async def confirm_launch(w: World) -> Call:
    seller, launch, _, _ = await w.booking()
    return Call(move("confirmLaunch"), {"id": launch}, token=seller.token)


async def delay_launch(w: World) -> Call:
    seller, launch = await w.launch()
    query = move("delayLaunch", ", newDate: $at, reason: $why").replace(
        "$id: ID!", "$id: ID!, $at: DateTime!, $why: String!"
    )
    at = (utcnow() + timedelta(days=500)).isoformat()
    return Call(query, {"id": launch, "at": at, "why": "weather"}, token=seller.token)


async def abort_launch(w: World) -> Call:
    seller, launch, _, _ = await w.booking()
    query = move("abortLaunch", ', reason: "engine"')
    return Call(query, {"id": launch}, token=seller.token)


async def mark_launched(w: World) -> Call:
    token, launch = await w.past_launch(LaunchStatus.CONFIRMED)
    return Call(move("markLaunched"), {"id": launch}, token=token)


async def mark_failed(w: World) -> Call:
    token, launch = await w.past_launch(LaunchStatus.CONFIRMED)
    return Call(move("markFailed"), {"id": launch}, token=token)


async def book_seats(w: World) -> Call:
    _, launch = await w.launch()
    traveler = await journeys.traveler(w.gql, w.services)
    variables = {"launch": launch, "passengers": journeys.PASSENGERS, "token": "tok_success", "key": "key-1"}
    return Call(journeys.BOOK, variables, token=traveler.token, secrets=("tok_success",))


async def cancel_booking(w: World) -> Call:
    _, _, traveler, booking = await w.booking()
    return Call(journeys.CANCEL, {"id": booking}, token=traveler.token)


async def create_traveler_profile(w: World) -> Call:
    traveler = await journeys.traveler(w.gql, w.services, profile=False)
    return Call(journeys.TRAVELER_PROFILE, {"input": journeys.PROFILE}, token=traveler.token)


async def update_traveler_profile(w: World) -> Call:
    traveler = await journeys.traveler(w.gql, w.services)
    query = 'mutation { updateTravelerProfile(input: {phone: "+34 600 999 888"}) { __typename } }'
    return Call(query, token=traveler.token)


async def create_partner_client(w: World) -> Call:
    _, it = await w.user("it")
    query = """mutation { createPartnerClient(input: {name: "acme-travel", scopes: ["catalogue:read"]}) {
      __typename ... on PartnerClientCredentials { clientSecret } } }"""
    return Call(query, token=it)


async def rotate_partner_client_secret(w: World) -> Call:
    it, client = await w.partner()
    query = """mutation($id: ID!) { rotatePartnerClientSecret(id: $id) {
      __typename ... on PartnerClientCredentials { clientSecret } } }"""
    return Call(query, {"id": client}, token=it)


async def revoke_partner_client(w: World) -> Call:
    it, client = await w.partner()
    return Call("mutation($id: ID!) { revokePartnerClient(id: $id) { __typename } }", {"id": client}, token=it)


async def issue_invoice(w: World) -> Call:
    _, launch = await w.past_launch(LaunchStatus.LAUNCHED)
    _, financial = await w.user("financial")
    return Call("mutation($id: ID!) { issueInvoice(launchId: $id) { __typename } }", {"id": launch}, token=financial)


async def record_invoice_payment(w: World) -> Call:
    user, _ = await w.user("agency")
    seller = await make_seller(w.services, user_id=user.id)
    launch = await make_launch(
        w.services, seller.rocket, status=LaunchStatus.LAUNCHED, launch_at=utcnow() - timedelta(days=1)
    )
    invoice = await make_invoice(w.services, launch, number=f"INV-{new_id()[-6:]}", amount="100.00", issued_at=utcnow())
    _, financial = await w.user("financial")
    query = """mutation($id: ID!) {
      recordInvoicePayment(invoiceId: $id, amount: "40.00", reference: "wire 7") { __typename } }"""
    return Call(query, {"id": invoice.id}, token=financial)


async def mark_notification_read(w: World) -> Call:
    user, token = await w.user("traveler")
    note = await make_notification(w.services, user.id, status="sent")
    return Call("mutation($id: ID!) { markNotificationRead(id: $id) { id } }", {"id": note.id}, token=token)


async def it_on_notification(w: World, name: str, status: str, selection: str = "{ id }") -> Call:
    user, _ = await w.user("traveler")
    note = await make_notification(w.services, user.id, status=status)
    _, it = await w.user("it")
    return Call(f"mutation($id: ID!) {{ {name}(id: $id) {selection} }}", {"id": note.id}, token=it)


async def mark_notification_sent(w: World) -> Call:
    return await it_on_notification(w, "markNotificationSent", "pending")


async def retry_notification(w: World) -> Call:
    return await it_on_notification(w, "retryNotification", "failed")


async def delete_notification(w: World) -> Call:
    return await it_on_notification(w, "deleteNotification", "sent", "")


async def update_notification_template(w: World) -> Call:
    _, it = await w.user("it")
    query = """mutation { updateNotificationTemplate(event: BOOKING_CONFIRMED, subject: "Booked",
      body: "Hello {recipient_name}") { __typename } }"""
    return Call(query, token=it)


async def start_sync(w: World) -> Call:
    _, it = await w.user("it")
    return Call("mutation { startSync(kind: CATALOGUE) { __typename } }", token=it)


async def cancel_sync(w: World) -> Call:
    _, it = await w.user("it")
    run = await mongo.run_sync(jobs.start, "notifications", requested_by=None, request_id=None)
    return Call("mutation($id: ID!) { cancelSync(id: $id) { __typename } }", {"id": run.id}, token=it)


async def request_password_reset(w: World) -> Call:
    user, _ = await w.user("traveler")
    return Call("mutation($e: String!) { requestPasswordReset(email: $e) { __typename } }", {"e": user.email})


async def reset_password(w: World) -> Call:
    user, _ = await w.user("traveler")
    link = password_link(w.services.auth, user, issued_at=utcnow(), ttl_seconds=RESET_TTL_SECONDS)
    token = link.rsplit("token=", 1)[1]
    query = "mutation($t: String!, $n: String!) { resetPassword(token: $t, newPassword: $n) { __typename } }"
    return Call(query, {"t": token, "n": NEW_PASSWORD}, secrets=(token,))


async def create_employee(w: World) -> Call:
    _, it = await w.user("it")
    query = """mutation($e: String!) { createEmployee(name: "Grace", email: $e, role: FINANCIAL) { __typename } }"""
    return Call(query, {"e": f"grace-{new_id()}@example.test"}, token=it)


async def on_user(w: World, mutation: str, *, confirmed: bool = True, extra: str = "") -> Call:
    _, it = await w.user("it")
    role = "financial" if "Role" in mutation else "traveler"
    user, _ = await w.user(role, confirmed=confirmed)
    query = f"mutation($id: ID!) {{ {mutation}(id: $id{extra}) {{ __typename }} }}"
    return Call(query, {"id": user.id}, token=it)


async def disable_user(w: World) -> Call:
    return await on_user(w, "disableUser")


async def enable_user(w: World) -> Call:
    call = await on_user(w, "disableUser")
    assert (await w.gql(call.query, call.variables, token=call.token))["data"]["disableUser"]
    return Call(call.query.replace("disableUser", "enableUser"), call.variables, token=call.token)


async def change_employee_role(w: World) -> Call:
    return await on_user(w, "changeEmployeeRole", extra=", role: IT")


async def resend_confirmation_email(w: World) -> Call:
    return await on_user(w, "resendConfirmationEmail", confirmed=False)


async def send_password_reset(w: World) -> Call:
    return await on_user(w, "sendPasswordReset")


async def close_account(w: World) -> Call:
    tokens = await w.signed_in()
    query = "mutation($p: String!) { closeAccount(currentPassword: $p) { __typename } }"
    return Call(query, {"p": TEST_PASSWORD}, token=tokens["accessToken"])


# mutation -> (its arguments, the action of its own entry)
FACTORIES: dict[str, tuple[Factory, str]] = {
    "register": (register, "account_registered"),
    "confirmEmail": (confirm_email, "email_confirmed"),
    "login": (login, "login"),
    "refreshToken": (refresh_token, "session_refreshed"),
    "logout": (logout, "logout"),
    "changePassword": (change_password, "password_changed"),
    "requestConfirmationEmail": (request_confirmation_email, "account_registered"),
    "createAgencyProfile": (create_agency_profile, "agency_created"),
    "updateAgencyProfile": (update_agency_profile, "agency_updated"),
    "addRocket": (add_rocket, "rocket_added"),
    "updateRocket": (update_rocket, "rocket_updated"),
    "deleteRocket": (delete_rocket, "rocket_deleted"),
    "scheduleLaunch": (schedule_launch, "launch_scheduled"),
    "updateLaunch": (update_launch, "launch_updated"),
    "confirmLaunch": (confirm_launch, "launch_confirmed"),
    "delayLaunch": (delay_launch, "launch_delayed"),
    "abortLaunch": (abort_launch, "launch_aborted"),
    "markLaunched": (mark_launched, "launch_launched"),
    "markFailed": (mark_failed, "launch_failed"),
    "bookSeats": (book_seats, "booking_confirmed"),
    "cancelBooking": (cancel_booking, "booking_canceled"),
    "createTravelerProfile": (create_traveler_profile, "traveler_profile_created"),
    "updateTravelerProfile": (update_traveler_profile, "traveler_profile_updated"),
    "createPartnerClient": (create_partner_client, "partner_client_created"),
    "rotatePartnerClientSecret": (rotate_partner_client_secret, "partner_client_secret_rotated"),
    "revokePartnerClient": (revoke_partner_client, "partner_client_revoked"),
    "issueInvoice": (issue_invoice, "invoice_issued"),
    "recordInvoicePayment": (record_invoice_payment, "invoice_payment_recorded"),
    "markNotificationRead": (mark_notification_read, "notification_read"),
    "markNotificationSent": (mark_notification_sent, "notification_marked_sent"),
    "retryNotification": (retry_notification, "notification_retried"),
    "deleteNotification": (delete_notification, "notification_deleted"),
    "updateNotificationTemplate": (update_notification_template, "notification_template_updated"),
    "startSync": (start_sync, "sync_started"),
    "requestPasswordReset": (request_password_reset, "password_reset_requested"),
    "resetPassword": (reset_password, "password_changed"),
    "createEmployee": (create_employee, "employee_invited"),
    "disableUser": (disable_user, "user_disabled"),
    "enableUser": (enable_user, "user_enabled"),
    "changeEmployeeRole": (change_employee_role, "user_role_changed"),
    "resendConfirmationEmail": (resend_confirmation_email, "account_registered"),
    "sendPasswordReset": (send_password_reset, "password_reset_requested"),
    "closeAccount": (close_account, "account_closed"),
    "cancelSync": (cancel_sync, "sync_canceled"),
}


def test_the_table_covers_every_mutation(app):
    fields = set(app.state.schema._schema.mutation_type.fields)
    assert fields == set(FACTORIES), {"missing": fields - set(FACTORIES), "unknown": set(FACTORIES) - fields}


async def drain(services: Any) -> None:
    relay = Relay(services, CONSUMERS)
    while await relay.deliver_pending():
        pass


def secrets_in(value: Any, named: bool = False) -> list[str]:
    """String values under a key that names a secret (password, token, secret), at any depth."""
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in secrets_in(item, any(w in key.lower() for w in SECRET_WORDS))]
    if isinstance(value, list):
        return [s for item in value for s in secrets_in(item, named)]
    return [value] if named and isinstance(value, str) and len(value) >= 6 else []


@pytest.mark.parametrize("name", sorted(FACTORIES))
async def test_each_mutation_writes_one_log_entry_with_its_request_id_and_no_secret(name, gql, services):
    factory, action = FACTORIES[name]
    call = await factory(World(gql, services))
    await drain(services)  # whatever the setting-up wrote is in the log before the call
    before = set(await mongo.run_sync(lambda: [entry.id for entry in LogEntry.objects.only("id")]))

    response = await gql.post(call.query, call.variables, token=call.token)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    await drain(services)

    request_id = response.headers["x-request-id"]
    entries = await mongo.run_sync(lambda: [e.to_mongo().to_dict() for e in LogEntry.objects if e.id not in before])
    actions = [(entry["action"], entry.get("request_id")) for entry in entries]
    assert [entry["action"] for entry in entries].count(action) == 1, actions
    assert all(entry.get("request_id") == request_id for entry in entries), actions
    # The mutation's consequences that are events of their own (a refund, an invoice) have their own entry,
    # each exactly once: one entry per outbox event of this request, or the one direct entry.
    events = [event.id for event in await outbox(services) if event.origin_request_id == request_id]
    assert sorted(entry["_id"] for entry in entries) == sorted(events) or (not events and len(entries) == 1)
    text = repr(entries)
    secrets = {*call.secrets, *secrets_in(call.variables, False), *secrets_in(body)}
    secrets |= {call.token} if call.token else set()
    secrets |= {s for key, value in call.variables.items() for s in [value] if key in ("p", "c", "n", "r", "t")}
    leaked = [secret for secret in secrets if isinstance(secret, str) and secret in text]
    assert not leaked, (entries, leaked)
