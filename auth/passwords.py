"""Password policy and argon2id hashing. Hashing is CPU-bound: it runs in a worker thread, never on
the event loop."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import files

import anyio.to_thread
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200  # argon2 accepts more, but an unbounded input is a cheap way to burn our CPU

_hasher = PasswordHasher(type=Type.ID)


@cache
def common_passwords() -> frozenset[str]:
    """The 1,000 most common passwords (lower-cased), shipped as auth/common_passwords.txt."""
    text = files("auth").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if not password.strip():
        return "Password must not be only spaces"
    if any(unicodedata.category(char) == "Cc" for char in password):
        return "Password must not contain control characters"
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Password must be at most {MAX_LENGTH} characters"
    if password.lower() in common_passwords():
        return "Password is too common"
    return None


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password. With no hash (unknown account) a dummy hash is verified and False returned,
    so the caller's two outcomes take the same time."""
    return await anyio.to_thread.run_sync(_verify, password_hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        _verify(dummy_hash(), password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash() -> str:
    """A real hash to verify against when the email is unknown, so both paths cost the same."""
    return _hasher.hash("unknown-account-timing-equaliser")
