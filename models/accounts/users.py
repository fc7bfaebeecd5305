"""User accounts and refresh-token sessions (system store).

Emails are stored lower-cased; the unique index enforces one account per address, so a concurrent
duplicate registration loses at the index (`EmailTaken`), not at a check-then-insert. Every function here
is synchronous mongoengine: call it through `models.store.mongo.run_sync`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mongoengine import BooleanField, DateTimeField, Document, NotUniqueError, StringField
from pymongo.errors import DuplicateKeyError

from models.base import utcnow
from models.ids import new_id

ROLES = ("traveler", "agency", "financial", "it")
SELF_REGISTERED_ROLES = ("traveler", "agency")
EMPLOYEE_ROLES = ("financial", "it")
ACTIVE, DISABLED, CLOSED = "active", "disabled", "closed"
STATUSES = (ACTIVE, DISABLED, CLOSED)


class EmailTaken(Exception):
    """Another account already uses this email address (compared case-insensitively)."""


class User(Document):
    meta = {"collection": "users", "indexes": [{"fields": ["email"], "unique": True}, "role", "status"]}

    id = StringField(primary_key=True, default=new_id)
    email = StringField(required=True, max_length=320)
    name = StringField(required=True, max_length=200)
    role = StringField(required=True, choices=ROLES)
    password_hash = StringField(required=True)
    email_confirmed = BooleanField(default=False)
    confirmed_at = DateTimeField()
    password_changed_at = DateTimeField()
    created_at = DateTimeField(required=True, default=utcnow)
    # active; disabled by IT (may be enabled again); closed by its owner (personal data anonymised, final).
    # Accounts written before the field existed read as active.
    status = StringField(choices=STATUSES, default=ACTIVE)
    status_changed_at = DateTimeField()

    @property
    def is_active(self) -> bool:
        return (self.status or ACTIVE) == ACTIVE


def normalize_email(email: str) -> str:
    return email.strip().lower()


def insert_user(*, name: str, email: str, role: str, password_hash: str, confirmed: bool = False) -> User:
    user = User(
        name=name,
        email=normalize_email(email),
        role=role,
        password_hash=password_hash,
        email_confirmed=confirmed,
        confirmed_at=utcnow() if confirmed else None,
    )
    try:
        user.save(force_insert=True)
    except (NotUniqueError, DuplicateKeyError) as exc:
        raise EmailTaken(user.email) from exc
    return user


def find_user_by_email(email: str) -> User | None:
    return User.objects(email=normalize_email(email)).first()


def find_user(user_id: str) -> User | None:
    return User.objects(id=user_id).first()


def find_users(user_ids: list[str]) -> dict[str, User]:
    return {user.id: user for user in User.objects(id__in=user_ids)}


def mark_confirmed(user_id: str) -> User | None:
    User.objects(id=user_id, email_confirmed=False).update_one(set__email_confirmed=True, set__confirmed_at=utcnow())
    return find_user(user_id)


def set_password_hash(user_id: str, password_hash: str) -> None:
    User.objects(id=user_id).update_one(set__password_hash=password_hash, set__password_changed_at=utcnow())


class RefreshToken(Document):
    """One refresh token of a session ("family"). Only the sha256 of the token is stored."""

    meta = {
        "collection": "refresh_tokens",
        "indexes": ["family_id", "user_id", {"fields": ["expires_at"], "expireAfterSeconds": 0}],
    }

    id = StringField(primary_key=True)  # sha256 hex of the opaque token
    family_id = StringField(required=True)
    user_id = StringField(required=True)
    used = BooleanField(default=False)
    revoked = BooleanField(default=False)
    expires_at = DateTimeField(required=True)
    created_at = DateTimeField(required=True, default=utcnow)


def insert_refresh_token(*, token_hash: str, family_id: str, user_id: str, expires_at: datetime) -> None:
    RefreshToken(id=token_hash, family_id=family_id, user_id=user_id, expires_at=expires_at).save(force_insert=True)


def claim_refresh_token(token_hash: str) -> RefreshToken | None:
    """Atomically mark an unused, unrevoked token used; None when it was not claimable."""
    claimed = RefreshToken.objects(id=token_hash, used=False, revoked=False).update_one(set__used=True)
    return RefreshToken.objects(id=token_hash).first() if claimed else None


def find_refresh_token(token_hash: str) -> RefreshToken | None:
    return RefreshToken.objects(id=token_hash).first()


def revoke_family(family_id: str) -> None:
    RefreshToken.objects(family_id=family_id).update(set__revoked=True)


def revoke_other_families(user_id: str, keep_family_id: str | None) -> list[str]:
    """Revoke every live session of the user but one; return the revoked family ids."""
    live = RefreshToken.objects(user_id=user_id, revoked=False, family_id__ne=keep_family_id)
    families = sorted(set(live.distinct("family_id")))
    RefreshToken.objects(user_id=user_id, family_id__in=families).update(set__revoked=True)
    return families


def find_users_by_role(role: str) -> list[User]:
    """The role's accounts that may still be reached (disabled and closed ones are left out)."""
    return list(User.objects(role=role, status__nin=[DISABLED, CLOSED]))


