"""The one mapping from domain refusals to result-union members.

A union member declares the domain error it stands for with `@refusal_of(ErrorClass)`; a field returns
`await answer(use_case(...), success)`: the success mapped, or the member registered for the refusal
raised. Errors without a member (NOT_FOUND, FORBIDDEN, BAD_USER_INPUT, ...) stay GraphQL errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from models.errors import DomainError

T = TypeVar("T")
M = TypeVar("M")
R = TypeVar("R")

_MEMBERS: dict[type[DomainError], Callable[[Any], Any]] = {}


def refusal_of(error: type[DomainError], build: Callable[[Any], Any] | None = None) -> Callable[[type[M]], type[M]]:
    """Register a union member for `error`. Without `build`, the member is made from the error's message."""

    def register(member: type[M]) -> type[M]:
        _MEMBERS[error] = build or (lambda e: member(message=e.message))  # type: ignore[call-arg]
        return member

    return register


def member_for(error: DomainError) -> Any | None:
    """The union member registered for the error's class (or its nearest registered base), else None."""
    for cls in type(error).__mro__:
        if cls in _MEMBERS:
            return _MEMBERS[cls](error)
        if cls is DomainError:
            break
    return None


async def answer(outcome: Awaitable[T], success: Callable[[T], R]) -> R | Any:
    """Await a use case: its result through `success`, or the union member of the refusal it raised."""
    try:
        result = await outcome
    except DomainError as error:
        member = member_for(error)
        if member is None:
            raise
        return member
    return success(result)
