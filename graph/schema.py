"""The federated schema: every domain contributes its Query/Mutation types and entities here."""

from __future__ import annotations

from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.execution import ExecutionContext

from graph.accounts import fields as auth
from graph.agencies import types as agencies
from graph.bookings import fields as bookings
from graph.bookings import types as booking_types
from graph.edge.limits import Limits, guard_extension
from graph.launches import catalogue
from graph.launches import mutations as launch_mutations
from graph.launches import reports as launch_reports
from graph.launches import types as launches
from graph.partners import types as clients
from graph.travelers import types as travelers

QUERIES: tuple[type, ...] = (auth.Query, agencies.Query, launch_reports.Query)
MUTATIONS: tuple[type, ...] = (auth.Mutation, agencies.Mutation, launch_mutations.Mutation)
TYPES: tuple[type, ...] = (auth.User, agencies.Agency, agencies.Rocket, launches.Launch)
# Bookings, travelers and the public catalogue (engineer C).
QUERIES += (catalogue.Query, bookings.Query, travelers.Query)
MUTATIONS += (bookings.Mutation, travelers.Mutation)
TYPES += (booking_types.Booking, travelers.Traveler)
# Partner clients (engineer D).
QUERIES += (clients.Query,)
MUTATIONS += (clients.Mutation,)


class AstroSchema(strawberry.federation.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are classified, logged and masked by graph.errors when the response is written."""


@cache
def build_schema(*, production: bool = False, limits: Limits | None = None) -> AstroSchema:
    """The application schema; one per (production, limits), so each guard is built once."""
    return assemble_schema(QUERIES, MUTATIONS, TYPES, production=production, limits=limits)


def assemble_schema(
    queries: tuple[type, ...],
    mutations: tuple[type, ...],
    types: tuple[type, ...],
    *,
    production: bool = False,
    limits: Limits | None = None,
) -> AstroSchema:
    """Build a schema from the given roots (tests use it to add test-only fields)."""
    limits = limits or Limits(introspection=not production)
    kwargs: dict[str, Any] = {}
    if mutations:
        kwargs["mutation"] = merge_types("Mutation", mutations)
    return AstroSchema(
        query=merge_types("Query", queries),
        types=types,
        extensions=[lambda: ParserCache(maxsize=1024), guard_extension(limits)],
        config=StrawberryConfig(disable_field_suggestions=production),
        federation_version="2.7",
        **kwargs,
    )
