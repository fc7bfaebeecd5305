"""Which document an operation runs: free-form text, an APQ hash, or a trusted document (`documentId`).

Policy:
- a partner client (role `client`) may run only the documents of its manifest, named by `documentId`
  (`sha256:<hex>`), by APQ hash, or sent as text equal to one of them. A free-form query is
  QUERY_NOT_IN_SAFELIST (403), an unknown id PERSISTED_QUERY_NOT_IN_LIST (404). A revoked client is
  refused (401) even with a token that has not expired yet.
- with `safelist_only` set, every other caller may run only documents of some registered manifest.
- otherwise anything goes, and APQ registers documents by hash.
- behind the federated gateway the first two rules are enforced at the gateway, which resolves documents
  through this module (graph/edge/gateway.py); its own sub-queries, carrying its proof, run as sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from cachetools import LRUCache
from graphql import GraphQLError, OperationDefinitionNode, parse, specified_rules
from strawberry.schema.schema import validate_document

from auth import policies
from auth.principal import Principal
from graph.edge.apq import HEX64, VERSION, PersistedQueryStore, sha256_hex
from graph.edge.limits import Limits, check_shape
from graph.edge.permissions import partner_refusal
from graph.edge.protocol import RequestError
from graph.settings import Settings
from models.partners.persisted import ManifestOperation
from models.store.db import Database
from resolvers.partners import persisted
from resolvers.partners.persisted import DocumentValidator


@dataclass
class Operation:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    document_id: str | None = None  # SHA-256 hex of the text, when the request named a document
    register_apq: bool = False  # query and hash sent together: register once the operation validated
    client_id: str | None = None  # the partner client running a trusted document (usage is counted)


class PersistedQueryNotFound(Exception):
    """Apollo's APQ miss: answered 200 with PERSISTED_QUERY_NOT_FOUND so the client sends the text."""


class TrustedDocuments:
    """Documents of any registered manifest by id, for the global safelist. Positive answers are kept
    in-process for `ttl` seconds (a document removed from every manifest stays runnable that long here)."""

    def __init__(self, db: Database, *, ttl: float = 60.0, size: int = 4096) -> None:
        self.db, self.ttl = db, ttl
        self.local: LRUCache[str, tuple[float, str]] = LRUCache(size)

    async def body(self, document_id: str) -> str | None:
        found = self.local.get(document_id)
        if found is not None and found[0] > time.monotonic():
            return found[1]
        async with self.db.unit_of_work() as uow:
            body = await persisted.safelisted_body(uow, document_id=document_id)
        if body is not None:
            self.local[document_id] = (time.monotonic() + self.ttl, body)
        return body


def requested_hash(params: dict[str, Any]) -> str | None:
    """The document hash a request names (documentId or APQ), after checking the protocol's rules."""
    query, document_id = params.get("query"), params.get("documentId")
    extensions = params.get("extensions") or {}
    named = None
    if document_id is not None:
        if not document_id.startswith("sha256:") or not HEX64.match(document_id[7:]):
            raise RequestError(400, "`documentId` must be sha256:<64 lowercase hex digits>")
        if query is not None:
            raise RequestError(400, "Send either `documentId` or `query`, not both")
        named = document_id[7:]
    apq = extensions.get("persistedQuery")
    if apq is not None:
        if not isinstance(apq, dict) or apq.get("version") != VERSION:
            raise RequestError(400, "Unsupported persisted query version")
        sha = apq.get("sha256Hash")
        if not isinstance(sha, str) or not HEX64.match(sha) or (named and named != sha):
            raise RequestError(400, "`persistedQuery.sha256Hash` must be 64 lowercase hex digits")
        if query is not None and sha256_hex(query) != sha:
            raise RequestError(400, "provided sha does not match query")
        named = sha
    return named


class DocumentStores(Protocol):
    """What resolving a document reads (graph.services.Services has it all)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def apq(self) -> PersistedQueryStore: ...
    @property
    def trusted(self) -> TrustedDocuments: ...


async def resolve(
    params: dict[str, Any], principal: Principal | None, services: DocumentStores, *, via_gateway: bool = False
) -> Operation:
    """`via_gateway`: the request carries the federated gateway's proof (graph/edge/gateway.py), which enforced
    the partner and safelist rules on the client's own document; its generated sub-queries run as sent."""
    named = requested_hash(params)
    operation = Operation(params.get("query"), params.get("variables"), params.get("operationName"), named)
    if not via_gateway and policies.is_partner_client(principal):
        return await _for_partner(operation, principal, services.db)
    if not via_gateway and services.settings.safelist_only:
        return await _safelisted(operation, services.trusted)
    if named is None:
        return operation
    if operation.query is not None:
        operation.register_apq = "persistedQuery" in (params.get("extensions") or {})
        return operation
    operation.query = await services.apq.get(named) or await services.trusted.body(named)
    if operation.query is None:
        if params.get("documentId") is not None:
            raise RequestError(404, "No registered document has this id", "PERSISTED_QUERY_NOT_IN_LIST")
        raise PersistedQueryNotFound
    return operation


def _free_form(operation: Operation) -> bool:
    """A request carrying its text is checked by the text's hash."""
    if operation.document_id is None:
        if operation.query is None:
            raise RequestError(400, "No GraphQL query found in the request")
        operation.document_id = sha256_hex(operation.query)
    return operation.query is not None


def _not_in_list(free_form: bool) -> RequestError:
    if free_form:
        return RequestError(403, "Only registered operations may run here", "QUERY_NOT_IN_SAFELIST")
    return RequestError(404, "This operation is not in the registered list", "PERSISTED_QUERY_NOT_IN_LIST")


async def _for_partner(operation: Operation, principal: Principal, db: Database) -> Operation:
    free_form = _free_form(operation)
    assert operation.document_id is not None
    async with db.unit_of_work() as uow:
        found = await persisted.client_document(uow, client_id=principal.id, document_id=operation.document_id)
    if found is None or found.revoked:
        headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        raise RequestError(401, "This partner client is revoked", "UNAUTHENTICATED", headers)
    if found.body is None:
        raise _not_in_list(free_form)
    operation.query, operation.client_id = found.body, principal.id
    return operation


async def _safelisted(operation: Operation, trusted: TrustedDocuments) -> Operation:
    free_form = _free_form(operation)
    assert operation.document_id is not None
    body = await trusted.body(operation.document_id)
    if body is None:
        raise _not_in_list(free_form)
    operation.query = body
    return operation


def manifest_validator(schema: Any, limits: Limits, scopes: frozenset[str] | None = None) -> DocumentValidator:
    """Checks a manifest operation the way a request would be: it parses, holds one operation of the
    declared type and name, stays within the limits, validates against the schema, and a partner holding
    `scopes` (None: any partner scope) may run it."""

    def validate(operation: ManifestOperation) -> list[str]:
        try:
            document = parse(operation.body, max_tokens=limits.max_tokens)
        except GraphQLError as error:
            return [error.message]
        found = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(found) != 1:
            return ["a manifest document holds exactly one operation"]
        problems = []
        if found[0].operation.value != operation.type:
            problems.append(f"declared type {operation.type!r} but the document is a {found[0].operation.value}")
        if (found[0].name.value if found[0].name else None) != operation.name:
            problems.append("`name` differs from the operation's name")
        refused = check_shape(document, limits)
        errors = [refused] if refused else validate_document(schema._schema, document, tuple(specified_rules))
        if errors:
            return problems + [error.message for error in errors]
        denied = partner_refusal(schema._schema, document, operation.name, scopes)
        return problems + ([denied.message] if denied else [])

    return validate
