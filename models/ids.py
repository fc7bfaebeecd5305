"""Application-generated, time-ordered identifiers (UUIDv7 as text)."""

from uuid6 import uuid7


def new_id() -> str:
    return str(uuid7())
