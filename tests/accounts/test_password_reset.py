"""Forgotten password: the emailed link, its page, the new password, every old session refused, the notice;
the same answer for unknown addresses; expired, reused and tampered links refused; the throttles."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from models.accounts.users import find_user_by_email
from models.notifications.mail import Mailer
from models.store.mongo import run_sync
from tests.support.accounts import LOGIN, ME, REFRESH
from tests.support.builders import TEST_PASSWORD, make_user
from tests.support.graphql import GraphQLClient, error_codes
from tests.support.lifecycle import REQUEST_RESET, RESET, emailed, follow_link, link_in, token_of
from tests.support.notifications import events, notifications
from tests.support.outbox import log_entries
from tests.support.smtp import SmtpPeer

NEW_PASSWORD = "Aurora-Borealis-Kite-93"


async def _login(gql: GraphQLClient, email: str, password: str = TEST_PASSWORD) -> dict[str, Any]:
    body = await gql(LOGIN, {"email": email, "password": password})
    assert "errors" not in body, body
    return body["data"]["login"]


async def _reset_link(services: Any, gql: GraphQLClient, smtp: SmtpPeer, email: str) -> str:
    body = await gql(REQUEST_RESET, {"email": email})
    assert "errors" not in body, body
    return link_in(await emailed(services, smtp, "password_reset_requested", email), services)


async def test_the_reset_link_sets_a_new_password_ends_every_session_and_sends_a_notice(
    services: Any, gql: GraphQLClient, http: Any, smtp: SmtpPeer, mailer: Mailer
):
    user, _ = await make_user(services, "traveler", email="rosalind@example.test", confirmed=False)
    laptop, phone = await _login(gql, user.email), await _login(gql, user.email)

    path = await _reset_link(services, gql, smtp, user.email)
    [mail] = smtp.to(user.email)
    assert mail.subject == "Reset your AstroBookings password" and "30 minutes" in mail.body

    reset = await follow_link(http, gql, path, NEW_PASSWORD)
    assert reset["__typename"] == "PasswordReset", reset

    for session in (laptop, phone):
        assert error_codes(await gql(ME, token=session["accessToken"])) == ["UNAUTHENTICATED"]
        assert error_codes(await gql(REFRESH, {"token": session["refreshToken"]})) == ["UNAUTHENTICATED"]
    old = await gql(LOGIN, {"email": user.email, "password": TEST_PASSWORD})
    assert error_codes(old) == ["INVALID_CREDENTIALS"]
    fresh = await _login(gql, user.email, NEW_PASSWORD)
    me = (await gql(ME, token=fresh["accessToken"]))["data"]["me"]
    assert me["email"] == user.email and me["emailConfirmed"] is True  # the link proved the mailbox

    notice = await emailed(services, smtp, "password_changed", user.email)
    assert "was changed" in notice and "signed out" in notice

    again = (await gql(RESET, {"token": token_of(path), "password": "Another-Fresh-Pass-77"}))["data"]
    assert again["resetPassword"]["__typename"] == "InvalidResetToken"  # a link works once


async def test_an_unknown_address_gets_the_same_answer_and_no_email(
    services: Any, gql: GraphQLClient, smtp: SmtpPeer, mailer: Mailer
):
    user, _ = await make_user(services, "traveler", email="known@example.test")
    known = await gql(REQUEST_RESET, {"email": user.email})
    unknown = await gql(REQUEST_RESET, {"email": "nobody@example.test"})
    assert known == unknown and "errors" not in known
    assert len(await events(services, "password_reset_requested")) == 1  # the known account's only
    await emailed(services, smtp, "password_reset_requested", user.email)
    assert smtp.to("nobody@example.test") == []
    logged = [entry.action for entry in await log_entries(services)]
    assert "password_reset_unknown_account" in logged  # IT sees the probe


async def test_timing_does_not_tell_known_from_unknown_addresses(services: Any, gql: GraphQLClient):
    """Both paths do one lookup and one write; their medians stay within a few milliseconds."""
    user, _ = await make_user(services, "traveler", email="timed@example.test")

    async def median(email: str) -> float:
        spent = []
        for _ in range(3):  # within the per-account quota
            started = time.perf_counter()
            await gql(REQUEST_RESET, {"email": email})
            spent.append(time.perf_counter() - started)
        return sorted(spent)[1]

    known, unknown = await median(user.email), await median("ghost@example.test")
    assert abs(known - unknown) < max(0.05, 0.5 * max(known, unknown)), (known, unknown)


async def test_an_expired_link_is_refused(services: Any, gql: GraphQLClient, smtp: SmtpPeer, mailer: Mailer):
    user, _ = await make_user(services, "traveler", email="late@example.test")
    path = await _reset_link(services, gql, smtp, user.email)
    kit = services.auth
    services.auth = replace(kit, clock=lambda: time.time() + 31 * 60)
    late = (await gql(RESET, {"token": token_of(path), "password": NEW_PASSWORD}))["data"]["resetPassword"]
    assert late["__typename"] == "InvalidResetToken"
    services.auth = replace(kit, clock=lambda: time.time() + 29 * 60)
    in_time = (await gql(RESET, {"token": token_of(path), "password": NEW_PASSWORD}))["data"]["resetPassword"]
    assert in_time["__typename"] == "PasswordReset"


async def test_tampered_and_foreign_tokens_are_refused_and_a_weak_password_keeps_the_link(
    services: Any, gql: GraphQLClient, smtp: SmtpPeer, mailer: Mailer
):
    user, _ = await make_user(services, "traveler", email="tamper@example.test")
    token = token_of(await _reset_link(services, gql, smtp, user.email))
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    confirm = services.tokens.issue_purpose(user.id, "confirm-email", ttl_seconds=600, extra={"email": user.email})
    access = services.tokens.issue(user.id, "traveler")
    for bad in (f"{head}.{payload}.{flipped}", confirm, access, "not-a-token", ""):
        refused = (await gql(RESET, {"token": bad, "password": NEW_PASSWORD}))["data"]["resetPassword"]
        assert refused["__typename"] == "InvalidResetToken", bad
    weak = (await gql(RESET, {"token": token, "password": "password"}))["data"]["resetPassword"]
    assert weak["__typename"] == "WeakPassword"
    done = (await gql(RESET, {"token": token, "password": NEW_PASSWORD}))["data"]["resetPassword"]
    assert done["__typename"] == "PasswordReset"


async def test_requests_are_throttled_per_address_asked_for_known_or_not(services: Any, gql: GraphQLClient):
    user, _ = await make_user(services, "traveler", email="flood@example.test")
    for email in (user.email, "nobody-flood@example.test"):
        for _ in range(3):
            assert "errors" not in await gql(REQUEST_RESET, {"email": email})
        throttled = await gql(REQUEST_RESET, {"email": email.upper()})
        assert error_codes(throttled) == ["RATE_LIMITED"]
        assert throttled["errors"][0]["extensions"]["retryAfter"] > 0
    assert len(await events(services, "password_reset_requested")) == 3


async def test_requests_are_throttled_per_client_address(services: Any, gql: GraphQLClient):
    for n in range(20):
        assert "errors" not in await gql(REQUEST_RESET, {"email": f"spray-{n}@example.test"})
    assert error_codes(await gql(REQUEST_RESET, {"email": "spray-last@example.test"})) == ["RATE_LIMITED"]


async def test_a_disabled_account_gets_no_link_and_an_old_link_stops_working(
    services: Any, gql: GraphQLClient, smtp: SmtpPeer, mailer: Mailer
):
    from models.accounts.users import DISABLED, set_status

    user, _ = await make_user(services, "traveler", email="gone@example.test")
    token = token_of(await _reset_link(services, gql, smtp, user.email))
    await run_sync(set_status, user.id, DISABLED)
    refused = (await gql(RESET, {"token": token, "password": NEW_PASSWORD}))["data"]["resetPassword"]
    assert refused["__typename"] == "InvalidResetToken"
    await gql(REQUEST_RESET, {"email": user.email})
    assert len(await events(services, "password_reset_requested")) == 1
    assert (await run_sync(find_user_by_email, user.email)).status == DISABLED


async def test_the_link_is_withheld_from_every_view_of_the_queue_and_from_the_export(
    services: Any, gql: GraphQLClient, smtp: SmtpPeer, mailer: Mailer
):
    from tests.support.builders import make_user as make

    user, token = await make(services, "traveler", email="inbox@example.test")
    _, it_token = await make(services, "it")
    path = await _reset_link(services, gql, smtp, user.email)
    [note] = await notifications(services, event="password_reset_requested")
    assert token_of(path) in note.body  # the email carries it ...
    queue = await gql("{ notificationQueue(first: 10) { items { event body } } }", token=it_token)
    inbox = await gql("{ myNotifications { items { body } } }", token=token)
    export = await gql("{ exportMyData }", token=token)  # a stolen access token must not become the account
    [exported] = [n["body"] for n in export["data"]["exportMyData"]["notifications"]]
    for body in (
        queue["data"]["notificationQueue"]["items"][0]["body"],
        inbox["data"]["myNotifications"]["items"][0]["body"],
        exported,
    ):
        assert token_of(path) not in body and "token=[withheld]" in body  # ... no view of the queue does
