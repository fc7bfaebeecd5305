"""Sessions: login, refresh-token rotation with reuse detection, logout.

A session is a refresh-token *family*. Refresh tokens are opaque random strings; only their sha256 is
stored. Each use marks the token used and issues the next one in the same family; presenting a used token
again means it was stolen (or replayed), so the whole family is revoked. Access tokens carry the family id
as `sid`, so revoking the family also kills its live access tokens (through the revocation list).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from auth.passwords import verify_password
from auth.services import AuthServices
from auth.throttle import Throttled
from auth.tokens import TokenService
from models.accounts.errors import AccountDisabled, InvalidCredentials, LoginUnavailable, TooManyAttempts
from models.accounts.users import (
    User,
    claim_refresh_token,
    find_refresh_token,
    find_user,
    find_user_by_email,
    insert_refresh_token,
    normalize_email,
    revoke_family,
)
from models.base import utcnow
from models.errors import Unauthenticated
from models.ids import new_id
from models.store.mongo import run_sync
from resolvers.monitoring.logs import record, record_call
from resolvers.request import RequestBundle

log = logging.getLogger("astro.auth")


@dataclass(frozen=True)
class SessionTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def access_token_for(tokens: TokenService, user: User, session_id: str | None = None) -> str:
    extra: dict[str, object] = {"email_verified": bool(user.email_confirmed)}
    if session_id:
        extra["sid"] = session_id
    return tokens.issue(user.id, user.role, extra=extra)


async def issue_session(kit: AuthServices, user: User, family_id: str | None = None) -> SessionTokens:
    """Tokens for `user`: a new family (login) or the next token of an existing one (refresh)."""
    family_id = family_id or new_id()
    refresh = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=kit.refresh_ttl_seconds)
    await run_sync(
        insert_refresh_token, token_hash=_digest(refresh), family_id=family_id, user_id=user.id, expires_at=expires_at
    )
    access = access_token_for(kit.tokens, user, family_id)
    return SessionTokens(access_token=access, refresh_token=refresh, expires_in=kit.tokens.ttl_seconds, user=user)


async def check_password(kit: AuthServices, *, email: str, password: str) -> User:
    """The account behind email + password, through the throttle; InvalidCredentials otherwise."""
    account = normalize_email(email)
    await admit(kit, account)
    user = await run_sync(find_user_by_email, account) if account else None
    # Unknown emails are verified against a dummy hash: both paths cost one argon2 verification.
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        raise InvalidCredentials("Invalid email or password")
    await reset_throttle(kit, account)
    if not user.is_active:  # told only to someone who knows the password
        raise AccountDisabled("This account is disabled; contact AstroBookings support")
    return user


async def reset_throttle(kit: AuthServices, account: str) -> None:
    """A success clears the account's back-off; when the cache refuses, the success still stands."""
    try:
        await kit.throttle.succeeded(account)
    except Exception as exc:
        log.warning("login throttle not reset after a success (%r)", exc)


async def admit(kit: AuthServices, account: str) -> None:
    """One password attempt for `account`, or TooManyAttempts; fails closed when the cache is down."""
    try:
        await kit.throttle.admit(account)
    except Throttled as exc:
        raise TooManyAttempts(exc.retry_after) from exc
    except Exception as exc:
        log.exception("login throttle unavailable; refusing the attempt")
        raise LoginUnavailable("Sign-in is temporarily unavailable; try again shortly") from exc


async def login(call: RequestBundle, *, email: str, password: str) -> SessionTokens:
    """Raises InvalidCredentials, TooManyAttempts or LoginUnavailable."""
    try:
        user = await check_password(call.auth, email=email, password=password)
    except (InvalidCredentials, TooManyAttempts, AccountDisabled) as refused:
        # The email is logged (IT investigates attacks on an account), the password never.
        action = {InvalidCredentials: "login_failed", TooManyAttempts: "login_throttled"}.get(
            type(refused), "login_disabled"
        )
        account = normalize_email(email)[:320]
        await record(
            "warning", action, f"{action} for {account}", request_id=call.origin.request_id, data={"email": account}
        )
        raise
    log.info("login user=%s", user.id)
    tokens = await issue_session(call.auth, user)
    actor = f"{user.role}:{user.id}"
    await record_call(call, "login", f"{actor} signed in", actor=actor, entity=("User", user.id))
    return tokens


async def refresh_session(call: RequestBundle, *, refresh_token: str) -> SessionTokens:
    """The next token of the session; a used token again ends the whole session (Unauthenticated)."""
    kit = call.auth
    digest = _digest(refresh_token)
    claimed = await run_sync(claim_refresh_token, digest)
    if claimed is None:
        await _refuse_unclaimable(call, digest)
        raise Unauthenticated("Invalid refresh token")
    user = await run_sync(find_user, claimed.user_id)
    if user is None or not user.is_active or _as_utc(claimed.expires_at) <= utcnow():
        raise Unauthenticated("Invalid refresh token")
    tokens = await issue_session(kit, user, claimed.family_id)
    actor = f"{user.role}:{user.id}"
    message = f"session {claimed.family_id} of {actor} refreshed"
    await record_call(call, "session_refreshed", message, actor=actor, entity=("Session", claimed.family_id))
    return tokens


async def _refuse_unclaimable(call: RequestBundle, digest: str) -> None:
    existing = await run_sync(find_refresh_token, digest)
    if existing is not None and existing.used and not existing.revoked:
        log.warning("refresh token reuse: revoking session %s of user %s", existing.family_id, existing.user_id)
        await end_session(call.auth, existing.family_id)
        await record(
            "warning",
            "refresh_token_reused",
            f"a used refresh token was presented again: session {existing.family_id} revoked",
            actor=f"user:{existing.user_id}",
            request_id=call.origin.request_id,
            entity=("Session", existing.family_id),
        )


async def end_session(kit: AuthServices, family_id: str) -> None:
    await run_sync(revoke_family, family_id)
    await kit.revocations.revoke_session(family_id, kit.tokens.ttl_seconds)


async def logout(call: RequestBundle) -> None:
    """Revoke the presented access token and, when it belongs to a session, that whole session."""
    principal, kit = call.caller, call.auth
    if principal.token_id and principal.expires_at:
        await kit.revocations.revoke(principal.token_id, principal.expires_at)
    if principal.session_id:
        await end_session(kit, principal.session_id)
    entity = ("Session", principal.session_id) if principal.session_id else None
    await record_call(call, "logout", f"{principal.role}:{principal.id} signed out", entity=entity)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
