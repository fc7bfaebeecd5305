"""Role-based permission classes for fields: `permission_classes=[IsAuthenticated]` or
`extensions=[allow(Role.AGENCY)]`. They read the principal set by the authentication middleware and
raise typed errors (`UNAUTHENTICATED` / `FORBIDDEN`)."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from auth.principal import Role


class IsAuthenticated(BasePermission):
    message = "Authentication required"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        info.context.require_principal()
        return True


class HasRole(BasePermission):
    message = "Forbidden"

    def __init__(self, *roles: Role) -> None:
        self.roles = tuple(str(role) for role in roles)

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        info.context.require_role(*self.roles)
        return True


def allow(*roles: Role) -> PermissionExtension:
    """Field extension admitting only the given roles (authentication implied)."""
    return PermissionExtension(permissions=[HasRole(*roles)], use_directives=False)