def replace_password_hash(user_id: str, expected_hash: str, password_hash: str) -> bool:
    """Compare-and-set: replace the hash only if it is still `expected_hash` (a reset link is used once:
    of two concurrent uses of one link, one wins); the address counts as confirmed (the link proved it)."""
    now = utcnow()
    changed = User.objects(id=user_id, password_hash=expected_hash, status__nin=[DISABLED, CLOSED]).update_one(
        set__password_hash=password_hash, set__password_changed_at=now, set__email_confirmed=True
    )
    if changed:
        User.objects(id=user_id, confirmed_at=None).update_one(set__confirmed_at=now)
    return bool(changed)


def revoke_all_families(user_id: str) -> list[str]:
    """Revoke every session of the user; return the revoked family ids."""
    return revoke_other_families(user_id, None)


def set_status(user_id: str, status: str, *, unless: str | None = None) -> User | None:
    """Move the account to `status` (not from `unless`); the account after the change, None when unknown."""
    query = User.objects(id=user_id, status__ne=unless) if unless else User.objects(id=user_id)
    query.update_one(set__status=status, set__status_changed_at=utcnow())
    return find_user(user_id)


def set_role(user_id: str, role: str) -> User | None:
    User.objects(id=user_id).update_one(set__role=role)
    return find_user(user_id)


def count_enabled(role: str, *, excluding: str | None = None) -> int:
    query = User.objects(role=role, status__nin=[DISABLED, CLOSED])
    return int(query.filter(id__ne=excluding).count() if excluding else query.count())


def anonymise_user(user_id: str, *, name: str, email: str, password_hash: str) -> None:
    """A closed account: personal values replaced, no way to sign in (the hash is of a discarded secret)."""
    User.objects(id=user_id).update_one(
        set__name=name,
        set__email=email,
        set__password_hash=password_hash,
        set__status=CLOSED,
        set__status_changed_at=utcnow(),
    )


@dataclass(frozen=True)
class UserFilter:
    """IT's search of the accounts; every given criterion must hold. `text` is found literally (ignoring
    case) in the email or the name, never as a regular expression."""

    text: str | None = None
    roles: tuple[str, ...] = ()
    status: str | None = None
    confirmed: bool | None = None

    def query(self) -> dict[str, Any]:
        clauses: list[dict[str, Any]] = []
        if self.text:
            literal = {"$regex": re.escape(self.text.strip()), "$options": "i"}
            clauses.append({"$or": [{"email": literal}, {"name": literal}]})
        if self.roles:
            clauses.append({"role": {"$in": list(self.roles)}})
        if self.status == ACTIVE:
            clauses.append({"status": {"$nin": [DISABLED, CLOSED]}})  # accounts older than the field count
        elif self.status:
            clauses.append({"status": self.status})
        if self.confirmed is not None:
            clauses.append({"email_confirmed": True} if self.confirmed else {"email_confirmed": {"$ne": True}})
        return {"$and": clauses} if clauses else {}


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    has_next: bool


def search_users(user_filter: UserFilter, *, first: int, after: str | None) -> UserPage:
    """Oldest first by id (ids are time-ordered); keyset paging: the cursor is the last id seen."""
    query = user_filter.query()
    if after is not None:
        position = {"_id": {"$gt": after}}
        query = {"$and": [query, position]} if query else position
    found = list(User.objects(__raw__=query).order_by("id").limit(first + 1))
    return UserPage(found[:first], len(found) > first)
