"""Login: one error for unknown email and wrong password, throttling with back-off, aliased attempts."""

from __future__ import annotations

import asyncio
import time

from auth.throttle import LoginThrottle, Throttled, backoff_delay
from tests.support.accounts import LOGIN, PASSWORD, login, register
from tests.support.graphql import error_codes


async def test_unknown_email_and_wrong_password_give_the_same_error(gql):
    await register(gql, "joan@example.com")
    wrong = await login(gql, "joan@example.com", "Wrong-Password-123")
    unknown = await login(gql, "nobody@example.com", "Wrong-Password-123")
    assert wrong["data"] == unknown["data"] == {"login": None}
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert error_codes(wrong) == error_codes(unknown) == ["INVALID_CREDENTIALS"]
    assert wrong["errors"][0]["extensions"] == unknown["errors"][0]["extensions"]


async def _duration(gql, email: str) -> float:
    started = time.perf_counter()
    await login(gql, email, "Wrong-Password-123")
    return time.perf_counter() - started


async def test_unknown_email_costs_a_password_verification_too(gql):
    await register(gql, "katherine@example.com")
    wrong = min([await _duration(gql, "katherine@example.com") for _ in range(3)])
    unknown = min([await _duration(gql, f"ghost{n}@example.com") for n in range(3)])
    # Without the dummy verification an unknown email answers ~10x faster than a wrong password.
    assert unknown > 0.4 * wrong, (unknown, wrong)


def _aliased_logins(count: int) -> str:
    fields = " ".join(
        f'a{n}: login(email: "radia@example.com", password: "Wrong-Password-{n:03}") {{ accessToken }}'
        for n in range(count)
    )
    return f"mutation {{ {fields} }}"


async def test_aliased_attempts_count_one_each_and_back_off_kicks_in(gql):
    await register(gql, "radia@example.com")
    body = await gql(_aliased_logins(10))
    by_alias = {error["path"][0]: error for error in body["errors"]}
    codes = [by_alias[f"a{n}"]["extensions"]["code"] for n in range(10)]
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 5
    assert all(by_alias[f"a{n}"]["extensions"]["retryAfter"] == 1 for n in range(5, 10))
    # Even the right password waits out the back-off.
    assert error_codes(await login(gql, "radia@example.com")) == ["RATE_LIMITED"]


async def _poll_until_admitted(gql, email: str, password: str, deadline_s: float) -> dict:
    deadline = time.monotonic() + deadline_s
    while True:
        body = await login(gql, email, password)
        if error_codes(body) != ["RATE_LIMITED"] or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.1)


async def test_back_off_doubles_and_a_success_resets_it(gql):
    await register(gql, "frances@example.com")
    for _ in range(5):
        assert error_codes(await login(gql, "frances@example.com", "Wrong-Password-123")) == ["INVALID_CREDENTIALS"]
    sixth = await _poll_until_admitted(gql, "frances@example.com", "Wrong-Password-123", 3)
    assert error_codes(sixth) == ["INVALID_CREDENTIALS"]
    throttled = await login(gql, "frances@example.com")
    assert throttled["errors"][0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 2}
    success = await _poll_until_admitted(gql, "frances@example.com", PASSWORD, 4)
    assert success["data"]["login"]["accessToken"]
    assert error_codes(await login(gql, "frances@example.com", "Wrong-Password-123")) == ["INVALID_CREDENTIALS"]
    assert error_codes(await login(gql, "frances@example.com", "Wrong-Password-123")) == ["INVALID_CREDENTIALS"]


async def test_unknown_accounts_are_throttled_alike(gql):
    body = await gql(_aliased_logins(7).replace("radia@", "nobody@"))
    codes = sorted(error["extensions"]["code"] for error in body["errors"])
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 2


async def test_parallel_attempts_cannot_outrun_the_count(gql):
    await register(gql, "barbara@example.com")
    bodies = await asyncio.gather(*(login(gql, "barbara@example.com", "Wrong-Password-1") for _ in range(12)))
    codes = sorted(error_codes(body)[0] for body in bodies)
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 7


async def test_at_most_the_hourly_limit_of_failures_is_admitted(services):
    throttle = LoginThrottle(services.cache, free_attempts=1000, hourly_limit=3)
    for _ in range(3):
        await throttle.admit("limit@example.com")
    try:
        await throttle.admit("limit@example.com")
    except Throttled as throttled:
        assert 1 <= throttled.retry_after <= 3600
    else:
        raise AssertionError("the 4th failure within the hour was admitted")
    await throttle.admit("other@example.com")  # per account


async def test_successes_do_not_count_against_the_hourly_limit(services):
    throttle = LoginThrottle(services.cache, free_attempts=1000, hourly_limit=2)
    for _ in range(5):
        await throttle.admit("ok@example.com")
        await throttle.succeeded("ok@example.com")
    await throttle.admit("ok@example.com")


def test_backoff_delays_double_up_to_the_cap():
    delays = [backoff_delay(attempt, 5, 60) for attempt in range(1, 13)]
    assert delays == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


async def test_login_returns_a_session_for_the_right_password(gql, services):
    registered = await register(gql, "Rosalind@Example.com", role="AGENCY")
    payload = (await gql(LOGIN, {"email": "rosalind@example.com", "password": PASSWORD}))["data"]["login"]
    claims = services.tokens.verify(payload["accessToken"])
    assert claims["sub"] == registered["user"]["id"] == payload["user"]["id"]
    assert claims["role"] == "agency" and claims["email_verified"] is False
    assert {"iss", "aud", "iat", "exp", "jti", "sid"} <= set(claims)
