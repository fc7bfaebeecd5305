"""Forgotten passwords: asking for a reset link, and choosing a new password with it (the same link sets the
first password of an invited employee).

The link carries a signed single-purpose token (its own audience and `typ`) naming the account and a
fingerprint of the account's password hash at the moment the email was made. Setting a password changes the
hash, so a link works once: a second use, or an older link, no longer matches; and the change itself is a
compare-and-set on the hash, so of two concurrent uses of one link exactly one wins. Nothing secret is
stored: the token is minted by the notifications consumer when the email is written.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from auth.passwords import hash_password, password_problem
from auth.services import AuthServices
from auth.throttle import RequestQuota, Throttled
from auth.tokens import InvalidToken
from models.accounts.errors import InvalidResetToken, ResetThrottled, WeakPassword
from models.accounts.users import (
    User,
    find_user,
    find_user_by_email,
    normalize_email,
    replace_password_hash,
    revoke_all_families,
)
from models.store.mongo import run_sync
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.monitoring.logs import record
from resolvers.request import RequestBundle

log = logging.getLogger("astro.auth")

RESET_PURPOSE = "reset-password"
RESET_TTL_SECONDS = 30 * 60
INVITATION_TTL_SECONDS = 3 * 24 * 3600
RESET_PATH = "/reset-password"
INVALID = "This password link is invalid, already used or expired: ask for a new one"


def password_fingerprint(password_hash: str) -> str:
    """What a link remembers of the password it replaces (argon2 hashes are salted: it reveals nothing)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def password_link(kit: AuthServices, user: User, *, issued_at: datetime, ttl_seconds: int) -> str:
    """ASTRO_PUBLIC_URL + /reset-password?token=...: the page (graph/accounts/reset_page.py) whose form calls
    `resetPassword`. Valid `ttl_seconds` from `issued_at` (the request's moment, not the email's)."""
    token = kit.tokens.issue_purpose(
        user.id,
        RESET_PURPOSE,
        ttl_seconds=ttl_seconds,
        extra={"pwd": password_fingerprint(user.password_hash)},
        now=issued_at.timestamp(),
    )
    return f"{kit.public_url.rstrip('/')}{RESET_PATH}?token={token}"


async def request_password_reset(call: RequestBundle, *, email: str, client_address: str | None) -> None:
    """Email a reset link when `email` names an enabled account; answer the same either way.

    Both paths cost one lookup and one write (an outbox event for an account, a log entry otherwise), so
    the timing tells nothing either. Raises ResetThrottled (3 per account per hour, keyed by the address
    asked for whether it exists or not; 20 per client address per hour)."""
    account = normalize_email(email)[:320]
    await _admit(call.auth.reset_per_address, f"request:{client_address or '-'}")
    await _admit(call.auth.reset_per_account, account)
    user = await run_sync(find_user_by_email, account) if account else None
    if user is not None and user.is_active:
        await announce_reset(call, user, requested_by="self")
        return
    await record(
        "info",
        "password_reset_unknown_account",
        "a password reset was asked for an address without an enabled account",
        request_id=call.origin.request_id,
        data={"email": account},
    )


async def announce_reset(call: RequestBundle, user: User, *, requested_by: str) -> None:
    """`password_reset_requested` in the outbox: its notifications consumer emails the link."""
    async with call.unit_of_work() as uow:
        payload = {"user_id": user.id, "requested_by": requested_by}
        record_event(uow.session, call.origin, Event.PASSWORD_RESET_REQUESTED, (Aggregate.USER, user.id), payload)
        await uow.commit()


async def reset_password(call: RequestBundle, *, token: str, new_password: str, client_address: str | None) -> User:
    """Set the password of the link's account, once; every session of the account ends and a notice is
    emailed. Raises InvalidResetToken, WeakPassword or ResetThrottled (per client address)."""
    kit = call.auth
    await _admit(kit.reset_per_address, f"reset:{client_address or '-'}")
    try:
        claims = kit.tokens.verify_purpose(token, RESET_PURPOSE, now=kit.clock())
    except InvalidToken as exc:
        raise InvalidResetToken(INVALID) from exc
    problem = password_problem(new_password)
    if problem:
        raise WeakPassword(problem)
    user = await run_sync(find_user, str(claims["sub"]))
    if user is None or not user.is_active or password_fingerprint(user.password_hash) != claims.get("pwd"):
        raise InvalidResetToken(INVALID)
    new_hash = await hash_password(new_password)
    if not await run_sync(replace_password_hash, user.id, user.password_hash, new_hash):
        raise InvalidResetToken(INVALID)  # used by a concurrent request, or the account changed meanwhile
    ended = await end_all_sessions(kit, user.id)
    async with call.unit_of_work() as uow:
        payload = {"user_id": user.id, "via": "reset", "sessions_ended": ended}
        record_event(uow.session, call.origin, Event.PASSWORD_CHANGED, (Aggregate.USER, user.id), payload)
        await uow.commit()
    try:
        await kit.throttle.succeeded(user.email)  # a person locked out by failed logins may sign in again
    except Exception:
        log.warning("login throttle not cleared after a password reset", exc_info=True)
    log.info("password reset user=%s sessions_ended=%d", user.id, ended)
    return await run_sync(find_user, user.id) or user


async def end_all_sessions(kit: AuthServices, user_id: str) -> int:
    """Revoke every refresh-token family of the user and, through the revocation list, their access tokens."""
    families = await run_sync(revoke_all_families, user_id)
    for family_id in families:
        await kit.revocations.revoke_session(family_id, kit.tokens.ttl_seconds)
    return len(families)


async def _admit(quota: RequestQuota | None, key: str) -> None:
    if quota is None:
        return
    try:
        await quota.admit(key)
    except Throttled as exc:
        raise ResetThrottled(exc.retry_after) from exc
