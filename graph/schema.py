"""The federated schema: every domain contributes its Query/Mutation types and entities here."""

from __future__ import annotations

from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.execution import ExecutionContext

from graph import health

QUERIES: tuple[type, ...] = (health.Query,)
MUTATIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()


class AstroSchema(strawberry.federation.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Errors are classified, logged and masked by graph.errors when the response is written."""


@cache
def build_schema(*, production: bool = False) -> AstroSchema:
    kwargs: dict[str, Any] = {}
    if MUTATIONS:
        kwargs["mutation"] = merge_types("Mutation", MUTATIONS)
    return AstroSchema(
        query=merge_types("Query", QUERIES),
        types=TYPES,
        extensions=[lambda: ParserCache(maxsize=1024), lambda: ValidationCache(maxsize=1024)],
        config=StrawberryConfig(disable_field_suggestions=production),
        federation_version="2.7",
        **kwargs,
    )
