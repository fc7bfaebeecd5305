"""Result union of createTravelerProfile and updateTravelerProfile: the saved profile, or every problem."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry

from graph.edge.refusals import refusal_of
from graph.travelers.types import Traveler
from models.travelers.profiles import TravelerProfileInvalid

GRAPHQL_FIELD = {"emergency_contact_name": "emergencyContact.name", "emergency_contact_phone": "emergencyContact.phone"}


@strawberry.type(description="One problem with one submitted field.")
class FieldProblem:
    field: str = strawberry.field(description="The field, as named in the input (camelCase).")
    message: str = strawberry.field(description="What is wrong with it.")


def _invalid(error: TravelerProfileInvalid) -> InvalidTravelerProfile:
    problems = [FieldProblem(field=_graphql_name(p.field), message=p.message) for p in error.problems]
    return InvalidTravelerProfile(message=error.message, problems=problems)


@refusal_of(TravelerProfileInvalid, _invalid)
@strawberry.type(description="The profile was not saved: every problem found, by field.")
class InvalidTravelerProfile:
    message: str = strawberry.field(description="All problems in one sentence.")
    problems: list[FieldProblem] = strawberry.field(description="One entry per problem.")


@strawberry.type(description="The profile as saved.")
class TravelerProfileSaved:
    traveler: Traveler = strawberry.field(description="The saved profile.")


TravelerProfileResult: TypeAlias = Annotated[
    TravelerProfileSaved | InvalidTravelerProfile,
    strawberry.union("TravelerProfileResult", description="The saved profile, or every problem with the input."),
]


def _graphql_name(name: str) -> str:
    if name in GRAPHQL_FIELD:
        return GRAPHQL_FIELD[name]
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
