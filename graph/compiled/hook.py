"""The compiled read path: where a validated query becomes one SQL statement instead of field-by-field execution.

`CompiledReads` is the last schema extension (graph/schema.py). Its `on_execute` runs after parsing,
validation and the limits (graph/edge/limits.py: shape, cost, NUL checks) and after the partner scope check
(graph/edge/permissions.py), each of which may already have set the result; then, for an HTTP request
(graph/edge/http.py marks its context `compiled_reads`) whose document compiles (graph/compiled/compiler.py,
kept per text and operation name), it runs the statement and sets the result to PostgreSQL's JSON bytes, so
Strawberry skips execution. A document compiled before is answered by `compiled_answer`, called from
graph/edge/http.py before Strawberry: the same limit refusal (the guard's `refusal`) and partner scope check
run first, then the statement. Everything around execution (APQ registration, usage counting, rate limits,
error formatting, the response cache) is the same on both paths. Anything the compiled path does not answer
exactly as Strawberry would (bad variables, a refused argument or caller, a store error) falls back to
Strawberry, which answers it as it always has.

Logger `astro.compiled` at DEBUG shows each statement and its parameters.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from cachetools import LRUCache
from graphql import GraphQLError, GraphQLSchema
from graphql.execution import ExecutionResult as GraphQLExecutionResult
from graphql.execution.values import get_argument_values, get_variable_values
from opentelemetry.trace import SpanKind
from strawberry.extensions import SchemaExtension

from auth import policies
from graph.compiled.compiler import Plan, Root, compile_document, statement_for
from graph.compiled.meta import Page, Refused
from graph.edge.permissions import partner_refusal
from models.base import utcnow
from models.monitoring import tracing

log = logging.getLogger("astro.compiled")

NOT_COMPILABLE = object()
# Per schema (tests assemble others), per document text and operation name: the Plan or NOT_COMPILABLE.
_plans: weakref.WeakKeyDictionary[GraphQLSchema, LRUCache[tuple[str, str | None], Any]] = weakref.WeakKeyDictionary()
_statements: LRUCache[str, Statement] = LRUCache(1024)


class Answer:
    """A compiled answer: the JSON text of `data` (orjson writes it as it is)."""

    __slots__ = ("fragment",)

    def __init__(self, data: str) -> None:
        self.fragment = orjson.Fragment(data)


def plan_for(schema: GraphQLSchema, query: str, operation_name: str | None, document: Any) -> Plan | None:
    plans = _plans.get(schema)
    if plans is None:
        plans = _plans[schema] = LRUCache(1024)
    key = (query, operation_name)
    found = plans.get(key)
    if found is None:
        found = plans[key] = compile_document(schema, document, operation_name) or NOT_COMPILABLE
    return found if isinstance(found, Plan) else None


def known_plan(schema: GraphQLSchema, query: str, operation_name: str | None) -> Plan | None:
    """The plan of a document already compiled for this schema (so parsed and validated before), else None."""
    plans = _plans.get(schema)
    found = plans.get((query, operation_name)) if plans is not None else None
    return found if isinstance(found, Plan) else None


async def compiled_answer(schema: Any, query: str, operation_name: str | None, variables: Any, context: Any) -> Any:
    """graph/edge/http.py's shortcut for a document compiled before: the same checks the extensions make
    before execution (NUL and cost limits, partner scopes), then the statement; None hands the request to
    Strawberry (a refusal is then reported by Strawberry's path, exactly as always)."""
    plan = known_plan(schema._schema, query, operation_name)
    if plan is None or not isinstance(variables, dict):
        return None
    guard = schema.edge_guard
    if guard is None or guard.refusal(schema._schema, query, plan.document, operation_name, variables) is not None:
        return None
    principal = context.principal
    partner = policies.is_partner_client(principal)
    if partner and partner_refusal(schema._schema, plan.document, operation_name, principal.scopes) is not None:
        return None
    if tracing.tracer() is None:
        return await guarded(plan, schema._schema, variables, context)
    # The operation's span, as Strawberry's path has (graph/edge/telemetry.py); parsed and validated before.
    kind, name = plan.operation.operation.value, plan.operation.name.value if plan.operation.name else "(anonymous)"
    attributes = {"graphql.operation.type": kind, "graphql.operation.name": name, "graphql.compiled": True}
    with tracing.open_span(f"{kind} {name}", SpanKind.INTERNAL, attributes) as span:
        answer = await guarded(plan, schema._schema, variables, context)
        if answer is None and span is not None:
            span.set_attribute("graphql.compiled", False)  # it failed: Strawberry answers (its own span)
        return answer


async def guarded(plan: Plan, schema: GraphQLSchema, variables: dict[str, Any], context: Any) -> Any | None:
    try:
        return await run_plan(plan, schema, variables, context)
    except Exception:  # a store error or a bug: Strawberry answers (and reports) it
        log.warning("compiled read failed; executing normally", exc_info=True)
        return None


# A bind parameter, as SQLAlchemy's text() finds them: `:name`, not `::type`, not inside a word (`HH24:MI`).
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


@dataclass(frozen=True)
class Statement:
    """A rendered statement in asyncpg's form: `$n` for the n-th distinct `:name`, and the names in order."""

    sql: str
    names: tuple[str, ...]

    def args(self, params: dict[str, Any]) -> list[Any]:
        return [params[name] for name in self.names]


def positional(sql: str) -> Statement:
    names: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${names.setdefault(match.group(1), len(names) + 1)}"

    converted = _BIND.sub(number, sql)
    return Statement(converted, tuple(names))


def statement(sql: str) -> Statement:
    found = _statements.get(sql)
    if found is None:
        found = _statements[sql] = positional(sql)
        log.debug("compiled statement:\n%s", sql)
    return found


async def run_plan(plan: Plan, schema: GraphQLSchema, variables: dict[str, Any], context: Any) -> Any | None:
    """The compiled answer (and context.fresh_until set), or None when Strawberry must answer."""
    coerced = get_variable_values(schema, plan.operation.variable_definitions or (), variables)
    if isinstance(coerced, list):  # invalid variables: Strawberry reports them
        return None
    now: datetime = utcnow()
    pages: list[Page] = []
    prefixes: list[str] = []
    roots: list[Root] = [value for _, value in plan.keys if isinstance(value, Root)]
    try:
        for index, root in enumerate(roots):
            prefix = f"r{index}_"
            args = get_argument_values(root.field, root.node, coerced)
            page = root.root.page(args, context.principal, now, prefix)
            page.params[f"{prefix}first"] = page.first
            pages.append(page)
            prefixes.append(prefix)
    except (Refused, GraphQLError):
        return None
    sql = statement_for(plan, pages, prefixes)
    params: dict[str, Any] = {}
    for page in pages:
        params.update(page.params)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("compiled read: %s %s", plan.operation.name.value if plan.operation.name else "", params)
    compiled = statement(sql)
    extras = await context.services.db.read_row(compiled.sql, compiled.args(params))
    fresh: datetime | None = None
    try:
        for root, page, prefix in zip(roots, pages, prefixes, strict=True):
            own = {name: extras[f"{prefix}{name}"] for name in page.extras}
            root.root.check(own)
            until = root.root.fresh_until(own)
            fresh = until if fresh is None or (until is not None and until < fresh) else fresh
    except Refused:
        return None
    if fresh is not None:
        context.fresh_until = fresh
    return Answer(extras["data"])


class CompiledReads(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        execution = self.execution_context
        context = execution.context
        if (
            execution.result is None
            and getattr(context, "compiled_reads", False)
            and execution.query is not None
            and execution.graphql_document is not None
        ):
            schema = execution.schema._schema
            # Keyed by the name the request gave (None for a lone unnamed choice), as http.py looks it up.
            given_name = getattr(execution, "_provided_operation_name", execution.operation_name)
            plan = plan_for(schema, execution.query, given_name, execution.graphql_document)
            if plan is not None:
                answer = await guarded(plan, schema, execution.variables or {}, context)
                if answer is not None:
                    execution.result = GraphQLExecutionResult(data=answer.fragment, errors=None)  # type: ignore[arg-type]
        yield
