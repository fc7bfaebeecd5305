"""Role-based permission classes for fields: `permission_classes=[IsAuthenticated]` or
`extensions=[allow(Role.AGENCY)]`. They read the principal set by the authentication middleware and
raise typed errors (`UNAUTHENTICATED` / `FORBIDDEN`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension
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


def declared_scopes(field: GraphQLField) -> frozenset[str]:
    """The partner scopes a field declares with `scoped(...)` (empty: no partner may reach it)."""
    definition = (field.extensions or {}).get("strawberry-definition")
    scopes = set()
    for extension in getattr(definition, "extensions", None) or ():
        for permission in getattr(extension, "permissions", ()):
            if isinstance(permission, HasScope):
                scopes.add(permission.scope)
    return frozenset(scopes)


def partner_refusal(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, scopes: frozenset[str] | None
) -> InsufficientScope | None:
    """Why a partner may not run this operation: partners are denied by default, so every root field must
    declare one of `scopes` (None: any partner scope at all, for manifests of clients not created yet)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    for name in _root_field_names(operation.selection_set, fragments, set()):
        field = root.fields.get(name) if root is not None else None
        declared = declared_scopes(field) if field is not None else frozenset()
        if not (declared & scopes if scopes is not None else declared):
            if not declared:
                return InsufficientScope(f"Partner clients may not use `{name}`")
            required = sorted(declared)[0]
            return InsufficientScope(f"`{name}` needs the {required} scope", requiredScope=required)
    return None


def _root_field_names(selections: SelectionSetNode, fragments: dict[str, Any], seen: set[str]) -> Iterator[str]:
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            if not selection.name.value.startswith("__"):
                yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_field_names(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            if selection.name.value in fragments:
                yield from _root_field_names(fragments[selection.name.value].selection_set, fragments, seen)


class PartnerScopes(SchemaExtension):
    """Partners are denied by default: a partner token runs an operation only when every root field it
    selects declares one of the token's scopes."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        principal = getattr(context.context, "principal", None)
        if policies.is_partner_client(principal) and context.graphql_document is not None:
            refusal = partner_refusal(
                context.schema._schema, context.graphql_document, context.operation_name, principal.scopes
            )
            if refusal is not None:
                error = GraphQLError(refusal.message, extensions={**refusal.details, "code": refusal.code})
                context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield
