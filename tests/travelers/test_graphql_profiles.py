"""The traveler profile over GraphQL: create, update, typed validation."""

from __future__ import annotations

from tests.support import journeys as j
from tests.support.builders import make_user
from tests.support.graphql import error_codes

UPDATE = """
mutation($input: TravelerProfileUpdate!) {
  updateTravelerProfile(input: $input) {
    __typename
    ... on TravelerProfileSaved { traveler { name phone taxId emergencyContact { name phone } travelPreferences } }
    ... on InvalidTravelerProfile { problems { field message } }
  }
}"""


async def test_traveler_profile_create_update_and_typed_validation(services, gql):
    user, token = await make_user(services, "traveler")
    assert j.ok(await gql("{ myTravelerProfile { id } }", token=token)) == {"myTravelerProfile": None}
    assert error_codes(await gql(UPDATE, {"input": {"name": "X"}}, token=token)) == ["NOT_FOUND"]
    bad = {**j.PROFILE, "phone": "600", "taxId": "123", "emergencyContact": {"name": "Eve", "phone": "12"}}
    refused = j.ok(await gql(j.TRAVELER_PROFILE, {"input": bad}, token=token))["createTravelerProfile"]
    assert refused["__typename"] == "InvalidTravelerProfile"
    assert [p["field"] for p in refused["problems"]] == ["emergencyContact.phone", "phone", "taxId"]
    good = {**j.PROFILE, "taxId": "es 12345678-z", "emergencyContact": {"name": "Eve", "phone": "+1 (555) 010-0199"}}
    saved = j.ok(await gql(j.TRAVELER_PROFILE, {"input": good}, token=token))["createTravelerProfile"]
    assert saved["traveler"] | {"id": None} == {
        "id": None,
        "name": "Ada Voyager",
        "contactEmail": "ada@example.test",
        "phone": "+34600123456",
        "taxId": "ES12345678Z",
        "vip": False,
    }
    assert error_codes(await gql(j.TRAVELER_PROFILE, {"input": good}, token=token)) == ["CONFLICT"]
    changed = j.ok(await gql(UPDATE, {"input": {"taxId": None, "travelPreferences": "window"}}, token=token))
    assert changed["updateTravelerProfile"]["traveler"] == {
        "name": "Ada Voyager",
        "phone": "+34600123456",
        "taxId": None,
        "emergencyContact": {"name": "Eve", "phone": "+15550100199"},
        "travelPreferences": "window",
    }
    cleared = j.ok(await gql(UPDATE, {"input": {"phone": None}}, token=token))["updateTravelerProfile"]
    assert cleared["problems"] == [{"field": "phone", "message": "is required"}]
