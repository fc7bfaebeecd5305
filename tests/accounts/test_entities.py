"""Federation: User is an entity (`@key(fields: "id")`) and `_entities` applies the rule of `me`."""

from __future__ import annotations

from tests.support.builders import make_user
from tests.support.graphql import error_codes

ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id email role } }
}"""


def _users(*ids: str) -> dict[str, list[dict[str, str]]]:
    return {"representations": [{"__typename": "User", "id": user_id} for user_id in ids]}


async def test_the_sdl_declares_user_as_an_entity(gql):
    sdl = (await gql("{ _service { sdl } }"))["data"]["_service"]["sdl"]
    assert 'type User @key(fields: "id")' in sdl


async def test_a_user_resolves_themself(gql, services):
    user, token = await make_user(services, "traveler")
    body = await gql(ENTITIES, _users(user.id), token=token)
    assert body["data"]["_entities"] == [{"id": user.id, "email": user.email, "role": "TRAVELER"}]


async def test_a_user_may_not_resolve_someone_else(gql, services):
    user, token = await make_user(services, "agency")
    other, _ = await make_user(services, "traveler")
    body = await gql(ENTITIES, _users(user.id, other.id), token=token)
    assert body["data"]["_entities"][0]["id"] == user.id and body["data"]["_entities"][1] is None
    assert error_codes(body) == ["FORBIDDEN"] and body["errors"][0]["path"] == ["_entities", 1]
    assert other.email not in str(body)


async def test_anonymous_callers_resolve_nobody(gql, services):
    user, _ = await make_user(services, "traveler")
    body = await gql(ENTITIES, _users(user.id))
    assert body["data"]["_entities"] == [None] and error_codes(body) == ["UNAUTHENTICATED"]


async def test_financial_staff_are_not_it(gql, services):
    other, _ = await make_user(services, "traveler")
    _, token = await make_user(services, "financial")
    assert error_codes(await gql(ENTITIES, _users(other.id), token=token)) == ["FORBIDDEN"]


async def test_it_resolves_anyone_and_unknown_ids_are_not_found(gql, services):
    users = [(await make_user(services, role))[0] for role in ("traveler", "agency", "financial")]
    _, token = await make_user(services, "it")
    body = await gql(ENTITIES, _users(*(user.id for user in users), "no-such-user"), token=token)
    assert [entity and entity["id"] for entity in body["data"]["_entities"]] == [u.id for u in users] + [None]
    assert error_codes(body) == ["NOT_FOUND"]
