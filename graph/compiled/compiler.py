"""Compile a validated query document into ONE PostgreSQL statement that builds the response's JSON.

`compile_document(schema, document, operation_name)` returns a Plan, or None when any selected field is
not compilable (no SQL metadata, see graph/compiled/meta.py), the document uses directives (@skip/@include
are not compiled), selects no connection root, or is not a query. A Plan is kept per (text, operation) by
graph/compiled/hook.py and rendered per argument shape: the roots decide the WHERE, ORDER BY and cursor
for the arguments and the caller (`ConnectionRoot.page`), the selection decides the JSON.

The statement, for `{ launches(first: 2) { edges { cursor node { id agency { legalName } } } } }`:

    SELECT json_build_object('launches', r0.j)::text AS data, ... FROM (
      SELECT json_build_object('edges', coalesce(json_agg(json_build_object('cursor', <cursor of p0>,
        'node', json_build_object('id', p0.id, 'agency', (SELECT json_build_object('legalName', c1.legal_name)
        FROM agencies c1 WHERE c1.id = p0.agency_id))) ORDER BY p0._n) FILTER (WHERE p0._n <= :r0_first),
        '[]'::json)) AS j
      FROM (SELECT t.*, row_number() OVER (ORDER BY <order>) AS _n FROM launches t WHERE <rows the caller
            may see, filters, keyset> ORDER BY <order> LIMIT :r0_first + 1) p0) r0
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.utilities import get_operation_ast

from graph.compiled import meta
from graph.compiled.meta import Page

MAX_KEYS = 50  # json_build_object takes at most 100 arguments


class NotCompilable(Exception):
    """Some part of the document has no SQL: Strawberry runs it."""


# The compiled selection: a tree the renderer turns into SQL for one page shape.
@dataclass(frozen=True)
class Obj:
    type_name: str
    fields: tuple[tuple[str, Any], ...]  # response key -> node


@dataclass(frozen=True)
class Literal:
    sql: str


@dataclass(frozen=True)
class Same:
    obj: Obj


@dataclass(frozen=True)
class One:
    spec: meta.ToOne
    obj: Obj


@dataclass(frozen=True)
class Many:
    spec: meta.ToMany
    obj: Obj


@dataclass(frozen=True)
class CursorNode:
    pass


@dataclass(frozen=True)
class Root:
    key: str
    field: GraphQLField
    node: FieldNode
    root: meta.ConnectionRoot
    parts: tuple[tuple[str, Any], ...]  # key -> ("edges", Obj) | ("pageInfo", ((key, name), ...)) | Literal


@dataclass(frozen=True)
class Plan:
    document: DocumentNode
    operation: OperationDefinitionNode
    keys: tuple[tuple[str, Any], ...]  # root response keys -> Root | Literal (__typename), in order
    # The statement per shape of the roots' pages (conditions, order, cursor): rendered once each.
    statements: dict[tuple[Any, ...], str] = field(default_factory=dict, compare=False, hash=False)


def shape(pages: list[Page]) -> tuple[Any, ...]:
    return tuple(
        (
            page.table,
            tuple(page.where),
            tuple(page.order),
            page.cursor,
            page.has_previous,
            tuple(page.extras.items()),
            page.first if page.generic_plan else None,
        )
        for page in pages
    )


def statement_for(plan: Plan, pages: list[Page], prefixes: list[str]) -> str:
    key = shape(pages)
    found = plan.statements.get(key)
    if found is None:
        if len(plan.statements) >= 64:  # argument shapes are few; never let one document grow without bound
            plan.statements.clear()
        found = plan.statements[key] = render(plan, pages, prefixes)
    return found


def compile_document(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Plan | None:
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation != OperationType.QUERY or operation.directives:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    query = schema.query_type
    assert query is not None
    try:
        grouped = collect(query, [operation.selection_set], fragments)
        keys: list[tuple[str, Any]] = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                keys.append((key, Literal(meta.quote(query.name))))
                continue
            field = query.fields.get(name)
            spec = declared(field)
            if not isinstance(spec, meta.Connection) or field is None:
                return None
            parts = connection_parts(get_named_type(field.type), nodes, fragments)  # type: ignore[arg-type]
            keys.append((key, Root(key, field, nodes[0], spec.root, parts)))
    except NotCompilable:
        return None
    if not any(isinstance(value, Root) for _, value in keys) or len(keys) > MAX_KEYS:
        return None
    return Plan(document, operation, tuple(keys))


def declared(field: GraphQLField | None) -> Any:
    definition = (field.extensions or {}).get("strawberry-definition") if field is not None else None
    return (getattr(definition, "metadata", None) or {}).get(meta.SQL)


def collect(
    parent: GraphQLObjectType, selection_sets: list[SelectionSetNode], fragments: dict[str, FragmentDefinitionNode]
) -> dict[str, list[FieldNode]]:
    """Fields by response key, in first-seen order (as graphql-core merges them), fragments expanded."""
    grouped: dict[str, list[FieldNode]] = {}

    def walk(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise NotCompilable("directives")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is not None and condition.name.value != parent.name:
                    raise NotCompilable("type condition")
                walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None or fragment.directives or fragment.type_condition.name.value != parent.name:
                    raise NotCompilable("fragment")
                walk(fragment.selection_set)

    for selection_set in selection_sets:
        walk(selection_set)
    return grouped


def sub_selections(nodes: list[FieldNode]) -> list[SelectionSetNode]:
    return [node.selection_set for node in nodes if node.selection_set is not None]


def object_type(field: GraphQLField) -> GraphQLObjectType:
    named = get_named_type(field.type)  # type: ignore[arg-type]
    if not isinstance(named, GraphQLObjectType):
        raise NotCompilable("not an object type")
    return named


def compile_object(
    parent: GraphQLObjectType, nodes: list[FieldNode], fragments: dict[str, FragmentDefinitionNode]
) -> Obj:
    fields: list[tuple[str, Any]] = []
    for key, group in collect(parent, sub_selections(nodes), fragments).items():
        name = group[0].name.value
        if name == "__typename":
            fields.append((key, Literal(meta.quote(parent.name))))
            continue
        field = parent.fields.get(name)
        spec = declared(field)
        if field is None or spec is None or field.args:
            raise NotCompilable(f"{parent.name}.{name}")
        if isinstance(spec, meta.Scalar):
            fields.append((key, spec))
        elif isinstance(spec, meta.SameRow):
            fields.append((key, Same(compile_object(object_type(field), group, fragments))))
        elif isinstance(spec, meta.ToOne):
            fields.append((key, One(spec, compile_object(object_type(field), group, fragments))))
        elif isinstance(spec, meta.ToMany):
            fields.append((key, Many(spec, compile_object(object_type(field), group, fragments))))
        elif isinstance(spec, meta.Cursor):
            fields.append((key, CursorNode()))
        else:
            raise NotCompilable(f"{parent.name}.{name}")
    if len(fields) > MAX_KEYS:
        raise NotCompilable("too many keys")
    return Obj(parent.name, tuple(fields))


PAGE_INFO_FIELDS = ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")


def connection_parts(
    connection: GraphQLObjectType, nodes: list[FieldNode], fragments: dict[str, FragmentDefinitionNode]
) -> tuple[tuple[str, Any], ...]:
    parts: list[tuple[str, Any]] = []
    for key, group in collect(connection, sub_selections(nodes), fragments).items():
        name = group[0].name.value
        if name == "__typename":
            parts.append((key, Literal(meta.quote(connection.name))))
            continue
        field = connection.fields.get(name)
        spec = declared(field)
        if field is None:
            raise NotCompilable(name)
        if isinstance(spec, meta.Edges):
            parts.append((key, ("edges", compile_object(object_type(field), group, fragments))))
        elif isinstance(spec, meta.PageInfo):
            info = object_type(field)
            chosen = []
            for info_key, info_group in collect(info, sub_selections(group), fragments).items():
                info_name = info_group[0].name.value
                if info_name != "__typename" and info_name not in PAGE_INFO_FIELDS:
                    raise NotCompilable(info_name)
                chosen.append((info_key, info_name))
            parts.append((key, ("pageInfo", tuple(chosen))))
        else:
            raise NotCompilable(name)
    if len(parts) > MAX_KEYS:
        raise NotCompilable("too many keys")
    return tuple(parts)


# Rendering: SQL text for one plan and the pages its roots chose.


class Renderer:
    def __init__(self) -> None:
        self.aliases: Iterator[int] = itertools.count(1)
        self.cursor_used = False

    def obj(self, obj: Obj, alias: str, cursor: str) -> str:
        pairs = []
        for key, node in obj.fields:
            pairs.append(f"{meta.quote(key)}, {self.value(node, alias, cursor)}")
        return f"json_build_object({', '.join(pairs)})"

    def value(self, node: Any, alias: str, cursor: str) -> str:
        if isinstance(node, meta.Scalar):
            return node.json(alias)
        if isinstance(node, Literal):
            return node.sql
        if isinstance(node, CursorNode):
            self.cursor_used = True
            return cursor.replace("{t}", alias)
        if isinstance(node, Same):
            return self.obj(node.obj, alias, cursor)
        child = f"c{next(self.aliases)}"
        if isinstance(node, One):
            on = node.spec.on.replace("{c}", child).replace("{t}", alias)
            return f"(SELECT {self.obj(node.obj, child, cursor)} FROM {node.spec.table} {child} WHERE {on})"
        if isinstance(node, Many):
            source = node.spec.source.replace("{c}", child)
            on = node.spec.on.replace("{c}", child).replace("{t}", alias)
            order = node.spec.order.replace("{c}", child)
            built = self.obj(node.obj, child, cursor)
            return f"coalesce((SELECT json_agg({built} ORDER BY {order}) FROM {source} WHERE {on}), '[]'::json)"
        raise NotCompilable(repr(node))


def render(plan: Plan, pages: list[Page], prefixes: list[str]) -> str:
    """The statement for these pages (one per Root of the plan, in order); `data` is the JSON text."""
    renderer = Renderer()
    root_pairs: list[str] = []
    froms: list[str] = []
    extras: list[str] = []
    pages_iter = iter(zip(pages, prefixes, strict=True))
    for key, value in plan.keys:
        if isinstance(value, Literal):
            root_pairs.append(f"{meta.quote(key)}, {value.sql}")
            continue
        page, prefix = next(pages_iter)
        name = f"r{len(froms)}"
        root_pairs.append(f"{meta.quote(key)}, {name}.j")
        froms.append(f"({connection_sql(renderer, value, page, prefix)}) {name}")
        extras.extend(f"{sql} AS {prefix}{extra}" for extra, sql in page.extras.items())
    columns = ", ".join([f"json_build_object({', '.join(root_pairs)})::text AS data", *extras])
    return f"SELECT {columns} FROM {' CROSS JOIN '.join(froms)}"


def connection_sql(renderer: Renderer, root: Root, page: Page, prefix: str) -> str:
    """The page's rows (one more than asked: hasNextPage) numbered in order, each with its cursor computed
    once (`_c`, when selected), aggregated into the connection's JSON."""
    alias = f"p{prefix}"
    first = f"CAST(:{prefix}first AS integer)"
    cursor = f"{alias}._c"
    renderer.cursor_used = False
    pairs = []
    for key, part in root.parts:
        if isinstance(part, Literal):
            pairs.append(f"{meta.quote(key)}, {part.sql}")
        elif part[0] == "edges":
            edge = renderer.obj(part[1], alias, cursor)
            built = f"json_agg({edge} ORDER BY {alias}._n) FILTER (WHERE {alias}._n <= {first})"
            pairs.append(f"{meta.quote(key)}, coalesce({built}, '[]'::json)")
        else:
            info = []
            for info_key, info_name in part[1]:
                renderer.cursor_used |= info_name in ("startCursor", "endCursor")
                info.append(f"{meta.quote(info_key)}, {page_info_value(info_name, alias, cursor, first, page)}")
            pairs.append(f"{meta.quote(key)}, json_build_object({', '.join(info)})")
    order = ", ".join(term.replace("{t}", "t") for term in page.order)
    where = " AND ".join(f"({condition.replace('{t}', 't')})" for condition in page.where) or "true"
    own_cursor = f", {page.cursor.replace('{t}', 't')} AS _c" if renderer.cursor_used else ""
    rows = (
        f"SELECT t.*, row_number() OVER (ORDER BY {order}) AS _n{own_cursor} FROM {page.table} t WHERE {where} "
        f"ORDER BY {order} LIMIT {page.first + 1 if page.generic_plan else f'{first} + 1'}"
    )
    # GROUP BY (): one row even when nothing selected aggregates (`launches { __typename }`) or no row matched
    return f"SELECT json_build_object({', '.join(pairs)}) AS j FROM ({rows}) {alias} GROUP BY ()"


def page_info_value(name: str, alias: str, cursor: str, first: str, page: Page) -> str:
    if name == "__typename":
        return meta.quote("PageInfo")
    if name == "hasNextPage":
        return f"count(*) > {first}"
    if name == "hasPreviousPage":
        return "true" if page.has_previous else "false"
    direction = "" if name == "startCursor" else " DESC"
    return f"(array_agg({cursor} ORDER BY {alias}._n{direction}) FILTER (WHERE {alias}._n <= {first}))[1]"
