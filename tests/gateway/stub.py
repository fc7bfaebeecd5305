"""A second subgraph, as another team's would be: it only references this service's entities (Launch, User
by id), so the gateway must fetch their fields from this service through `_entities`."""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

SDL = """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

type Launch @key(fields: "id", resolvable: false) { id: ID! }
type User @key(fields: "id", resolvable: false) { id: ID! }

type Query {
  featuredLaunch(id: ID!): Launch!
  featuredUser(id: ID!): User!
}
"""


@strawberry.type
class Launch:
    id: strawberry.ID


@strawberry.type
class User:
    id: strawberry.ID


@strawberry.type
class Query:
    @strawberry.field
    def featured_launch(self, id: strawberry.ID) -> Launch:
        return Launch(id=id)

    @strawberry.field
    def featured_user(self, id: strawberry.ID) -> User:
        return User(id=id)


def stub_app() -> Starlette:
    return Starlette(routes=[Route("/graphql", GraphQL(strawberry.Schema(query=Query)))])
