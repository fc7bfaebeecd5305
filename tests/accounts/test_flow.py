"""The whole session lifecycle through HTTP: register → confirm → login → me → refresh → logout."""

from __future__ import annotations

from tests.support.accounts import CONFIRM, LOGOUT, ME, REFRESH, confirmation_token, login, register
from tests.support.graphql import error_codes


async def test_register_confirm_login_me_refresh_logout(gql, notifications_log, settings):
    registered = await register(gql, "Ada@Example.com")
    assert registered["__typename"] == "RegisterSuccess"
    assert registered["user"]["email"] == "ada@example.com"
    assert registered["user"]["emailConfirmed"] is False
    token = confirmation_token(notifications_log, "ada@example.com")
    assert f"{settings.public_url}/confirm?token=" in notifications_log.text

    confirmed = (await gql(CONFIRM, {"token": token}))["data"]["confirmEmail"]
    assert confirmed["__typename"] == "EmailConfirmed"
    assert confirmed["user"]["emailConfirmed"] is True
    assert confirmed["accessToken"] is None  # not signed in: nothing to refresh

    session = (await login(gql, "ADA@example.COM"))["data"]["login"]
    assert session["tokenType"] == "Bearer" and session["expiresIn"] == settings.access_token_ttl_seconds
    me = (await gql(ME, token=session["accessToken"]))["data"]["me"]
    assert me["email"] == "ada@example.com" and me["role"] == "TRAVELER" and me["emailConfirmed"] is True

    rotated = (await gql(REFRESH, {"token": session["refreshToken"]}))["data"]["refreshToken"]
    assert rotated["refreshToken"] != session["refreshToken"]
    assert (await gql(ME, token=rotated["accessToken"]))["data"]["me"]["id"] == me["id"]

    assert (await gql(LOGOUT, token=rotated["accessToken"]))["data"]["logout"] is True
    assert error_codes(await gql(ME, token=rotated["accessToken"])) == ["UNAUTHENTICATED"]
    assert error_codes(await gql(REFRESH, {"token": rotated["refreshToken"]})) == ["UNAUTHENTICATED"]


async def test_logout_also_ends_other_access_tokens_of_the_session(gql):
    await register(gql, "grace@example.com")
    session = (await login(gql, "grace@example.com"))["data"]["login"]
    rotated = (await gql(REFRESH, {"token": session["refreshToken"]}))["data"]["refreshToken"]
    await gql(LOGOUT, token=rotated["accessToken"])
    assert error_codes(await gql(ME, token=session["accessToken"])) == ["UNAUTHENTICATED"]


async def test_me_without_token_is_unauthenticated(gql):
    assert error_codes(await gql(ME)) == ["UNAUTHENTICATED"]
    assert error_codes(await gql(LOGOUT)) == ["UNAUTHENTICATED"]


async def test_confirming_while_signed_in_returns_a_token_with_email_verified(gql, notifications_log, services):
    await register(gql, "linus@example.com")
    session = (await login(gql, "linus@example.com"))["data"]["login"]
    assert services.tokens.verify(session["accessToken"])["email_verified"] is False
    token = confirmation_token(notifications_log, "linus@example.com")
    confirmed = (await gql(CONFIRM, {"token": token}, token=session["accessToken"]))["data"]["confirmEmail"]
    claims = services.tokens.verify(confirmed["accessToken"])
    assert claims["email_verified"] is True and claims["sid"] == services.tokens.verify(session["accessToken"])["sid"]


async def test_a_tampered_or_foreign_confirmation_token_is_refused(gql, notifications_log, services):
    await register(gql, "alan@example.com")
    token = confirmation_token(notifications_log, "alan@example.com")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    result = (await gql(CONFIRM, {"token": tampered}))["data"]["confirmEmail"]
    assert result["__typename"] == "InvalidConfirmationToken"
    access = services.tokens.issue("someone", "traveler")  # an access token is not a confirmation token
    assert (await gql(CONFIRM, {"token": access}))["data"]["confirmEmail"]["__typename"] == "InvalidConfirmationToken"


async def test_a_confirmation_token_is_not_an_access_token(gql, notifications_log):
    await register(gql, "barbara@example.com")
    token = confirmation_token(notifications_log, "barbara@example.com")
    assert error_codes(await gql(ME, token=token)) == ["UNAUTHENTICATED"]
