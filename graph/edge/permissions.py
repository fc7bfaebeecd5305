"""Role-based permission classes for fields: `permission_classes=[IsAuthenticated]` or
`extensions=[allow(Role.AGENCY)]`. They read the principal set by the authentication middleware and
raise typed errors (`UNAUTHENTICATED` / `FORBIDDEN`)."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from auth import policies
from auth.principal import Role
from models.errors import Forbidden


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


class InsufficientScope(Forbidden):
    code = "INSUFFICIENT_SCOPE"


class HasScope(BasePermission):
    """Partner clients (role `client`) must hold `scope`; other callers pass, their role rules apply.

    Usage: `extensions=[scoped("catalogue:read")]` on every field a partner may reach."""

    message = "Insufficient scope"

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if not policies.has_scope(principal, self.scope):
            raise InsufficientScope(f"This field needs the {self.scope} scope", requiredScope=self.scope)
        return True


def scoped(scope: str, *, authenticated: bool = False) -> PermissionExtension:
    """Field extension: partner clients need `scope` (and, with `authenticated`, anonymous callers are refused)."""
    permissions: list[BasePermission] = [IsAuthenticated()] if authenticated else []
    return PermissionExtension(permissions=[*permissions, HasScope(scope)], use_directives=False)
