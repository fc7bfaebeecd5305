"""The federated schema: every domain contributes its Query/Mutation types and entities here."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.federation.schema import FederationAny
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import Info
from strawberry.types.execution import ExecutionContext

from graph.accounts import mutations as accounts_mutations
from graph.accounts import queries as accounts_queries
from graph.accounts.types import User
from graph.agencies import mutations as agencies_mutations
from graph.agencies import queries as agencies_queries
from graph.agencies.types import Agency, Rocket
from graph.bookings import mutations as bookings_mutations
from graph.bookings import queries as bookings_queries
from graph.bookings.types import Booking
from graph.compiled.hook import CompiledReads
from graph.edge.limits import Limits, guard_extension
from graph.edge.permissions import PartnerScopes
from graph.edge.scalars import SCALAR_OVERRIDES
from graph.edge.telemetry import TracingExtension
from graph.finance import mutations as finance_mutations
from graph.finance import queries as finance_queries
from graph.launches import catalogue, reports
from graph.launches import mutations as launches_mutations
from graph.launches import subscriptions as launches_subscriptions
from graph.launches.types import Launch
from graph.monitoring import queries as monitoring_queries
from graph.notifications import mutations as notifications_mutations
from graph.notifications import queries as notifications_queries
from graph.notifications import subscriptions as notifications_subscriptions
from graph.partners import mutations as partners_mutations
from graph.partners import queries as partners_queries
from graph.sync import mutations as sync_mutations
from graph.sync import queries as sync_queries
from graph.travelers import mutations as travelers_mutations
from graph.travelers import queries as travelers_queries
from graph.travelers.types import Traveler
from models.errors import ValidationFailed

QUERIES: tuple[type, ...] = (
    accounts_queries.Query,
    agencies_queries.Query,
    reports.Query,
    catalogue.Query,
    bookings_queries.Query,
    travelers_queries.Query,
    partners_queries.Query,
    finance_queries.Query,
    notifications_queries.Query,
    monitoring_queries.Query,
    sync_queries.Query,
)
MUTATIONS: tuple[type, ...] = (
    accounts_mutations.Mutation,
    agencies_mutations.Mutation,
    launches_mutations.Mutation,
    bookings_mutations.Mutation,
    travelers_mutations.Mutation,
    partners_mutations.Mutation,
    finance_mutations.Mutation,
    notifications_mutations.Mutation,
    sync_mutations.Mutation,
)
# Live updates (graph/edge/subscriptions.py): each domain's Subscription type listens on topics published by
# resolvers/sync/live.py (launches) and the notifications consumer (a user's notifications).
SUBSCRIPTIONS: tuple[type, ...] = (launches_subscriptions.Subscription, notifications_subscriptions.Subscription)
TYPES: tuple[type, ...] = (User, Agency, Rocket, Launch, Booking, Traveler)


class AstroSchema(strawberry.federation.Schema):
    # The limits guard of this schema (graph/edge/limits.py): the compiled read path asks it too.
    edge_guard: Any = None

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        """Every entity here is keyed by `id` alone: other keys are ignored; a representation that names no
        entity type or carries no string `id` is BAD_USER_INPUT for its position, never an internal error."""
        results: list[Any] = [None] * len(representations)
        valid: list[tuple[int, dict[str, str]]] = []
        for index, given in enumerate(representations):
            typename = given.get("__typename") if isinstance(given, dict) else None
            key = given.get("id") if isinstance(given, dict) else None
            if not self._is_entity(typename) or not isinstance(key, str):
                results[index] = ValidationFailed(f"representations[{index}] needs an entity __typename and an id")
            else:
                valid.append((index, {"__typename": str(typename), "id": key}))
        resolved = super().entities_resolver(info, [cast(Any, representation) for _, representation in valid])
        for (index, _), result in zip(valid, resolved, strict=True):
            results[index] = result
        return cast(list[FederationAny], results)

    def _is_entity(self, typename: object) -> bool:
        found = self.schema_converter.type_map.get(typename) if isinstance(typename, str) else None
        return found is not None and hasattr(getattr(found.definition, "origin", None), "resolve_reference")

    def get_extensions(self, sync: bool = False) -> list[SchemaExtension]:
        """Compiled reads are async (they query PostgreSQL): a synchronous execution goes without them."""
        found = super().get_extensions(sync=sync)
        return [extension for extension in found if not isinstance(extension, CompiledReads)] if sync else found

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are classified, logged and masked by graph.errors when the response is written."""


@cache
def build_schema(*, production: bool = False, limits: Limits | None = None, tracing: bool = False) -> AstroSchema:
    """The application schema; one per (production, limits, tracing), so each guard is built once."""
    return assemble_schema(
        QUERIES, MUTATIONS, TYPES, production=production, limits=limits, subscriptions=SUBSCRIPTIONS, tracing=tracing
    )


def assemble_schema(
    queries: tuple[type, ...],
    mutations: tuple[type, ...],
    types: tuple[type, ...],
    *,
    production: bool = False,
    limits: Limits | None = None,
    subscriptions: tuple[type, ...] = SUBSCRIPTIONS,
    tracing: bool = False,
) -> AstroSchema:
    """Build a schema from the given roots (tests use it to add test-only fields)."""
    limits = limits or Limits(introspection=not production)
    kwargs: dict[str, Any] = {}
    if mutations:
        kwargs["mutation"] = merge_types("Mutation", mutations)
    if subscriptions:
        kwargs["subscription"] = merge_types("Subscription", subscriptions)
    guard = guard_extension(limits)
    schema = AstroSchema(
        query=merge_types("Query", queries),
        types=types,
        # Tracing (graph/edge/telemetry.py) only when it is on: a schema without it runs no hook at all.
        extensions=[
            *([TracingExtension] if tracing else []),
            lambda: ParserCache(maxsize=1024),
            guard,
            PartnerScopes,
            CompiledReads,
        ],
        config=StrawberryConfig(disable_field_suggestions=production),
        federation_version="2.7",
        scalar_overrides=SCALAR_OVERRIDES,
        **kwargs,
    )
    schema.edge_guard = guard
    return schema
