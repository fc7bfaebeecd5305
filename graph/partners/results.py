"""Result unions of the partner-client mutations: the outcome, or the refusal named after its condition."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry

from graph.edge.refusals import refusal_of
from graph.partners.types import PartnerClient
from models.partners import errors as refusals


@strawberry.type(description="A client with its new secret. The secret is shown only this once.")
class PartnerClientCredentials:
    client: PartnerClient = strawberry.field(description="The client.")
    client_secret: str = strawberry.field(description="The OAuth `client_secret`; store it now, it is not kept.")


@refusal_of(refusals.PartnerClientNameTaken)
@strawberry.type(description="Another partner client already has this name.")
class PartnerClientNameTaken:
    message: str = strawberry.field(description="Human-readable explanation.")


@refusal_of(refusals.PartnerClientInvalid)
@strawberry.type(description="The input is not valid (a name, or scopes that do not exist).")
class PartnerClientInvalid:
    message: str = strawberry.field(description="What is wrong.")


@refusal_of(refusals.PartnerClientNotFound)
@strawberry.type(description="No partner client has this id.")
class PartnerClientNotFound:
    message: str = strawberry.field(description="Human-readable explanation.")


@refusal_of(refusals.PartnerClientRevoked)
@strawberry.type(description="The partner client is revoked; it cannot be changed any more.")
class PartnerClientRevoked:
    message: str = strawberry.field(description="Human-readable explanation.")


CreatePartnerClientResult: TypeAlias = Annotated[
    PartnerClientCredentials | PartnerClientNameTaken | PartnerClientInvalid,
    strawberry.union("CreatePartnerClientResult", description="The new client and its secret, or why not."),
]
RotatePartnerClientSecretResult: TypeAlias = Annotated[
    PartnerClientCredentials | PartnerClientNotFound | PartnerClientRevoked,
    strawberry.union("RotatePartnerClientSecretResult", description="The client's new secret, or why not."),
]
RevokePartnerClientResult: TypeAlias = Annotated[
    PartnerClient | PartnerClientNotFound | PartnerClientRevoked,
    strawberry.union("RevokePartnerClientResult", description="The revoked client, or why not."),
]
