"""IT's user administration: search accounts, invite employees, disable and enable accounts, change an
employee's role, send a confirmation or a password reset on a user's behalf.

Every change is an outbox event stamped with its origin (operation, `it:<id>`, request id), so the relay
writes it to the system log; a search, which changes nothing, is a direct log entry. Disabling ends every
session, revokes the user in the shared revocation list (every instance refuses the live access tokens at
the next request) and is checked again at login and refresh.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from dataclasses import dataclass

from auth import policies
from auth.passwords import hash_password
from models.accounts.errors import (
    AccountClosed,
    AccountDisabled,
    CannotChangeOwnAccount,
    EmailAlreadyRegistered,
    InvalidInput,
    LastItAccount,
    NotAnEmployee,
    UserNotFound,
)
from models.accounts.users import (
    ACTIVE,
    CLOSED,
    DISABLED,
    EMPLOYEE_ROLES,
    EmailTaken,
    User,
    UserFilter,
    count_enabled,
    find_user,
    insert_user,
    search_users,
    set_role,
    set_status,
)
from models.base import has_control
from models.errors import Forbidden, ValidationFailed
from models.store.mongo import run_sync
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.accounts.recovery import announce_reset, end_all_sessions
from resolvers.accounts.users import EMAIL, announce_account
from resolvers.monitoring.logs import record
from resolvers.request import RequestBundle

log = logging.getLogger("astro.auth")
MAX_PAGE = 100


@dataclass(frozen=True)
class UserListing:
    users: list[User]
    cursors: list[str]
    has_next: bool


MAX_SEARCH_TEXT = 200  # longer than any email or name the accounts can hold


def require_it(call: RequestBundle) -> None:
    if not policies.may_administer_users(call.caller):
        raise Forbidden("User administration is for it users")


async def list_users(call: RequestBundle, user_filter: UserFilter, *, first: int, after: str | None) -> UserListing:
    """Accounts matching the filter, oldest first, cursor-paged. The search is logged (who looked at whom)."""
    require_it(call)
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailed(f"first must be between 0 and {MAX_PAGE}", field="first")
    if user_filter.text and len(user_filter.text) > MAX_SEARCH_TEXT:
        raise ValidationFailed(f"text must be at most {MAX_SEARCH_TEXT} characters", field="text")
    position = _decode(after) if after else None
    page = await run_sync(search_users, user_filter, first=first, after=position)
    await record(
        "info",
        "users_searched",
        f"user search by {call.origin.actor}: {len(page.users)} account(s)",
        actor=call.origin.actor,
        request_id=call.origin.request_id,
        data={"text": user_filter.text, "roles": list(user_filter.roles), "status": user_filter.status},
    )
    return UserListing(page.users, [_encode(user.id) for user in page.users], page.has_next)


async def create_employee(call: RequestBundle, *, name: str, email: str, role: str) -> User:
    """A `financial` or `it` account with a password nobody knows; the employee is emailed a link to choose
    their own (`employee_invited`). Raises InvalidInput or EmailAlreadyRegistered."""
    require_it(call)
    if not 1 <= len(name.strip()) <= 200 or has_control(name):
        raise InvalidInput("name", "Name must be 1 to 200 characters, without control characters")
    if len(email) > 254 or not EMAIL.match(email.strip().lower()):
        raise InvalidInput("email", "Email address is not valid")
    if role not in EMPLOYEE_ROLES:
        raise InvalidInput("role", f"Role must be one of {', '.join(EMPLOYEE_ROLES)}")
    unusable = await hash_password(secrets.token_urlsafe(32))  # discarded at once: no one can sign in yet
    try:
        user = await run_sync(
            insert_user, name=name.strip(), email=email, role=role, password_hash=unusable, confirmed=False
        )
    except EmailTaken as exc:
        raise EmailAlreadyRegistered("An account with this email already exists") from exc
    await _event(call, Event.EMPLOYEE_INVITED, user, {"role": role})
    log.info("employee invited user=%s role=%s by=%s", user.id, role, call.caller.id)
    return user


async def disable_user(call: RequestBundle, *, user_id: str) -> User:
    """Disable an account: it cannot sign in, and its tokens stop working on every instance at once.
    Raises CannotChangeOwnAccount, LastItAccount, AccountClosed or UserNotFound. Idempotent."""
    require_it(call)
    if not policies.may_change_account(call.caller.id, user_id, disabling_or_demoting=True):
        raise CannotChangeOwnAccount("You cannot disable your own account: ask another it user")
    user = await _target(user_id)
    if user.status == DISABLED:
        return user
    if user.role == "it" and await run_sync(count_enabled, "it", excluding=user.id) == 0:
        raise LastItAccount("The last enabled it account cannot be disabled")
    changed = await run_sync(set_status, user.id, DISABLED, unless=CLOSED)
    # Two it users disabling each other at once both passed the count above: the recount undoes both.
    if user.role == "it" and await run_sync(count_enabled, "it") == 0:
        await run_sync(set_status, user.id, ACTIVE, unless=CLOSED)
        raise LastItAccount("The last enabled it account cannot be disabled")
    await call.auth.revocations.revoke_user(user.id, call.auth.tokens.ttl_seconds)
    ended = await end_all_sessions(call.auth, user.id)
    await _event(call, Event.USER_DISABLED, user, {"sessions_ended": ended})
    return changed or user


async def enable_user(call: RequestBundle, *, user_id: str) -> User:
    """Enable a disabled account again (its old sessions stay ended). Raises AccountClosed, UserNotFound."""
    require_it(call)
    user = await _target(user_id)
    if user.is_active:
        return user
    changed = await run_sync(set_status, user.id, ACTIVE, unless=CLOSED)
    await call.auth.revocations.restore_user(user.id)
    await _event(call, Event.USER_ENABLED, user, {})
    return changed or user


async def change_employee_role(call: RequestBundle, *, user_id: str, role: str) -> User:
    """Move an employee between `financial` and `it`; their sessions end (tokens carry the role). Raises
    NotAnEmployee, CannotChangeOwnAccount (demoting oneself), LastItAccount, AccountClosed, UserNotFound."""
    require_it(call)
    user = await _target(user_id)
    if role not in EMPLOYEE_ROLES or user.role not in EMPLOYEE_ROLES:
        raise NotAnEmployee("Only employees (financial, it) change role, and only between those roles")
    if user.role == role:
        return user
    demoting = user.role == "it"
    if not policies.may_change_account(call.caller.id, user.id, disabling_or_demoting=demoting):
        raise CannotChangeOwnAccount("You cannot demote yourself: ask another it user")
    if demoting and await run_sync(count_enabled, "it", excluding=user.id) == 0:
        raise LastItAccount("The last enabled it account cannot be demoted")
    changed = await run_sync(set_role, user.id, role)
    ended = await end_all_sessions(call.auth, user.id)
    await _event(call, Event.USER_ROLE_CHANGED, user, {"from": user.role, "to": role, "sessions_ended": ended})
    return changed or user


async def resend_confirmation(call: RequestBundle, *, user_id: str) -> bool:
    """Email the confirmation link again (False: the address is already confirmed)."""
    require_it(call)
    user = await _target(user_id)
    if user.email_confirmed:
        return False
    await announce_account(call, user)
    return True


async def send_password_reset(call: RequestBundle, *, user_id: str) -> User:
    """Email the user a reset link (IT never sees it: links are made by the notifications consumer and
    withheld from the queue view). Refused for a disabled account (enable it first)."""
    require_it(call)
    user = await _target(user_id)
    if not user.is_active:
        raise AccountDisabled("A disabled account gets no reset link: enable it first")
    await announce_reset(call, user, requested_by="it")
    return user


async def _target(user_id: str) -> User:
    user = await run_sync(find_user, user_id)
    if user is None:
        raise UserNotFound(user_id)
    if user.status == CLOSED:
        raise AccountClosed("This account is closed")
    return user


async def _event(call: RequestBundle, event: Event, user: User, extra: dict[str, object]) -> None:
    async with call.unit_of_work() as uow:
        payload = {"user_id": user.id, "role": user.role, **extra}
        record_event(uow.session, call.origin, event, (Aggregate.USER, user.id), payload)
        await uow.commit()


def _encode(user_id: str) -> str:
    return base64.urlsafe_b64encode(f"user|{user_id}".encode()).decode()


def _decode(cursor: str) -> str:
    try:
        kind, _, user_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed("Invalid cursor", field="after") from exc
    if kind != "user" or not user_id:
        raise ValidationFailed("Invalid cursor", field="after")
    return user_id
