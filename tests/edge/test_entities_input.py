"""`_entities` takes each entity's key (`id`): other keys are ignored, a representation naming no entity
type or carrying no id is BAD_USER_INPUT at its position, never an internal error."""

from __future__ import annotations

import pytest

from tests.support.builders import make_launch
from tests.support.graphql import error_codes

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Launch { id missionName } } }"


@pytest.mark.parametrize("typename", ["Launch", "Agency", "Rocket", "Booking", "Traveler", "User"])
async def test_an_extra_key_is_ignored_for_every_entity_type(gql, typename):
    body = await gql(ENTITIES, {"r": [{"__typename": typename, "id": "no-such-id", "foo": 1}]})
    assert "INTERNAL_SERVER_ERROR" not in error_codes(body)
    assert "SERVICE_UNAVAILABLE" not in error_codes(body)


async def test_the_key_still_finds_the_entity(gql, services):
    launch = await make_launch(services)
    body = await gql(ENTITIES, {"r": [{"__typename": "Launch", "id": launch.id, "foo": {"bar": [1]}}]})
    assert body["data"]["_entities"] == [{"__typename": "Launch", "id": launch.id, "missionName": launch.mission_name}]


@pytest.mark.parametrize(
    "representation",
    [{"__typename": "Nope", "id": "x"}, {"__typename": "Launch"}, {"__typename": "Launch", "id": 7}, {}],
)
async def test_a_representation_without_an_entity_or_key_is_bad_input(gql, representation):
    body = await gql(ENTITIES, {"r": [representation]})
    assert error_codes(body) == ["BAD_USER_INPUT"], body
