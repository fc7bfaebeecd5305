"""Accounts: registration, email confirmation, password change, employee accounts, reading users."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from auth import policies
from auth.passwords import hash_password, password_problem, verify_password
from auth.principal import Principal
from auth.services import AuthServices
from auth.tokens import InvalidToken
from models.accounts.errors import (
    EmailAlreadyRegistered,
    InvalidConfirmationToken,
    InvalidCredentials,
    InvalidInput,
    WeakPassword,
)
from models.accounts.users import (
    ROLES,
    SELF_REGISTERED_ROLES,
    EmailTaken,
    User,
    find_user,
    find_users,
    insert_user,
    mark_confirmed,
    normalize_email,
    revoke_other_families,
    set_password_hash,
)
from models.base import has_control
from models.errors import DomainError, Forbidden, NotFound, Unauthenticated
from models.store.mongo import run_sync
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.accounts.sessions import access_token_for, admit, reset_throttle
from resolvers.monitoring.logs import record_call
from resolvers.request import RequestBundle

log = logging.getLogger("astro.auth")
notifications = logging.getLogger("astro.notifications")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
CONFIRM_PURPOSE = "confirm-email"
CONFIRM_TTL_SECONDS = 3 * 24 * 3600


@dataclass(frozen=True)
class EmailConfirmation:
    user: User
    access_token: str | None  # fresh, with `email_verified`, when the caller is signed in as this user


def _check_new_account(name: str, email: str, password: str, role: str, roles: tuple[str, ...]) -> None:
    if not 1 <= len(name.strip()) <= 200 or has_control(name):
        raise InvalidInput("name", "Name must be 1 to 200 characters, without control characters")
    if len(email) > 254 or not EMAIL.match(normalize_email(email)):
        raise InvalidInput("email", "Email address is not valid")
    if role not in roles:
        raise InvalidInput("role", f"Role must be one of {', '.join(roles)}")
    problem = password_problem(password)
    if problem:
        raise WeakPassword(problem)


async def create_account(
    *, name: str, email: str, password: str, role: str, confirmed: bool, roles: tuple[str, ...] = ROLES
) -> User:
    """Validate and store a new account (the password hashed with argon2id)."""
    _check_new_account(name, email, password, role, roles)
    password_hash = await hash_password(password)
    try:
        return await run_sync(
            insert_user, name=name.strip(), email=email, role=role, password_hash=password_hash, confirmed=confirmed
        )
    except EmailTaken as exc:
        raise EmailAlreadyRegistered("An account with this email already exists") from exc


async def register(call: RequestBundle, *, name: str, email: str, password: str, role: str) -> User:
    """Self-registration of a traveler or agency; the confirmation email is queued.
    Raises EmailAlreadyRegistered, WeakPassword or InvalidInput."""
    user = await create_account(
        name=name, email=email, password=password, role=role, confirmed=False, roles=SELF_REGISTERED_ROLES
    )
    log.info("registered user=%s role=%s", user.id, user.role)
    await announce_account(call, user)
    return user


async def request_confirmation_email(call: RequestBundle) -> bool:
    """Send the caller's confirmation email again (False: the address is already confirmed). The way back
    when the first one never came, including a registration whose outbox row could not be written."""
    user = await load_self(call.caller)
    if user.email_confirmed:
        return False
    await announce_account(call, user)
    return True


async def announce_account(call: RequestBundle, user: User) -> None:
    """`account_registered` in the outbox: its notifications consumer emails the confirmation link.

    The account lives in MongoDB and the outbox in PostgreSQL, so the two writes cannot share a transaction:
    the account is written first, then the event in its own transaction. If that second write fails the
    registration answers with the store error, the account exists unconfirmed, and signing in and calling
    `requestConfirmationEmail` writes the event again (the only effect lost is an email, never an account)."""
    async with call.unit_of_work() as uow:
        payload = {"user_id": user.id, "email": user.email, "name": user.name, "role": user.role}
        record_event(uow.session, call.origin, Event.ACCOUNT_REGISTERED, (Aggregate.USER, user.id), payload)
        await uow.commit()
    if call.auth.log_links:  # development only: a link carries a token, never logged in production
        link = confirmation_link(call.auth, user.id, user.email)
        notifications.info("account_registered to=%s confirm your email: %s", user.email, link)


def confirmation_link(kit: AuthServices, user_id: str, email: str) -> str:
    """ASTRO_PUBLIC_URL + /confirm?token=...: opening it confirms the account (graph/accounts/confirm_page.py)."""
    token = kit.tokens.issue_purpose(user_id, CONFIRM_PURPOSE, ttl_seconds=CONFIRM_TTL_SECONDS, extra={"email": email})
    return f"{kit.public_url.rstrip('/')}/confirm?token={token}"


async def confirm_email(call: RequestBundle, *, token: str) -> EmailConfirmation:
    """Mark the account whose confirmation token this is confirmed (idempotent). Raises InvalidConfirmationToken."""
    kit = call.auth
    try:
        claims = kit.tokens.verify_purpose(token, CONFIRM_PURPOSE)
    except InvalidToken as exc:
        raise InvalidConfirmationToken("The confirmation link is invalid or has expired") from exc
    user = await run_sync(mark_confirmed, str(claims["sub"]))
    if user is None or user.email != claims.get("email"):
        raise InvalidConfirmationToken("The confirmation link is invalid or has expired")
    principal = call.principal
    fresh = None
    if principal is not None and principal.id == user.id:
        fresh = access_token_for(kit.tokens, user, principal.session_id)
    actor = f"{user.role}:{user.id}"
    await record_call(call, "email_confirmed", f"{actor} confirmed their email", actor=actor, entity=("User", user.id))
    return EmailConfirmation(user, fresh)


async def change_password(call: RequestBundle, *, current_password: str, new_password: str) -> int:
    """Replace the caller's password; every other session is ended. Returns how many were ended.
    Raises InvalidCredentials (wrong current password, throttled like login) or WeakPassword."""
    principal, kit = call.caller, call.auth
    user = await load_self(principal)
    await verify_current(kit, user, current_password)
    problem = password_problem(new_password)
    if problem:
        raise WeakPassword(problem)
    await run_sync(set_password_hash, user.id, await hash_password(new_password))
    families = await run_sync(revoke_other_families, user.id, principal.session_id)
    for family_id in families:
        await kit.revocations.revoke_session(family_id, kit.tokens.ttl_seconds)
    async with call.unit_of_work() as uow:  # the "your password was changed" notice
        payload = {"user_id": user.id, "via": "change", "sessions_ended": len(families)}
        record_event(uow.session, call.origin, Event.PASSWORD_CHANGED, (Aggregate.USER, user.id), payload)
        await uow.commit()
    log.info("password changed user=%s sessions_ended=%d", user.id, len(families))
    return len(families)


async def verify_current(kit: AuthServices, user: User, password: str) -> None:
    # Throttled like login: a stolen access token must not become a password-guessing oracle.
    await admit(kit, user.email)
    if not await verify_password(user.password_hash, password):
        raise InvalidCredentials("Current password is wrong")
    await reset_throttle(kit, user.email)


async def load_self(principal: Principal) -> User:
    user = await run_sync(find_user, principal.id)
    if user is None:
        raise Unauthenticated("The account no longer exists")
    return user


def may_read_user(principal: Principal | None, user_id: str) -> None:
    """`me`/`_entities` rule: users read themselves; IT reads anyone."""
    if principal is None:
        raise Unauthenticated("Authentication required")
    if not policies.may_read_user(principal, user_id):
        raise Forbidden("You may only read your own account")


async def read_users(call: RequestBundle, *, user_ids: list[str]) -> list[User | DomainError]:
    """Users by id in order, each one or the error refusing it to the caller (for a DataLoader)."""
    found = await run_sync(find_users, list(set(user_ids)))
    results: list[User | DomainError] = []
    for user_id in user_ids:
        try:
            may_read_user(call.principal, user_id)
            results.append(found.get(user_id) or NotFound(f"No user {user_id}"))
        except DomainError as error:
            results.append(error)
    return results


async def confirmed_email(principal: Principal) -> Principal:
    """The caller, with a confirmation made since its token was issued taken into account: a person who
    clicked the emailed link may book or schedule at once, without refreshing their token first. The
    account is read only when the token still says unconfirmed."""
    if principal.email_confirmed:
        return principal
    user = await run_sync(find_user, principal.id)
    return replace(principal, email_confirmed=True) if user is not None and user.email_confirmed else principal
